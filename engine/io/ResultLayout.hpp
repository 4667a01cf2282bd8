#pragma once
// The datasets of a run's result file (docs/file-format.md), but for the vesicle event log
// (EventLogWriter): the root attributes, the coordinates and their dimension scales, the
// trajectories, the parameters and the input. All are created at once, from the run's settings;
// then samples and cell parameters are written at their place. Trajectories are chunked by
// replicate and block of times (about 256 KiB a chunk); a short run's chunk holds several whole
// replicates. Not thread-safe: the caller holds the file's lock.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/Hdf5.hpp"
#include "io/RunConfig.hpp"
#include "io/RunProvenance.hpp"
#include "io/SchemaHdf5.hpp"
#include "io/SampleBlock.hpp"

namespace egress {

class ResultLayout {
public:
    /// Creates everything in `file`; `path` names the file in errors.
    ResultLayout(hid_t file, const std::string& path, const RunConfig& config, const RunProvenance& provenance);

    std::size_t samples() const { return samples_; }
    std::size_t species() const { return species_; }
    std::size_t routes() const { return routes_; }
    std::size_t compartments() const { return compartments_; }
    std::size_t parameters() const { return parameters_; }
    std::size_t firstReplicate() const { return firstReplicate_; }
    std::size_t replicates() const { return replicates_; }
    /// Rows of one chunk along time.
    std::size_t chunkRows() const { return chunkRows_; }
    /// Replicates of one chunk: above 1 only when a chunk holds whole replicates (chunkRows() == samples()).
    std::size_t replicatesPerChunk() const { return replicatesPerChunk_; }
    /// With cell-to-cell variability: /parameters/cell_value takes each replicate's draws.
    bool hasCellParameters() const { return cellParameters_.get() >= 0; }

    /// One replicate's block of samples; `offset` is the replicate's row in this file.
    void writeSamples(std::size_t offset, const SampleBlock& block);
    /// Whole replicates `first`, `first` + 1, ... (every block holds all samples).
    void writeSamples(std::size_t first, const std::vector<SampleBlock>& blocks);
    /// The values one replicate drew, one per parameter.
    void writeCellParameters(std::size_t offset, const std::vector<double>& values);
    /// An interrupted run's marks: /replicate_finished (1 where the replicate finished, by row) and
    /// the root attributes `interrupted` (why) and `replicates_finished`.
    void markInterrupted(const std::vector<std::int8_t>& finished, std::size_t finishedCount, const std::string& reason);
    /// The attributes of /membrane_area, per compartment: how many replicates had a negative area,
    /// and the lowest area (infinite, i.e. no finished replicate, is written as 0).
    void writeAreaSummary(const std::vector<std::int64_t>& negativeReplicates, const std::vector<double>& lowestArea);
    /// Closes every dataset (before the file is closed).
    void close();

private:
    /// A [replicate, time, X] dataset, chunked; its dimension scales are in `scales`.
    h5::Handle createTrajectory(const schema::DatasetSpec& spec, const h5::Scales& scales, bool expectedCounts);
    template <typename BlockData>
    void writeTrajectories(hsize_t first, hsize_t replicates, hsize_t start, hsize_t rows, BlockData data);

    hid_t file_;
    std::string path_;
    std::size_t firstReplicate_ = 0, replicates_ = 0, samples_ = 0, species_ = 0, routes_ = 0, compartments_ = 0,
                parameters_ = 0;
    std::size_t chunkRows_ = 1;
    std::size_t replicatesPerChunk_ = 1;
    int compression_ = 0;
    h5::Handle amounts_, budded_, fused_, inTransit_, cargoInTransit_, membraneArea_, cellParameters_;
};

}  // namespace egress
