// Random streams of the `ssa` method (docs/validation.md D; engine/core/RandomStream.hpp): a replicate's
// trajectory is a function of (seed, replicate index) only. The same seed gives bit-identical
// amounts, counters and vesicle events; replicate i is the same whether it runs alone, after
// other replicates, in reverse order or concurrently with them on other threads; other replicate
// indices and other seeds give other trajectories. These checks are exact (no statistics).
#include <cstring>
#include <thread>

#include "StatSupport.hpp"

using namespace egress;
using egress::testing::loadText;
using egress::testing::runReplicate;
using egress::testing::Trajectory;

namespace {

// Reactions, a route with delay and binomial capture, an event and a perturbation: every kind of
// random draw (exponential waiting times, channel choice, binomial loads, fusion choice) and every
// kind of stop (breakpoint, maturation, sample).
const char* kParams = R"(
[model]
name = "reproducibility"
compartments = { ER = { area = 100.0 }, Golgi = { area = 50.0 } }
species = { A = { compartment = "ER", initial = 200 }, G = { compartment = "Golgi" }, D = { compartment = "Golgi" } }
parameters = { k_syn = 3.0, k_deg = 0.01, k_bud = 0.8, k_out = 0.05 }
reactions = [
  { name = "synthesis", equation = "-> A", k = "k_syn" },
  { name = "degradation", equation = "A ->", k = "k_deg" },
  { name = "dimerise", equation = "2 G -> D", k = 0.001 },
  { name = "out", equation = "G ->", k = "k_out" } ]
[[model.vesicles]]
name = "copii"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = "k_bud" }
cargo = { A = "G" }
capture = 0.07
fusion_rate = 0.3
delay = 1.5
vesicle_area = 0.0113
[simulation]
method = "ssa"
t_end = 60.0
output_interval = 1.0
replicates = 5
seed = 424242
[[perturbations]]
target = "k_bud"
scale = 0.25
start = 20.5
end = 33.3
[[events]]
at = 40.0
add = { A = 100 }
)";

Trajectory emptyTrajectory(const RunConfig& c) {
    Trajectory t;
    t.species = c.model.species.size();
    t.routes = c.model.routes.size();
    t.compartments = c.model.compartments.size();
    t.keepEvents = true;
    return t;
}

bool bitEqual(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

bool bitEqual(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!bitEqual(a[i], b[i])) return false;
    return true;
}

/// Empty when identical, else what differs first.
std::string difference(const Trajectory& a, const Trajectory& b) {
    if (!bitEqual(a.times, b.times)) return "times";
    if (!bitEqual(a.amounts, b.amounts)) return "amounts";
    if (!bitEqual(a.budded, b.budded)) return "budded";
    if (!bitEqual(a.fused, b.fused)) return "fused";
    if (!bitEqual(a.inTransit, b.inTransit)) return "in transit";
    if (!bitEqual(a.cargo, b.cargo)) return "cargo in transit";
    if (!bitEqual(a.area, b.area)) return "membrane area";
    if (a.events.size() != b.events.size()) return "number of events";
    for (std::size_t i = 0; i < a.events.size(); ++i) {
        const auto &x = a.events[i], &y = b.events[i];
        if (x.replicate != y.replicate || std::memcmp(&x.time, &y.time, sizeof(double)) != 0 || x.route != y.route ||
            x.kind != y.kind || x.vesicle != y.vesicle)
            return "event " + std::to_string(i);
    }
    if (!bitEqual(a.eventLoads, b.eventLoads)) return "event loads";
    return "";
}

}  // namespace

TEST(ReproducibilitySsa, SameSeedGivesBitIdenticalTrajectoriesAndEvents) {
    const RunConfig c = loadText(kParams);
    const Trajectory a = runReplicate(c, 2, true), b = runReplicate(c, 2, true);
    ASSERT_EQ(a.times.size(), 61u);
    ASSERT_GT(a.events.size(), 20u) << "the trajectory should exercise the route";
    EXPECT_EQ(difference(a, b), "");
    for (const auto& ev : a.events) EXPECT_EQ(ev.replicate, 2u);
}

// An observer that declines vesicle events (a file without the event log) gets no events and the
// same samples: reporting draws nothing from the stream and changes no state.
TEST(ReproducibilitySsaAndHybrid, SamplesDoNotDependOnWhetherEventsAreReported) {
    for (const Method method : {Method::Ssa, Method::Hybrid}) {
        RunConfig c = loadText(kParams);
        c.simulation.method = method;
        const Trajectory withEvents = runReplicate(c, 1, true), without = runReplicate(c, 1, false);
        ASSERT_GT(withEvents.events.size(), 20u);
        EXPECT_EQ(without.eventCalls, 0u) << "events were assembled for an observer that declined them";
        Trajectory samplesOnly = withEvents;
        samplesOnly.events.clear();
        samplesOnly.eventLoads.clear();
        EXPECT_EQ(difference(samplesOnly, without), "") << (method == Method::Ssa ? "ssa" : "hybrid");
    }
}

TEST(ReproducibilitySsa, ReplicateDependsOnlyOnSeedAndIndex) {
    const RunConfig c = loadText(kParams);
    const auto base = c.model.baseParameterValues();
    constexpr std::size_t R = 5;

    // One simulator, replicates 0..4 in order.
    std::vector<Trajectory> inOrder;
    {
        const auto sim = makeSimulator(c.model, c.simulation);
        for (std::size_t r = 0; r < R; ++r) {
            inOrder.push_back(emptyTrajectory(c));
            sim->run(r, base, inOrder.back());
        }
    }
    // Replicate 3 alone, in a fresh simulator; and through the shared helper.
    {
        const auto sim = makeSimulator(c.model, c.simulation);
        Trajectory alone = emptyTrajectory(c);
        sim->run(3, base, alone);
        EXPECT_EQ(difference(alone, inOrder[3]), "") << "replicate 3 alone vs after replicates 0..2";
        EXPECT_EQ(difference(runReplicate(c, 3, true), inOrder[3]), "");
    }
    // Reverse order on one simulator.
    {
        const auto sim = makeSimulator(c.model, c.simulation);
        for (std::size_t r = R; r-- > 0;) {
            Trajectory t = emptyTrajectory(c);
            sim->run(r, base, t);
            EXPECT_EQ(difference(t, inOrder[r]), "") << "replicate " << r << " run in reverse order";
        }
    }
    // Concurrently: one simulator shared by R threads (Simulator::run must be callable concurrently).
    {
        const auto sim = makeSimulator(c.model, c.simulation);
        std::vector<Trajectory> parallel;
        for (std::size_t r = 0; r < R; ++r) parallel.push_back(emptyTrajectory(c));
        std::vector<std::thread> threads;
        for (std::size_t r = 0; r < R; ++r) threads.emplace_back([&, r] { sim->run(r, base, parallel[r]); });
        for (auto& th : threads) th.join();
        for (std::size_t r = 0; r < R; ++r) EXPECT_EQ(difference(parallel[r], inOrder[r]), "") << "replicate " << r << " on a thread";
    }
    // Different replicates differ from each other.
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t s = r + 1; s < R; ++s) {
            EXPECT_FALSE(bitEqual(inOrder[r].amounts, inOrder[s].amounts)) << "replicates " << r << " and " << s;
            EXPECT_NE(difference(inOrder[r], inOrder[s]), "");
        }
}

TEST(ReproducibilitySsa, OtherSeedsGiveOtherTrajectories) {
    RunConfig c = loadText(kParams);
    const Trajectory first = runReplicate(c, 0, true);
    // Both 32-bit words of the seed matter: (1 << 32) + 424242 is another stream than 424242.
    for (std::uint64_t seed : {424243ull, 0ull, 1ull << 32, (1ull << 32) + 424242ull}) {
        c.simulation.seed = seed;
        const Trajectory other = runReplicate(c, 0, true);
        EXPECT_FALSE(bitEqual(first.amounts, other.amounts)) << "seed " << seed;
    }
    // And back to the original seed: the same trajectory again.
    c.simulation.seed = 424242;
    EXPECT_EQ(difference(runReplicate(c, 0, true), first), "");
}
