#include "io/EventLogWriter.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "io/ResultSchema.hpp"
#include "io/SchemaHdf5.hpp"

namespace egress {

namespace {

/// Rows per chunk of the columns (256 KiB of an int64 column): smaller chunks made the writer
/// measurably slower against fwrite (bench/README.md, History).
constexpr std::size_t kEventBlock = 32768;
/// Chunks of one column the chunk cache holds (compressed logs), and its hash slots (HDF5's
/// default count, a prime).
constexpr std::size_t kCachedEventChunks = 4;
constexpr std::size_t kChunkCacheSlots = 521;
constexpr bool kLittleEndianHost = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

/// The NAME of a dimension scale that has no values: netCDF-4's marker and the length, "%10d".
std::string dimensionWithoutValuesName(std::size_t length) {
    char digits[32];
    std::snprintf(digits, sizeof digits, "%10zu", length);
    return std::string("This is a netCDF dimension but not a netCDF variable.") + digits;
}

}  // namespace

std::vector<std::size_t> deliveredSpecies(const Model& model) {
    std::vector<bool> isCargo(model.species.size(), false);
    for (const auto& route : model.routes)
        for (const auto& pair : route.cargo) isCargo[pair.acceptor] = true;
    std::vector<std::size_t> out;
    for (std::size_t s = 0; s < isCargo.size(); ++s)
        if (isCargo[s]) out.push_back(s);
    return out;
}

EventLogWriter::EventLogWriter(hid_t file, const std::string& path, const Model& model, int compression)
    : path_(path), compression_(compression), cargoSpecies_(deliveredSpecies(model)) {
    using namespace schema;
    const std::string& f = path_;
    group_ = h5::Handle(h5::check(H5Gcreate2(file, kEventsGroup, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /events"), H5Gclose);
    const std::size_t C = cargoSpecies_.size();
    const hsize_t zero[2] = {0, C}, unlimited[2] = {H5S_UNLIMITED, C};
    auto column = [&](const DatasetSpec& spec) {
        const int rank = static_cast<int>(spec.rank);
        h5::Handle space(H5Screate_simple(rank, zero, unlimited), H5Sclose);
        h5::Handle create(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        const hsize_t chunk[2] = {kEventBlock, std::max<std::size_t>(1, C)};
        h5::check(H5Pset_chunk(create, rank, chunk), f, std::string("set chunking of /") + spec.path);
        if (compression_ > 0) {
            H5Pset_shuffle(create);
            H5Pset_deflate(create, static_cast<unsigned>(compression_));
        }
        // Every row is written exactly once, in order: filling new chunks first would be waste.
        H5Pset_fill_time(create, H5D_FILL_TIME_NEVER);
        // Compressed logs go through HDF5's chunk cache: room for a few chunks of the widest
        // column, so partly filled chunks stay in memory. Uncompressed ones are written a
        // whole chunk at a time (writePendingChunk) and need no cache.
        h5::Handle access(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose);
        if (compression_ > 0 || !kLittleEndianHost)
            H5Pset_chunk_cache(access, kChunkCacheSlots, kCachedEventChunks * kEventBlock * 8 * std::max<std::size_t>(1, C),
                               H5D_CHUNK_CACHE_W0_DEFAULT);
        return h5::createDataset(file, spec, space, f, false, create, access);
    };
    // The row number is the event's index: `event` is a dimension without values (the netCDF
    // convention, so h5netcdf and xarray see a plain dimension), which saves 8 bytes a row.
    index_ = column(kEvent);
    h5::check(H5DSset_scale(index_, dimensionWithoutValuesName(0).c_str()), f, "make /events/event a dimension scale");
    h5::Scales scales{{kEventDim, index_.get()}};
    for (auto& [spec, handle] : {std::pair{&kEventReplicate, &replicate_}, std::pair{&kEventTime, &time_},
                                 std::pair{&kEventRoute, &route_}, std::pair{&kEventKind, &kind_},
                                 std::pair{&kEventVesicle, &vesicle_}}) {
        *handle = column(*spec);
        h5::attachScales(*handle, *spec, scales, f);
    }
    if (C > 0) {
        std::vector<std::string> cargoNames;
        for (auto s : cargoSpecies_) cargoNames.push_back(model.species[s].name);
        const h5::Handle cargo = h5::writeVector(file, kEventCargo, cargoNames, f);
        h5::setScale(cargo, kEventCargo, f);
        scales[kCargoDim] = cargo;
        load_ = column(kEventLoad);
        h5::attachScales(load_, kEventLoad, scales, f);
    }
}

std::vector<EventLogWriter::ColumnData> EventLogWriter::columnData(const EventRows& e) const {
    std::vector<ColumnData> columns = {
        {&replicate_, schema::kEventReplicate.path, H5T_NATIVE_INT64, e.replicate.data(), 8, 0},
        {&time_, schema::kEventTime.path, H5T_NATIVE_DOUBLE, e.time.data(), 8, 0},
        {&route_, schema::kEventRoute.path, H5T_NATIVE_INT64, e.route.data(), 8, 0},
        {&kind_, schema::kEventKind.path, H5T_NATIVE_INT8, e.kind.data(), 1, 0},
        {&vesicle_, schema::kEventVesicle.path, H5T_NATIVE_INT64, e.vesicle.data(), 8, 0}};
    const std::size_t C = cargoSpecies_.size();
    if (C > 0) columns.push_back({&load_, schema::kEventLoad.path, H5T_NATIVE_DOUBLE, e.load.data(), 8 * C, C});
    return columns;
}

void EventLogWriter::append(const EventRows& e) {
    const hsize_t rows = e.size();
    if (rows == 0) return;
    if (compression_ == 0 && kLittleEndianHost) {
        // Whole chunks, assembled here and written as they are: past HDF5's chunk cache and
        // selections, which cost more than the copy into the page cache (bench/hdf5_write.cpp).
        // The bytes go to the file unconverted: the file types are little-endian.
        const std::size_t C = cargoSpecies_.size();
        for (std::size_t from = 0; from < rows;) {
            const std::size_t take = std::min<std::size_t>(kEventBlock - pending_.size(), rows - from);
            auto add = [&](auto& to, const auto& column, std::size_t width) {
                const auto first = column.begin() + static_cast<std::ptrdiff_t>(from * width);
                to.insert(to.end(), first, first + static_cast<std::ptrdiff_t>(take * width));
            };
            add(pending_.replicate, e.replicate, 1);
            add(pending_.route, e.route, 1);
            add(pending_.vesicle, e.vesicle, 1);
            add(pending_.time, e.time, 1);
            add(pending_.kind, e.kind, 1);
            add(pending_.load, e.load, C);
            from += take;
            if (pending_.size() == kEventBlock) writePendingChunk();
        }
        rowsWritten_ += rows;
        return;
    }
    const hsize_t indexSize[1] = {rowsWritten_ + rows};
    h5::check(H5Dset_extent(index_, indexSize), path_, "extend /events/event");
    for (const auto& column : columnData(e)) {
        const int rank = column.width == 0 ? 1 : 2;
        const hsize_t newSize[2] = {rowsWritten_ + rows, column.width};
        h5::check(H5Dset_extent(*column.set, newSize), path_, std::string("extend /") + column.path);
        h5::Handle fileSpace(H5Dget_space(*column.set), H5Sclose);
        const hsize_t start[2] = {rowsWritten_, 0}, count[2] = {rows, column.width};
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nullptr, count, nullptr);
        h5::Handle memSpace(H5Screate_simple(rank, count, nullptr), H5Sclose);
        h5::check(H5Dwrite(*column.set, column.memType, memSpace, fileSpace, H5P_DEFAULT, column.data), path_,
                  std::string("write /") + column.path + " (disk full?)");
    }
    rowsWritten_ += rows;
}

void EventLogWriter::writePendingChunk() {
    const std::size_t rows = pending_.size();
    if (rows == 0) return;
    const std::size_t C = cargoSpecies_.size();
    const hsize_t first = pendingFirstRow_, end = first + rows;
    // A chunk is always whole in the file; rows past the extent are never read.
    pending_.replicate.resize(kEventBlock, 0);
    pending_.route.resize(kEventBlock, 0);
    pending_.vesicle.resize(kEventBlock, 0);
    pending_.time.resize(kEventBlock, 0.0);
    pending_.kind.resize(kEventBlock, 0);
    pending_.load.resize(kEventBlock * C, 0.0);
    try {
        const hsize_t indexSize[1] = {end};
        h5::check(H5Dset_extent(index_, indexSize), path_, "extend /events/event");
        for (const auto& column : columnData(pending_)) {
            const hsize_t extent[2] = {end, column.width}, offset[2] = {first, 0};
            h5::check(H5Dset_extent(*column.set, extent), path_, std::string("extend /") + column.path);
            h5::check(H5Dwrite_chunk(*column.set, H5P_DEFAULT, 0, offset, kEventBlock * column.bytesPerRow, column.data),
                      path_, std::string("write /") + column.path + " (disk full?)");
        }
    } catch (...) {
        pending_.clear();  // never to be taken for rows: the padding is not events
        throw;
    }
    pending_.clear();
    if (rows == kEventBlock) pendingFirstRow_ += kEventBlock;
}

void EventLogWriter::finish() {
    writePendingChunk();  // the last, partial chunk
    h5::writeInt64Attribute(group_, schema::kEventCountAttribute, static_cast<std::int64_t>(rowsWritten_), path_);
    const std::string name = dimensionWithoutValuesName(rowsWritten_);
    h5::Handle attribute(h5::check(H5Aopen(index_, "NAME", H5P_DEFAULT), path_, "open /events/event NAME"), H5Aclose);
    h5::Handle type(H5Aget_type(attribute), H5Tclose);
    if (H5Tget_size(type) != name.size() + 1)  // "%10zu" keeps the length unless the count passes 10^10
        return;
    h5::check(H5Awrite(attribute, type, name.c_str()), path_, "write /events/event NAME");
}

void EventLogWriter::close() {
    for (auto* h : {&index_, &replicate_, &time_, &route_, &kind_, &vesicle_, &load_, &group_}) h->reset();
}

}  // namespace egress
