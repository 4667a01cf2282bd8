#include "io/SweepFile.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <filesystem>

#include "core/Error.hpp"
#include "io/ResultSchema.hpp"
#include "io/SchemaHdf5.hpp"
#include "io/UtcTimestamp.hpp"

namespace egress {

namespace fs = std::filesystem;
using namespace schema::sweep;

namespace {

/// Rows merged per read and write: bounds the memory of a merge with trajectories.
constexpr std::size_t kMergeBlockRows = 256;

/// The numeric per-row columns, in the order they are written.
constexpr const schema::DatasetSpec* kColumns[] = {&kPointValues, &kFinalAmounts, &kBuddedTotal, &kFusedTotal,
                                                   &kPeakInTransit, &kMetricValues, &kAmounts};

const schema::DatasetSpec& columnSpec(const std::string& name) {
    for (const auto* spec : kColumns)
        if (name == spec->path) return *spec;
    throw IoError("internal error: no sweep column " + name + " in engine/io/result_schema.toml");
}

/// The length of a dimension of a sweep file (but `point`, which is the file's rows).
hsize_t dimSize(const SweepLayout& l, const std::string& dim) {
    if (dim == kAxisDim) return l.axes.size();
    if (dim == kReplicateDim) return l.replicates;
    if (dim == kSpeciesDim) return l.species.size();
    if (dim == kMetricDim) return l.metrics.size();
    if (dim == kTimeDim) return l.times.size();
    if (dim == kRouteDim) return l.routes.size();
    throw IoError("internal error: a sweep column over dimension " + dim);
}

}  // namespace

std::vector<std::pair<std::string, std::size_t>> sweepColumns(const SweepLayout& l) {
    std::vector<std::pair<std::string, std::size_t>> out;
    const std::size_t R = l.replicates, S = l.species.size(), V = l.routes.size(), M = l.metrics.size(), T = l.times.size();
    out.emplace_back(kPointValues.path, l.axes.size());
    out.emplace_back(kFinalAmounts.path, R * S);
    if (V > 0) {
        out.emplace_back(kBuddedTotal.path, R * V);
        out.emplace_back(kFusedTotal.path, R * V);
        out.emplace_back(kPeakInTransit.path, R * V);
    }
    if (M > 0) out.emplace_back(kMetricValues.path, R * M);
    if (T > 0) out.emplace_back(kAmounts.path, R * T * S);
    return out;
}

SweepFileWriter::SweepFileWriter(std::string path, const SweepLayout& layout, std::size_t rows, const SweepFileIdentity& identity)
    : file_(std::move(path), "sweep file"), layout_(layout), rows_(rows) {
    const hid_t file = file_.id();
    const std::string& f = file_.path();
    h5::writeStringAttribute(file, kFormatAttribute, kFormat, f);
    h5::writeInt64Attribute(file, kFormatVersionAttribute, kFormatVersion, f);
    h5::writeStringAttribute(file, kEgressVersionAttribute, identity.egressVersion, f);
    h5::writeStringAttribute(file, kCommandAttribute, identity.writerCommand, f);
    h5::writeStringAttribute(file, kCreatedAttribute, utcTimestamp(), f);
    h5::writeStringAttribute(file, kSweepIdAttribute, layout.sweepId, f);
    h5::writeInt64Attribute(file, kPointsTotalAttribute, static_cast<std::int64_t>(layout.pointsTotal), f);
    h5::writeInt64Attribute(file, kReplicatesAttribute, static_cast<std::int64_t>(layout.replicates), f);
    h5::writeStringAttribute(file, kDesignAttribute, layout.design, f);
    h5::writeStringAttribute(file, kMethodAttribute, layout.method, f);
    h5::writeStringAttribute(file, kStreamsAttribute, layout.streams, f);
    h5::writeInt64Attribute(file, kSeedAttribute, layout.seed, f);
    h5::writeInt64Attribute(file, kSaltelliAttribute, layout.saltelli ? 1 : 0, f);
    if (identity.shard) {
        h5::writeInt64Attribute(file, kShardAttribute, static_cast<std::int64_t>(*identity.shard), f);
        h5::writeInt64Attribute(file, kShardCountAttribute, static_cast<std::int64_t>(*identity.shardCount), f);
    }
    if (identity.mergedFromShards)
        h5::writeInt64Attribute(file, kMergedFromShardsAttribute, static_cast<std::int64_t>(identity.mergedFromShards), f);

    h5::Handle(h5::check(H5Gcreate2(file, kInputGroup, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /input"), H5Gclose);
    h5::writeScalar(file, kInputSweep, layout.sweepText, f);
    h5::writeScalar(file, kInputBase, layout.baseText, f);

    // Dimension scales. /point gets its values row by row.
    std::vector<h5::Handle> scaleSets;
    h5::Scales scales;
    auto scale = [&](const schema::DatasetSpec& spec, h5::Handle set) {
        h5::setScale(set, spec, f);
        scales[spec.dims[0]] = set;
        scaleSets.push_back(std::move(set));
    };
    {
        const hsize_t n = rows_;
        h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
        scale(kPoint, h5::createDataset(file, kPoint, space, f));
    }
    std::vector<std::int64_t> replicateIds(layout.replicates);
    for (std::size_t r = 0; r < layout.replicates; ++r) replicateIds[r] = static_cast<std::int64_t>(r);
    scale(kReplicate, h5::writeVector(file, kReplicate, replicateIds, f));
    scale(kAxis, h5::writeVector(file, kAxis, layout.axes, f));
    scale(kSpecies, h5::writeVector(file, kSpecies, layout.species, f));
    scale(kRoute, h5::writeVector(file, kRoute, layout.routes, f));
    scale(kMetric, h5::writeVector(file, kMetric, layout.metrics, f));
    if (!layout.times.empty()) scale(kTime, h5::writeVector(file, kTime, layout.times, f));
    h5::attachScales(h5::writeVector(file, kAxisTarget, layout.axisTargets, f), kAxisTarget, scales, f);
    h5::attachScales(h5::writeVector(file, kMetricDefinition, layout.metricDefinitions, f), kMetricDefinition, scales, f);

    for (const auto& [name, width] : sweepColumns(layout)) {
        const schema::DatasetSpec& spec = columnSpec(name);
        std::vector<hsize_t> shape{rows_};
        for (std::size_t d = 1; d < spec.rank; ++d) shape.push_back(dimSize(layout, spec.dims[d]));
        h5::Handle space(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), H5Sclose);
        h5::attachScales(h5::createDataset(file, spec, space, f), spec, scales, f);
    }
    if (layout.saltelli) {
        for (const auto* spec : {&kSaltelliBlock, &kSaltelliRow}) {
            const hsize_t n = rows_;
            h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
            h5::attachScales(h5::createDataset(file, *spec, space, f), *spec, scales, f);
        }
    }
}

void SweepFileWriter::write(std::size_t firstRow, const SweepRows& block) { writeRows(firstRow, 1, block); }
void SweepFileWriter::writeStrided(std::size_t first, std::size_t stride, const SweepRows& block) { writeRows(first, stride, block); }

void SweepFileWriter::writeRows(std::size_t first, std::size_t stride, const SweepRows& block) {
    const std::string& f = file_.path();
    const hsize_t n = block.size();
    if (n == 0) return;
    if (first + (n - 1) * stride >= rows_) throw IoError(f + ": rows past the end of the sweep file");
    auto writeColumn = [&](const std::string& name, hid_t memType, const void* data, std::size_t width) {
        h5::Handle set(h5::check(H5Dopen2(file_.id(), name.c_str(), H5P_DEFAULT), f, "open /" + name), H5Dclose);
        h5::Handle fileSpace(H5Dget_space(set), H5Sclose);
        const int rank = H5Sget_simple_extent_ndims(fileSpace);
        std::vector<hsize_t> shape(static_cast<std::size_t>(rank));
        H5Sget_simple_extent_dims(fileSpace, shape.data(), nullptr);
        std::vector<hsize_t> start(shape.size(), 0), step(shape.size(), 1), count = shape;
        start[0] = first;
        step[0] = stride;
        count[0] = n;
        h5::check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start.data(), step.data(), count.data(), nullptr), f, "select rows of /" + name);
        const hsize_t total = n * width;
        h5::Handle memSpace(H5Screate_simple(1, &total, nullptr), H5Sclose);
        if (total > 0) h5::check(H5Dwrite(set, memType, memSpace, fileSpace, H5P_DEFAULT, data), f, "write /" + name);
    };
    writeColumn(kPoint.path, H5T_NATIVE_INT64, block.point.data(), 1);
    for (const auto& [name, width] : sweepColumns(layout_)) {
        const auto it = block.columns.find(name);
        if (it == block.columns.end() || it->second.size() != n * width)
            throw IoError(f + ": internal error: column /" + name + " of a block has the wrong size");
        writeColumn(name, H5T_NATIVE_DOUBLE, it->second.data(), width);
    }
    if (layout_.saltelli) {
        writeColumn(kSaltelliBlock.path, H5T_NATIVE_INT32, block.saltelliBlock.data(), 1);
        writeColumn(kSaltelliRow.path, H5T_NATIVE_INT32, block.saltelliRow.data(), 1);
    }
    for (const auto& [row, why] : block.errors) errors_[first + row * stride] = why;
    rowsWritten_ += n;
}

void SweepFileWriter::commit() {
    const std::string& f = file_.path();
    const hid_t file = file_.id();
    if (rowsWritten_ != rows_)
        throw IoError(f + ": " + std::to_string(rowsWritten_) + " of " + std::to_string(rows_) + " points written; the file is not complete");
    std::vector<std::string> errors(rows_);
    for (const auto& [row, why] : errors_) errors[row] = why;
    {
        h5::Handle set = h5::writeVector(file, kPointError, errors, f);
        h5::Handle point(h5::check(H5Dopen2(file, kPoint.path, H5P_DEFAULT), f, "open /point"), H5Dclose);
        h5::attachScales(set, kPointError, {{kPointDim, point.get()}}, f);
        h5::writeInt64Attribute(file, kPointsFailedAttribute, static_cast<std::int64_t>(errors_.size()), f);
    }
    file_.commit();
}

SweepFileInfo readSweepFileInfo(const std::string& path) {
    h5::silenceLibraryErrors();
    SweepFileInfo info;
    info.path = path;
    if (!fs::is_regular_file(path)) throw IoError(path + ": no such file");
    if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(path + ": not an HDF5 file (truncated or damaged?)");
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (file.get() < 0) throw IoError(path + ": cannot open the HDF5 file (truncated or damaged?)");
    std::string format;
    if (!h5::readStringAttribute(file, kFormatAttribute, format) || format != kFormat)
        throw IoError(path + ": not an egress sweep file (no format=\"" + std::string(kFormat) + "\" attribute)");
    std::int64_t version = 0, complete = 0, total = 0, replicates = 0, saltelli = 0, shard = -1, shardCount = -1;
    h5::readInt64Attribute(file, kFormatVersionAttribute, version);
    if (version != kFormatVersion)
        throw IoError(path + ": sweep format_version " + std::to_string(version) + "; this egress reads version " + std::to_string(kFormatVersion));
    info.complete = h5::readInt64Attribute(file, kCompleteAttribute, complete) && complete == 1;
    SweepLayout& l = info.layout;
    h5::readStringAttribute(file, kSweepIdAttribute, l.sweepId);
    h5::readInt64Attribute(file, kPointsTotalAttribute, total);
    h5::readInt64Attribute(file, kReplicatesAttribute, replicates);
    h5::readInt64Attribute(file, kSaltelliAttribute, saltelli);
    h5::readStringAttribute(file, kDesignAttribute, l.design);
    h5::readStringAttribute(file, kMethodAttribute, l.method);
    h5::readStringAttribute(file, kStreamsAttribute, l.streams);
    h5::readInt64Attribute(file, kSeedAttribute, l.seed);
    if (total < 0 || replicates < 0) throw IoError(path + ": negative extents in the sweep attributes (damaged?)");
    l.pointsTotal = static_cast<std::size_t>(total);
    l.replicates = static_cast<std::size_t>(replicates);
    l.saltelli = saltelli == 1;
    if (h5::readInt64Attribute(file, kShardAttribute, shard) && h5::readInt64Attribute(file, kShardCountAttribute, shardCount) && shard >= 0 && shardCount > 0) {
        info.shard = static_cast<std::size_t>(shard);
        info.shardCount = static_cast<std::size_t>(shardCount);
    }
    if (!info.complete) return info;
    l.axes = h5::readStringVector(file, kAxis.path, path);
    l.axisTargets = h5::readStringVector(file, kAxisTarget.path, path);
    l.species = h5::readStringVector(file, kSpecies.path, path);
    l.routes = h5::readStringVector(file, kRoute.path, path);
    l.metrics = h5::readStringVector(file, kMetric.path, path);
    l.metricDefinitions = h5::readStringVector(file, kMetricDefinition.path, path);
    auto readScalarText = [&](const char* name, std::string& out) {
        h5::Handle set(h5::check(H5Dopen2(file, name, H5P_DEFAULT), path, std::string("open ") + name), H5Dclose);
        h5::Handle type = h5::variableStringType();
        char* data = nullptr;
        h5::check(H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &data), path, std::string("read ") + name);
        out = data ? data : "";
        h5::Handle space(H5Dget_space(set), H5Sclose);
        H5Dvlen_reclaim(type, space, H5P_DEFAULT, &data);
    };
    readScalarText(kInputSweep.path, l.sweepText);
    readScalarText(kInputBase.path, l.baseText);
    auto readVector = [&](const char* name, hid_t memType, auto& out) {
        h5::Handle set(h5::check(H5Dopen2(file, name, H5P_DEFAULT), path, std::string("open /") + name), H5Dclose);
        h5::Handle space(H5Dget_space(set), H5Sclose);
        const auto n = H5Sget_simple_extent_npoints(space);
        if (n < 0 || static_cast<std::size_t>(n) > l.pointsTotal + 100'000'000) throw IoError(path + ": /" + name + " has an impossible extent (damaged?)");
        out.resize(static_cast<std::size_t>(n));
        if (n > 0) h5::check(H5Dread(set, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), path, std::string("read /") + name);
    };
    readVector(kPoint.path, H5T_NATIVE_INT64, info.points);
    if (H5Lexists(file, kTime.path, H5P_DEFAULT) > 0) readVector(kTime.path, H5T_NATIVE_DOUBLE, l.times);
    return info;
}

SweepRows readSweepRows(const SweepFileInfo& info, std::size_t first, std::size_t count) {
    const std::string& path = info.path;
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (file.get() < 0) throw IoError(path + ": cannot open the HDF5 file (truncated or damaged?)");
    SweepRows rows;
    rows.point.assign(info.points.begin() + static_cast<std::ptrdiff_t>(first), info.points.begin() + static_cast<std::ptrdiff_t>(first + count));
    auto readColumn = [&](const std::string& name, hid_t memType, void* data, std::size_t width) {
        h5::Handle set(h5::check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), path, "open /" + name), H5Dclose);
        h5::Handle fileSpace(H5Dget_space(set), H5Sclose);
        const int rank = H5Sget_simple_extent_ndims(fileSpace);
        if (rank < 1 || rank > 4) throw IoError(path + ": /" + name + " has rank " + std::to_string(rank));
        std::vector<hsize_t> shape(static_cast<std::size_t>(rank));
        H5Sget_simple_extent_dims(fileSpace, shape.data(), nullptr);
        hsize_t perRow = 1;
        for (std::size_t d = 1; d < shape.size(); ++d) perRow *= shape[d];
        if (shape[0] != info.points.size() || perRow != width) throw IoError(path + ": /" + name + " has the wrong shape for this sweep (damaged?)");
        std::vector<hsize_t> start(shape.size(), 0), cnt = shape;
        start[0] = first;
        cnt[0] = count;
        h5::check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start.data(), nullptr, cnt.data(), nullptr), path, "select rows of /" + name);
        const hsize_t total = count * width;
        h5::Handle memSpace(H5Screate_simple(1, &total, nullptr), H5Sclose);
        if (total > 0) h5::check(H5Dread(set, memType, memSpace, fileSpace, H5P_DEFAULT, data), path, "read /" + name);
    };
    for (const auto& [name, width] : sweepColumns(info.layout)) {
        auto& column = rows.columns[name];
        column.resize(count * width);
        readColumn(name, H5T_NATIVE_DOUBLE, column.data(), width);
    }
    if (info.layout.saltelli) {
        rows.saltelliBlock.resize(count);
        rows.saltelliRow.resize(count);
        readColumn(kSaltelliBlock.path, H5T_NATIVE_INT32, rows.saltelliBlock.data(), 1);
        readColumn(kSaltelliRow.path, H5T_NATIVE_INT32, rows.saltelliRow.data(), 1);
    }
    const auto errors = h5::readStringVector(file, kPointError.path, path);
    if (errors.size() != info.points.size()) throw IoError(path + ": /point_error has the wrong length (damaged?)");
    for (std::size_t i = 0; i < count; ++i)
        if (!errors[first + i].empty()) rows.errors[i] = errors[first + i];
    return rows;
}

void mergeSweepShards(const std::vector<std::string>& inputs, const std::string& output, const SweepFileIdentity& identity) {
    if (inputs.empty()) throw InputError("", 0, 0, "merge: no shard files given");
    std::vector<SweepFileInfo> shards;
    for (const auto& path : inputs) {
        SweepFileInfo info;
        try {
            info = readSweepFileInfo(path);
        } catch (const IoError& e) {
            throw InputError("", 0, 0, std::string(e.what()) + "; rerun its shard with egress sweep");
        }
        if (!info.complete) throw InputError("", 0, 0, path + ": the shard is incomplete (its run did not finish); rerun it with egress sweep");
        if (!info.shard) throw InputError("", 0, 0, path + ": not a shard file (no shard attributes): merge takes the shards written by egress sweep");
        if (!shards.empty()) {
            const SweepFileInfo& first = shards.front();
            if (info.layout.sweepId != first.layout.sweepId)
                throw InputError("", 0, 0, path + ": a shard of another sweep (sweep_id " + info.layout.sweepId + ", not " + first.layout.sweepId +
                                               " as in " + first.path + ")");
            if (*info.shardCount != *first.shardCount)
                throw InputError("", 0, 0, path + ": shard " + std::to_string(*info.shard) + " of " + std::to_string(*info.shardCount) +
                                               ", but " + first.path + " is one of " + std::to_string(*first.shardCount) + " shards: merge the shards of one split");
        }
        shards.push_back(std::move(info));
    }
    const std::size_t of = *shards.front().shardCount;
    const SweepLayout& layout = shards.front().layout;
    std::vector<const SweepFileInfo*> byShard(of, nullptr);
    for (const auto& s : shards) {
        if (*s.shard >= of) throw InputError("", 0, 0, s.path + ": shard index " + std::to_string(*s.shard) + " is not below the shard count " + std::to_string(of));
        if (byShard[*s.shard]) throw InputError("", 0, 0, s.path + ": shard " + std::to_string(*s.shard) + " is given twice (also " + byShard[*s.shard]->path + ")");
        byShard[*s.shard] = &s;
        std::vector<std::int64_t> expected;
        for (std::size_t p = *s.shard; p < layout.pointsTotal; p += of) expected.push_back(static_cast<std::int64_t>(p));
        if (s.points != expected) throw InputError("", 0, 0, s.path + ": its points are not those of shard " + std::to_string(*s.shard) + " of " + std::to_string(of) + " (damaged?)");
    }
    std::string missing;
    for (std::size_t k = 0; k < of; ++k)
        if (!byShard[k] && layout.pointsTotal > k) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
    if (!missing.empty())
        throw InputError("", 0, 0, "merge: shard(s) " + missing + " of " + std::to_string(of) + " missing: run them (egress sweep --shard I --of " +
                                       std::to_string(of) + ") and merge again; no file was written");
    SweepFileIdentity id = identity;
    id.shard.reset();
    id.shardCount.reset();
    id.mergedFromShards = of;
    SweepFileWriter writer(output, layout, layout.pointsTotal, id);
    for (const SweepFileInfo* s : byShard) {
        if (!s) continue;
        for (std::size_t first = 0; first < s->points.size(); first += kMergeBlockRows) {
            const std::size_t count = std::min(kMergeBlockRows, s->points.size() - first);
            const SweepRows rows = readSweepRows(*s, first, count);
            writer.writeStrided(*s->shard + first * of, of, rows);
        }
    }
    writer.commit();
}

}  // namespace egress
