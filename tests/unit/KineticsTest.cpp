// Rate laws against hand-computed values (contract section 3), and the analytic Jacobian
// against central finite differences.
#include <gtest/gtest.h>

#include <cmath>

#include "TestSupport.hpp"
#include "core/Kinetics.hpp"
#include "solvers/MeanFluxSystem.hpp"

using namespace egress;
using egress::testing::loadText;

namespace {

const char* kLaws = R"(
model = { name = "laws", compartments = { cell = {} }, species = { S = { compartment = "cell", initial = 30 }, P = { compartment = "cell", initial = 7 }, D = { compartment = "cell", initial = 0 } }, parameters = { vmax = 12.0, km = 20.0, n = 2.5, k2 = 0.004 }, reactions = [
  { name = "mm", equation = "S -> P", law = "michaelis_menten", vmax = "vmax", km = "km" },
  { name = "hill", equation = "S -> P", law = "hill", vmax = "vmax", km = "km", n = "n" },
  { name = "dimer", equation = "2 P -> D", law = "mass_action", k = "k2" },
  { name = "hill_on_P", equation = "-> D", law = "hill", vmax = 3.0, km = 5.0, n = 4, substrate = "P" } ] }
[simulation]
t_end = 10.0
output_interval = 1.0
)";

}  // namespace

TEST(Kinetics, MichaelisMentenAndHillMatchHandComputedValues) {
    const RunConfig c = loadText(kLaws);
    const Model& m = c.model;
    const auto p = m.baseParameterValues();
    // Alphabetical species order: D, P, S.
    const double x[3] = {0.0, 7.0, 30.0};
    ASSERT_EQ(m.species[2].name, "S");
    // MM: 12 * 30 / (20 + 30) = 7.2
    EXPECT_DOUBLE_EQ(deterministicRate(m, m.reactions[0].law, x, p, 0.0), 7.2);
    // Hill: 12 * 30^2.5 / (20^2.5 + 30^2.5) = 12 * 4929.503 / (1788.854 + 4929.503) = 8.804836
    EXPECT_NEAR(deterministicRate(m, m.reactions[1].law, x, p, 0.0), 12.0 * std::pow(30, 2.5) / (std::pow(20, 2.5) + std::pow(30, 2.5)), 1e-12);
    EXPECT_NEAR(deterministicRate(m, m.reactions[1].law, x, p, 0.0), 8.804836, 1e-6);
    // Hill on a named substrate that is read, not consumed: 3 * 7^4 / (5^4 + 7^4) = 7203/3026
    EXPECT_NEAR(deterministicRate(m, m.reactions[3].law, x, p, 0.0), 7203.0 / 3026.0, 1e-12);
    // Stochastic MM/Hill propensities use the same formulas on counts.
    EXPECT_DOUBLE_EQ(stochasticPropensity(m, m.reactions[0].law, x, p), 7.2);
}

TEST(Kinetics, DimerisationUsesXSquaredOverTwoInOdeAndBinomialInSsa) {
    const RunConfig c = loadText(kLaws);
    const Model& m = c.model;
    const auto p = m.baseParameterValues();
    const double x[3] = {0.0, 7.0, 30.0};
    EXPECT_DOUBLE_EQ(deterministicRate(m, m.reactions[2].law, x, p, 0.0), 0.004 * 49.0 / 2.0);
    EXPECT_DOUBLE_EQ(stochasticPropensity(m, m.reactions[2].law, x, p), 0.004 * 7.0 * 6.0 / 2.0);
    const double one[3] = {0.0, 1.0, 0.0};
    EXPECT_EQ(stochasticPropensity(m, m.reactions[2].law, one, p), 0.0);
}

TEST(Kinetics, StoichiometryCountsBothSides) {
    const RunConfig c = loadText(kLaws);
    const auto N = stoichiometryMatrix(c.model);
    EXPECT_EQ(N.coeff(1, 2), -2.0);  // P in 2 P -> D
    EXPECT_EQ(N.coeff(0, 2), 1.0);   // D
    EXPECT_EQ(N.coeff(2, 0), -1.0);  // S in S -> P
}

TEST(Kinetics, AnalyticJacobianMatchesFiniteDifferences) {
    // Every law and both kinds of route (with and without delay), so every Jacobian term is used.
    const RunConfig c = loadText(R"(
[model]
name = "jacobian"
compartments = { ER = {}, Golgi = {} }
[model.species]
A = { compartment = "ER", initial = 50 }
B = { compartment = "ER", initial = 20 }
C = { compartment = "ER", initial = 5 }
G = { compartment = "Golgi", initial = 0 }
H = { compartment = "Golgi", initial = 0 }
[model.parameters]
k = 0.01
[[model.reactions]]
name = "bind"
equation = "A + B -> C"
k = "k"
[[model.reactions]]
name = "dimer"
equation = "2 C -> A"
k = 0.003
[[model.reactions]]
name = "mm"
equation = "C -> B"
law = "michaelis_menten"
vmax = 4.0
km = 12.0
[[model.reactions]]
name = "hill"
equation = "-> A"
law = "hill"
vmax = 2.0
km = 10.0
n = 2.5
substrate = "B"
[[model.vesicles]]
name = "copii"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 0.2, substrate = "C" }
cargo = { A = "G", B = "H" }
capture = 0.05
fusion_rate = 0.1
delay = 3.0
[[model.vesicles]]
name = "mm_route"
from = "ER"
to = "Golgi"
budding = { law = "michaelis_menten", vmax = 0.5, km = 30.0, substrate = "A" }
cargo = { A = "G" }
capture = 0.02
fusion_rate = 0.3
[simulation]
t_end = 10.0
output_interval = 1.0
delay_stages = 3
)");
    MeanFluxSystem system(c.model, c.simulation.delay_stages);
    std::vector<double> x(system.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 3.0 + 1.7 * static_cast<double>(i % 7) + 0.3 * i;
    Eigen::MatrixXd J;
    system.jacobian(x.data(), J, 0.0);
    std::vector<double> plus(x.size()), minus(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) {
        auto xp = x, xm = x;
        const double h = 1e-5 * std::max(1.0, x[j]);
        xp[j] += h;
        xm[j] -= h;
        system.rhs(xp.data(), plus.data(), 0.0);
        system.rhs(xm.data(), minus.data(), 0.0);
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double fd = (plus[i] - minus[i]) / (2 * h);
            EXPECT_NEAR(J(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), fd, 1e-6 * std::max(1.0, std::abs(fd)))
                << "d f[" << i << "] / d x[" << j << "]";
        }
    }
}
