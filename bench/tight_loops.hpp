#pragma once
// Tight hand-written direct-method loops: the baseline the `ssa` engine is measured against
// (issue 14). Unlike the "hand" loops of ssa_throughput.cpp, which read their numbers from the
// model file, each model here is known at compile time (constexpr rates, species count and output
// grid), the propensities are written out inline, and the generator is xoshiro256++, about the
// cheapest generator of good quality. What such a loop does per event is close to the least any
// direct-method simulator can do: one exponential and one uniform, the propensities of the
// model, a comparison chain, a state update and a check for due samples. Sampling into a
// preallocated buffer at the output times is part of the work, as it is for the engine.
#include <cmath>
#include <cstdint>
#include <limits>

namespace tight {

/// xoshiro256++ (Blackman and Vigna 2019), seeded through splitmix64 as its authors recommend.
struct Xoshiro256pp {
    std::uint64_t s[4];
    explicit Xoshiro256pp(std::uint64_t seed) {
        for (auto& w : s) {
            std::uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            w = z ^ (z >> 31);
        }
    }
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t next() {
        const std::uint64_t result = rotl(s[0] + s[3], 23) + s[0];
        const std::uint64_t t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return result;
    }
    /// (0, 1), 52 bits, as egress's uniform.
    double uniform() { return (static_cast<double>(next() >> 12) + 0.5) * 0x1.0p-52; }
};

constexpr double kInf = std::numeric_limits<double>::infinity();

// The three models of issue 14's table, with the numbers of bench/models/*.toml (the bench checks
// that the files still say the same before timing).

/// DSMTS 001-01 with X0 = 1000: X -> 2X at lambda X, X -> 0 at mu X; 0..50 s, 51 samples.
struct BirthDeath {
    static constexpr int kSpecies = 1, kSamples = 51;
    static constexpr double lambda = 0.1, mu = 0.11, x0 = 1000.0, tEnd = 50.0, dt = 1.0;
};
/// 0 -> A -> B -> C -> 0 at 5, 0.3 A, 0.12 B, 0.05 C, from empty; 0..1000 s, 1001 samples.
struct Chain {
    static constexpr int kSpecies = 3, kSamples = 1001;
    static constexpr double k0 = 5.0, k1 = 0.3, k2 = 0.12, k3 = 0.05, tEnd = 1000.0, dt = 1.0;
};
/// DSMTS 003-01: 2P -> P2 at k1 P (P - 1) / 2, P2 -> 2P at k2 P2, P0 = 100; 0..50 s, 51 samples.
/// Species in egress's order (by name): P, P2.
struct Dimerisation {
    static constexpr int kSpecies = 2, kSamples = 51;
    static constexpr double k1 = 0.001, k2 = 0.01, p0 = 100.0, tEnd = 50.0, dt = 1.0;
};

/// `out.record(time, amounts)` takes each sample; returns the events fired.
template <class Rng, class Out>
[[gnu::noinline]] std::uint64_t birthDeath(Rng& rng, Out& out) {
    using M = BirthDeath;
    double x = M::x0, t = 0.0;
    int next = 0;
    std::uint64_t events = 0;
    for (;;) {
        const double total = (M::lambda + M::mu) * x;
        const double tNext = total > 0.0 ? t - std::log(rng.uniform()) / total : kInf;
        while (next < M::kSamples && next * M::dt < tNext) out.record(next++ * M::dt, &x);
        if (tNext >= M::tEnd) break;
        t = tNext;
        x += rng.uniform() * (M::lambda + M::mu) < M::lambda ? 1.0 : -1.0;
        ++events;
    }
    return events;
}

template <class Rng, class Out>
[[gnu::noinline]] std::uint64_t chain(Rng& rng, Out& out) {
    using M = Chain;
    double x[3] = {0.0, 0.0, 0.0}, t = 0.0;
    int next = 0;
    std::uint64_t events = 0;
    for (;;) {
        const double a1 = M::k1 * x[0], a2 = M::k2 * x[1], a3 = M::k3 * x[2];
        const double total = M::k0 + a1 + a2 + a3;  // >= k0 > 0
        const double tNext = t - std::log(rng.uniform()) / total;
        while (next < M::kSamples && next * M::dt < tNext) out.record(next++ * M::dt, x);
        if (tNext >= M::tEnd) break;
        t = tNext;
        double target = rng.uniform() * total;
        if (target < M::k0) {
            x[0] += 1.0;
        } else if ((target -= M::k0) < a1) {
            x[0] -= 1.0;
            x[1] += 1.0;
        } else if ((target -= a1) < a2) {
            x[1] -= 1.0;
            x[2] += 1.0;
        } else {
            x[2] -= 1.0;
        }
        ++events;
    }
    return events;
}

template <class Rng, class Out>
[[gnu::noinline]] std::uint64_t dimerisation(Rng& rng, Out& out) {
    using M = Dimerisation;
    double x[2] = {M::p0, 0.0}, t = 0.0;
    int next = 0;
    std::uint64_t events = 0;
    for (;;) {
        const double a0 = 0.5 * M::k1 * x[0] * (x[0] - 1.0), a1 = M::k2 * x[1];
        const double total = a0 + a1;
        const double tNext = total > 0.0 ? t - std::log(rng.uniform()) / total : kInf;
        while (next < M::kSamples && next * M::dt < tNext) out.record(next++ * M::dt, x);
        if (tNext >= M::tEnd) break;
        t = tNext;
        if (rng.uniform() * total < a0) {
            x[0] -= 2.0;
            x[1] += 1.0;
        } else {
            x[0] += 2.0;
            x[1] -= 1.0;
        }
        ++events;
    }
    return events;
}

}  // namespace tight
