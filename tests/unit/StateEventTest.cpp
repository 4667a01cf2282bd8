// Events triggered by the state (model [[events]], core/StateEvents.hpp): location of the trigger's
// change against analytic crossing times, the false-to-true rule, delay, priority, persistence,
// initial value, values at trigger or execution time, in ode (both steppers), hybrid and ssa.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "TestSupport.hpp"
#include "core/Error.hpp"

using namespace egress;
using namespace egress::testing;

namespace {

/// A decays at 0.1/s from 100, so it crosses 50 at 10 ln 2 = 6.931 s (and every 10 ln 2 after a
/// reset to 100). `events` are the model's [[model.events]] tables; species B, C, D record.
std::string decayModel(const std::string& events, const std::string& method = "ode", const std::string& stepper = "dopri5",
                       double tEnd = 20.0) {
    return R"(
[model]
name = "decay"
compartments = { cell = {} }
species = { A = { compartment = "cell", initial = 100 }, B = { compartment = "cell", initial = 0 }, C = { compartment = "cell", initial = 0 }, D = { compartment = "cell", initial = 0 } }
parameters = { k = 0.1 }
reactions = [ { name = "decay", equation = "A ->", k = "k" } ]
)" + events + R"(
[simulation]
method = ")" + method + R"("
stepper = ")" + stepper + R"("
t_end = )" + std::to_string(tEnd) + R"(
output_interval = 1.0
rtol = 1e-8
atol = 1e-12
)";
}

const double kHalfLife = 10.0 * std::log(2.0);

std::vector<double> last(const Trajectory& tr) { return tr.amounts.back(); }

}  // namespace

class StateEventSteppers : public ::testing::TestWithParam<std::string> {};

TEST_P(StateEventSteppers, ThresholdCrossingIsLocatedToWellBelowRtol) {
    // Each time A falls below 50 it is reset to 100, B records the time and C counts: two
    // executions by t = 20, at 10 ln 2 and 20 ln 2. A relative error rtol in A moves a crossing by
    // rtol A / |dA/dt| = rtol / k: the bound for the two crossings together. Measured: 1.6e-10 s
    // with dopri5 (its dense output is of the step's order), 6.6e-8 s with rosenbrock4 (cubic).
    const RunConfig c = loadText(decayModel(R"(
[[model.events]]
name = "reset"
trigger = "A < 50"
assign = { A = 100, B = "t", C = "C + 1" }
)", "ode", GetParam()));
    const Trajectory tr = runOde(c);
    EXPECT_EQ(last(tr)[2], 2.0);  // re-fires once the reset made the trigger false again
    EXPECT_LE(std::abs(last(tr)[1] - 2 * kHalfLife), 2 * c.simulation.rtol / 0.1) << last(tr)[1];
    // Between executions the solution is the exponential from the reset.
    for (std::size_t i = 0; i < tr.times.size(); ++i) {
        const double t = tr.times[i];
        const double since = t >= 2 * kHalfLife ? t - 2 * kHalfLife : t >= kHalfLife ? t - kHalfLife : t;
        EXPECT_NEAR(tr.amounts[i][0], 100 * std::exp(-0.1 * since), 1e-5) << "t=" << t;
    }
}

INSTANTIATE_TEST_SUITE_P(Ode, StateEventSteppers, ::testing::Values("dopri5", "rosenbrock4"));

TEST(StateEvents, FiresOnlyOnTheFalseToTrueTransition) {
    // A stays below 50 after 10 ln 2: the event executes once, not at every step after.
    const RunConfig c = loadText(decayModel(R"(
[[model.events]]
trigger = "A < 50"
assign = { C = "C + 1" }
)"));
    const Trajectory tr = runOde(c);
    EXPECT_EQ(last(tr)[2], 1.0);
}

TEST(StateEvents, DelayAndValuesAtTriggerOrExecutionTime) {
    // Triggered at 10 ln 2 (A = 50), executed 2 s later: B gets A at the trigger time (50), C gets
    // A at the execution (50 e^-0.2), D the execution time (t too is read when the values are).
    const RunConfig c = loadText(decayModel(R"(
[[model.events]]
name = "at_trigger"
trigger = "A < 50"
delay = 2
assign = { B = "A" }
[[model.events]]
name = "at_execution"
trigger = "A < 50"
delay = "2 * k * 10"
use_values_from_trigger_time = false
assign = { C = "A", D = "t" }
)"));
    const Trajectory tr = runOde(c);
    EXPECT_NEAR(last(tr)[1], 50.0, 1e-6);
    EXPECT_NEAR(last(tr)[2], 50.0 * std::exp(-0.2), 1e-6);
    EXPECT_NEAR(last(tr)[3], kHalfLife + 2.0, 1e-7);
    // The samples between trigger and execution do not see it yet.
    EXPECT_EQ(tr.amounts[8][1], 0.0);   // t = 8 < 8.93
    EXPECT_NEAR(tr.amounts[9][1], 50.0, 1e-6);
}

TEST(StateEvents, PriorityOrdersSimultaneousExecutionsAndTiesGoInFileOrder) {
    // Three events due at once, each setting B. The larger priority executes first, so the last
    // value written is the lowest priority's; among equal priorities the one written first goes first.
    const RunConfig c = loadText(decayModel(R"(
[[model.events]]
name = "low"
trigger = "A < 50"
priority = 1
assign = { B = 1 }
[[model.events]]
name = "high"
trigger = "A < 50"
priority = "10 * k + 4"
assign = { B = 5, C = "B" }
[[model.events]]
name = "tie_first"
trigger = "A < 50"
assign = { D = 1 }
[[model.events]]
name = "tie_second"
trigger = "A < 50"
assign = { D = 2 }
)"));
    const Trajectory tr = runOde(c);
    EXPECT_EQ(last(tr)[1], 1.0);  // high (5) then low (1)
    EXPECT_EQ(last(tr)[2], 0.0);  // high ran first: B was still 0
    EXPECT_EQ(last(tr)[3], 2.0);  // events without a priority after, in file order
}

TEST(StateEvents, NonPersistentEventIsCancelledWhenItsTriggerTurnsFalse) {
    // The trigger 40 < A < 50 holds from 10 ln 2 to 10 ln 2.5 (9.16 s), less than the 5 s delay.
    const RunConfig c = loadText(decayModel(R"(
[[model.events]]
name = "persistent"
trigger = "A < 50 && A > 40"
delay = 5
assign = { B = 1 }
[[model.events]]
name = "not_persistent"
trigger = "A < 50 && A > 40"
delay = 5
persistent = false
assign = { C = 1 }
)"));
    const Trajectory tr = runOde(c);
    EXPECT_EQ(last(tr)[1], 1.0);
    EXPECT_EQ(last(tr)[2], 0.0);
}

TEST(StateEvents, InitialValueFalseLetsATrueTriggerFireAtZeroBeforeTheFirstSample) {
    const RunConfig c = loadText(decayModel(R"(
[[model.events]]
trigger = "A > 50"
initial_value = false
assign = { B = 7 }
[[model.events]]
trigger = "A > 50"
assign = { C = 7 }
)"));
    const Trajectory tr = runOde(c);
    EXPECT_EQ(tr.amounts[0][1], 7.0);
    EXPECT_EQ(last(tr)[2], 0.0);
}

TEST(StateEvents, ParameterAssignmentChangesTheRateForTheRestOfTheRun) {
    // At A = 50 the rate k doubles: A(t) = 50 exp(-0.2 (t - 10 ln 2)) afterwards.
    const RunConfig c = loadText(decayModel(R"(
[[model.events]]
trigger = "A < 50"
assign = { k = "2 * k" }
)"));
    const Trajectory tr = runOde(c);
    EXPECT_NEAR(last(tr)[0], 50 * std::exp(-0.2 * (20.0 - kHalfLife)), 1e-5);
}

TEST(StateEvents, HybridLocatesTheCrossingLikeOde) {
    const std::string events = R"(
[[model.events]]
trigger = "A < 50"
assign = { A = 100, B = "t" }
)";
    const RunConfig c = loadText(decayModel(events, "hybrid"));
    ASSERT_EQ(c.simulation.stepper, OdeStepper::Dopri5);
    const Trajectory tr = runReplicate(c, 0);
    EXPECT_LE(std::abs(last(tr)[1] - 2 * kHalfLife), 2e-2 * c.simulation.rtol / 0.1) << last(tr)[1];
}

TEST(StateEvents, SsaExecutesAThresholdEventRightAfterTheReactionThatCrossesIt) {
    // DSMTS 003-04: dimerisation 2P -> P2, reset to P = 100, P2 = 0 when P2 > 30. The state
    // changes only at reactions, so no sample may ever show P2 above 30, and P + 2 P2 = 100 always.
    const RunConfig c = loadText(R"(
[model]
name = "dimer"
compartments = { cell = {} }
species = { P = { compartment = "cell", initial = 100 }, P2 = { compartment = "cell", initial = 0 }, N = { compartment = "cell", initial = 0 } }
reactions = [ { name = "dimerise", equation = "2 P -> P2", k = 0.001 }, { name = "split", equation = "P2 -> 2 P", k = 0.01 } ]
[[model.events]]
trigger = "P2 > 30"
assign = { P = 100, P2 = 0, N = "N + 1" }
[simulation]
method = "ssa"
t_end = 50.0
output_interval = 0.1
seed = 4
)");
    const std::size_t p = speciesIndex(c, "P"), p2 = speciesIndex(c, "P2"), n = speciesIndex(c, "N");
    double resets = 0;
    for (std::size_t r = 0; r < 20; ++r) {
        const Trajectory tr = runReplicate(c, r);
        for (const auto& a : tr.amounts) {
            ASSERT_LE(a[p2], 30.0);
            ASSERT_EQ(a[p] + 2 * a[p2], 100.0);
        }
        resets += last(tr)[n];
    }
    EXPECT_GT(resets, 0.0);  // P2 passes 30 near t = 10 in most runs (mean P2(10) is about 24)
}

TEST(StateEvents, SsaLocatesATriggerOnTimeExactly) {
    // t >= 22.5 between reactions: B records the execution time, exactly 22.5; t >= 25 lands on a
    // sample, which sees it.
    const RunConfig c = loadText(decayModel(R"(
[[model.events]]
trigger = "t >= 22.5"
assign = { B = "t * 2" }
[[model.events]]
trigger = "t >= 25"
assign = { C = 50 }
)", "ssa", "dopri5", 30.0));
    const Trajectory tr = runReplicate(c, 0);
    EXPECT_EQ(last(tr)[1], 45.0);
    EXPECT_EQ(tr.amounts[24][2], 0.0);
    EXPECT_EQ(tr.amounts[25][2], 50.0);
}

// A window trigger of two comparisons, true for 1.3 s, inside one step (SBML test suite 01703):
// S falls at 1/s from 10 by a rate rule, whose error estimate is 0, so the stepper's steps grow
// past the window and the whole trigger is false at both ends of the step that holds it. Each
// comparison is watched on its own: the rise of `S <= 4.3` at t = 5.7 is located and the event
// executes there (B = 5.7, S reset to 10: S(10) = 10 - 4.3 = 5.7). Without the per-comparison
// watch the event never executes (B = 0, S(10) = 0).
TEST(StateEvents, AWindowTriggerNarrowerThanAStepIsSeen) {
    for (const char* method : {"ode", "hybrid"})
        for (const char* stepper : {"dopri5", "rosenbrock4"}) {
            if (std::string(method) == "hybrid" && std::string(stepper) == "rosenbrock4") continue;
            const RunConfig c = loadText(R"(
[model]
name = "window"
compartments = { cell = {} }
species = { S = { compartment = "cell", initial = 10 }, B = { compartment = "cell", initial = 0 } }
rate_rules = { S = "-1" }
[[model.events]]
trigger = "S <= 4.3 && S >= 3"
assign = { S = 10, B = "t" }
[simulation]
method = ")" + std::string(method) + R"("
stepper = ")" + stepper + R"("
t_end = 10.0
output_interval = 10.0
rtol = 1e-8
atol = 1e-12
)");
            const Trajectory tr = runReplicate(c, 0);
            EXPECT_NEAR(last(tr)[1], 5.7, 1e-9) << method << " " << stepper;
            EXPECT_NEAR(last(tr)[0], 5.7, 1e-9) << method << " " << stepper;
        }
}

// A trigger on t alone with nothing to step (SBML test suite 00936): sin(10 t) < 0 rises at
// t = (2k + 1) pi / 10, i.e. 0.314, 0.942 and 1.571 s before t = 2, each time for 0.314 s,
// longer than the output interval (0.1 s), while the stepper's steps grow without bound on a zero
// right-hand side. The triggers are looked at every output interval inside a step: B counts 3.
// The same in hybrid, whose continuous part steps the same way between vesicle events.
TEST(StateEvents, ATriggerLongerThanTheOutputIntervalIsSeenInsideALongStep) {
    for (const char* method : {"ode", "hybrid"})
    for (const char* stepper : {"dopri5", "rosenbrock4"}) {
        const RunConfig c = loadText(R"(
[model]
name = "clock"
compartments = { cell = {} }
species = { B = { compartment = "cell", initial = 0 } }
[[model.events]]
trigger = "sin(10 * t) < 0"
assign = { B = "B + 1" }
[simulation]
method = ")" + std::string(method) + R"("
stepper = ")" + std::string(stepper) + R"("
t_end = 2.0
output_interval = 0.1
rtol = 1e-8
atol = 1e-12
)");
        const Trajectory tr = runReplicate(c, 0);
        for (std::size_t i = 0; i < tr.times.size(); ++i) {
            const double t = tr.times[i];
            const double expected = t >= 0.5 * M_PI ? 3 : t >= 0.3 * M_PI ? 2 : t >= 0.1 * M_PI ? 1 : 0;
            // Rosenbrock's dense output of a constant state is off by rounding (3 + 4e-16).
            EXPECT_NEAR(tr.amounts[i][0], expected, 1e-12) << method << " " << stepper << " t = " << t;
        }
    }
}

// The same for ssa on t: one slow reaction (a wait of about 1e6 s) and a window of 0.2 s on t.
TEST(StateEvents, SsaSeesATimeWindowInsideOneWait) {
    const RunConfig c = loadText(R"(
[model]
name = "window"
compartments = { cell = {} }
species = { A = { compartment = "cell", initial = 1 }, B = { compartment = "cell", initial = 0 } }
parameters = { k = 1e-6 }
reactions = [ { name = "decay", equation = "A ->", k = "k" } ]
[[model.events]]
trigger = "t >= 5.7 && t <= 5.9"
assign = { B = "t * 10" }
[simulation]
method = "ssa"
t_end = 10.0
output_interval = 10.0
seed = 3
)");
    const Trajectory tr = runReplicate(c, 0);
    EXPECT_EQ(last(tr)[1], 57.0);
}

// ssa counts molecules: A, which decays, and B, which nothing counts but which is an amount all
// the same, cannot be given a fractional amount (the time of the trigger). B in a compartment of
// values (`values = true`, where an SBML import puts the parameters that events change) takes it.
TEST(StateEvents, SsaRefusesAFractionalAmountButNotAValue) {
    for (const char* target : {"A", "B"}) {
        const RunConfig c = loadText(decayModel(R"(
[[model.events]]
trigger = "A < 50"
assign = { )" + std::string(target) + R"( = "t" }
)", "ssa"));
        EXPECT_THROW(runReplicate(c, 0), SolverError) << target;
    }
    std::string text = decayModel(R"(
[[model.events]]
trigger = "A < 50"
assign = { B = "t" }
)", "ssa");
    text.replace(text.find("compartments = { cell = {} }"), 28, "compartments = { cell = {}, values = { values = true } }");
    text.replace(text.find(R"(B = { compartment = "cell")"), 26, R"(B = { compartment = "values")");
    const auto tr = runReplicate(loadText(text), 0);
    const double b = last(tr)[1];
    EXPECT_GT(b, 0.0);
    EXPECT_NE(b, std::floor(b));
}

// An amount never goes below 0, even one that nothing counts (an enzyme only a law reads): an
// event that assigns -1 stops the run. A value (`values = true`) may be negative.
TEST(StateEvents, AnEventCannotMakeAnAmountNegativeButMayAValue) {
    for (const char* method : {"ode", "hybrid"}) {
        std::string text = decayModel(R"(
[[model.events]]
trigger = "A < 50"
assign = { B = "-1" }
)", method);
        EXPECT_THROW(runReplicate(loadText(text), 0), SolverError) << method;
        text.replace(text.find("compartments = { cell = {} }"), 28, "compartments = { cell = {}, values = { values = true } }");
        text.replace(text.find(R"(B = { compartment = "cell")"), 26, R"(B = { compartment = "values")");
        EXPECT_EQ(last(runReplicate(loadText(text), 0))[1], -1.0) << method;
    }
}

TEST(StateEvents, AnUnknownTargetIsAnErrorAtItsPlace) {
    try {
        loadText(decayModel(R"(
[[model.events]]
trigger = "A < 50"
assign = { Q = 1 }
)"));
        FAIL() << "expected an InputError";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("events[0].assign.Q"), std::string::npos) << e.what();
        EXPECT_GT(e.line(), 0);
    }
}

TEST(StateEvents, AParameterThatIsAConstantOfTheRunCannotBeAssigned) {
    // `n0` sets an initial amount, read once at the start: an assignment would do nothing.
    std::string text = decayModel(R"(
[[model.events]]
trigger = "A < 50"
assign = { n0 = 3 }
)");
    text.replace(text.find("parameters = { k = 0.1 }"), 24, "parameters = { k = 0.1, n0 = 100 }");
    text.replace(text.find("A = { compartment = \"cell\", initial = 100 }"), 43, "A = { compartment = \"cell\", initial = \"n0\" }");
    try {
        loadText(text);
        FAIL() << "expected an InputError";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("a constant of the run"), std::string::npos) << e.what();
    }
}
