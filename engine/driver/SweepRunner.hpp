#pragma once
// Runs the points of one shard of a sweep and writes the shard's file (io/SweepFile.hpp). Work
// is spread over OpenMP threads by (point, replicate), so a sweep of many one-replicate points
// and one of few many-replicate points both keep every core busy. A point's replicates run
// exactly as `egress run` runs them with the point's values set and the point's seed
// (core/Sweep.hpp: sweepPointSeed), so the results do not depend on threads or sharding.
#include <cstdint>
#include <functional>
#include <string>

#include "io/SweepLoader.hpp"

namespace egress {

struct SweepShardOptions {
    std::size_t shard = 0;
    std::size_t of = 1;
    int threads = 0;               ///< 0: all cores
    std::string directory;         ///< where shard files go
    std::string command;           ///< provenance
    std::string egressVersion;
};

struct SweepShardOutcome {
    std::string path;
    bool skipped = false;          ///< a complete, verified file of this shard was already there
    std::string redoneBecause;     ///< non-empty when an existing file was replaced, and why
    std::size_t points = 0;
    std::size_t failedPoints = 0;  ///< points whose run failed (kept as NaN with /point_error)
    std::uint64_t work = 0;        ///< events or steps, for rates
    bool interrupted = false;      ///< a stop request ended the run; no file was written
};

struct SweepProgress {
    std::size_t pointsDone = 0, points = 0;
    std::uint64_t work = 0;
};

/// "shard-0003-of-0016.h5": zero-padded to at least 4 digits, so names sort in shard order.
std::string shardFileName(std::size_t shard, std::size_t of);

/// The method's own checks of every point (whole molecules for ssa when an axis sets an initial
/// amount): an InputError naming the sweep file and the point. Cheap for other axes.
void checkSweepPointsForMethod(const SweepConfig& config);

SweepShardOutcome runSweepShard(const SweepConfig& config, const SweepShardOptions& options,
                                const std::function<void(const SweepProgress&)>& progress = {});

}  // namespace egress
