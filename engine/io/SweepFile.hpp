#pragma once
// Sweep result files (docs/sweeps.md): one layout for a shard and for the merged sweep, a row per
// point. A shard holds the points shard, shard + of, ...; the merged file all points in order,
// so its datasets do not depend on how the sweep was sharded (provenance stays in attributes).
// Files are written under a temporary name and renamed when complete (AtomicHdf5File), like run results.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "io/AtomicHdf5File.hpp"
#include "io/Hdf5.hpp"

namespace egress {

/// What every file of one sweep shares.
struct SweepLayout {
    std::string sweepId;
    std::size_t pointsTotal = 0;
    std::size_t replicates = 0;
    std::vector<std::string> axes, axisTargets, species, routes, metrics, metricDefinitions;
    std::vector<double> times;  ///< the output grid, when trajectories are kept; empty otherwise
    bool saltelli = false;
    std::string design, method, streams;
    std::int64_t seed = 0;
    std::string sweepText, baseText;  ///< the sweep file and the resolved base run, to re-run it
};

/// Consecutive rows (points) of one file. Per-row widths: values A, final_amounts R*S,
/// route totals R*V, metric_values R*M, amounts R*T*S.
struct SweepRows {
    std::vector<std::int64_t> point;
    std::vector<std::int32_t> saltelliBlock, saltelliRow;
    std::map<std::string, std::vector<double>> columns;  ///< by dataset name
    std::map<std::size_t, std::string> errors;           ///< row (within the block) -> why the point failed
    std::size_t size() const { return point.size(); }
};

struct SweepFileIdentity {
    std::string writerCommand, egressVersion;
    std::optional<std::size_t> shard, shardCount;  ///< shard files only
    std::size_t mergedFromShards = 0;              ///< merged files only
};

class SweepFileWriter {
public:
    SweepFileWriter(std::string path, const SweepLayout& layout, std::size_t rows, const SweepFileIdentity& identity);
    SweepFileWriter(const SweepFileWriter&) = delete;
    SweepFileWriter& operator=(const SweepFileWriter&) = delete;

    /// Writes rows [firstRow, firstRow + block.size()) of this file.
    void write(std::size_t firstRow, const SweepRows& block);
    /// Writes block rows to file rows first, first + stride, ... (merging a strided shard).
    void writeStrided(std::size_t first, std::size_t stride, const SweepRows& block);
    /// Checks that every row was written, marks the file complete and moves it to its name.
    void commit();

private:
    void writeRows(std::size_t first, std::size_t stride, const SweepRows& block);
    AtomicHdf5File file_;
    SweepLayout layout_;
    std::size_t rows_ = 0, rowsWritten_ = 0;
    std::map<std::size_t, std::string> errors_;
};

struct SweepFileInfo {
    std::string path;
    SweepLayout layout;
    bool complete = false;
    std::optional<std::size_t> shard, shardCount;
    std::vector<std::int64_t> points;  ///< the points this file holds, in row order
};

/// The header of a sweep file (attributes, names, points). Throws IoError when the file is not
/// a readable sweep file (missing, truncated, another format).
SweepFileInfo readSweepFileInfo(const std::string& path);

/// Rows [first, first + count) of a sweep file.
SweepRows readSweepRows(const SweepFileInfo& info, std::size_t first, std::size_t count);

/// The dataset names of a layout's numeric per-row columns and their per-row widths.
std::vector<std::pair<std::string, std::size_t>> sweepColumns(const SweepLayout& layout);

/// Merges complete shards of one sweep (all shards of one shard count, each once) into one file.
/// Refuses, naming the file, shards of another sweep, incomplete or damaged shards, missing
/// shards; the output is written under a temporary name and renamed when complete.
void mergeSweepShards(const std::vector<std::string>& inputs, const std::string& output, const SweepFileIdentity& identity);

}  // namespace egress
