// The ode method against known answers: the Bateman chain (docs/validation.md section B), a
// perturbation switching a rate at T0 (piecewise solution by matrix exponential), a stiff fast
// equilibrium against its quasi-steady-state reduction, dimerisation, timed events, and the
// mean flux of a vesicle route.
#include <gtest/gtest.h>
#include <unsupported/Eigen/MatrixFunctions>

#include <array>
#include <cmath>

#include "AnalyticSolutions.hpp"
#include "TestSupport.hpp"

using namespace egress;
using namespace egress::testing;

namespace {

constexpr double k0 = 5.0, k1 = 0.3, k2 = 0.12, k3 = 0.05;

std::string chainParams(const std::string& stepper, const std::string& extra = "") {
    return R"(
[model]
name = "linear-chain"
compartments = { cell = {} }
species = { A = { compartment = "cell" }, B = { compartment = "cell" }, C = { compartment = "cell" } }
parameters = { k0 = 5.0, k1 = 0.3, k2 = 0.12, k3 = 0.05 }
reactions = [
  { name = "input", equation = "-> A", k = "k0" },
  { name = "a_to_b", equation = "A -> B", k = "k1" },
  { name = "b_to_c", equation = "B -> C", k = "k2" },
  { name = "out", equation = "C ->", k = "k3" } ]
[simulation]
t_end = 100.0
output_interval = 1.0
rtol = 1e-10
atol = 1e-12
stepper = ")" + stepper + "\"\n" + extra;
}

std::array<double, 3> bateman(double t) { return egress::testing::batemanChain(k0, k1, k2, k3, t); }

/// x(t) of dx/dt = K x + b from x0, through the augmented matrix exponential.
Eigen::Vector3d linearSolution(const Eigen::Matrix3d& K, const Eigen::Vector3d& b, const Eigen::Vector3d& x0, double t) {
    Eigen::Matrix4d aug = Eigen::Matrix4d::Zero();
    aug.topLeftCorner<3, 3>() = K * t;
    aug.topRightCorner<3, 1>() = b * t;
    Eigen::Vector4d y;
    y << x0, 1.0;
    return (aug.exp() * y).head<3>();
}

Eigen::Matrix3d chainMatrix(double r1, double r2, double r3) {
    Eigen::Matrix3d K;
    K << -r1, 0, 0, r1, -r2, 0, 0, r2, -r3;
    return K;
}

void expectRelative(double actual, double expected, double tolerance, const std::string& what) {
    EXPECT_LE(std::abs(actual - expected), tolerance * std::abs(expected)) << what << ": " << actual << " vs " << expected;
}

}  // namespace

class ChainBothSteppers : public ::testing::TestWithParam<std::string> {};

TEST_P(ChainBothSteppers, MatchesBatemanAtEverySample) {
    const RunConfig c = loadText(chainParams(GetParam()));
    const Trajectory tr = runOde(c);
    ASSERT_EQ(tr.times.size(), 101u);
    for (std::size_t i = 0; i < tr.times.size(); ++i) {
        const double t = tr.times[i];
        EXPECT_DOUBLE_EQ(t, static_cast<double>(i));
        const auto expected = bateman(t);
        for (int s = 0; s < 3; ++s) {
            if (t == 0) EXPECT_EQ(tr.amounts[i][s], 0.0);
            else expectRelative(tr.amounts[i][s], expected[s], 1e-6, "species " + std::to_string(s) + " t=" + std::to_string(t));
        }
    }
}

TEST_P(ChainBothSteppers, PerturbationSwitchesTheRateExactlyAtT0) {
    // k2 drops to 20 % on [T0, T1): two breakpoints off the output grid.
    const double T0 = 37.3, T1 = 71.9;
    const RunConfig c = loadText(chainParams(GetParam(), R"(
[[perturbations]]
name = "block"
target = "k2"
scale = 0.2
start = 37.3
end = 71.9
)"));
    const Trajectory tr = runOde(c);
    const Eigen::Vector3d b(k0, 0, 0);
    const Eigen::Matrix3d normal = chainMatrix(k1, k2, k3), blocked = chainMatrix(k1, 0.2 * k2, k3);
    auto piecewise = [&](double t, double switchAt) {
        if (t <= switchAt) return linearSolution(normal, b, Eigen::Vector3d::Zero(), t);
        const Eigen::Vector3d atSwitch = linearSolution(normal, b, Eigen::Vector3d::Zero(), switchAt);
        if (t <= T1) return linearSolution(blocked, b, atSwitch, t - switchAt);
        return linearSolution(normal, b, linearSolution(blocked, b, atSwitch, T1 - switchAt), t - T1);
    };
    double largestLateDeviation = 0.0;
    for (std::size_t i = 1; i < tr.times.size(); ++i) {
        const double t = tr.times[i];
        const Eigen::Vector3d expected = piecewise(t, T0);
        const Eigen::Vector3d late = piecewise(t, T0 + 0.01);
        for (int s = 0; s < 3; ++s) {
            expectRelative(tr.amounts[i][s], expected[s], 1e-6, "t=" + std::to_string(t));
            largestLateDeviation = std::max(largestLateDeviation, std::abs(late[s] - expected[s]) / expected[s]);
        }
    }
    // The comparison resolves the switch time: a switch 0.01 s late would already miss 1e-6.
    EXPECT_GT(largestLateDeviation, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Ode, ChainBothSteppers, ::testing::Values("dopri5", "rosenbrock4"));

TEST(Ode, StiffFastEquilibriumAgreesWithQuasiSteadyState) {
    // A <-> A* at 100/s each way (2e4 times faster than export), A* -> B at 0.01/s.
    // Reduced: T = A + A* decays at k * kf/(kf+kb) = 0.005/s, B = T0 - T. The reduction's relative
    // error is O(lambda t eps) with eps = k/(kf+kb) = 5e-5: <= 3e-4 up to t = 1000 s.
    const RunConfig c = loadText(R"(
[model]
name = "stiff-binding"
compartments = { cell = {} }
species = { A = { compartment = "cell", initial = 1000 }, Astar = { compartment = "cell" }, B = { compartment = "cell" } }
parameters = { kf = 100.0, kb = 100.0, k = 0.01 }
reactions = [
  { name = "bind", equation = "A -> Astar", k = "kf" },
  { name = "unbind", equation = "Astar -> A", k = "kb" },
  { name = "export", equation = "Astar -> B", k = "k" } ]
[simulation]
t_end = 1000.0
output_interval = 10.0
rtol = 1e-8
atol = 1e-10
)");
    OdeSolver solver(c.model, c.simulation);
    EXPECT_EQ(solver.stepper(), OdeStepper::Rosenbrock4) << "stiffness index " << solver.stiffnessIndex();
    const Trajectory tr = runOde(c);
    const auto A = speciesIndex(c, "A"), As = speciesIndex(c, "Astar"), B = speciesIndex(c, "B");
    for (std::size_t i = 1; i < tr.times.size(); ++i) {
        const double total = 1000.0 * std::exp(-0.005 * tr.times[i]);
        expectRelative(tr.amounts[i][A] + tr.amounts[i][As], total, 1e-3, "total t=" + std::to_string(tr.times[i]));
        expectRelative(tr.amounts[i][B], 1000.0 - total, 1e-3, "B");
        expectRelative(tr.amounts[i][As], tr.amounts[i][A], 1e-3, "equilibrium A* = A");
    }
}

TEST(Ode, DimerisationFollowsTheSecondOrderSolution) {
    // 2 P -> P2 at k: rate k P^2/2 removes 2 P, so P' = -k P^2 and P = P0 / (1 + k P0 t).
    const RunConfig c = loadText(R"(
[model]
name = "dimer"
compartments = { cell = {} }
species = { P = { compartment = "cell", initial = 1000 }, P2 = { compartment = "cell" } }
reactions = [ { name = "dimerise", equation = "2 P -> P2", k = 0.001 } ]
[simulation]
t_end = 50.0
output_interval = 1.0
rtol = 1e-10
atol = 1e-12
)");
    const Trajectory tr = runOde(c);
    for (std::size_t i = 0; i < tr.times.size(); ++i) {
        const double P = 1000.0 / (1.0 + 0.001 * 1000.0 * tr.times[i]);
        expectRelative(tr.amounts[i][0], P, 1e-7, "P");
        expectRelative(tr.amounts[i][1], (1000.0 - P) / 2, 1e-7, "P2");
    }
}

TEST(Ode, EventsFireAtTheirTimeAndBeforeTheSampleThere) {
    // A decays at 0.1/s from 100; +50 at 22.5 s (off grid); set to 50 at 40 s (on grid).
    const RunConfig c = loadText(R"(
[model]
name = "events"
compartments = { cell = {} }
species = { A = { compartment = "cell", initial = 100 } }
reactions = [ { name = "decay", equation = "A ->", k = 0.1 } ]
[simulation]
t_end = 60.0
output_interval = 5.0
rtol = 1e-10
atol = 1e-12
[[events]]
at = 22.5
add = { A = 50 }
[[events]]
at = 40.0
set = { A = 50 }
)");
    const Trajectory tr = runOde(c);
    for (std::size_t i = 0; i < tr.times.size(); ++i) {
        const double t = tr.times[i];
        double expected = 100 * std::exp(-0.1 * t);
        if (t >= 22.5) expected += 50 * std::exp(-0.1 * (t - 22.5));
        if (t >= 40.0) expected = 50 * std::exp(-0.1 * (t - 40.0));
        expectRelative(tr.amounts[i][0], expected, 1e-7, "t=" + std::to_string(t));
    }
}

TEST(Ode, VesicleRouteMeanFluxFollowsTheChainSolution) {
    // Zero-order budding k = 0.5/s with capture p = 0.01: the donor exits at a = k p = 0.005/s.
    // Cargo in transit I' = a A - f I, vesicles in transit V' = k - f V, f = 0.02/s.
    const RunConfig c = loadText(R"(
[model]
name = "route"
compartments = { ER = {}, Golgi = {} }
species = { A = { compartment = "ER", initial = 10000 }, G = { compartment = "Golgi" } }
[[model.vesicles]]
name = "copii"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 0.5 }
cargo = { A = "G" }
capture = 0.01
fusion_rate = 0.02
[simulation]
t_end = 600.0
output_interval = 10.0
rtol = 1e-10
atol = 1e-10
)");
    const Trajectory tr = runOde(c);
    const double a = 0.005, f = 0.02, k = 0.5, A0 = 10000;
    for (std::size_t i = 1; i < tr.times.size(); ++i) {
        const double t = tr.times[i];
        const double A = A0 * std::exp(-a * t);
        const double I = A0 * a / (f - a) * (std::exp(-a * t) - std::exp(-f * t));
        const double V = k / f * (1 - std::exp(-f * t));
        expectRelative(tr.amounts[i][0], A, 1e-7, "donor");
        expectRelative(tr.cargo[i][1], I, 1e-7, "cargo in transit (by acceptor)");
        expectRelative(tr.amounts[i][1], A0 - A - I, 1e-7, "acceptor");
        expectRelative(tr.inTransit[i][0], V, 1e-7, "vesicles in transit");
        expectRelative(tr.budded[i][0], k * t, 1e-7, "budded");
        expectRelative(tr.fused[i][0], k * t - V, 1e-7, "fused");
    }
}

TEST(Ode, DelayedRouteConservesCargoAndKeepsTheMeanTransitTime) {
    // Delay d = 100 s as an Erlang chain before fusion at f: a single bud at t = 0 would arrive
    // after d + 1/f on average. With a brief burst of budding, the acceptor's mean arrival time
    // is the burst time plus d + 1/f; here we check conservation and that nothing arrives early.
    const RunConfig c = loadText(R"(
[model]
name = "delayed"
compartments = { ER = {}, Golgi = {} }
species = { A = { compartment = "ER", initial = 1000 }, G = { compartment = "Golgi" } }
[[model.vesicles]]
name = "copii"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 1.0 }
cargo = { A = "G" }
capture = 0.5
fusion_rate = 0.05
delay = 100.0
[simulation]
t_end = 2000.0
output_interval = 10.0
rtol = 1e-10
atol = 1e-10
delay_stages = 64
)");
    const Trajectory tr = runOde(c);
    double meanArrival = 0.0;
    for (std::size_t i = 0; i < tr.times.size(); ++i) {
        EXPECT_NEAR(tr.amounts[i][0] + tr.amounts[i][1] + tr.cargo[i][1], 1000.0, 1e-6);
        if (i > 0) meanArrival += 0.5 * (tr.times[i] + tr.times[i - 1]) * (tr.amounts[i][1] - tr.amounts[i - 1][1]) / 1000.0;
    }
    EXPECT_LT(tr.amounts[3][1], 1e-3 * 1000.0);  // by t = 30 s nothing has arrived
    // Buds leave at mean 1/(k p) = 2 s, so arrivals average 2 + 100 + 20 = 122 s (midpoint rule).
    EXPECT_NEAR(meanArrival, 122.0, 1.0);
    EXPECT_NEAR(tr.amounts.back()[1], 1000.0, 1e-3);
}
