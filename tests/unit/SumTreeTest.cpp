// The sum tree of the ssa's selection on large networks (engine/solvers/SumTree.hpp): it picks
// leaf i with probability a_i / a_0, never a leaf of propensity 0 (rounding included), and its
// sums after any sequence of updates equal a fresh rebuild bit for bit.
#include <gtest/gtest.h>

#include <boost/math/distributions/chi_squared.hpp>

#include <cmath>
#include <vector>

#include "core/RandomStream.hpp"
#include "solvers/SumTree.hpp"

using namespace egress;

namespace {
/// 37 leaves (not a power of two: 27 padding leaves), five of them 0, the others spread over two
/// orders of magnitude, drawn from a fixed stream.
std::vector<double> propensities() {
    RandomStream rng(2026, 0, StreamPurpose::Trajectory);
    std::vector<double> a(37);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = i % 8 == 3 ? 0.0 : std::pow(10.0, 2.0 * rng.uniform() - 1.0);
    return a;
}
}  // namespace

// Seed 7 (replicate 0), N = 1e6 draws of target = U a_0. Pearson chi-square over the 32 leaves
// with a_i > 0 (expected counts >= 1e6 x 0.1 / 60 > 1000), df = 31; the test fails when X2
// exceeds the upper 1e-6 quantile of chi-square(31) (false-failure rate 1e-6). A leaf of
// propensity 0 chosen even once fails it.
TEST(SumTree, SelectsLeafIWithProbabilityAiOverA0) {
    const std::vector<double> a = propensities();
    SumTree tree(a.size());
    ASSERT_EQ(tree.size(), 64u);
    for (std::size_t i = 0; i < a.size(); ++i) tree.leaves()[i] = a[i];
    tree.rebuild();
    double a0 = 0.0;
    for (double v : a) a0 += v;
    EXPECT_NEAR(tree.total(), a0, 1e-12 * a0);

    RandomStream rng(7, 0, StreamPurpose::Trajectory);
    const std::size_t N = 1'000'000;
    std::vector<double> counts(tree.size(), 0.0);
    for (std::size_t k = 0; k < N; ++k) counts[tree.select(rng.uniform() * tree.total())] += 1.0;
    double x2 = 0.0;
    std::size_t df = 0;
    for (std::size_t i = 0; i < tree.size(); ++i) {
        const double p = i < a.size() ? a[i] / a0 : 0.0;
        if (p == 0.0) {
            EXPECT_EQ(counts[i], 0.0) << "leaf " << i << " has propensity 0";
            continue;
        }
        const double expected = p * static_cast<double>(N);
        x2 += (counts[i] - expected) * (counts[i] - expected) / expected;
        ++df;
    }
    df -= 1;
    ASSERT_EQ(df, 31u);
    const double critical = boost::math::quantile(boost::math::complement(boost::math::chi_squared(31.0), 1e-6));
    EXPECT_LT(x2, critical) << "X2 = " << x2 << ", df = 31, critical (1e-6) = " << critical;
    std::printf("  [stat] sum tree selection: N = %zu, X2 = %.2f, df = 31, critical (1e-6) = %.2f\n", N, x2, critical);
}

TEST(SumTree, TargetsAtOrPastTheTotalStillPickAPositiveLeaf) {
    // Rounding can put U a_0 at a_0 or just past it; the walk must not end on padding or on a 0.
    SumTree tree(5);
    const double a[5] = {0.3, 0.0, 1.7, 0.0, 0.0};
    for (std::size_t i = 0; i < 5; ++i) tree.leaves()[i] = a[i];
    tree.rebuild();
    EXPECT_EQ(tree.select(tree.total()), 2u);
    EXPECT_EQ(tree.select(std::nextafter(tree.total(), 10.0)), 2u);
    EXPECT_EQ(tree.select(0.0), 0u);
    EXPECT_EQ(tree.select(std::nextafter(0.3, 0.0)), 0u);
    EXPECT_EQ(tree.select(0.3), 2u);
    SumTree one(1);
    one.leaves()[0] = 2.0;
    one.rebuild();
    EXPECT_EQ(one.total(), 2.0);
    EXPECT_EQ(one.select(1.0), 0u);
}

TEST(SumTree, UpdatesLeaveTheSameSumsAsARebuild) {
    // 10,000 random single-leaf changes (seed 11), each followed by update(); then the total is
    // compared bit for bit with a tree rebuilt from the same leaves, and 997 selections spread
    // over [0, total) must agree.
    const std::size_t n = 100;
    SumTree updated(n), rebuilt(n);
    RandomStream rng(11, 0, StreamPurpose::Trajectory);
    for (std::size_t k = 0; k < 10'000; ++k) {
        const auto i = static_cast<std::size_t>(rng.uniform() * n) % n;
        updated.leaves()[i] = rng.uniform() < 0.1 ? 0.0 : rng.exponential();
        updated.update(i);
    }
    for (std::size_t i = 0; i < n; ++i) rebuilt.leaves()[i] = updated.leaves()[i];
    rebuilt.rebuild();
    EXPECT_EQ(updated.total(), rebuilt.total());
    for (double target = 0.0; target < rebuilt.total(); target += rebuilt.total() / 997.0)
        ASSERT_EQ(updated.select(target), rebuilt.select(target));

    // updateSorted: 2,000 batches of 1..30 distinct leaves in increasing order (as the ssa's
    // dependents), then the same comparison; and the one-leaf tree.
    SumTree batched(n);
    for (std::size_t i = 0; i < n; ++i) batched.leaves()[i] = updated.leaves()[i];
    batched.rebuild();
    for (std::size_t k = 0; k < 2'000; ++k) {
        std::vector<std::size_t> changed;
        const auto count = 1 + static_cast<std::size_t>(rng.uniform() * 30) % 30;
        for (std::size_t i = 0; i < n && changed.size() < count; ++i)
            if (rng.uniform() < 0.3) changed.push_back(i);
        for (auto i : changed) batched.leaves()[i] = rng.exponential();
        batched.updateSorted(changed.data(), changed.size());
    }
    for (std::size_t i = 0; i < n; ++i) rebuilt.leaves()[i] = batched.leaves()[i];
    rebuilt.rebuild();
    EXPECT_EQ(batched.total(), rebuilt.total());
    for (double target = 0.0; target < rebuilt.total(); target += rebuilt.total() / 997.0)
        ASSERT_EQ(batched.select(target), rebuilt.select(target));
    SumTree one(1);
    const std::size_t leaf0 = 0;
    one.leaves()[0] = 3.0;
    one.updateSorted(&leaf0, 1);
    EXPECT_EQ(one.total(), 3.0);
}
