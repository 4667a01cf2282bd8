#pragma once
// Per-replicate random numbers that do not depend on threads, order or which other replicates
// run: Philox4x32-10 (Salmon et al. 2011, Random123) keyed by the run's seed, with the counter
// (purpose, replicate, draw index). Replicate i draws the same numbers whatever runs beside it.
// All transforms (uniform, exponential, binomial, normal) are our own, so results are the same
// with every standard library (the std distributions are implementation-defined).
#include <Random123/philox.h>

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

    /// Uniform on the open interval (0, 1), 53 random bits.
    double uniform() {
        // Words are only ever taken in pairs, so a pair never straddles two blocks: one check.
        if (used_ == 4) refill();
        const std::uint64_t hi = block_.v[used_];
        const std::uint64_t lo = block_.v[used_ + 1];
        used_ += 2;
        // 53 bits; converted as a signed integer (exact below 2^63, and one instruction).
        const auto bits = static_cast<std::int64_t>(((hi << 32) | lo) >> 11);
        return (static_cast<double>(bits) + 0.5) * 0x1.0p-53;
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

    /// Raw 32-bit words consumed so far (a check that two runs took the same path).
    std::uint64_t wordsUsed() const {
        const std::uint64_t blocks = (static_cast<std::uint64_t>(counter_.v[1]) << 32) | counter_.v[0];
        return blocks * 4 - (4 - used_);
    }

    static const char* generatorName() { return "philox4x32-10 (Random123 1.14)"; }
    static const char* keySchemeDescription() {
        return "key = (seed low 32 bits, seed high 32 bits); counter = (draw index low, draw index high, replicate, purpose); "
               "purpose 0 = trajectory, 1 = cell variability, 2 = sweep design, 3 = a sweep point's seed (counter = point low, point high, 0, 3; seed = words 0 and 1); uniform = (top 53 bits of two words + 0.5) * 2^-53";
    }

private:
    // Inline: the SSA draws two numbers per event, and the call overhead was measurable.
    void refill() {
        block_ = r123::Philox4x32()(counter_, key_);
        if (++counter_.v[0] == 0) ++counter_.v[1];
        used_ = 0;
    }
    std::uint64_t binomialSmallMean(std::uint64_t n, double p);
    std::uint64_t binomialGeneral(std::uint64_t n, double p);

    r123::Philox4x32::key_type key_;
    r123::Philox4x32::ctr_type counter_;
    r123::Philox4x32::ctr_type block_;
    unsigned used_ = 4;  ///< words of block_ already handed out (0, 2 or 4)
    bool haveSpareNormal_ = false;
    double spareNormal_ = 0.0;
};

}  // namespace egress
