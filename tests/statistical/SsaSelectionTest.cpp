// The ssa's two ways of choosing the channel that fires (engine/solvers/SsaSolver.hpp): the linear
// search of the direct method and the sum tree that large networks get. Both are run, forced, on a
// model whose answer is exact, and against each other.
//   24 independent immigration-death species X_i: 0 -> X_i at alpha_i = 1 + i/2, X_i -> 0 at
//   mu = 0.2, from empty; X_i(t) ~ Poisson(alpha_i / mu (1 - e^{-mu t})) (docs/validation.md B).
//   48 channels, both selections forced (Automatic would use the search below kTreeMinChannels).
#include "StatSupport.hpp"
#include "solvers/SsaSolver.hpp"

using namespace egress;
using namespace egress::stat;
using egress::testing::loadText;

namespace {

constexpr std::size_t kSpecies = 24;  ///< of the statistical test
constexpr double kMu = 0.2;
double alpha(std::size_t i) { return 1.0 + 0.5 * static_cast<double>(i); }
double exactMean(std::size_t i, double t) { return alpha(i) / kMu * (1.0 - std::exp(-kMu * t)); }

/// `count` immigration-death species: 2 x count channels.
std::string modelText(std::size_t count = kSpecies) {
    std::string species, parameters = "mu = 0.2", reactions;
    for (std::size_t i = 0; i < count; ++i) {
        // Zero-padded: species are ordered by name, and X02 < X10 keeps column i = X_i.
        const std::string x = (i < 10 ? "X00" : i < 100 ? "X0" : "X") + std::to_string(i), a = "a" + std::to_string(i);
        species += (i ? ", " : "") + x + " = { compartment = \"cell\" }";
        parameters += ", " + a + " = " + std::to_string(alpha(i));
        reactions += "  { name = \"in" + std::to_string(i) + "\", equation = \"-> " + x + "\", k = \"" + a + "\" },\n";
        reactions += "  { name = \"out" + std::to_string(i) + "\", equation = \"" + x + " ->\", k = \"mu\" },\n";
    }
    return "[model]\nname = \"parallel-immigration-death\"\ncompartments = { cell = {} }\nspecies = { " + species +
           " }\nparameters = { " + parameters + " }\nreactions = [\n" + reactions +
           "]\n[simulation]\nmethod = \"ssa\"\nt_end = 10.0\noutput_interval = 2.5\nreplicates = 1\nseed = 9101\n";
}

/// Replicates 0..n-1 of the model with the given selection; columns = the species.
Ensemble simulateWith(const RunConfig& config, std::size_t n, SsaSelection selection) {
    Ensemble e;
    e.replicates = n;
    e.samples = config.simulation.sampleCount();
    e.columns = kSpecies;
    e.data.assign(n * e.samples * kSpecies, std::numeric_limits<double>::quiet_NaN());
    Recorder recorder(kSpecies, [](const Sample& s, double* row) { std::copy(s.amounts, s.amounts + kSpecies, row); });
    recorder.target = &e;
    const SsaSolver solver(config.model, config.simulation, selection);
    const auto base = config.model.baseParameterValues();
    for (std::size_t r = 0; r < n; ++r) solver.run(r, base, recorder);
    EXPECT_EQ(recorder.seen(), n * e.samples);
    return e;
}

}  // namespace

// Seeds 9101 (direct) and 9102 (tree), n = 4000 replicates per selection, samples t = 2.5, 5, 7.5, 10 (t = 0 is exact:
// checked for equality), 24 species: 96 points per family.
//  - for each selection, mean family Z = sqrt(n)(mean - m)/sqrt(m) and variance family Y' with the
//    Poisson mu4 = m + 3 m^2, each m = 96, family-wise rate 1e-4 (z* = 4.94);
//  - direct against tree: Z = (mean_direct - mean_tree) / sqrt(2 m / n), m = 96, rate 1e-4.
// Six families, total false-failure rate <= 6e-4. Plus: the tree gives the same trajectory for
// the same seed twice, and the same as the search for the same seed (below).
TEST(SsaSelection, DirectAndTreeAreExactAndAgree) {
    const RunConfig config = loadText(modelText());
    ASSERT_EQ(config.model.reactions.size(), 2 * kSpecies);
    EXPECT_TRUE(SsaSolver(config.model, config.simulation, SsaSelection::Tree).usesTree());
    EXPECT_FALSE(SsaSolver(config.model, config.simulation, SsaSelection::Direct).usesTree());

    const std::size_t n = 4000;
    // Independent samples for the comparison: the tree runs with seed 9102.
    RunConfig treeConfig = config;
    treeConfig.simulation.seed = 9102;
    const Ensemble direct = simulateWith(config, n, SsaSelection::Direct);
    const Ensemble tree = simulateWith(treeConfig, n, SsaSelection::Tree);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < kSpecies; ++i) names.push_back((i < 10 ? "X00" : "X0") + std::to_string(i));
    for (std::size_t i = 0; i < kSpecies; ++i) ASSERT_EQ(config.model.species[i].name, names[i]);
    const auto expected = [](double t, std::size_t c) { return poissonMoments(exactMean(c, t)); };
    ASSERT_EQ(testedPoints(direct, expected), 96u);
    for (const auto* e : {&direct, &tree}) {
        const std::string which = e == &direct ? "direct" : "tree";
        Family means("selection " + which + " mean Z", 96), variances("selection " + which + " variance Y'", 96);
        checkMoments(*e, names, expected, means, variances);
    }
    Family agree("selection direct - tree mean Z", 96);
    for (std::size_t s = 1; s < direct.samples; ++s)
        for (std::size_t c = 0; c < kSpecies; ++c) {
            const auto a = direct.values(s, c), b = tree.values(s, c);
            double d = 0.0;
            for (std::size_t r = 0; r < n; ++r) d += a[r] - b[r];
            const double m = exactMean(c, direct.times[s]);
            agree.add(d / static_cast<double>(n) / std::sqrt(2.0 * m / static_cast<double>(n)),
                      names[c] + " t=" + format(direct.times[s]));
        }

    const Ensemble again = simulateWith(treeConfig, 3, SsaSelection::Tree);
    for (std::size_t i = 0; i < again.data.size(); ++i) ASSERT_EQ(again.data[i], tree.data[i]) << "same seed, same trajectory";

    // Same seed, both selections: the tree orders the channels' intervals of [0, a_0) as the
    // search does (leaf order), so the same draws choose the same channels and the trajectories
    // coincide unless a target falls within rounding of a boundary (the two sum in different
    // orders): about 1e-16 per event, so 3000 events x 200 replicates differ with probability
    // below 1e-10. A tree that split [0, a_0) in another order would fail this at once.
    const Ensemble treeSameSeed = simulateWith(config, 200, SsaSelection::Tree);
    for (std::size_t i = 0; i < treeSameSeed.data.size(); ++i)
        ASSERT_EQ(treeSameSeed.data[i], direct.data[i]) << "same seed, the same channels chosen";
}

TEST(SsaSelection, AutomaticSelectionFollowsTheChannelCount) {
    // kTreeMinChannels is even: count / 2 species give exactly that many channels.
    static_assert(SsaSolver::kTreeMinChannels % 2 == 0);
    const RunConfig below = loadText(modelText(SsaSolver::kTreeMinChannels / 2 - 1), "below.toml");
    const RunConfig at = loadText(modelText(SsaSolver::kTreeMinChannels / 2), "at.toml");
    ASSERT_EQ(at.model.reactions.size(), SsaSolver::kTreeMinChannels);
    EXPECT_FALSE(SsaSolver(below.model, below.simulation).usesTree());
    EXPECT_TRUE(SsaSolver(at.model, at.simulation).usesTree());
    EXPECT_NE(SsaSolver(at.model, at.simulation).algorithm().find("sum-tree"), std::string::npos);
}
