#pragma once
// The vesicle event log, /events (docs/file-format.md): one row per bud or fusion, appended in
// replicate order, over the dimension `event`, which stores no values (netCDF's "dimension but not
// a variable": the row number is the event's index). Creates the group and its columns, appends
// rows, and at the end writes the number of rows. Uncompressed logs are assembled here into whole
// chunks and written past HDF5's chunk cache and selections (bench/hdf5_write.cpp); compressed
// ones go through the cache. Not thread-safe: the caller holds the file's lock.
#include <cstddef>
#include <string>
#include <vector>

#include "core/Model.hpp"
#include "io/EventRows.hpp"
#include "io/Hdf5.hpp"

namespace egress {

/// The species some vesicle route delivers (acceptors of the routes' cargo pairs), in species
/// order: a vesicle only ever carries those, so the log keeps its load of them alone.
std::vector<std::size_t> deliveredSpecies(const Model& model);

class EventLogWriter {
public:
    /// Creates /events in `file`; `path` names the file in errors. `compression`: gzip level, 0 for none.
    EventLogWriter(hid_t file, const std::string& path, const Model& model, int compression);

    /// deliveredSpecies(model): the columns of a row's load.
    const std::vector<std::size_t>& cargoSpecies() const { return cargoSpecies_; }
    void append(const EventRows& rows);
    /// Writes the last, partial chunk, /events' `count` and the length in the `event` dimension's
    /// name (netCDF reads it there).
    void finish();
    /// Closes the group and its columns (before the file is closed).
    void close();

    std::size_t rowsWritten() const { return rowsWritten_; }
    /// Bytes one row takes: replicate, route, vesicle, time, kind, and a load per delivered species.
    std::size_t rowBytes() const { return 4 * 8 + 1 + cargoSpecies_.size() * 8; }

private:
    /// One column of a block of rows, with the dataset it goes to.
    struct ColumnData {
        const h5::Handle* set;
        const char* path;  ///< in the file
        hid_t memType;
        const void* data;
        std::size_t bytesPerRow;
        hsize_t width;  ///< 0 for a 1-D column
    };
    std::vector<ColumnData> columnData(const EventRows& rows) const;
    /// Writes pending_ (padded to a whole chunk) at pendingFirstRow_; uncompressed logs only.
    void writePendingChunk();

    std::string path_;
    int compression_ = 0;
    std::vector<std::size_t> cargoSpecies_;
    /// The datasets stay open for the whole run: reopened for each append, they lost their chunk
    /// caches, and every partly filled chunk was read back from the file and written again.
    h5::Handle group_, index_, replicate_, time_, route_, kind_, vesicle_, load_;
    EventRows pending_;  ///< rows of the chunk being filled (uncompressed logs)
    std::size_t pendingFirstRow_ = 0;
    std::size_t rowsWritten_ = 0;
};

}  // namespace egress
