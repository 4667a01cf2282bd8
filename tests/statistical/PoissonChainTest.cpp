// The `ssa` method on monomolecular networks started empty, where the exact law is known
// (docs/validation.md B, Jahnke & Huisinga 2007): the species are independent Poisson variables whose
// means solve the reaction-rate ODE, also when a rate constant changes in time.
//   1. Linear chain 0 -> A -> B -> C -> 0 (k0 = 5, k1 = 0.3, k2 = 0.12, k3 = 0.05): mean = Bateman,
//      variance = mean, Poisson goodness of fit, zero correlation.
//   2. Immigration-death with the immigration rate scaled by 0.2 on [37.3, 71.9) (a perturbation
//      whose ends are off the output grid): mean = the piecewise solution at every sample.
#include <array>

#include "AnalyticSolutions.hpp"
#include "StatSupport.hpp"

using namespace egress;
using namespace egress::stat;
using egress::testing::loadText;

namespace {

constexpr double k0 = 5.0, k1 = 0.3, k2 = 0.12, k3 = 0.05;

std::array<double, 3> bateman(double t) { return egress::testing::batemanChain(k0, k1, k2, k3, t); }

/// Pearson correlation of two samples.
double correlation(const std::vector<double>& a, const std::vector<double>& b) {
    const double n = static_cast<double>(a.size());
    double ma = 0, mb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ma += a[i];
        mb += b[i];
    }
    ma /= n;
    mb /= n;
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return sab / std::sqrt(saa * sbb);
}

}  // namespace

// Seed 5001, n = 1e4 replicates, samples t = 0, 2, ..., 60 (30 tested times x 3 species = 90 points).
//  - mean family: Z = sqrt(n)(mean - Bateman)/sqrt(Bateman), m = 90, z* = 4.871, rate 1e-4;
//  - variance family: Y' with the Poisson sigma^2 = lambda, mu4 = lambda + 3 lambda^2, m = 90,
//    z* = 4.871, rate 1e-4;
//  - Poisson goodness of fit of A, B and C at t = 60: Pearson chi-square, bins with expected
//    count >= 5 and pooled tails, df = 27 (A, lambda = 16.67), 41 (B, lambda = 41.61) and 60
//    (C, lambda = 89.85); each at alpha = 1e-4 / 3 (Bonferroni over the three), critical values
//    66.64, 87.39 and 113.92; family rate 1e-4;
//  - independence at t = 60: sqrt(n) r for the pairs (A,B), (A,C), (B,C) ~ N(0,1), m = 3,
//    z* = 4.149, rate 1e-4 (the A-B check of docs/validation.md B is one of them).
TEST(PoissonChainSsa, MeanIsBatemanVarianceIsMeanAndMarginalsArePoisson) {
    const RunConfig config = loadText(R"(
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
method = "ssa"
t_end = 60.0
output_interval = 2.0
replicates = 10000
seed = 5001
)");
    const std::size_t n = 10000;
    const std::vector<std::string> names{"A", "B", "C"};
    const Ensemble e = simulateSpecies(config, n, names);
    const auto expected = [](double t, std::size_t c) { return poissonMoments(bateman(t)[c]); };
    const std::size_t m = testedPoints(e, expected);
    ASSERT_EQ(m, 90u);
    {
        Family means("chain mean Z (Bateman)", m), variances("chain variance Y' (Poisson)", m);
        checkMoments(e, names, expected, means, variances);
        means.report();
        variances.report();
    }

    const std::size_t last = e.samples - 1;
    ASSERT_EQ(e.times[last], 60.0);
    const auto lambda = bateman(60.0);
    const std::array<double, 3> statedDf{27, 41, 60};
    double worstRatio = 0.0;
    for (std::size_t c = 0; c < 3; ++c) {
        const ChiSquare chi = pearsonChiSquare(e.values(last, c), [&](long k) { return poissonPmf(lambda[c], k); }, 100000);
        const double critical = chiSquareCritical(chi.df(), 1e-4 / 3.0);
        EXPECT_EQ(chi.df(), statedDf[c]) << names[c] << ": the comment states the degrees of freedom";
        EXPECT_LT(chi.statistic, critical) << names[c] << " at t = 60 is not Poisson(" << lambda[c] << ")";
        std::printf("  [stat] chi-square %s ~ Poisson(%.2f) at t=60: X2 = %.2f, df = %.0f, critical (alpha 1e-4/3) = %.2f\n",
                    names[c].c_str(), lambda[c], chi.statistic, chi.df(), critical);
        worstRatio = std::max(worstRatio, chi.statistic / critical);
    }
    RecordProperty("chain_chi_square_max_ratio_to_critical", std::to_string(worstRatio));

    Family independence("chain sqrt(n) r at t=60", 3);
    const std::array<std::pair<std::size_t, std::size_t>, 3> pairs{{{0, 1}, {0, 2}, {1, 2}}};
    for (const auto& [a, b] : pairs)
        independence.add(std::sqrt(static_cast<double>(n)) * correlation(e.values(last, a), e.values(last, b)),
                         names[a] + "," + names[b]);
    std::printf("  [stat] chain: n=%zu seed=5001 simulated in %.2f s\n", n, e.seconds);
}

namespace {

constexpr double kAlpha = 10.0, kMu = 0.1, kScale = 0.2, kT0 = 37.3, kT1 = 71.9;

/// Mean of immigration-death from 0 with immigration alpha(t) = 10, 2 on [T0, T1), 10 after:
/// m' = alpha(t) - mu m, solved piecewise; X(t) ~ Poisson(m(t)) (time-dependent input, B).
double piecewiseMean(double t) {
    auto relax = [](double m0, double alpha, double dt) { return alpha / kMu + (m0 - alpha / kMu) * std::exp(-kMu * dt); };
    if (t < kT0) return relax(0.0, kAlpha, t);
    const double m0 = relax(0.0, kAlpha, kT0);
    if (t < kT1) return relax(m0, kScale * kAlpha, t - kT0);
    return relax(relax(m0, kScale * kAlpha, kT1 - kT0), kAlpha, t - kT1);
}

}  // namespace

// Seed 6001, n = 1e4, samples t = 0, 1, ..., 100 (100 tested). Mean family: Z with the analytic
// Poisson sd sqrt(m(t)), m = 100, z* = 4.892, rate 1e-4; variance family: Y' with the Poisson
// mu4, m = 100, z* = 4.892, rate 1e-4. A perturbation applied at the grid point after T0
// (t = 38) instead of T0 = 37.3 would raise the mean at t = 38 from 92.35 to 97.76 (sd 9.6): Z ~ 56.
TEST(PerturbationSsa, ImmigrationScaledOffGridFollowsThePiecewiseMean) {
    const RunConfig config = loadText(R"(
[model]
name = "immigration-death"
compartments = { cell = {} }
species = { X = { compartment = "cell" } }
parameters = { k_in = 10.0, mu = 0.1 }
reactions = [
  { name = "immigration", equation = "-> X", k = "k_in" },
  { name = "death", equation = "X ->", k = "mu" } ]
[simulation]
method = "ssa"
t_end = 100.0
output_interval = 1.0
replicates = 10000
seed = 6001
[[perturbations]]
name = "partial block"
target = "k_in"
scale = 0.2
start = 37.3
end = 71.9
)");
    const std::size_t n = 10000;
    const Ensemble e = simulateSpecies(config, n, {"X"});
    const auto expected = [](double t, std::size_t) { return poissonMoments(piecewiseMean(t)); };
    const std::size_t m = testedPoints(e, expected);
    ASSERT_EQ(m, 100u);
    Family means("perturbation mean Z (piecewise)", m), variances("perturbation variance Y' (Poisson)", m);
    checkMoments(e, {"X"}, expected, means, variances);
    means.report();
    variances.report();
    std::printf("  [stat] perturbation: n=%zu seed=6001 simulated in %.2f s\n", n, e.seconds);
}
