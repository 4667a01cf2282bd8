#pragma once
// The discrete carriers of one replicate in the stochastic methods: each vesicle has an id, a
// route and a load per cargo pair; it waits `delay` after budding (maturing), then can fuse
// (competent). Counters and cargo in transit are kept up to date for sampling.
#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

#include "core/Model.hpp"
#include "core/Observer.hpp"

namespace egress {

/// The cargo pairs of every vesicle route, flattened for the inner loops of the stochastic
/// methods: route r's pairs are [begin[r], begin[r + 1]) of `donor` and `acceptor`. Fixed by the
/// model: a solver builds it once and its replicates' pools, routes and reporters read it (built
/// per replicate, three times, it was a tenth of setting up a short trajectory).
struct CargoTable {
    explicit CargoTable(const Model& model);
    std::size_t pairs(std::size_t route) const { return begin[route + 1] - begin[route]; }
    const std::size_t* donorsOf(std::size_t route) const { return donor.data() + begin[route]; }
    const std::size_t* acceptorsOf(std::size_t route) const { return acceptor.data() + begin[route]; }
    std::vector<std::size_t> donor, acceptor, begin;
    std::size_t mostPairs = 0;  ///< of any one route
};

class VesiclePool {
public:
    /// `cargo` must outlive the pool (the solver's table).
    VesiclePool(const Model& model, const CargoTable& cargo);
    VesiclePool(const VesiclePool&) = delete;
    VesiclePool& operator=(const VesiclePool&) = delete;

    /// A new vesicle of `route` budded at `time` carrying loads[k] of cargo pair k. Returns its id.
    /// Inline with plain loops: a bud or a fusion is most events of the ssa method.
    std::uint64_t bud(std::size_t route, double time, const double* loads) {
        RouteVesicles& rv = routes_[route];
        const std::uint64_t id = nextId_++;
        if (rv.delay > 0.0) {
            startMaturing(rv, id, time, loads);
        } else {
            rv.competentIds.push_back(id);
            for (std::size_t k = 0; k < rv.cargoCount; ++k) rv.competentLoads.push_back(loads[k]);
        }
        for (std::size_t k = 0; k < rv.cargoCount; ++k) cargoInTransit_[rv.acceptors[k]] += loads[k];
        budded_[route] += 1.0;
        inTransit_[route] += 1.0;
        return id;
    }

    /// Earliest time a maturing vesicle becomes competent; +inf when none is maturing.
    double nextMaturation() const {
        return anyDelay_ ? earliestMaturation() : std::numeric_limits<double>::infinity();
    }
    /// Makes every vesicle with bud time + delay <= time competent.
    void matureUntil(double time);

    std::size_t competent(std::size_t route) const { return routes_[route].competentIds.size(); }

    struct Fused {
        std::uint64_t id = 0;
        const double* loads = nullptr;  ///< per cargo pair, valid until the next call
    };
    /// Fuses competent vesicle `index` (0 <= index < competent(route)) of `route`.
    Fused fuse(std::size_t route, std::size_t index) {
        RouteVesicles& rv = routes_[route];
        const std::size_t K = rv.cargoCount;
        const std::size_t last = rv.competentIds.size() - 1;
        double* const loads = rv.competentLoads.data();
        Fused out;
        out.id = rv.competentIds[index];
        for (std::size_t k = 0; k < K; ++k) {
            fusedLoads_[k] = loads[index * K + k];
            cargoInTransit_[rv.acceptors[k]] -= fusedLoads_[k];
        }
        // Swap with the last and pop: O(1); the order of competent vesicles carries no meaning.
        rv.competentIds[index] = rv.competentIds[last];
        for (std::size_t k = 0; k < K; ++k) loads[index * K + k] = loads[last * K + k];
        rv.competentIds.pop_back();
        rv.competentLoads.resize(last * K);
        fused_[route] += 1.0;
        inTransit_[route] -= 1.0;
        out.loads = fusedLoads_.data();
        return out;
    }

    const std::vector<double>& budded() const { return budded_; }
    const std::vector<double>& fused() const { return fused_; }
    const std::vector<double>& inTransit() const { return inTransit_; }
    /// Cargo inside vesicles in transit, by acceptor species.
    const std::vector<double>& cargoInTransit() const { return cargoInTransit_; }

private:
    double earliestMaturation() const;
    struct RouteVesicles;
    static void startMaturing(RouteVesicles& rv, std::uint64_t id, double time, const double* loads);
    struct RouteVesicles {
        std::size_t cargoCount = 0;
        const std::size_t* acceptors = nullptr;  ///< into the solver's CargoTable
        double delay = 0.0;
        std::vector<std::uint64_t> competentIds;
        std::vector<double> competentLoads;  ///< cargoCount per vesicle
        std::deque<std::uint64_t> maturingIds;
        std::deque<double> maturingSince;    ///< bud times; FIFO because a route's delay is fixed
        std::deque<double> maturingLoads;
    };

    std::vector<RouteVesicles> routes_;
    std::vector<double> budded_, fused_, inTransit_, cargoInTransit_;
    std::vector<double> fusedLoads_;
    std::uint64_t nextId_ = 0;
    bool anyDelay_ = false;  ///< without delays nothing ever matures: skip the scan
};

/// Reports buds and fusions of one replicate to an observer, with the load by acceptor species;
/// to an observer that does not want them, nothing.
class VesicleEventReporter {
public:
    /// `cargo` must outlive the reporter (the solver's table).
    VesicleEventReporter(const Model& model, const CargoTable& cargo, std::size_t replicate, TrajectoryObserver& observer)
        : replicate_(replicate), observer_(observer), wanted_(observer.wantsVesicleEvents()),
          load_(wanted_ ? model.species.size() : 0, 0.0), cargo_(cargo) {}

    /// `routeLoads[k]` is the load of the route's cargo pair k; pairs sharing an acceptor add up.
    void report(double time, std::size_t route, VesicleEventKind kind, std::uint64_t id, const double* routeLoads) {
        if (!wanted_) return;
        const std::size_t* const first = cargo_.acceptorsOf(route);
        const std::size_t pairs = cargo_.pairs(route);
        for (std::size_t k = 0; k < pairs; ++k) load_[first[k]] += routeLoads[k];
        VesicleEvent e;
        e.replicate = replicate_;
        e.time = time;
        e.route = route;
        e.kind = kind;
        e.vesicle = id;
        e.load = load_.data();
        observer_.vesicleEvent(e);
        for (std::size_t k = 0; k < pairs; ++k) load_[first[k]] = 0.0;
    }

private:
    std::size_t replicate_;
    TrajectoryObserver& observer_;
    bool wanted_;
    std::vector<double> load_;
    const CargoTable& cargo_;
};

}  // namespace egress
