// DSMTS (Evans, Gillespie, Wilkinson 2008; docs/validation.md A) for the `ssa` method: birth-death
// 001-01 and 001-04, immigration-death 002-01, 002-09 (X := 50 at t = 25, on the grid) and
// 002-10 (X := 20 at t = 22.5, between grid points), dimerisation 003-01 and 003-03 (P := 100,
// P2 := 0 at t = 25), batch immigration-death 004-01, and the dimerisation with the monomer
// eliminated, 003-05, 003-06 and 003-07 (SBML test suite stochastic 00034-00036), whose rate laws
// are not mass action and need law = "expression".
//
// Every case: n = 10^4 replicates, one fixed seed, samples t = 0, 1, ..., 50. The exact mean,
// variance and fourth central moment are computed here (docs/validation.md A.4: closed forms and
// cumulants for 001/002/004, the chemical master equation by matrix exponential for 003), not
// read from the suite's files. At each point with sd > 0:
//   Z  = sqrt(n) (mean - mu) / sigma                     (mean family)
//   Y' = (S^2 - sigma^2) / sqrt((mu4 - sigma^4) / n)     (variance family; S^2 about mu)
// Each family of m points is held to a family-wise false-failure rate of 1e-4 by the Bonferroni
// threshold z*(m) (m = 50: 4.753, m = 49: 4.749, m = 98: 4.888, m = 100: 4.892); StatSupport.hpp.
// Points with sd 0 (t = 0, the reset points of 002-09 and 003-03) are checked for exact equality
// in every replicate.
#include <unsupported/Eigen/MatrixFunctions>

#include <map>

#include "StatSupport.hpp"

using namespace egress;
using namespace egress::stat;
using egress::testing::loadText;

namespace {

constexpr std::size_t kReplicates = 10000;

std::string simulationTable(std::uint64_t seed) {
    return "[simulation]\nmethod = \"ssa\"\nt_end = 50.0\noutput_interval = 1.0\nreplicates = 10000\nseed = " +
           std::to_string(seed) + "\n";
}

std::string birthDeath(int x0) {
    return R"(
[model]
name = "dsmts-001"
compartments = { Cell = {} }
species = { X = { compartment = "Cell", initial = )" +
           std::to_string(x0) + R"( } }
parameters = { lambda = 0.1, mu = 0.11 }
reactions = [
  { name = "birth", equation = "X -> 2 X", k = "lambda" },
  { name = "death", equation = "X ->", k = "mu" } ]
)";
}

/// Linear birth-death from x0 ancestors: each ancestor's progeny is 0 with probability a and
/// otherwise geometric, P(k) = (1 - a)(1 - b) b^(k-1) (Kendall 1948), with
/// a = mu (E - 1) / (lambda E - mu), b = lambda (E - 1) / (lambda E - mu), E = e^((lambda - mu) t).
/// Ancestors are independent, so the cumulants are x0 times one ancestor's.
Moments birthDeathMoments(double lambda, double mu, double x0, double t) {
    if (t == 0.0) return {x0, 0.0, 0.0};
    const double E = std::exp((lambda - mu) * t);
    const double a = mu * (E - 1) / (lambda * E - mu), b = lambda * (E - 1) / (lambda * E - mu);
    std::vector<double> values{0.0}, pmf{a};
    double term = (1 - a) * (1 - b);
    for (int k = 1; term > 1e-300 && k < 100000; ++k, term *= b) {
        values.push_back(k);
        pmf.push_back(term);
    }
    const Moments one = fromPmf(values, pmf);
    return fromCumulants(x0 * one.mean, x0 * one.var, x0 * (one.mu4 - 3 * one.var * one.var));
}

/// Immigration-death (immigration alpha, death mu per molecule) a time s after the state was x0:
/// X = Binomial(x0, p) + Poisson(alpha (1 - p) / mu), p = e^(-mu s), independent (A.4).
Moments immigrationDeathMoments(double alpha, double mu, double x0, double s) {
    const double p = std::exp(-mu * s), q = 1 - p, lambda = alpha * q / mu;
    const double k2 = x0 * p * q + lambda;
    const double k4 = x0 * p * q * (1 - 6 * p * q) + lambda;
    return fromCumulants(x0 * p + lambda, k2, k4);
}

/// Batch immigration-death: batches of `batch` molecules arrive at rate alpha, each molecule dies
/// at mu. X(t) is compound Poisson: batches arriving u before t contribute Binomial(batch, e^(-mu u)),
/// so the j-th cumulant is alpha int_0^t E[B_u^j] du = alpha sum_i S(j, i) batch^(i) (1 - e^(-i mu t)) / (i mu)
/// with Stirling numbers of the second kind S(j, i) and falling factorials batch^(i).
Moments batchMoments(double alpha, double mu, double batch, double t) {
    auto integral = [&](int i) {
        double falling = 1;
        for (int r = 0; r < i; ++r) falling *= batch - r;
        return falling * (1 - std::exp(-i * mu * t)) / (i * mu);
    };
    const double k1 = alpha * integral(1);
    const double k2 = alpha * (integral(1) + integral(2));
    const double k4 = alpha * (integral(1) + 7 * integral(2) + 6 * integral(3) + integral(4));
    return fromCumulants(k1, k2, k4);
}

/// Dimerisation 2P -> P2 (k1 P (P-1)/2), P2 -> 2P (k2 P2) from P = N, P2 = 0: the master equation on
/// n = P2 in 0..N/2, p(t) = expm(Q t) e_0. Returns the moments of {P, P2}.
class DimerisationCme {
public:
    DimerisationCme(int N, double k1, double k2) : N_(N), Q_(Eigen::MatrixXd::Zero(N / 2 + 1, N / 2 + 1)) {
        for (int n = 0; n <= N / 2; ++n) {
            const double P = N - 2.0 * n;
            const double up = k1 * P * (P - 1) / 2, down = k2 * n;
            if (n < N / 2) {
                Q_(n + 1, n) += up;
                Q_(n, n) -= up;
            }
            if (n > 0) {
                Q_(n - 1, n) += down;
                Q_(n, n) -= down;
            }
        }
    }
    std::array<Moments, 2> at(double t) {
        auto it = cache_.find(t);
        if (it != cache_.end()) return it->second;
        Eigen::VectorXd e0 = Eigen::VectorXd::Zero(Q_.rows());
        e0(0) = 1.0;
        const Eigen::VectorXd p = (Q_ * t).exp() * e0;
        std::vector<double> pmf(p.data(), p.data() + p.size()), P(p.size()), P2(p.size());
        for (int n = 0; n < p.size(); ++n) {
            P[n] = N_ - 2.0 * n;
            P2[n] = n;
        }
        std::array<Moments, 2> m{fromPmf(P, pmf), fromPmf(P2, pmf)};
        if (t == 0.0) m[0].var = m[1].var = 0.0;
        return cache_[t] = m;
    }

private:
    int N_;
    Eigen::MatrixXd Q_;
    std::map<double, std::array<Moments, 2>> cache_;
};

using Expected = std::function<Moments(double, std::size_t)>;

/// Runs one DSMTS case and checks both families at every sample.
void runCase(const std::string& id, const std::string& params, const std::vector<std::string>& columns,
             const Expected& expected) {
    const RunConfig config = loadText(params);
    ASSERT_EQ(config.simulation.replicates, kReplicates);
    const Ensemble e = simulateSpecies(config, kReplicates, columns);
    const std::size_t m = testedPoints(e, expected);
    Family means(id + " mean Z", m), variances(id + " variance Y'", m);
    checkMoments(e, columns, expected, means, variances);
    means.report();
    variances.report();
    std::printf("  [stat] %s: n=%zu seed=%llu, %zu points, simulated in %.2f s\n", id.c_str(), kReplicates,
                static_cast<unsigned long long>(config.simulation.seed), m, e.seconds);
}

void expectClose(double actual, double expected, double rel, const std::string& what) {
    EXPECT_LE(std::abs(actual - expected), rel * std::abs(expected)) << what << ": " << actual << " vs " << expected;
}

}  // namespace

// The exact formulas reproduce the values quoted from the suite's results files (docs/validation.md A.4),
// so the statistical tests below compare against the suite's truth.
TEST(DsmtsReference, ExactMomentsMatchTheSuiteValues) {
    expectClose(birthDeathMoments(0.1, 0.11, 100, 1).mean, 99.00498, 1e-6, "001-01 mean(1)");
    expectClose(std::sqrt(birthDeathMoments(0.1, 0.11, 100, 1).var), 4.54834, 2e-6, "001-01 sd(1)");
    expectClose(birthDeathMoments(0.1, 0.11, 100, 50).mean, 60.65307, 1e-6, "001-01 mean(50)");
    expectClose(std::sqrt(birthDeathMoments(0.1, 0.11, 100, 50).var), 22.38677, 1e-6, "001-01 sd(50)");
    // Closed form of A.4 for the variance: X0 (l + m)/(l - m) e^{rt}(e^{rt} - 1).
    for (double t : {3.0, 17.0, 44.0}) {
        const double E = std::exp(-0.01 * t);
        expectClose(birthDeathMoments(0.1, 0.11, 10, t).var, 10 * 0.21 / -0.01 * E * (E - 1), 1e-10, "001-04 variance");
    }
    expectClose(immigrationDeathMoments(1, 0.1, 0, 1).mean, 0.9516258, 1e-7, "002-01 mean(1)");
    expectClose(immigrationDeathMoments(1, 0.1, 50, 25).mean, 13.283400, 1e-7, "002-09 mean(50)");
    expectClose(std::sqrt(immigrationDeathMoments(1, 0.1, 50, 25).var), 3.598125, 1e-6, "002-09 sd(50)");
    expectClose(immigrationDeathMoments(1, 0.1, 20, 2.5).mean, 17.788008, 1e-7, "002-10 mean(25)");
    // Poisson: the cumulant form gives mu4 = lambda + 3 lambda^2.
    expectClose(immigrationDeathMoments(1, 0.1, 0, 7).mu4, poissonMoments(10 * (1 - std::exp(-0.7))).mu4, 1e-12, "Poisson mu4");
    DimerisationCme cme(100, 0.001, 0.01);
    expectClose(cme.at(1)[0].mean, 91.031766, 1e-7, "003-01 P mean(1)");
    expectClose(std::sqrt(cme.at(1)[0].var), 3.862504, 1e-6, "003-01 P sd(1)");
    expectClose(cme.at(50)[0].mean, 28.542298, 1e-7, "003-01 P mean(50)");
    expectClose(std::sqrt(cme.at(50)[0].var), 4.789331, 1e-6, "003-01 P sd(50)");
    expectClose(std::sqrt(cme.at(50)[1].var) * 2, std::sqrt(cme.at(50)[0].var), 1e-10, "sd P = 2 sd P2");
    // 003-05..07 (suite 00034-00036, all three -results.csv files alike): P2 of the same chain.
    expectClose(cme.at(1)[1].mean, 4.484117, 1e-6, "003-05 P2 mean(1)");
    expectClose(std::sqrt(cme.at(1)[1].var), 1.931252, 1e-6, "003-05 P2 sd(1)");
    expectClose(cme.at(50)[1].mean, 35.728851, 1e-7, "003-05 P2 mean(50)");
    expectClose(std::sqrt(cme.at(50)[1].var), 2.394665, 1e-6, "003-05 P2 sd(50)");
    // 004-01: variance formula of A.4, and the stationary sd sqrt(75).
    for (double t : {1.0, 10.0, 50.0}) {
        const double v = 1 * (5 * (1 - std::exp(-0.2 * t)) / 0.2 + 5 * 4 * (1 - std::exp(-0.4 * t)) / 0.4);
        expectClose(batchMoments(1, 0.2, 5, t).var, v, 1e-12, "004-01 variance");
    }
    expectClose(batchMoments(1, 0.2, 5, 200).var, 75.0, 1e-12, "004-01 stationary variance");
}

// 001-01: X -> 2X (0.1 X), X -> 0 (0.11 X), X0 = 100. Seed 1001, n = 1e4, families of m = 50
// points (t = 1..50), Z and Y' (exact mu4 from the cumulants), z* = 4.753: rate 1e-4 each.
TEST(DsmtsSsa, BirthDeath001_01) {
    runCase("001-01", birthDeath(100) + simulationTable(1001), {"X"},
            [](double t, std::size_t) { return birthDeathMoments(0.1, 0.11, 100, t); });
}

// 001-04: as 001-01 with X0 = 10 (extinction is likely by t = 50). Seed 1004, n = 1e4, m = 50,
// Z and Y' (exact mu4), z* = 4.753, rate 1e-4 per family.
TEST(DsmtsSsa, BirthDeath001_04) {
    runCase("001-04", birthDeath(10) + simulationTable(1004), {"X"},
            [](double t, std::size_t) { return birthDeathMoments(0.1, 0.11, 10, t); });
}

namespace {
std::string immigrationDeath(const std::string& events) {
    return R"(
[model]
name = "dsmts-002"
compartments = { Cell = {} }
species = { X = { compartment = "Cell", initial = 0 } }
parameters = { alpha = 1.0, mu = 0.1 }
reactions = [
  { name = "immigration", equation = "-> X", k = "alpha" },
  { name = "death", equation = "X ->", k = "mu" } ]
)" + events;
}
}  // namespace

// 002-01: 0 -> X (1), X -> 0 (0.1 X), X0 = 0: X(t) ~ Poisson((1 - e^-0.1t)/0.1). Seed 2001,
// n = 1e4, m = 50, Z (sigma = sqrt(mean)) and Y' with the Poisson mu4 = l + 3 l^2; z* = 4.753,
// rate 1e-4 per family.
TEST(DsmtsSsa, ImmigrationDeath002_01) {
    runCase("002-01", immigrationDeath("") + simulationTable(2001), {"X"},
            [](double t, std::size_t) { return immigrationDeathMoments(1, 0.1, 0, t); });
}

// 002-09: 002-01 with the event X := 50 at t = 25, a grid point: the event fires before the sample,
// so every replicate has X(25) = 50 exactly (checked); after it X = Bin(50, p) + Poisson.
// Seed 2009, n = 1e4, m = 49 (t = 1..50 except 25), Z and Y' (exact mu4), z* = 4.749, rate 1e-4 per family.
TEST(DsmtsSsa, ImmigrationDeathEventOnGrid002_09) {
    runCase("002-09", immigrationDeath(simulationTable(2009) + "[[events]]\nat = 25.0\nset = { X = 50 }\n"), {"X"},
            [](double t, std::size_t) {
                return t < 25.0 ? immigrationDeathMoments(1, 0.1, 0, t) : immigrationDeathMoments(1, 0.1, 50, t - 25.0);
            });
}

// 002-10: the event X := 20 at t = 22.5, between grid points. Seed 2010, n = 1e4, m = 50,
// Z and Y' (exact mu4), z* = 4.753, rate 1e-4 per family.
TEST(DsmtsSsa, ImmigrationDeathEventOffGrid002_10) {
    runCase("002-10", immigrationDeath(simulationTable(2010) + "[[events]]\nat = 22.5\nset = { X = 20 }\n"), {"X"},
            [](double t, std::size_t) {
                return t < 22.5 ? immigrationDeathMoments(1, 0.1, 0, t) : immigrationDeathMoments(1, 0.1, 20, t - 22.5);
            });
}

namespace {
std::string dimerisation(const std::string& extra) {
    return R"(
[model]
name = "dsmts-003"
compartments = { Cell = {} }
species = { P = { compartment = "Cell", initial = 100 }, P2 = { compartment = "Cell", initial = 0 } }
parameters = { k1 = 0.001, k2 = 0.01 }
reactions = [
  { name = "dimerisation", equation = "2 P -> P2", k = "k1" },
  { name = "dissociation", equation = "P2 -> 2 P", k = "k2" } ]
)" + extra;
}
}  // namespace

// 003-01: exact CME (51 states, expm). Columns P and P2 (P = 100 - 2 P2, so their Z are
// equal and opposite; both are tested). Seed 3001, n = 1e4, m = 100 per family, Z and Y' (exact
// mu4 from the CME distribution), z* = 4.892, rate 1e-4 per family.
TEST(DsmtsSsa, Dimerisation003_01) {
    auto cme = std::make_shared<DimerisationCme>(100, 0.001, 0.01);
    runCase("003-01", dimerisation(simulationTable(3001)), {"P", "P2"},
            [cme](double t, std::size_t c) { return cme->at(t)[c]; });
}

// 003-03: event P := 100, P2 := 0 at t = 25 (on the grid): exactly (100, 0) at t = 25 in every
// replicate; for t > 25 the CME restarted at t - 25. Seed 3003, n = 1e4, m = 98 per family
// (2 columns x 49 times), Z and Y' (exact mu4), z* = 4.888, rate 1e-4 per family.
TEST(DsmtsSsa, DimerisationReset003_03) {
    auto cme = std::make_shared<DimerisationCme>(100, 0.001, 0.01);
    runCase("003-03", dimerisation(simulationTable(3003) + "[[events]]\nat = 25.0\nset = { P = 100, P2 = 0 }\n"),
            {"P", "P2"}, [cme](double t, std::size_t c) { return cme->at(t < 25.0 ? t : t - 25.0)[c]; });
}

namespace {
/// 003-05..07: the dimerisation with P eliminated (P = 100 - 2 P2), written as the suite writes
/// it: "-> P2" at the dimerisation's propensity as a formula in P2, and "P2 ->" at k2 P2. The
/// formula is the propensity of the mass-action 2 P -> P2, so the chain on P2 is 003-01's.
std::string dimerisationEliminated(const std::string& rate, std::uint64_t seed) {
    return R"(
[model]
name = "dsmts-003-eliminated"
compartments = { Cell = {} }
species = { P2 = { compartment = "Cell", initial = 0 } }
parameters = { k1 = 0.001, k2 = 0.01 }
[[model.reactions]]
name = "dimerisation"
equation = "-> P2"
law = "expression"
rate = ")" + rate + R"("
[[model.reactions]]
name = "disassociation"
equation = "P2 ->"
k = "k2"
)" + simulationTable(seed);
}
}  // namespace

// 003-05 (suite 00034): rate 0.5*k1*(100-2*P2)*(99-2*P2), as the suite writes it. Exact CME
// (003-01's P2 column). Seed 3005, n = 1e4, m = 50 (t = 1..50), Z and Y' (exact mu4 from the
// CME distribution), z* = 4.753, rate 1e-4 per family.
TEST(DsmtsSsa, DimerisationEliminated003_05) {
    auto cme = std::make_shared<DimerisationCme>(100, 0.001, 0.01);
    runCase("003-05", dimerisationEliminated("0.5*k1*(100-2*P2)*(99-2*P2)", 3005), {"P2"},
            [cme](double t, std::size_t) { return cme->at(t)[1]; });
}

// 003-06 (suite 00035): k1*(100-2*P2)*(100-2*P2-1)/2. Seed 3006, otherwise as 003-05.
TEST(DsmtsSsa, DimerisationEliminated003_06) {
    auto cme = std::make_shared<DimerisationCme>(100, 0.001, 0.01);
    runCase("003-06", dimerisationEliminated("k1*(100-2*P2)*(100-2*P2-1)/2", 3006), {"P2"},
            [cme](double t, std::size_t) { return cme->at(t)[1]; });
}

// 003-07 (suite 00036): k1*(100-2*P2)*((100-2*P2)-1)/2. Seed 3007, otherwise as 003-05.
TEST(DsmtsSsa, DimerisationEliminated003_07) {
    auto cme = std::make_shared<DimerisationCme>(100, 0.001, 0.01);
    runCase("003-07", dimerisationEliminated("k1*(100-2*P2)*((100-2*P2)-1)/2", 3007), {"P2"},
            [cme](double t, std::size_t) { return cme->at(t)[1]; });
}

// 004-01: 0 -> 5X (1), X -> 0 (0.2 X), X0 = 0: compound Poisson (exact cumulants above). Seed 4001,
// n = 1e4, m = 50, Z and Y' (exact mu4), z* = 4.753, rate 1e-4 per family.
TEST(DsmtsSsa, BatchImmigrationDeath004_01) {
    runCase("004-01", R"(
[model]
name = "dsmts-004"
compartments = { Cell = {} }
species = { X = { compartment = "Cell", initial = 0 } }
parameters = { alpha = 1.0, mu = 0.2 }
reactions = [
  { name = "batch_immigration", equation = "-> 5 X", k = "alpha" },
  { name = "death", equation = "X ->", k = "mu" } ]
)" + simulationTable(4001),
            {"X"}, [](double t, std::size_t) { return batchMoments(1, 0.2, 5, t); });
}
