// Random streams: the generator's known-answer vectors, the key scheme, and the moments of our
// own transforms. Fixed seeds; each moment check states n, statistic and false-failure rate.
#include <gtest/gtest.h>

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>

#include "TestSupport.hpp"
#include "core/RandomStream.hpp"
#include "core/Variability.hpp"

using namespace egress;
using egress::testing::loadText;

TEST(RandomStream, PhiloxKnownAnswerVectors) {
    // Random123 tests/kat_vectors, philox4x32 10 (docs/validation.md D).
    r123::Philox4x32 philox;
    auto out = philox({{0, 0, 0, 0}}, {{0, 0}});
    EXPECT_EQ(out.v[0], 0x6627e8d5u);
    EXPECT_EQ(out.v[3], 0x9b00dbd8u);
    out = philox({{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, {{0xffffffffu, 0xffffffffu}});
    EXPECT_EQ(out.v[0], 0x408f276du);
    EXPECT_EQ(out.v[3], 0x6d5451fdu);
    out = philox({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, {{0xa4093822u, 0x299f31d0u}});
    EXPECT_EQ(out.v[0], 0xd16cfe09u);
    EXPECT_EQ(out.v[3], 0x24126ea1u);
}

namespace {
/// xoshiro256++ written out from Blackman and Vigna's reference (prng.di.unimi.it/xoshiro256plusplus.c),
/// independently of RandomStream.
struct ReferenceXoshiro {
    std::uint64_t s[4];
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t next() {
        const std::uint64_t result = rotl(s[0] + s[3], 23) + s[0], t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return result;
    }
};
}  // namespace

TEST(RandomStream, ReferenceXoshiroFirstOutputs) {
    // From state (1, 2, 3, 4) the first output is rotl(1 + 4, 23) + 1 = 0x2800001 by hand; the
    // next three by the reference algorithm (an independent Python transcription gave the same).
    ReferenceXoshiro x{{1, 2, 3, 4}};
    EXPECT_EQ(x.next(), 0x2800001u);
    EXPECT_EQ(x.next(), 0x3800067u);
    EXPECT_EQ(x.next(), 0xcc00003800067u);
    EXPECT_EQ(x.next(), 0xcc201994400b2u);
}

TEST(RandomStream, KeySchemeSeedZeroReplicateZeroStartsFromTheKnownAnswerBlock) {
    // key = seed = 0, counters (0, 0, replicate 0, purpose 0) and (1, 0, 0, 0): the first block is
    // the known answer above, and the two blocks are the xoshiro256++ state (docs/methods.md).
    RandomStream s(0, 0, StreamPurpose::Trajectory);
    EXPECT_EQ(s.state()[0], 0x6627e8d5e169c58dULL);
    EXPECT_EQ(s.state()[1], 0xbc57ac4c9b00dbd8ULL);
    const auto b1 = r123::Philox4x32()({{1, 0, 0, 0}}, {{0, 0}});
    EXPECT_EQ(s.state()[2], (std::uint64_t{b1.v[0]} << 32) | b1.v[1]);
    EXPECT_EQ(s.state()[3], (std::uint64_t{b1.v[2]} << 32) | b1.v[3]);
    // The stream is the reference generator from that state; uniform = (top 52 bits + 0.5) 2^-52.
    RandomStream t(7, 5, StreamPurpose::CellVariability);
    ReferenceXoshiro ref{{t.state()[0], t.state()[1], t.state()[2], t.state()[3]}};
    const auto key7 = r123::Philox4x32()({{0, 0, 5, 1}}, {{7, 0}});
    EXPECT_EQ(ref.s[0], (std::uint64_t{key7.v[0]} << 32) | key7.v[1]);
    EXPECT_EQ(t.uniform(), (static_cast<double>(ref.next() >> 12) + 0.5) * 0x1.0p-52);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(t.next(), ref.next());
    EXPECT_EQ(t.drawsUsed(), 1001u);
}

TEST(RandomStream, UniformIsStrictlyInsideTheOpenIntervalAtBothExtremes) {
    // The largest and smallest 64-bit outputs: with the earlier 53-bit form the largest mapped to
    // exactly 1.0, so log(1 - u) was -inf and "u < 1" was false.
    const double hi = RandomStream::uniformFromBits(~std::uint64_t{0});
    const double lo = RandomStream::uniformFromBits(0);
    EXPECT_LT(hi, 1.0);
    EXPECT_GT(lo, 0.0);
    EXPECT_EQ(hi, 1.0 - 0x1.0p-53);
    EXPECT_EQ(lo, 0x1.0p-53);
    EXPECT_EQ(1.0 - hi, lo);  // the grid is symmetric: 1 - u is also a value of it
    EXPECT_TRUE(std::isfinite(std::log(lo)) && std::isfinite(std::log(1.0 - hi)));
    EXPECT_GT(-std::log(hi), 0.0);  // an exponential waiting time is never 0
    // Neighbours of the ends: only the top 52 bits count, and one step of them is 2^-52.
    EXPECT_EQ(RandomStream::uniformFromBits(0xfffULL), lo);
    EXPECT_EQ(RandomStream::uniformFromBits(0x1000ULL), lo + 0x1.0p-52);
    EXPECT_EQ(RandomStream::uniformFromBits(~std::uint64_t{0} - 0x1000ULL), hi - 0x1.0p-52);
}

TEST(RandomStream, StreamsDependOnlyOnSeedReplicateAndPurpose) {
    RandomStream a(7, 3, StreamPurpose::Trajectory), b(7, 3, StreamPurpose::Trajectory);
    RandomStream c(7, 4, StreamPurpose::Trajectory), d(8, 3, StreamPurpose::Trajectory), e(7, 3, StreamPurpose::CellVariability);
    for (int i = 0; i < 100; ++i) {
        const double x = a.uniform();
        EXPECT_EQ(x, b.uniform());
        EXPECT_NE(x, c.uniform());
        EXPECT_NE(x, d.uniform());
        EXPECT_NE(x, e.uniform());
    }
}

TEST(RandomStream, UniformAndExponentialMoments) {
    // n = 1e6 draws, seed 11. Z = sqrt(n)(mean - mu)/sigma; |Z| < 4.9 per check (two-sided 1e-6).
    RandomStream s(11, 0, StreamPurpose::Trajectory);
    const int n = 1'000'000;
    double su = 0, se = 0, minU = 1, maxU = 0;
    for (int i = 0; i < n; ++i) {
        const double u = s.uniform();
        minU = std::min(minU, u);
        maxU = std::max(maxU, u);
        su += u;
        se += s.exponential();
    }
    EXPECT_GT(minU, 0.0);
    EXPECT_LT(maxU, 1.0);
    EXPECT_LT(std::abs(std::sqrt(n) * (su / n - 0.5) / std::sqrt(1.0 / 12)), 4.9);
    EXPECT_LT(std::abs(std::sqrt(n) * (se / n - 1.0) / 1.0), 4.9);
}

class Binomial : public ::testing::TestWithParam<std::pair<std::uint64_t, double>> {};

TEST_P(Binomial, MeanVarianceAndRange) {
    // n = 2e5 draws, seed 5. Mean: Z with sigma = sqrt(npq); variance: Y' = (S2 - v)/sqrt((m4 - v^2)/N)
    // with the binomial fourth central moment m4 = npq(1 + 3(n-2)pq). |Z|, |Y'| < 4.9: 1e-6 per check.
    const auto [n, p] = GetParam();
    RandomStream s(5, n, StreamPurpose::Trajectory);
    const int N = 200'000;
    const double mean = n * p, v = n * p * (1 - p);
    const double m4 = v * (1 + 3 * (static_cast<double>(n) - 2) * p * (1 - p));
    double sum = 0, s2 = 0;
    for (int i = 0; i < N; ++i) {
        const auto k = s.binomial(n, p);
        ASSERT_LE(k, n);
        sum += static_cast<double>(k);
        s2 += (k - mean) * (k - mean);
    }
    EXPECT_LT(std::abs(std::sqrt(N) * (sum / N - mean) / std::sqrt(v)), 4.9) << "mean " << sum / N << " vs " << mean;
    EXPECT_LT(std::abs((s2 / N - v) / std::sqrt((m4 - v * v) / N)), 4.9) << "variance " << s2 / N << " vs " << v;
}

// Small means use inversion from 0, larger ones the search from the mode; p > 1/2 uses symmetry.
INSTANTIATE_TEST_SUITE_P(RandomStream, Binomial,
                         ::testing::Values(std::make_pair(10u, 0.3), std::make_pair(1000u, 0.001), std::make_pair(40u, 0.5),
                                           std::make_pair(10000u, 0.05), std::make_pair(1000000u, 0.3),
                                           std::make_pair(50u, 0.9)));

TEST(RandomStream, BinomialEdgeCases) {
    RandomStream s(1, 0, StreamPurpose::Trajectory);
    EXPECT_EQ(s.binomial(0, 0.5), 0u);
    EXPECT_EQ(s.binomial(100, 0.0), 0u);
    EXPECT_EQ(s.binomial(100, 1.0), 100u);
}

TEST(Variability, DrawnParametersHaveTheRequestedMeanAndCv) {
    // 20000 cells, seed 99: each varying parameter's sample mean and sample cv against the request.
    const RunConfig c = loadText(R"(
[model]
name = "cells"
compartments = { cell = {} }
species = { A = { compartment = "cell", initial = 0 } }
[model.parameters]
k_log = { value = 2.0, cv = 0.3, distribution = "lognormal" }
k_norm = { value = 5.0, cv = 0.1, distribution = "normal" }
k_uni = { value = 1.0, cv = 0.2, distribution = "uniform" }
k_fix = { value = 3.0, distribution = "fixed" }
[[model.reactions]]
name = "a"
equation = "-> A"
k = "k_log"
[[model.reactions]]
name = "b"
equation = "-> A"
k = "k_norm"
[[model.reactions]]
name = "c"
equation = "-> A"
k = "k_uni"
[[model.reactions]]
name = "d"
equation = "-> A"
k = "k_fix"
[simulation]
t_end = 1.0
output_interval = 1.0
)");
    const Model& m = c.model;
    ASSERT_TRUE(hasVariability(m));
    const int n = 20000;
    const std::size_t P = m.parameters.size();
    std::vector<double> sum(P, 0.0), sumSq(P, 0.0), lo(P, 1e300), hi(P, -1e300);
    for (int r = 0; r < n; ++r) {
        const auto v = drawCellParameters(m, 99, static_cast<std::uint64_t>(r));
        for (std::size_t i = 0; i < P; ++i) {
            sum[i] += v[i];
            sumSq[i] += v[i] * v[i];
            lo[i] = std::min(lo[i], v[i]);
            hi[i] = std::max(hi[i], v[i]);
        }
    }
    for (std::size_t i = 0; i < P; ++i) {
        const auto& p = m.parameters[i];
        const double mean = sum[i] / n, sd = std::sqrt(sumSq[i] / n - mean * mean);
        if (p.distribution == Distribution::Fixed) {
            EXPECT_EQ(lo[i], p.value);
            EXPECT_EQ(hi[i], p.value);
            continue;
        }
        // Mean: |Z| < 4.9 (1e-6 per check). The sd of the sample sd is about sd * sqrt((kurtosis - 1)/(4n)):
        // with kurtosis <= 4.7 (lognormal, cv 0.3) that is <= 0.7 % of sd; 4.9 of it is 3.4 %.
        EXPECT_LT(std::abs(std::sqrt(n) * (mean - p.value) / (p.cv * p.value)), 4.9) << p.name;
        EXPECT_NEAR(sd / mean, p.cv, 0.034 * p.cv) << p.name;
        EXPECT_GE(lo[i], 0.0) << p.name;
        if (p.distribution == Distribution::Uniform) {
            EXPECT_GE(lo[i], p.value * (1 - std::sqrt(3.0) * p.cv));
            EXPECT_LE(hi[i], p.value * (1 + std::sqrt(3.0) * p.cv));
        }
    }
    // A cell's draw depends on (seed, replicate) only.
    EXPECT_EQ(drawCellParameters(m, 99, 17), drawCellParameters(m, 99, 17));
    EXPECT_NE(drawCellParameters(m, 99, 17), drawCellParameters(m, 98, 17));
}

TEST(RandomStream, ReplicateIndicesBeyond32BitsAreRefusedNotWrapped) {
    EXPECT_NO_THROW(egress::RandomStream(1, 0xFFFFFFFFull, egress::StreamPurpose::Trajectory));
    EXPECT_THROW(egress::RandomStream(1, 0x100000000ull, egress::StreamPurpose::Trajectory), std::out_of_range);
}
