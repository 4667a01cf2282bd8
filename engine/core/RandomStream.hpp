#pragma once
// Per-replicate random numbers that do not depend on threads, order or which other replicates
// run. Each stream is keyed by (seed, replicate, purpose): two blocks of Philox4x32-10
// (Salmon et al. 2011, Random123) keyed by the run's seed, with the counter (block, 0, replicate,
// purpose), give the 256-bit state of a xoshiro256++ generator (Blackman and Vigna 2019), which
// then produces the stream. Philox makes distinct (seed, replicate, purpose) give unrelated
// states; xoshiro256++ draws a 64-bit number in about a tenth of the instructions of a Philox
// block (the ssa draws two numbers per event; bench/README.md). Replicate i draws the same numbers
// whatever runs beside it. All transforms (uniform, exponential, binomial, normal) are our own, so
// results are the same with every standard library (the std distributions are
// implementation-defined).

#include <cmath>
#include <cstdint>

namespace egress {

/// Replicate indices stay below 2^32: a stream holds its replicate in one 32-bit word of the
/// Philox counter, so larger indices would repeat streams.
inline constexpr std::uint64_t kReplicateIndexLimit = std::uint64_t{1} << 32;

/// What a stream is for: each purpose of one replicate gets an independent stream.
/// Append new purposes at the end; never renumber (it would change every result).
enum class StreamPurpose : std::uint32_t {
    Trajectory = 0,       ///< the events of one replicate's trajectory
    CellVariability = 1,  ///< parameter values drawn for one replicate (cell)
    SweepDesign = 2,      ///< a sweep's Latin hypercube; the replicate index is the design dimension
    SweepPoint = 3,       ///< a sweep point's own seed (core/Sweep.hpp): the replicate word holds the point
};

class RandomStream {
public:
    /// Replicate indices are 32-bit: up to 4.29e9 replicates per run.
    RandomStream(std::uint64_t seed, std::uint64_t replicate, StreamPurpose purpose);

    /// Uniform on the open interval (0, 1): the top 52 bits of one draw, see uniformFromBits.
    double uniform() { return uniformFromBits(next()); }
    /// The uniform that a 64-bit output maps to: (top 52 bits + 0.5) 2^-52, in [2^-53, 1 - 2^-53].
    /// Why 52 and not 53 bits: with 53, (2^53 - 1 + 0.5) 2^-53 needs 54 significant bits and
    /// rounds to exactly 1.0, so log(1 - u) and a "u < p" with p = 1 would see the closed end.
    /// With 52, every value k + 0.5 < 2^52 is exact and the grid is symmetric: u and 1 - u are
    /// both values of it, neither end is reached, and -log(u) is finite and > 0.
    static double uniformFromBits(std::uint64_t draw) {
        // Converted as a signed integer (exact below 2^63, and one instruction).
        const auto bits = static_cast<std::int64_t>(draw >> 12);
        return (static_cast<double>(bits) + 0.5) * 0x1.0p-52;
    }
    /// The next 64-bit output of xoshiro256++.
    std::uint64_t next() {
        const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        ++draws_;
        return result;
    }
    /// Exp(1) by inversion.
    double exponential() { return -std::log(uniform()); }
    /// Binomial(n, p), exact: inversion from 0 while n p < kBinomialSmallMean, else from the mode
    /// outwards (O(sqrt(n p q)) steps). The small-mean case, a vesicle's load, is dispatched inline.
    std::uint64_t binomial(std::uint64_t n, double p) {
        if (n == 0 || p <= 0.0) return 0;
        if (p <= 0.5 && static_cast<double>(n) * p < kBinomialSmallMean) return binomialSmallMean(n, p);
        return binomialGeneral(n, p);
    }
    /// Below this mean, inversion from 0 takes few steps; above, starting at the mode takes fewer.
    /// Part of the results: changing it changes which uniforms map to which outcome.
    static constexpr double kBinomialSmallMean = 16.0;
    /// Standard normal (Box-Muller, both values used).
    double normal();

    /// 64-bit draws taken so far (a check that two runs took the same path).
    std::uint64_t drawsUsed() const { return draws_; }
    /// The generator's state (tests: the key scheme against an independent implementation).
    const std::uint64_t* state() const { return s_; }

    static const char* generatorName() { return "xoshiro256++ keyed by philox4x32-10 (Random123 1.14)"; }
    static const char* keySchemeDescription() {
        return "xoshiro256++ state (s0, s1, s2, s3) = the 8 words of Philox4x32-10 blocks b0, b1 as s0 = b0[0] << 32 | b0[1], "
               "s1 = b0[2] << 32 | b0[3], s2 = b1[0] << 32 | b1[1], s3 = b1[2] << 32 | b1[3], where block bi has "
               "key = (seed low 32 bits, seed high 32 bits) and counter = (i, 0, replicate, purpose); "
               "purpose 0 = trajectory, 1 = cell variability, 2 = sweep design, 3 = a sweep point's seed (one Philox block, counter = point low, point high, 0, 3; seed = words 0 and 1); "
               "uniform = (top 52 bits of one xoshiro256++ output + 0.5) * 2^-52";
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t binomialSmallMean(std::uint64_t n, double p);
    std::uint64_t binomialGeneral(std::uint64_t n, double p);

    std::uint64_t s_[4];
    std::uint64_t draws_ = 0;
    bool haveSpareNormal_ = false;
    double spareNormal_ = 0.0;
};

}  // namespace egress
