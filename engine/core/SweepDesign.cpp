#include "core/SweepDesign.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/RandomStream.hpp"
#include "core/SobolDirectionNumbers.hpp"

namespace egress {

namespace {

constexpr int kSobolBits = 32;
static_assert(sobol_table::kDimensions == kSobolMaxDimensions);

/// Direction numbers v_1..v_32 of one dimension (0-based), as 32-bit binary fractions.
std::array<std::uint32_t, kSobolBits> directionNumbers(std::size_t dimension) {
    std::array<std::uint32_t, kSobolBits> v{};
    if (dimension == 0) {  // van der Corput: every m_k = 1
        for (int k = 0; k < kSobolBits; ++k) v[k] = std::uint32_t{1} << (kSobolBits - 1 - k);
        return v;
    }
    const sobol_table::Primitive& p = sobol_table::kPrimitives[dimension - 1];
    const int s = static_cast<int>(p.s);
    for (int k = 0; k < s; ++k) v[k] = p.m[k] << (kSobolBits - 1 - k);
    // Bratley and Fox's recurrence on the fractions; with 32 bits the shifts drop only zeros,
    // so v_k is exact for every k <= 32 (and equal to SciPy's 30-bit values, scaled).
    for (int k = s; k < kSobolBits; ++k) {
        std::uint32_t next = v[k - s] ^ (v[k - s] >> s);
        for (int i = 1; i < s; ++i)
            if ((p.a >> (s - 1 - i)) & 1u) next ^= v[k - i];
        v[k] = next;
    }
    return v;
}

std::size_t checkedProduct(std::size_t a, std::size_t b, const char* what) {
    if (b != 0 && a > std::numeric_limits<std::size_t>::max() / b)
        throw std::invalid_argument(std::string(what) + ": design too large");
    return a * b;
}

/// Uniform index in [0, m). floor(U m) is biased by at most m 2^-52 relative (U has 52
/// random bits), far below anything a sweep can detect; the clamp covers U m rounding up to m.
std::size_t uniformIndex(RandomStream& rng, std::size_t m) {
    const auto i = static_cast<std::size_t>(rng.uniform() * static_cast<double>(m));
    return i < m ? i : m - 1;
}

}  // namespace

UnitDesign sobolDesign(std::size_t count, std::size_t dimensions) {
    if (dimensions == 0) throw std::invalid_argument("sobolDesign: 0 dimensions");
    if (dimensions > kSobolMaxDimensions)
        throw std::invalid_argument("sobolDesign: " + std::to_string(dimensions) + " dimensions, at most " +
                                    std::to_string(kSobolMaxDimensions) + " supported");
    if (count > kSobolMaxPoints)
        throw std::invalid_argument("sobolDesign: " + std::to_string(count) + " points, at most 2^32 supported");

    // v[k * d + j]: one bit's direction numbers of all dimensions side by side.
    std::vector<std::uint32_t> v(kSobolBits * dimensions);
    for (std::size_t j = 0; j < dimensions; ++j) {
        const auto vj = directionNumbers(j);
        for (int k = 0; k < kSobolBits; ++k) v[k * dimensions + j] = vj[k];
    }
    UnitDesign design{count, dimensions, std::vector<double>(checkedProduct(count, dimensions, "sobolDesign"))};
    // Gray-code order (Antonov and Saleev): point n differs from point n-1 by the direction
    // number of bit ctz(n), so each point costs one XOR per dimension.
    std::vector<std::uint32_t> x(dimensions, 0);
    for (std::size_t n = 0; n < count; ++n) {
        if (n > 0) {
            const std::uint32_t* vk = &v[static_cast<std::size_t>(__builtin_ctzll(n)) * dimensions];
            for (std::size_t j = 0; j < dimensions; ++j) x[j] ^= vk[j];
        }
        for (std::size_t j = 0; j < dimensions; ++j) design.u[n * dimensions + j] = x[j] * 0x1p-32;
    }
    return design;
}

UnitDesign latinHypercubeDesign(std::size_t count, std::size_t dimensions, std::uint64_t seed) {
    if (dimensions == 0) throw std::invalid_argument("latinHypercubeDesign: 0 dimensions");
    // Each dimension draws from a stream whose replicate word is the dimension.
    if (dimensions > kReplicateIndexLimit || count > kReplicateIndexLimit)
        throw std::invalid_argument("latinHypercubeDesign: count and dimensions are limited to 2^32");

    UnitDesign design{count, dimensions, std::vector<double>(checkedProduct(count, dimensions, "latinHypercubeDesign"))};
    const double n = static_cast<double>(count);
    std::vector<std::size_t> stratum(count);
    for (std::size_t j = 0; j < dimensions; ++j) {
        RandomStream rng(seed, j, StreamPurpose::SweepDesign);
        std::iota(stratum.begin(), stratum.end(), std::size_t{0});
        for (std::size_t i = count; i > 1; --i) std::swap(stratum[i - 1], stratum[uniformIndex(rng, i)]);
        for (std::size_t p = 0; p < count; ++p) {
            const double k = static_cast<double>(stratum[p]);
            double u = (k + rng.uniform()) / n;
            // (k + U) / n is rounded twice and U may be 1 (RandomStream rounds its top value up),
            // so u can land on a neighbouring stratum's edge. fma gives the exact sign of u n - k:
            // step u by ulps until k/n <= u < (k+1)/n holds exactly.
            while (std::fma(u, n, -k) < 0) u = std::nextafter(u, 1.0);
            while (std::fma(u, n, -(k + 1)) >= 0) u = std::nextafter(u, 0.0);
            design.u[p * dimensions + j] = u;
        }
    }
    return design;
}

// No point is skipped. The first 2^m points of the unscrambled sequence, origin included, form a
// (t, m, 2d)-net: every elementary box of volume 2^(t-m) holds its exact share of points, which is
// what gives QMC its error rate. Dropping the first point (or an arbitrary number of them, as
// SALib's saltelli.sample did with 1000 or 1024) breaks that balance and can slow convergence
// (Owen 2020, "On dropping the first Sobol' point", arXiv:2008.08051). The origin is an ordinary
// point of [0,1)^d; in row 0 A, B and every AB_i coincide, which the estimators tolerate (the
// row adds f(A) - f(AB_i) = 0). A caller mapping u through an unbounded inverse CDF must handle
// u = 0 itself.
SaltelliDesign saltelliDesign(std::size_t base, std::size_t dimensions) {
    if (dimensions == 0) throw std::invalid_argument("saltelliDesign: 0 dimensions");
    if (dimensions > kSobolMaxDimensions / 2)
        throw std::invalid_argument("saltelliDesign: " + std::to_string(dimensions) + " dimensions, at most " +
                                    std::to_string(kSobolMaxDimensions / 2) + " supported (A and B take 2d Sobol dimensions)");
    if (base > (std::uint64_t{1} << 31)) throw std::invalid_argument("saltelliDesign: base above 2^31");

    const std::size_t d = dimensions;
    const UnitDesign ab = sobolDesign(base, 2 * d);
    const std::size_t points = checkedProduct(base, d + 2, "saltelliDesign");
    SaltelliDesign s{UnitDesign{points, d, std::vector<double>(checkedProduct(points, d, "saltelliDesign"))},
                     std::vector<std::int32_t>(points), std::vector<std::int32_t>(points)};
    for (std::size_t b = 0; b < d + 2; ++b) {
        for (std::size_t r = 0; r < base; ++r) {
            const std::size_t p = b * base + r;
            const double* a = &ab.u[r * 2 * d];  // A's row; B's row follows at a + d
            for (std::size_t j = 0; j < d; ++j) {
                const bool fromB = b == 1 || (b >= 2 && j == b - 2);
                s.design.u[p * d + j] = a[fromB ? d + j : j];
            }
            s.block[p] = static_cast<std::int32_t>(b);
            s.row[p] = static_cast<std::int32_t>(r);
        }
    }
    return s;
}

}  // namespace egress
