#include "solvers/SsaSolver.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "core/Error.hpp"
#include "core/Interrupt.hpp"
#include "core/Kinetics.hpp"
#include "core/RandomStream.hpp"
#include "core/Timeline.hpp"
#include "solvers/SampleGrid.hpp"
#include "solvers/SegmentWalk.hpp"
#include "solvers/SumTree.hpp"
#include "solvers/VesicleRoutes.hpp"

namespace egress {

namespace {

std::string formatAmount(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

/// Four partial sums over an array padded with zeros to a multiple of 4, added in a fixed order:
/// one long chain of dependent additions was the costliest line of the loop, and a loop without
/// a remainder the cheapest in instructions. The order is part of the result; threads never change it.
inline double sumOfPropensities(const double* a, std::size_t paddedCount) {
    // The loop below, unrolled for the common small models (same additions in the same order).
    if (paddedCount == 4) return (a[0] + a[1]) + (a[2] + a[3]);
    if (paddedCount == 8) return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (std::size_t c = 0; c < paddedCount; c += 4) {
        s0 += a[c];
        s1 += a[c + 1];
        s2 += a[c + 2];
        s3 += a[c + 3];
    }
    return (s0 + s1) + (s2 + s3);
}

}  // namespace

SsaSolver::SsaSolver(const Model& model, const SimulationSettings& settings, SsaSelection selection)
    : model_(model), settings_(settings), reactions_(model.reactions.size()), routes_(model.routes.size()) {
    const std::size_t channelCount = reactions_ + 2 * routes_;
    useTree_ = selection == SsaSelection::Tree || (selection == SsaSelection::Automatic && channelCount >= kTreeMinChannels);
    // Counts are whole molecules: a fractional amount in the input has no exact meaning here.
    auto requireWhole = [](double amount, const std::string& what) {
        if (amount != std::floor(amount))
            throw InputError("", 0, 0, what + " is " + formatAmount(amount) + ": the ssa method counts whole molecules");
    };
    for (const auto& s : model.species) requireWhole(s.initial, "the initial amount of species '" + s.name + "'");
    for (const auto& e : model.events)
        for (const auto& c : e.changes) requireWhole(c.amount, "an event's amount of species '" + model.species[c.species].name + "'");
    // A propensity that moves with time between reactions would need its integral inverted,
    // not an exponential wait: such laws are for ode and hybrid (docs/methods.md).
    auto refuseTime = [](const RateLaw& law, const std::string& owner) {
        if (lawReadsTime(law))
            throw InputError("", 0, 0, "the rate law of " + owner + " reads the time 't': the ssa method needs propensities that change only when a reaction fires; use ode or hybrid");
    };
    for (const auto& r : model.reactions) refuseTime(r.law, "reaction '" + r.name + "'");
    for (const auto& r : model.routes) refuseTime(r.budding, "the budding of vesicle route '" + r.name + "'");
    if (!model.rateRules.empty())
        throw InputError("", 0, 0, "species '" + model.species[model.rateRules.front().species].name +
                                       "' has a rate rule: its amount changes continuously between reactions, which the ssa method does not follow; use ode or hybrid");
    // Channel layout: [reactions][bud per route][fusion per route].
    const std::size_t channels = reactions_ + 2 * routes_;
    std::vector<std::vector<std::size_t>> readers(model.species.size());
    for (std::size_t j = 0; j < reactions_; ++j)
        for (auto s : speciesRead(model.reactions[j].law)) readers[s].push_back(j);
    for (std::size_t r = 0; r < routes_; ++r)
        for (auto s : speciesRead(model.routes[r].budding)) readers[s].push_back(reactions_ + r);

    std::vector<std::vector<std::size_t>> dependents(channels);
    auto dependOn = [&](std::size_t c, const std::set<std::size_t>& changedSpecies, std::set<std::size_t> extra) {
        for (auto s : changedSpecies) extra.insert(readers[s].begin(), readers[s].end());
        dependents[c].assign(extra.begin(), extra.end());
    };
    netBegin_.push_back(0);
    for (std::size_t j = 0; j < reactions_; ++j) {
        std::map<std::size_t, int> net;
        for (const auto& t : model.reactions[j].reactants) net[t.species] -= t.count;
        for (const auto& t : model.reactions[j].products) net[t.species] += t.count;
        std::set<std::size_t> changed;
        for (const auto& [s, d] : net)
            if (d != 0) {
                changed.insert(s);
                netChange_.push_back(NetChange{s, static_cast<double>(d)});
            }
        netBegin_.push_back(netChange_.size());
        dependOn(j, changed, {});
    }
    for (std::size_t r = 0; r < routes_; ++r) {
        std::set<std::size_t> donors, acceptors;
        for (const auto& c : model.routes[r].cargo) {
            donors.insert(c.donor);
            acceptors.insert(c.acceptor);
        }
        const std::size_t bud = reactions_ + r, fuse = reactions_ + routes_ + r;
        // A bud without delay adds a competent vesicle: its route's fusion channel changes.
        dependOn(bud, donors, model.routes[r].delay > 0.0 ? std::set<std::size_t>{} : std::set<std::size_t>{fuse});
        dependOn(fuse, acceptors, {fuse});
    }
    dependentBegin_.push_back(0);
    for (const auto& d : dependents) {
        dependents_.insert(dependents_.end(), d.begin(), d.end());
        dependentBegin_.push_back(dependents_.size());
    }
}

void SsaSolver::badPropensity(std::size_t c, double a, double t, std::size_t replicate) const {
    const std::string name = c < reactions_ ? "reaction '" + model_.reactions[c].name + "'"
                                            : "vesicle route '" + model_.routes[(c - reactions_) % routes_].name + "'";
    std::ostringstream msg;
    msg << "ssa: the propensity of " << name << " is " << a << " at t = " << t << " s (replicate " << replicate << ")";
    throw SolverError(msg.str());
}

std::uint64_t SsaSolver::run(std::size_t replicate, const std::vector<double>& baseParameters,
                    TrajectoryObserver& observer) const {
    return useTree_ ? runWith<true>(replicate, baseParameters, observer) : runWith<false>(replicate, baseParameters, observer);
}

template <bool kTree>
std::uint64_t SsaSolver::runWith(std::size_t replicate, const std::vector<double>& baseParameters,
                                 TrajectoryObserver& observer) const {
    RandomStream rng(settings_.seed, replicate, StreamPurpose::Trajectory);
    const Timeline timeline(model_, settings_.t_end);
    const std::size_t S = model_.species.size();
    const std::size_t channels = reactions_ + 2 * routes_;

    // One slot past the species holds 1.0: a zero- or first-order law multiplies by it (exact).
    std::vector<double> x(S + 1, 1.0);
    for (std::size_t i = 0; i < S; ++i) x[i] = model_.species[i].initial;
    const std::size_t one = S;
    VesicleRoutes routes(model_, replicate, observer);
    VesiclePool& pool = routes.pool();
    SampleGrid grid(model_, settings_, replicate);
    std::vector<double> parameters;  ///< in force in the current segment
    const std::size_t paddedChannels = (channels + 3) / 4 * 4;
    constexpr bool useTree = kTree;
    // Direct: the propensities in a padded array; tree: the tree's leaves.
    std::vector<double> propensity(useTree ? 0 : paddedChannels, 0.0);  // the padding stays 0
    SumTree tree(useTree ? channels : 0);
    double t = 0.0;
    std::uint64_t fired = 0;

    auto fail = [&](const std::string& what) {
        std::ostringstream msg;
        msg << "ssa: " << what << " at t = " << t << " s (replicate " << replicate << ")";
        throw SolverError(msg.str());
    };
    // The common laws in a flat form, with their constants resolved once per segment: the
    // propensity update is the inner loop of the method.
    // Product: k x[a] x[b], which covers mass action of order 0, 1 and 1 + 1 (a missing factor is
    // the slot that holds 1); Dimer: k x (x - 1) / 2.
    enum class Form : std::uint8_t { Product, Dimer, Fusion, General };
    struct Channel {
        Form form = Form::General;
        double k = 0.0;
        std::size_t a = 0, b = 0;  ///< species (or the route, for fusion)
        const RateLaw* law = nullptr;
    };
    std::vector<Channel> channel(channels);
    auto classify = [&](Channel& ch, const RateLaw& law) {
        ch.law = &law;
        if (law.kind != RateLawKind::MassAction || law.order.size() > 2) return;
        const bool single = law.order.size() == 1 && law.order[0].count == 1;
        const bool pair = law.order.size() == 2 && law.order[0].count == 1 && law.order[1].count == 1;
        if (law.order.empty() || single || pair) ch.form = Form::Product;
        else if (law.order.size() == 1 && law.order[0].count == 2) ch.form = Form::Dimer;
        else return;
        ch.a = law.order.empty() ? one : law.order[0].species;
        ch.b = pair ? law.order[1].species : one;
    };
    for (std::size_t j = 0; j < reactions_; ++j) classify(channel[j], model_.reactions[j].law);
    for (std::size_t r = 0; r < routes_; ++r) {
        classify(channel[reactions_ + r], model_.routes[r].budding);
        channel[reactions_ + routes_ + r].form = Form::Fusion;
        channel[reactions_ + routes_ + r].a = r;
    }
    auto resolveConstants = [&] {
        routes.setParameters(model_, parameters);
        for (std::size_t c = 0; c < channels; ++c) {
            Channel& ch = channel[c];
            if (ch.form == Form::Fusion) ch.k = routes.fusionRate(ch.a);  // checked here; compute() asks routes
            else if (ch.form != Form::General) ch.k = model_.valueOf(ch.law->k, parameters);
            // With k in [0, max] and amounts >= 0, a product is >= 0; an overflow to +inf shows
            // in the total, checked at every event (the per-channel check was a tenth of the loop).
            if (ch.form != Form::General && !(ch.k >= 0.0 && ch.k <= std::numeric_limits<double>::max()))
                badPropensity(c, ch.k, t, replicate);
        }
    };
    double* const xs = x.data();
    double* const prop = useTree ? tree.leaves() : propensity.data();
    const Channel* const chan = channel.data();
    auto compute = [&](std::size_t c) {
        const Channel& ch = chan[c];
        if (ch.form == Form::Product) {
            prop[c] = ch.k * xs[ch.a] * xs[ch.b];
            return;
        }
        if (ch.form == Form::Fusion) {  // >= 0 like a product; an overflow shows in the total
            prop[c] = routes.fusionPropensity(ch.a);
            return;
        }
        const double a = ch.form == Form::Dimer ? (xs[ch.a] > 1.0 ? ch.k * xs[ch.a] * (xs[ch.a] - 1.0) * 0.5 : 0.0)
                                                : stochasticPropensity(model_, *ch.law, xs, parameters);
        if (!(a >= 0.0 && a <= std::numeric_limits<double>::max())) badPropensity(c, a, t, replicate);
        prop[c] = a;
    };
    auto badTotal = [&]() __attribute__((noinline, cold)) {
        for (std::size_t c = 0; c < channels; ++c)
            if (!(prop[c] >= 0.0 && prop[c] <= std::numeric_limits<double>::max())) badPropensity(c, prop[c], t, replicate);
        fail("the total propensity overflowed");
    };
    auto computeAll = [&] {
        resolveConstants();
        for (std::size_t c = 0; c < channels; ++c) compute(c);
        if constexpr (useTree) tree.rebuild();
    };
    auto refresh = [&](std::size_t c) __attribute__((always_inline)) {
        compute(c);
        if constexpr (useTree) tree.update(c);
    };
    auto emitSample = [&] {
        grid.emit(observer, x.data(), pool.budded().data(), pool.fused().data(), pool.inTransit().data(),
                  pool.cargoInTransit().data());
    };
    auto emitBefore = [&](double limit) {
        while (!grid.done() && grid.nextTime() < limit) emitSample();
    };
    // The tables of the loop in locals: members are reloaded through `this` after every call.
    const std::size_t* const netBegin = netBegin_.data();
    const NetChange* const netChange = netChange_.data();
    const std::size_t* const dependentBegin = dependentBegin_.data();
    const std::size_t* const dependent = dependents_.data();
    const std::size_t reactions = reactions_, routeCount = routes_;
    auto fire = [&](std::size_t c) __attribute__((always_inline)) {
        if (c < reactions) {
            for (std::size_t i = netBegin[c]; i < netBegin[c + 1]; ++i) {
                double& amount = xs[netChange[i].species];
                amount += netChange[i].delta;
                if (amount < 0.0)
                    fail("reaction '" + model_.reactions[c].name + "' fired with too few molecules of '" +
                         model_.species[netChange_[i].species].name + "' (its rate does not fall to 0 with that species)");
            }
        } else if (c < reactions + routeCount) {
            routes.bud<Amounts::Whole>(c - reactions, t, xs, rng);
        } else {
            routes.fuse(c - reactions - routeCount, t, xs, rng);
        }
        for (std::size_t i = dependentBegin[c]; i < dependentBegin[c + 1]; ++i) compute(dependent[i]);
        // The dependents are in increasing order (the constructor lists them from sets).
        if constexpr (useTree) tree.updateSorted(dependent + dependentBegin[c], dependentBegin[c + 1] - dependentBegin[c]);
    };

    // One segment: events one by one until segmentEnd; the next event is drawn afresh after every stop.
    auto advanceTo = [&](double segmentEnd) __attribute__((always_inline)) {
        for (;;) {
            const double total = useTree ? tree.total() : sumOfPropensities(prop, paddedChannels);
            if (!(total <= std::numeric_limits<double>::max())) badTotal();
            const double horizon = std::min(segmentEnd, pool.nextMaturation());
            const double next = total > 0.0 ? t + rng.exponential() / total : std::numeric_limits<double>::infinity();
            if (next >= horizon) {
                emitBefore(horizon);
                t = horizon;
                pool.matureUntil(t);
                for (std::size_t r = 0; r < routes_; ++r) refresh(reactions_ + routes_ + r);
                if (t >= segmentEnd) return;
                continue;
            }
            if (next > grid.nextTime()) emitBefore(next);
            t = next;
            // Select channel c with probability propensity[c] / total.
            const double target = rng.uniform() * total;
            std::size_t chosen = channels;
            if constexpr (useTree) {
                chosen = tree.select(target);  // never a channel with propensity 0, rounding or not
            } else {
                double sum = 0.0;
                for (std::size_t c = 0; c < channels; ++c) {
                    if (prop[c] <= 0.0) continue;
                    chosen = c;
                    sum += prop[c];
                    if (target < sum) break;
                }
            }
            fire(chosen);  // a rounding miss keeps the last channel with positive propensity
            if ((++fired & 0xfff) == 0) throwIfStopRequested();
        }
    };
    walkSegments(
        timeline, settings_.t_end, baseParameters, grid, [&] { return xs; },
        [&](std::vector<double> values) {
            parameters = std::move(values);
            computeAll();
        },
        advanceTo, emitSample);
    observer.replicateFinished(replicate);
    return fired;
}

}  // namespace egress
