#include "core/RandomStream.hpp"

#include <Random123/philox.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace egress {

RandomStream::RandomStream(std::uint64_t seed, std::uint64_t replicate, StreamPurpose purpose) {
    // The counter has 32 bits for the replicate: replicate 2^32 would silently repeat replicate 0.
    if (replicate > std::numeric_limits<std::uint32_t>::max())
        throw std::out_of_range("replicate index " + std::to_string(replicate) + " does not fit the 32 bits of the random stream key");
    const r123::Philox4x32::key_type key{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
    for (std::uint32_t b = 0; b < 2; ++b) {
        const r123::Philox4x32::ctr_type counter{{b, 0, static_cast<std::uint32_t>(replicate), static_cast<std::uint32_t>(purpose)}};
        const auto block = r123::Philox4x32()(counter, key);
        s_[2 * b] = (std::uint64_t{block.v[0]} << 32) | block.v[1];
        s_[2 * b + 1] = (std::uint64_t{block.v[2]} << 32) | block.v[3];
    }
    // xoshiro256++ must not start from all zeros (a fixed point). Philox is a bijection of the
    // counter for a given key, so two blocks of zeros would need two distinct counters mapping to
    // the same zero block: impossible. The check documents that and costs nothing.
    if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) throw std::logic_error("random stream: all-zero generator state");
}

double RandomStream::normal() {
    if (haveSpareNormal_) {
        haveSpareNormal_ = false;
        return spareNormal_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double angle = 2.0 * M_PI * uniform();
    spareNormal_ = r * std::sin(angle);
    haveSpareNormal_ = true;
    return r * std::cos(angle);
}

std::uint64_t RandomStream::binomialSmallMean(std::uint64_t n, double p) {
    // Inversion from 0 with the recursion f(k+1) = f(k) (n-k)/(k+1) p/q; used when n p is small.
    const double q = 1.0 - p;
    const double ratio = p / q;
    for (;;) {
        double u = uniform();
        double f = std::pow(q, static_cast<double>(n));
        for (std::uint64_t k = 0; k <= n; ++k) {
            if (u < f) return k;
            u -= f;
            f *= ratio * static_cast<double>(n - k) / static_cast<double>(k + 1);
            if (f == 0.0 && k > n * p) break;  // the rest of the tail is below double precision
        }
        // Rounding left u above the summed mass: draw again (a rejection, so still exact).
    }
}

std::uint64_t RandomStream::binomialGeneral(std::uint64_t n, double p) {
    if (n == 0 || p <= 0.0) return 0;
    if (p >= 1.0) return n;
    if (p > 0.5) return n - binomial(n, 1.0 - p);
    const double nd = static_cast<double>(n);
    if (nd * p < kBinomialSmallMean) return binomialSmallMean(n, p);
    // Inversion in the order mode, mode+1, mode-1, mode+2, ...: an exact inversion of a fixed
    // ordering of the outcomes, taking O(sd) steps. The mode's probability comes from lgamma.
    const double q = 1.0 - p;
    const auto mode = static_cast<std::uint64_t>(std::floor((nd + 1.0) * p));
    const double md = static_cast<double>(mode);
    const double fMode = std::exp(std::lgamma(nd + 1.0) - std::lgamma(md + 1.0) - std::lgamma(nd - md + 1.0) +
                                  md * std::log(p) + (nd - md) * std::log(q));
    const double up = p / q, down = q / p;
    for (;;) {
        double u = uniform() - fMode;
        if (u < 0.0) return mode;
        double fUp = fMode, fDown = fMode;
        std::uint64_t kUp = mode, kDown = mode;
        for (;;) {
            bool moved = false;
            if (kUp < n) {
                fUp *= up * static_cast<double>(n - kUp) / static_cast<double>(kUp + 1);
                ++kUp;
                u -= fUp;
                if (u < 0.0) return kUp;
                moved = true;
            }
            if (kDown > 0) {
                fDown *= down * static_cast<double>(kDown) / static_cast<double>(n - kDown + 1);
                --kDown;
                u -= fDown;
                if (u < 0.0) return kDown;
                moved = true;
            }
            if (!moved || (fUp == 0.0 && fDown == 0.0)) break;  // all mass used: rounding, draw again
        }
    }
}

}  // namespace egress
