#pragma once
// Sampling designs for parameter sweeps, on the unit hypercube; mapping points to parameter
// values (ranges, distributions) is the caller's. Pure computation: no I/O, no state.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace egress {

/// Points of the unit hypercube [0,1)^d, row-major: point p, dimension j at [p * d + j].
struct UnitDesign {
    std::size_t points = 0, dimensions = 0;
    std::vector<double> u;
};

/// Dimensions the Sobol direction-number table covers (Joe and Kuo's first 1024).
inline constexpr std::size_t kSobolMaxDimensions = 1024;
/// Points a Sobol design may have: indices fit the 32 bits of the direction numbers.
inline constexpr std::uint64_t kSobolMaxPoints = std::uint64_t{1} << 32;

/// The first `count` points of the unscrambled Sobol sequence in `dimensions` dimensions,
/// direction numbers of Joe & Kuo (2008), file new-joe-kuo-6.21201, in Gray-code order; the
/// first point is 0 (the same sequence as scipy.stats.qmc.Sobol(d, scramble=False)). Every
/// coordinate is a multiple of 2^-32, so exact. The first 2^m points form a (t, m, d)-net:
/// prefer a power of two for `count`. Throws std::invalid_argument for 0 dimensions, more than
/// kSobolMaxDimensions, or more than kSobolMaxPoints points.
UnitDesign sobolDesign(std::size_t count, std::size_t dimensions);

/// Latin hypercube: in every dimension exactly one point falls in each of the `count` strata
/// [k/count, (k+1)/count) (exactly, in real arithmetic); strata are permuted and jittered with
/// the egress random stream (seed, replicate = dimension index, StreamPurpose::SweepDesign), so
/// the design is reproducible bit for bit and column j does not depend on how many dimensions
/// there are. Throws std::invalid_argument for 0 dimensions, or count or dimensions above 2^32.
UnitDesign latinHypercubeDesign(std::size_t count, std::size_t dimensions, std::uint64_t seed);

/// Saltelli's (2002, 2010) scheme for first- and total-order Sobol indices: base matrices A and
/// B from the first 2d dimensions of the Sobol sequence (A = columns 0..d-1, B = columns
/// d..2d-1) over `base` rows, then for each i the matrix AB_i (A with column i taken from B).
/// Points are ordered block by block: A (rows 0..base-1), B, AB_0, ..., AB_{d-1}:
/// base * (d + 2) points. `block[p]` is 0 for A, 1 for B, 2 + i for AB_i; `row[p]` the row
/// within the block. No Sobol point is skipped: row 0 is the origin in A, B and every AB_i, and
/// `base` should be a power of two (see the .cpp). Throws std::invalid_argument for 0
/// dimensions, 2d > kSobolMaxDimensions, or base > 2^31.
struct SaltelliDesign {
    UnitDesign design;
    std::vector<std::int32_t> block, row;
};
SaltelliDesign saltelliDesign(std::size_t base, std::size_t dimensions);

}  // namespace egress
