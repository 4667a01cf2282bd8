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
#include "core/Membrane.hpp"
#include "core/RandomStream.hpp"
#include "core/StateEvents.hpp"
#include "core/Timeline.hpp"
#include "solvers/EventLocation.hpp"
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
    : model_(model), cargo_(model), timeline_(model, settings.t_end), settings_(settings), reactions_(model.reactions.size()), routes_(model.routes.size()) {
    const std::size_t channelCount = reactions_ + 2 * routes_;
    useTree_ = selection == SsaSelection::Tree || (selection == SsaSelection::Automatic && channelCount >= kTreeMinChannels);
    // Counts are whole molecules: a fractional amount in the input has no exact meaning here.
    auto requireWhole = [](double amount, const std::string& what) {
        if (amount != std::floor(amount))
            throw InputError("", 0, 0, what + " is " + formatAmount(amount) + ": the ssa method counts whole molecules");
    };
    // A species that holds a value (Model::valueSpecies: only events or rules set it) may be fractional.
    const std::vector<bool> value = model.valueSpecies();
    for (std::size_t i = 0; i < model.species.size(); ++i)
        if (!value[i]) requireWhole(model.species[i].initial, "the initial amount of species '" + model.species[i].name + "'");
    for (const auto& e : model.events)
        for (const auto& c : e.changes)
            if (!value[c.species]) requireWhole(c.amount, "an event's amount of species '" + model.species[c.species].name + "'");
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
    // A route that buds per um^2 of its donor (Form::Area) changes its propensity whenever a
    // vesicle buds from that donor or fuses into it.
    for (std::size_t r = 0; r < routes_; ++r) {
        if (!model.routes[r].buddingPerDonorArea) continue;
        const std::size_t donor = model.routes[r].from;
        for (std::size_t q = 0; q < routes_; ++q) {
            std::vector<std::size_t> changers;
            if (model.routes[q].from == donor) changers.push_back(reactions_ + q);
            if (model.routes[q].to == donor && !model.compartments[donor].degrades_membrane) changers.push_back(reactions_ + routes_ + q);
            for (const std::size_t c : changers) {
                std::set<std::size_t> merged(dependents[c].begin(), dependents[c].end());
                merged.insert(reactions_ + r);
                dependents[c].assign(merged.begin(), merged.end());  // kept in increasing order
            }
        }
    }
    dependentBegin_.push_back(0);
    for (const auto& d : dependents) {
        dependents_.insert(dependents_.end(), d.begin(), d.end());
        dependentBegin_.push_back(dependents_.size());
    }

    // The laws in a flat form: the propensity update is the inner loop of the method.
    if (model.species.size() + 1 > std::numeric_limits<std::uint32_t>::max() || channels > std::numeric_limits<std::uint32_t>::max() ||
        dependents_.size() > std::numeric_limits<std::uint32_t>::max() || netChange_.size() > std::numeric_limits<std::uint32_t>::max())
        throw InputError("", 0, 0, "the model is too large for the ssa method's 32-bit channel tables");
    const auto one = static_cast<std::uint32_t>(model.species.size());  // the slot that holds 1.0
    law_.resize(channels);
    auto classify = [&](ChannelLaw& ch, const RateLaw& law) {
        ch.law = &law;
        if (law.kind != RateLawKind::MassAction || law.order.size() > 2) return;
        const bool single = law.order.size() == 1 && law.order[0].count == 1;
        const bool pair = law.order.size() == 2 && law.order[0].count == 1 && law.order[1].count == 1;
        if (law.order.empty() || single || pair) ch.form = Form::Product;
        else if (law.order.size() == 1 && law.order[0].count == 2) ch.form = Form::Dimer;
        else return;
        ch.a = law.order.empty() ? one : static_cast<std::uint32_t>(law.order[0].species);
        ch.b = pair ? static_cast<std::uint32_t>(law.order[1].species) : one;
    };
    for (std::size_t j = 0; j < reactions_; ++j) classify(law_[j], model.reactions[j].law);
    for (std::size_t r = 0; r < routes_; ++r) {
        classify(law_[reactions_ + r], model.routes[r].budding);
        if (model.routes[r].buddingPerDonorArea) {  // mass action of order 0 (io/ModelReader): k x factor
            law_[reactions_ + r].form = Form::Area;
            law_[reactions_ + r].a = static_cast<std::uint32_t>(r);
        }
        law_[reactions_ + routes_ + r].form = Form::Fusion;
        law_[reactions_ + routes_ + r].a = static_cast<std::uint32_t>(r);
    }
    // Each channel's dependents by form, then the pointers (the vectors no longer grow).
    struct Ranges {
        std::size_t productBegin, dimerBegin, dimerEnd, otherBegin, otherEnd;
    };
    std::vector<Ranges> ranges(channels);
    for (std::size_t c = 0; c < channels; ++c) {
        Ranges& u = ranges[c];
        u.productBegin = kernels_.size();
        for (const Form form : {Form::Product, Form::Dimer}) {
            if (form == Form::Dimer) u.dimerBegin = kernels_.size();
            for (std::size_t i = dependentBegin_[c]; i < dependentBegin_[c + 1]; ++i) {
                const auto d = dependents_[i];
                if (law_[d].form == form) kernels_.push_back(Kernel{static_cast<std::uint32_t>(d), law_[d].a, law_[d].b});
            }
        }
        u.dimerEnd = kernels_.size();
        u.otherBegin = others_.size();
        for (std::size_t i = dependentBegin_[c]; i < dependentBegin_[c + 1]; ++i) {
            const auto d = dependents_[i];
            if (law_[d].form == Form::Fusion || law_[d].form == Form::Area || law_[d].form == Form::General)
                others_.push_back(static_cast<std::uint32_t>(d));
        }
        u.otherEnd = others_.size();
    }
    for (std::size_t c = 0; c < channels; ++c) {
        const Ranges& r = ranges[c];
        const NetChange* net = netChange_.data();
        updates_.push_back(Updates{c < reactions_ ? net + netBegin_[c] : net, c < reactions_ ? net + netBegin_[c + 1] : net,
                                   kernels_.data() + r.productBegin, kernels_.data() + r.dimerBegin, kernels_.data() + r.dimerEnd,
                                   others_.data() + r.otherBegin, others_.data() + r.otherEnd});
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
    if (!model_.stateEvents.empty())
        return useTree_ ? runWith<true, true>(replicate, baseParameters, observer)
                        : runWith<false, true>(replicate, baseParameters, observer);
    return useTree_ ? runWith<true, false>(replicate, baseParameters, observer)
                    : runWith<false, false>(replicate, baseParameters, observer);
}

template <bool kTree, bool kEvents>
std::uint64_t SsaSolver::runWith(std::size_t replicate, const std::vector<double>& baseParameters,
                                 TrajectoryObserver& observer) const {
    RandomStream rng(settings_.seed, replicate, StreamPurpose::Trajectory);
    const std::size_t S = model_.species.size();
    const std::size_t channels = reactions_ + 2 * routes_;

    // One slot past the species holds 1.0: a zero- or first-order law multiplies by it (exact).
    std::vector<double> x(S + 1, 1.0);
    for (std::size_t i = 0; i < S; ++i) x[i] = model_.species[i].initial;
    VesicleRoutes routes(model_, cargo_, replicate, observer);
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
    // State events: the state changes only at reactions, so a trigger over species is checked
    // after each; a trigger that reads t is located between reactions (docs/methods.md).
    StateEvents events(model_, /*wholeAmounts=*/true);
    constexpr bool hasEvents = kEvents;
    const bool timeTriggers = kEvents && events.triggersReadTime();

    auto fail = [&](const std::string& what) {
        std::ostringstream msg;
        msg << "ssa: " << what << " at t = " << t << " s (replicate " << replicate << ")";
        throw SolverError(msg.str());
    };
    // Each channel's constant k, resolved once per segment (law_ says how it is used).
    std::vector<double> rateConstant(channels, 0.0);
    const ChannelLaw* const lawOf = law_.data();
    // Called whenever the values in force change (a new segment, an event's assignment): the
    // samples' assignment rules read them too.
    auto resolveConstants = [&] {
        grid.setParameters(parameters);
        routes.setParameters(model_, parameters);
        for (std::size_t c = 0; c < channels; ++c) {
            const ChannelLaw& ch = lawOf[c];
            double& k = rateConstant[c];
            if (ch.form == Form::Fusion) k = routes.fusionRate(ch.a);  // checked here; compute() asks routes
            else if (ch.form != Form::General) k = model_.valueOf(ch.law->k, parameters);
            // With k in [0, max] and amounts >= 0, a product or a dimer is >= 0; an overflow to
            // +inf shows in the total, checked at every event (the per-channel check was a tenth
            // of the loop).
            if (ch.form != Form::General && !(k >= 0.0 && k <= std::numeric_limits<double>::max()))
                badPropensity(c, k, t, replicate);
        }
    };
    double* const xs = x.data();
    double* const prop = useTree ? tree.leaves() : propensity.data();
    const double* const kOf = rateConstant.data();
    auto productKernel = [&](const Kernel& u) __attribute__((always_inline)) {
        prop[u.channel] = kOf[u.channel] * xs[u.a] * xs[u.b];
    };
    auto dimerKernel = [&](const Kernel& u) __attribute__((always_inline)) {
        const double n = xs[u.a];
        prop[u.channel] = n > 1.0 ? kOf[u.channel] * n * (n - 1.0) * 0.5 : 0.0;
    };
    // Any form; the event loop uses the kernels above for products and dimers.
    auto compute = [&](std::size_t c) {
        const ChannelLaw& ch = lawOf[c];
        switch (ch.form) {
            case Form::Product: productKernel(Kernel{static_cast<std::uint32_t>(c), ch.a, ch.b}); return;
            case Form::Dimer: dimerKernel(Kernel{static_cast<std::uint32_t>(c), ch.a, ch.b}); return;
            case Form::Fusion: prop[c] = routes.fusionPropensity(ch.a); return;  // >= 0; an overflow shows in the total
            case Form::Area:  // >= 0 (the factor is); an overflow shows in the total
                prop[c] = kOf[c] * buddingAreaFactor(model_, ch.a, pool.budded().data(), pool.fused().data(), t);
                return;
            case Form::General: break;
        }
        const double a = stochasticPropensity(model_, *ch.law, xs, parameters);
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
    const Updates* const updates = updates_.data();
    const std::size_t* const dependentBegin = dependentBegin_.data();
    const std::size_t* const dependent = dependents_.data();
    const std::size_t reactions = reactions_, routeCount = routes_;
    [[maybe_unused]] auto negativeAmount = [&](std::size_t c, std::size_t species) __attribute__((noinline, cold)) {
        fail("reaction '" + model_.reactions[c].name + "' fired with too few molecules of '" + model_.species[species].name +
             "' (its rate does not fall to 0 with that species)");
    };

    // One segment: events one by one until segmentEnd; the next event is drawn afresh after every
    // stop. The time (`now`; `t`, which the error messages read, is set before anything that may
    // throw or report), the event count, the next sample time and the next maturation are locals
    // that nothing outside the loop takes the address of: the compiler may keep them in registers,
    // and the sample time and maturation are read again only when they can have changed.
    // (Keeping the generator's state in such locals too did not pay: in this large function the
    // compiler spilled them anyway, and copying them around every vesicle event cost more.)
    auto advanceTo = [&](double segmentEnd) __attribute__((always_inline)) {
        double now = t;
        std::uint64_t count = fired;
        double sampleAt = grid.nextTime();
        double maturation = pool.nextMaturation();
        for (;;) {
            const double total = useTree ? tree.total() : sumOfPropensities(prop, paddedChannels);
            if (!(total <= std::numeric_limits<double>::max())) {
                t = now;
                badTotal();
            }
            double horizon = std::min(segmentEnd, maturation);
            if constexpr (hasEvents) horizon = std::min(horizon, events.nextPending());
            const double next = total > 0.0 ? now + rng.exponential() / total : std::numeric_limits<double>::infinity();
            if (kEvents && timeTriggers) {
                // The state is constant until `next`: only t can change a trigger before then. The
                // wait is memoryless, so the draw is dropped when an execution comes first.
                const double until = std::min(next, horizon);
                if (events.changed(xs, parameters.data(), until)) {
                    const double tau = locateChange(now, until, [&](double s) { return events.changed(xs, parameters.data(), s); });
                    t = now;
                    emitBefore(tau);
                    sampleAt = grid.nextTime();
                    now = t = tau;
                    if (events.process(xs, parameters, t)) computeAll();
                    maturation = pool.nextMaturation();
                    continue;
                }
            }
            if (next >= horizon) {
                t = now;
                emitBefore(horizon);
                now = t = horizon;
                pool.matureUntil(t);
                maturation = pool.nextMaturation();
                for (std::size_t r = 0; r < routeCount; ++r) refresh(reactions + routeCount + r);
                sampleAt = grid.nextTime();
                if (t >= segmentEnd) break;
                if constexpr (hasEvents) {
                    if (events.process(xs, parameters, t)) computeAll();
                    maturation = pool.nextMaturation();
                }
                continue;
            }
            if (next > sampleAt) {
                emitBefore(next);
                sampleAt = grid.nextTime();
            }
            now = next;
            // Select channel c with probability propensity[c] / total.
            const double target = rng.uniform() * total;
            std::size_t c = channels;
            if constexpr (useTree) {
                c = tree.select(target);  // never a channel with propensity 0, rounding or not
            } else {
                // The first i with target < a_0 + ... + a_i. It has a_i > 0: adding 0 leaves the
                // sum, and the test, as they were at i - 1 (and target >= 0 at i = 0), so the
                // loop needs no test of a_i (a third of its instructions on the default model).
                double sum = 0.0;
                for (std::size_t i = 0; i < channels; ++i) {
                    sum += prop[i];
                    if (target < sum) {
                        c = i;
                        break;
                    }
                }
                // A rounding miss (target >= the sum, which can differ from total in its last
                // bits): the last channel with positive propensity, as if the sum had reached it.
                if (c == channels)
                    for (std::size_t i = channels; i-- > 0;)
                        if (prop[i] > 0.0) {
                            c = i;
                            break;
                        }
            }
            // Fire c.
            const Updates& u = updates[c];
            if (c < reactions) {
                for (const NetChange* n = u.netBegin; n != u.netEnd; ++n) {
                    double& amount = xs[n->species];
                    amount += n->delta;
                    if (amount < 0.0) {
                        t = now;
                        negativeAmount(c, n->species);
                    }
                }
            } else {
                t = now;
                if (c < reactions + routeCount) routes.bud<Amounts::Whole>(c - reactions, t, xs, rng);
                else routes.fuse(c - reactions - routeCount, t, xs, rng);
                maturation = pool.nextMaturation();
            }
            for (const Kernel* k = u.productBegin; k != u.dimerBegin; ++k) productKernel(*k);
            for (const Kernel* k = u.dimerBegin; k != u.dimerEnd; ++k) dimerKernel(*k);
            if (u.otherBegin != u.otherEnd) {
                t = now;
                for (const std::uint32_t* o = u.otherBegin; o != u.otherEnd; ++o) compute(*o);
            }
            // The dependents are in increasing order (the constructor lists them from sets).
            if constexpr (useTree) tree.updateSorted(dependent + dependentBegin[c], dependentBegin[c + 1] - dependentBegin[c]);
            if ((++count & 0xfff) == 0) {
                fired = count;
                throwIfStopRequested();
            }
            if constexpr (hasEvents) {
                t = now;
                if (events.process(xs, parameters, t)) computeAll();
                maturation = pool.nextMaturation();
                sampleAt = grid.nextTime();
            }
        }
        fired = count;
    };
    walkSegments(
        timeline_, settings_.t_end, baseParameters, grid, [&] { return xs; },
        [&](std::vector<double> values) {
            parameters = std::move(values);
            if (hasEvents) {
                events.overlay(parameters);
                events.process(xs, parameters, t);  // the first call starts the events at t = 0
            }
            computeAll();
        },
        advanceTo, emitSample);
    observer.replicateFinished(replicate);
    return fired;
}

}  // namespace egress
