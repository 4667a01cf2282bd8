#pragma once
// A parameter sweep: a base run and axes over its parameters, initial amounts or perturbations,
// laid out by a design (grid, list, Latin hypercube, Sobol). Points are numbered 0..P-1 in the
// design's order; a point's values and its random streams depend only on the sweep and its
// index, never on which shard or thread runs it. No file formats here (io/SweepLoader reads
// sweep files).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/Model.hpp"

namespace egress {

/// What an axis changes in the model.
enum class AxisTarget { Parameter, InitialAmount, PerturbationStrength, PerturbationStart, PerturbationEnd };

struct SweepAxis {
    std::string name;                 ///< "k_copii", "cargo_ER.initial", "Sec23A loss.scale": the axis label in results
    AxisTarget target = AxisTarget::Parameter;
    std::size_t index = 0;            ///< into Model::parameters, ::species or ::perturbations
    std::vector<double> values;       ///< grid and list designs: the values, in order
    double min = 0.0, max = 0.0;      ///< sampling designs (and grids given as a range)
    bool log = false;                 ///< sample log10 uniformly between min and max (both > 0)
};

enum class SweepDesignKind { Grid, List, LatinHypercube, Sobol };

/// Whether points share random numbers. Independent: each point has its own seed, derived from
/// the base seed and the point index (Philox, purpose SweepPoint). Common: every point runs with
/// the base seed, so replicate r of every point sees the same stream (common random numbers,
/// smoother differences between points).
enum class SweepStreams { Independent, Common };

struct SweepSpec {
    SweepDesignKind design = SweepDesignKind::Grid;
    std::vector<SweepAxis> axes;
    std::size_t samples = 0;          ///< sampling designs: points (Sobol with Saltelli: base rows)
    std::uint64_t seed = 0;           ///< the design's seed (Latin hypercube)
    bool saltelli = false;            ///< Sobol only: Saltelli's A, B, AB_i blocks for sensitivity indices
    SweepStreams streams = SweepStreams::Independent;
};

/// The points of a sweep: values[p * axes + a] for point p, axis a.
struct SweepPoints {
    std::size_t count = 0;
    std::size_t axes = 0;
    std::vector<double> values;
    std::vector<std::int32_t> saltelliBlock, saltelliRow;  ///< Saltelli designs only, per point
    double value(std::size_t point, std::size_t axis) const { return values[point * axes + axis]; }
};

/// Evaluates the design. Grid: the Cartesian product, the first axis varying slowest. List: row
/// i takes the i-th value of every axis. Sampling designs map the unit cube onto [min, max]
/// (linearly, or linearly in log10 when `log`). Throws std::invalid_argument on an impossible
/// spec (the loader reports those with a place first).
SweepPoints sweepPoints(const SweepSpec& spec);

/// Sets the axes' values of one point in `model`.
void applySweepPoint(Model& model, const SweepSpec& spec, const SweepPoints& points, std::size_t point);

/// The seed a point's replicates run with (see SweepStreams).
std::uint64_t sweepPointSeed(std::uint64_t baseSeed, std::size_t point, SweepStreams streams);

/// The points of shard `shard` of `of`: shard, shard + of, shard + 2 of, ... (strided, so that
/// shards of a grid whose cost grows along an axis get a fair share of cheap and dear points).
std::vector<std::size_t> shardPoints(std::size_t totalPoints, std::size_t shard, std::size_t of);

// Names as written in sweep files and results (core/NameTable.hpp).
const char* sweepDesignName(SweepDesignKind d);
std::optional<SweepDesignKind> sweepDesignFromName(std::string_view name);
std::vector<std::string> sweepDesignNames();  ///< "grid", "list", "latin_hypercube", "sobol"
const char* sweepStreamsName(SweepStreams s);
std::optional<SweepStreams> sweepStreamsFromName(std::string_view name);
std::vector<std::string> sweepStreamsNames();  ///< "independent", "common"
/// For messages and results only ("perturbation strength"); axes are not named this way in files.
const char* axisTargetName(AxisTarget t);

}  // namespace egress
