#include "io/ResultReader.hpp"

#include <filesystem>

#include "core/Error.hpp"
#include "core/Model.hpp"
#include "io/Hdf5.hpp"
#include "io/ResultSchema.hpp"
#include "io/SchemaHdf5.hpp"

namespace egress {

ResultSummary readResultSummary(const std::string& path) {
    h5::silenceLibraryErrors();
    ResultSummary s;
    s.path = path;
    if (!std::filesystem::is_regular_file(path)) throw InputError("", 0, 0, "'" + path + "': no such file");
    if (H5Fis_hdf5(path.c_str()) <= 0) throw InputError("", 0, 0, "'" + path + "' is not an HDF5 file");
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (file.get() < 0) throw InputError("", 0, 0, "'" + path + "': cannot open the HDF5 file (damaged?)");
    std::string format;
    if (!h5::readStringAttribute(file, schema::kFormatAttribute, format) || format != schema::kFormat)
        throw InputError("", 0, 0, "'" + path + "' is not an egress result file (no format=\"egress\" attribute)");
    if (!h5::readInt64Attribute(file, schema::kFormatVersionAttribute, s.formatVersion))
        throw InputError("", 0, 0, "'" + path + "': egress result without a format_version attribute");
    if (s.formatVersion > schema::kFormatVersion)
        throw InputError("", 0, 0, "'" + path + "': format_version " + std::to_string(s.formatVersion) + " is newer than this egress reads (" +
                                         std::to_string(schema::kFormatVersion) + ")");
    std::int64_t complete = 0;
    s.complete = h5::readInt64Attribute(file, schema::kCompleteAttribute, complete) && complete == 1;
    h5::readStringAttribute(file, schema::kMethodAttribute, s.method);
    h5::readStringAttribute(file, schema::kEgressVersionAttribute, s.egressVersion);
    h5::readStringAttribute(file, schema::kCreatedAttribute, s.created);
    h5::readStringAttribute(file, schema::kCommandAttribute, s.command);
    h5::readStringAttribute(file, schema::kModelAttribute, s.model);
    h5::readInt64Attribute(file, schema::kSeedAttribute, s.seed);
    h5::readStringAttribute(file, schema::kInterruptedAttribute, s.interrupted);
    h5::readInt64Attribute(file, schema::kReplicatesFinishedAttribute, s.replicatesFinished);
    if (H5Lexists(file, schema::kEventsGroup, H5P_DEFAULT) > 0) {
        h5::Handle events(H5Gopen2(file, schema::kEventsGroup, H5P_DEFAULT), H5Gclose);
        s.hasEventLog = events.get() >= 0;
        if (s.hasEventLog) h5::readInt64Attribute(events, schema::kEventCountAttribute, s.vesicleEvents);
    }

    try {
        s.species = h5::readStringVector(file, schema::kSpecies.path, path);
        s.routes = h5::readStringVector(file, schema::kRoute.path, path);
        h5::Handle time(h5::check(H5Dopen2(file, schema::kTime.path, H5P_DEFAULT), path, "open /time"), H5Dclose);
        h5::Handle timeSpace(H5Dget_space(time), H5Sclose);
        if (H5Sget_simple_extent_ndims(timeSpace) != 1) throw IoError(path + ": /time is not one-dimensional");
        const auto samples = static_cast<std::size_t>(H5Sget_simple_extent_npoints(timeSpace));
        // egress refuses longer runs; a larger extent is a damaged file.
        if (samples > kMaxOutputSteps + 1) throw IoError(path + ": /time declares " + std::to_string(samples) + " samples");
        s.times.resize(samples);
        if (!s.times.empty())
            h5::check(H5Dread(time, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, s.times.data()), path, "read /time");
        h5::Handle amounts(h5::check(H5Dopen2(file, schema::kAmounts.path, H5P_DEFAULT), path, "open /amounts"), H5Dclose);
        h5::Handle space(H5Dget_space(amounts), H5Sclose);
        hsize_t dims[3] = {0, 0, 0};
        if (H5Sget_simple_extent_ndims(space) != 3) throw IoError(path + ": /amounts is not three-dimensional");
        H5Sget_simple_extent_dims(space, dims, nullptr);
        if (dims[1] != s.times.size() || dims[2] != s.species.size())
            throw IoError(path + ": /amounts has shape inconsistent with /time and /species");
        s.replicates = dims[0];
        if (s.complete && dims[0] > 0 && dims[1] > 0 && dims[2] > 0) {
            auto readRow = [&](hsize_t timeIndex, std::vector<double>& row) {
                row.resize(dims[2]);
                const hsize_t start[3] = {0, timeIndex, 0}, count[3] = {1, 1, dims[2]};
                H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr);
                h5::Handle mem(H5Screate_simple(3, count, nullptr), H5Sclose);
                h5::check(H5Dread(amounts, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, row.data()), path, "read /amounts");
            };
            readRow(0, s.initialAmounts);
            readRow(dims[1] - 1, s.finalAmounts);
        }
    } catch (const std::bad_alloc&) {
        throw InputError("", 0, 0, "'" + path + "': damaged egress result: sizes beyond memory");
    } catch (const IoError& e) {
        throw InputError("", 0, 0, "'" + path + "': damaged egress result: " + std::string() + e.what());
    }
    return s;
}

}  // namespace egress
