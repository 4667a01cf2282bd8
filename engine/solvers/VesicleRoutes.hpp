#pragma once
// What a vesicle route does in the stochastic methods (`ssa` and `hybrid`), written once:
//  - a bud of route r takes each cargo pair's load from its donor species (each molecule with
//    the pair's capture probability: its own, else the route's), adds a carrier with that load
//    to the pool and reports it;
//  - a fusion of route r takes one competent carrier chosen uniformly, delivers its load to the
//    acceptor species and reports it; the route of a fusion is chosen in proportion to
//    fusionPropensity(r) = fusion_rate x competent carriers.
// The methods differ only in how they hold amounts (whole molecules or continuous amounts) and in
// when an event happens; what an event does is here. Random numbers are drawn in a fixed order
// (per cargo pair at a bud; one uniform for the route, one for the carrier at a fusion), which is
// part of every result. Inline: a bud or a fusion is most events of the ssa method.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/Model.hpp"
#include "core/Observer.hpp"
#include "core/RandomStream.hpp"
#include "solvers/VesiclePool.hpp"

namespace egress {

/// How a method holds species amounts, which decides how a bud's load is drawn.
enum class Amounts {
    Whole,       ///< whole molecules (ssa): Binomial(donor, capture) of each cargo pair
    Continuous,  ///< continuous amounts (hybrid): Binomial(floor(donor), capture), plus the
                 ///< fractional remainder with probability `capture` (mean load capture x donor,
                 ///< as in the ode flux; never more than the donor)
};

/// The vesicle routes of one replicate: the carriers (VesiclePool), the capture probability and
/// fusion rate of each route in force, and the report of every bud and fusion to the observer.
class VesicleRoutes {
public:
    /// `cargo` is the solver's table of the model's cargo pairs; it must outlive the routes.
    VesicleRoutes(const Model& model, const CargoTable& cargo, std::size_t replicate, TrajectoryObserver& observer);
    VesicleRoutes(const VesicleRoutes&) = delete;  // the pool is not copyable either
    VesicleRoutes& operator=(const VesicleRoutes&) = delete;

    std::size_t count() const { return fusionRate_.size(); }

    /// Resolves every cargo pair's capture probability and every route's fusion rate under the
    /// parameter values in force (one segment of the Timeline).
    void setParameters(const Model& model, const std::vector<double>& parameters);
    /// Probability that each molecule of cargo pair k of route r is packaged per bud, in force.
    double capture(std::size_t r, std::size_t k) const { return capture_[cargo_.begin[r] + k]; }
    /// Fusion rate per competent carrier, 1/s, in force.
    double fusionRate(std::size_t r) const { return fusionRate_[r]; }

    /// Propensity of a fusion on route r, 1/s: fusion_rate x competent carriers.
    double fusionPropensity(std::size_t r) const {
        return fusionRate_[r] * static_cast<double>(pool_.competent(r));
    }
    /// Sum of fusionPropensity over the routes (in route order), 1/s.
    double totalFusionPropensity() {
        double total = 0.0;
        for (std::size_t r = 0; r < count(); ++r) {
            fusionPropensityOf_[r] = fusionPropensity(r);
            total += fusionPropensityOf_[r];
        }
        return total;
    }
    /// The route of the next fusion, with probability fusionPropensity(r) / total (one uniform
    /// draw). A rounding miss at the top keeps the last route that can fuse; count() when none can.
    std::size_t chooseFusionRoute(RandomStream& rng) {
        const double total = totalFusionPropensity();
        double target = rng.uniform() * total;
        std::size_t chosen = count();
        for (std::size_t r = 0; r < count(); ++r) {
            if (fusionPropensityOf_[r] <= 0.0) continue;
            chosen = r;
            if (target < fusionPropensityOf_[r]) break;
            target -= fusionPropensityOf_[r];
        }
        return chosen;
    }

    /// A bud of route r at time t (s): each cargo pair's load is drawn from amounts[donor] and
    /// taken from it; the carrier joins the pool and is reported.
    template <Amounts kind>
    void bud(std::size_t r, double t, double* amounts, RandomStream& rng) {
        const double* const captures = capture_.data() + cargo_.begin[r];
        const std::size_t* const donors = cargo_.donorsOf(r);
        double* const loads = loads_.data();
        for (std::size_t k = 0, pairs = cargo_.pairs(r); k < pairs; ++k) {
            const double capture = captures[k];
            double& donor = amounts[donors[k]];
            if constexpr (kind == Amounts::Whole) {
                loads[k] = static_cast<double>(rng.binomial(static_cast<std::uint64_t>(donor), capture));
            } else {
                const double amount = std::max(0.0, donor);
                const double whole = std::floor(amount);
                loads[k] = static_cast<double>(rng.binomial(static_cast<std::uint64_t>(whole), capture));
                if (rng.uniform() < capture) loads[k] += amount - whole;
            }
            donor -= loads[k];
        }
        const auto id = pool_.bud(r, t, loads);
        reporter_.report(t, r, VesicleEventKind::Bud, id, loads);
    }

    /// A fusion of route r at time t (s): a competent carrier chosen uniformly (one uniform
    /// draw; route r must have one) delivers its load to amounts[acceptor] and is reported.
    void fuse(std::size_t r, double t, double* amounts, RandomStream& rng) {
        const auto n = pool_.competent(r);
        const auto index =
            std::min<std::size_t>(static_cast<std::size_t>(rng.uniform() * static_cast<double>(n)), n - 1);
        const auto fused = pool_.fuse(r, index);
        const std::size_t* const acceptors = cargo_.acceptorsOf(r);
        for (std::size_t k = 0, pairs = cargo_.pairs(r); k < pairs; ++k) amounts[acceptors[k]] += fused.loads[k];
        reporter_.report(t, r, VesicleEventKind::Fuse, fused.id, fused.loads);
    }

    /// The carriers: maturation (stops of the methods) and the counters that samples report.
    VesiclePool& pool() { return pool_; }
    const VesiclePool& pool() const { return pool_; }

private:
    const CargoTable& cargo_;
    VesiclePool pool_;
    VesicleEventReporter reporter_;
    std::vector<double> capture_;     ///< per cargo pair, laid out as cargo_ (route r's from begin[r])
    std::vector<double> fusionRate_;  ///< per route
    std::vector<double> fusionPropensityOf_;  ///< per route, from the last totalFusionPropensity()
    std::vector<double> loads_;               ///< per cargo pair of the budding route
};

}  // namespace egress
