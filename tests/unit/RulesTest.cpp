// Assignment rules, rate rules and initial assignments ([assignment_rules], [rate_rules],
// [initial_assignments] of a model file): analytic answers in every method that takes them, the
// ode Jacobian with a rate rule against finite differences, and the errors of bad rules.
#include <gtest/gtest.h>

#include <cmath>

#include "TestSupport.hpp"
#include "core/Error.hpp"
#include "solvers/MeanFluxSystem.hpp"

using namespace egress;
using egress::testing::loadText;
using egress::testing::loadError;
using egress::testing::runReplicate;

namespace {

/// Birth-death X (X -> 2X at lambda X, X -> at mu X) with `rules` (TOML, tables inside [model])
/// and the given method; species X (initial 100), Y (0), Z (5); parameters k, lambda, mu.
std::string model(const std::string& rules, const std::string& method, const std::string& extra = "") {
    return R"([model]
name = "rules"
compartments = { Cell = {} }
species = { X = { compartment = "Cell", initial = 100 }, Y = { compartment = "Cell" }, Z = { compartment = "Cell", initial = 5 } }
parameters = { k = 0.3, lambda = 0.1, mu = 0.11 }
[[model.reactions]]
name = "birth"
equation = "X -> 2 X"
k = "lambda"
[[model.reactions]]
name = "death"
equation = "X ->"
k = "mu"
)" + rules + R"(
[simulation]
method = ")" + method + R"("
t_end = 10.0
output_interval = 1.0
seed = 7
rtol = 1e-10
atol = 1e-12
)" + extra;
}

}  // namespace

// y = 2 X at every sample, whatever the method makes of X.
TEST(Rules, AssignmentRuleHoldsAtEverySampleInEveryMethod) {
    for (const char* method : {"ode", "ssa", "hybrid"}) {
        const auto tr = runReplicate(loadText(model("[model.assignment_rules]\nY = \"2 * X + k * t\"\n", method)), 0);
        ASSERT_EQ(tr.times.size(), 11u);
        for (std::size_t s = 0; s < tr.times.size(); ++s)
            EXPECT_DOUBLE_EQ(tr.amounts[s][1], 2 * tr.amounts[s][0] + 0.3 * tr.times[s]) << method << " t = " << tr.times[s];
        // In ode X is the mean 100 exp((lambda - mu) t).
        if (std::string(method) == "ode")
            EXPECT_NEAR(tr.amounts.back()[1], 200 * std::exp(-0.01 * 10) + 3.0, 1e-6);
    }
}

// A law that names an assigned species reads the rule's formula: Z is made at 0.1 Y = 0.2 X.
TEST(Rules, LawsReadAssignedSpeciesThroughTheirFormula) {
    const std::string rules = R"([model.assignment_rules]
Y = "2 * X"
[[model.reactions]]
name = "make"
equation = "-> Z"
law = "expression"
rate = "0.1 * Y"
)";
    for (const char* stepper : {"dopri5", "rosenbrock4"}) {
        const auto tr = runReplicate(loadText(model(rules, "ode", std::string("stepper = \"") + stepper + "\"\n")), 0);
        for (std::size_t s = 0; s < tr.times.size(); ++s) {
            const double t = tr.times[s];
            // Z' = 0.2 * 100 exp(-0.01 t): Z = 5 + 20 (1 - exp(-0.01 t)) / 0.01
            EXPECT_NEAR(tr.amounts[s][2], 5 + 2000 * (1 - std::exp(-0.01 * t)), 1e-6) << stepper << " t = " << t;
        }
    }
}

// dZ/dt = -k Z: Z = 5 exp(-k t), with either stepper and in hybrid's continuous part.
TEST(Rules, RateRuleFollowsExponentialDecay) {
    for (const char* method : {"ode", "hybrid"})
        for (const char* stepper : {"dopri5", "rosenbrock4"}) {
            const auto tr = runReplicate(
                loadText(model("[model.rate_rules]\nZ = \"-k * Z\"\n", method, std::string("stepper = \"") + stepper + "\"\n")), 0);
            for (std::size_t s = 0; s < tr.times.size(); ++s)
                EXPECT_NEAR(tr.amounts[s][2], 5 * std::exp(-0.3 * tr.times[s]), 1e-7) << method << " " << stepper << " t = " << tr.times[s];
        }
}

TEST(Rules, RateRuleJacobianMatchesFiniteDifferences) {
    const RunConfig c = loadText(model("[model.assignment_rules]\nY = \"X * X\"\n[model.rate_rules]\nZ = \"-k * Z * Y / (1 + X) + sin_free(t)\"\n"
                                       "[model.functions]\nsin_free = { args = [\"u\"], body = \"u ^ 2\" }\n",
                                       "ode"));
    MeanFluxSystem system(c.model, 1);
    ASSERT_TRUE(system.timeDependent());
    const std::vector<double> x{40.0, 0.0, 7.0};
    const double t = 1.5;
    Eigen::MatrixXd J;
    system.jacobian(x.data(), J, t);
    std::vector<double> plus(3), minus(3);
    for (std::size_t j = 0; j < 3; ++j) {
        auto xp = x, xm = x;
        const double h = 1e-5 * std::max(1.0, x[j]);
        xp[j] += h;
        xm[j] -= h;
        system.rhs(xp.data(), plus.data(), t);
        system.rhs(xm.data(), minus.data(), t);
        for (std::size_t i = 0; i < 3; ++i) {
            const double fd = (plus[i] - minus[i]) / (2 * h);
            EXPECT_NEAR(J(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), fd, 1e-6 * std::max(1.0, std::abs(fd)))
                << "d f[" << i << "] / d x[" << j << "]";
        }
    }
    std::vector<double> dfdt(3);
    system.timeDerivative(x.data(), dfdt.data(), t);
    EXPECT_NEAR(dfdt[2], 2 * t, 1e-12);
}

// Z starts at 40 k + X = 112 (not its written 5); --set reaches the parameter the formula reads.
TEST(Rules, InitialAssignmentIsEvaluatedAfterSetValues) {
    const std::string rules = "[model.initial_assignments]\nZ = \"40 * k + X\"\nmu = \"lambda / 2\"\n";
    const RunConfig c = loadText(model(rules, "ode"));
    EXPECT_DOUBLE_EQ(c.model.species[2].initial, 112.0);
    EXPECT_DOUBLE_EQ(c.model.parameters[*c.model.findParameter("mu")].value, 0.05);
    const RunConfig set = loadText(model(rules, "ode"), "params.toml", {"k=0.5", "mu=9"});
    EXPECT_DOUBLE_EQ(set.model.species[2].initial, 120.0);
    // The formula wins over a value given for its own target.
    EXPECT_DOUBLE_EQ(set.model.parameters[*set.model.findParameter("mu")].value, 0.05);
    const auto tr = runReplicate(c, 0);
    EXPECT_NEAR(tr.amounts.back()[0], 100 * std::exp(0.05 * 10), 1e-5);
    EXPECT_DOUBLE_EQ(tr.amounts.front()[2], 112.0);
}

TEST(Rules, InitialAssignmentsAreOrderedByWhatTheyRead) {
    const RunConfig c = loadText(model("[model.initial_assignments]\nX = \"Z + 1\"\nZ = \"2 * k + t\"\n", "ode"));
    EXPECT_DOUBLE_EQ(c.model.species[2].initial, 0.6);  // t is 0
    EXPECT_DOUBLE_EQ(c.model.species[0].initial, 1.6);
}

TEST(Rules, CyclesAndMisplacedRulesAreErrorsAtTheRule) {
    const InputError cycle = loadError(model("[model.assignment_rules]\nY = \"Z + 1\"\nZ = \"2 * Y\"\n", "ode"));
    EXPECT_NE(std::string(cycle.what()).find("cycle"), std::string::npos) << cycle.what();
    EXPECT_NE(std::string(cycle.what()).find("params.toml:"), std::string::npos) << cycle.what();
    EXPECT_NE(std::string(cycle.what()).find("assignment_rules."), std::string::npos) << cycle.what();
    const InputError self = loadError(model("[model.assignment_rules]\nY = \"Y + 1\"\n", "ode"));
    EXPECT_NE(std::string(self.what()).find("(Y -> Y)"), std::string::npos) << self.what();
    const InputError changed = loadError(model("[model.assignment_rules]\nX = \"2 * Z\"\n", "ode"));
    EXPECT_NE(std::string(changed.what()).find("no reaction or vesicle route may change it"), std::string::npos) << changed.what();
    const InputError parameter = loadError(model("[model.rate_rules]\nk = \"1\"\n", "ode"));
    EXPECT_NE(std::string(parameter.what()).find("is a parameter"), std::string::npos) << parameter.what();
    const InputError event = loadError(model("[model.assignment_rules]\nY = \"2 * X\"\n", "ode", "[[events]]\nat = 1.0\nadd = { Y = 5 }\n"));
    EXPECT_NE(std::string(event.what()).find("events[0].add.Y: species 'Y' has an assignment rule"), std::string::npos) << event.what();
    // A state event of the model may not either (SBML forbids an event assignment to a variable
    // with an assignment rule): the rule would overwrite it at once.
    const InputError stateEvent = loadError(model(
        "[model.assignment_rules]\nY = \"2 * X\"\n[[model.events]]\ntrigger = \"X < 50\"\nassign = { Y = 5 }\n", "ode"));
    EXPECT_NE(std::string(stateEvent.what()).find("events[0].assign.Y: species 'Y' has an assignment rule"), std::string::npos)
        << stateEvent.what();
    const InputError iaCycle = loadError(model("[model.initial_assignments]\nY = \"Z\"\nZ = \"Y\"\n", "ode"));
    EXPECT_NE(std::string(iaCycle.what()).find("cycle"), std::string::npos) << iaCycle.what();
}

TEST(Rules, SsaRefusesRateRules) {
    const RunConfig c = loadText(model("[model.rate_rules]\nZ = \"-k * Z\"\n", "ssa"));
    EXPECT_THROW(runReplicate(c, 0), InputError);
}

TEST(Rules, ResolvedFileKeepsTheRules) {
    const RunConfig a = loadText(model("[model.assignment_rules]\nY = \"2 * X\"\n[model.rate_rules]\nZ = \"-k * Z\"\n"
                                       "[model.initial_assignments]\nZ = \"40 * k\"\n",
                                       "ode"));
    const RunConfig b = loadText(resolvedParamsToml(a), "resolved.toml");
    ASSERT_EQ(b.model.assignmentRules.size(), 1u);
    ASSERT_EQ(b.model.rateRules.size(), 1u);
    ASSERT_EQ(b.model.initialAssignments.size(), 1u);
    EXPECT_EQ(b.model.rateRules[0].expression.text, "-k * Z");
    const auto ta = egress::testing::runOde(a), tb = egress::testing::runOde(b);
    EXPECT_EQ(ta.amounts, tb.amounts);
    EXPECT_NEAR(ta.amounts.back()[2], 12 * std::exp(-3.0), 1e-7);
}

// A rate rule may take its amount below 0 (Z = 5 - t); a reaction's overdraw still stops the run.
TEST(Rules, RateRuledAmountMayCrossZero) {
    const auto tr = runReplicate(loadText(model("[model.rate_rules]\nZ = \"-1\"\n", "ode")), 0);
    for (std::size_t s = 0; s < tr.times.size(); ++s) EXPECT_NEAR(tr.amounts[s][2], 5 - tr.times[s], 1e-9);
    const std::string drain = "[[model.reactions]]\nname = \"drain\"\nequation = \"Z ->\"\nlaw = \"expression\"\nrate = \"1\"\n";
    EXPECT_THROW(runReplicate(loadText(model(drain, "ode")), 0), SolverError);
}

// An assignment rule that reads a parameter an event changes reports the changed value at every
// later sample, in every method, also after a perturbation starts a new segment (SBML test suite
// 00953: S = Q + R with events incrementing Q and R). The event sets k from 0.3 to 1.3 at
// t = 2.5 (a trigger on t: located exactly in every method); the perturbation on lambda at t = 5.5
// starts a segment whose base values must not undo the event's assignment. Y = k t.
TEST(Rules, AssignmentRuleReadsAParameterAnEventChanges) {
    const std::string events = R"(
[[model.events]]
trigger = "t >= 2.5"
assign = { k = "k + 1" }
)";
    const std::string perturbation = R"(
[[perturbations]]
name = "slower_birth"
target = "lambda"
scale = 0.5
start = 5.5
end = 8.5
)";
    for (const char* method : {"ode", "ssa", "hybrid"}) {
        const auto tr = runReplicate(loadText(model("[model.assignment_rules]\nY = \"k * t\"\n" + events, method, perturbation)), 0);
        ASSERT_EQ(tr.times.size(), 11u);
        for (std::size_t s = 0; s < tr.times.size(); ++s) {
            const double k = tr.times[s] < 2.5 ? 0.3 : 1.3;
            EXPECT_DOUBLE_EQ(tr.amounts[s][1], k * tr.times[s]) << method << " t = " << tr.times[s];
        }
    }
}
