#include "io/SchemaHdf5.hpp"

#include <hdf5_hl.h>

#include "core/Error.hpp"

namespace egress::h5 {

namespace {

[[noreturn]] void mismatch(const std::string& path, const std::string& what) {
    throw IoError(path + ": internal error: " + what + " disagrees with engine/io/result_schema.toml");
}

void expectType(const schema::DatasetSpec& spec, schema::ValueType type, const std::string& path) {
    if (spec.type != type) mismatch(path, std::string("the type written to /") + spec.path);
}

void expectType(const schema::AttributeSpec& spec, schema::ValueType type, std::size_t rank, const std::string& path) {
    if (spec.type != type) mismatch(path, std::string("the type of attribute ") + spec.name);
    if (spec.rank != rank) mismatch(path, std::string("the rank of attribute ") + spec.name);
}

template <typename T>
void writeVectorAttribute(hid_t object, const schema::AttributeSpec& spec, const std::vector<T>& values, hid_t fileType,
                          hid_t memoryType, const std::string& path) {
    const hsize_t n = values.size();
    const std::string what = std::string(" attribute ") + spec.name + " of " + (spec.on[0] == '/' ? "" : "/") + spec.on;
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Handle attribute(check(H5Acreate2(object, spec.name, fileType, space, H5P_DEFAULT, H5P_DEFAULT), path, "create" + what),
                     H5Aclose);
    if (n > 0) check(H5Awrite(attribute, memoryType, values.data()), path, "write" + what);
}

}  // namespace

Handle fileType(schema::ValueType type, bool expectedCounts) {
    switch (type) {
        case schema::ValueType::Float64: return Handle(H5T_IEEE_F64LE, nullptr);
        case schema::ValueType::Int64: return Handle(H5T_STD_I64LE, nullptr);
        case schema::ValueType::Int32: return Handle(H5T_STD_I32LE, nullptr);
        case schema::ValueType::Int8: return Handle(H5T_STD_I8LE, nullptr);
        case schema::ValueType::String: return variableStringType();
        case schema::ValueType::Count: return Handle(expectedCounts ? H5T_IEEE_F64LE : H5T_STD_I64LE, nullptr);
    }
    return Handle();
}

Handle createDataset(hid_t file, const schema::DatasetSpec& spec, hid_t space, const std::string& path,
                     bool expectedCounts, hid_t create, hid_t access) {
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0 || static_cast<std::size_t>(rank) != spec.rank) mismatch(path, std::string("the rank of /") + spec.path);
    const Handle type = fileType(spec.type, expectedCounts);
    Handle set(check(H5Dcreate2(file, spec.path, type, space, H5P_DEFAULT, create, access), path,
                     std::string("create /") + spec.path),
               H5Dclose);
    if (*spec.units) writeStringAttribute(set, "units", spec.units, path);
    for (const auto& attribute : spec.attributes)
        if (attribute.name) writeStringAttribute(set, attribute.name, attribute.value, path);
    return set;
}

Handle writeVector(hid_t file, const schema::DatasetSpec& spec, const std::vector<double>& values, const std::string& path) {
    expectType(spec, schema::ValueType::Float64, path);
    const hsize_t n = values.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Handle set = createDataset(file, spec, space, path);
    if (n > 0) check(H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path, std::string("write /") + spec.path);
    return set;
}

Handle writeVector(hid_t file, const schema::DatasetSpec& spec, const std::vector<std::int64_t>& values, const std::string& path) {
    expectType(spec, schema::ValueType::Int64, path);
    const hsize_t n = values.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Handle set = createDataset(file, spec, space, path);
    if (n > 0) check(H5Dwrite(set, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path, std::string("write /") + spec.path);
    return set;
}

namespace {
/// Transfer properties for writing variable-length strings: HDF5 converts them through a buffer
/// that it allocates zeroed at its default size, 1 MiB, for every write; the names and texts of a
/// result file need a few KiB, and zeroing 1 MiB per dataset was 40% of the instructions of a
/// one-replicate run. The library loops over a smaller buffer when data do not fit.
Handle stringTransfer() {
    constexpr std::size_t kConversionBuffer = 16 * 1024;
    Handle plist(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
    H5Pset_buffer(plist, kConversionBuffer, nullptr, nullptr);
    return plist;
}
}  // namespace

Handle writeVector(hid_t file, const schema::DatasetSpec& spec, const std::vector<std::string>& values, const std::string& path) {
    expectType(spec, schema::ValueType::String, path);
    const hsize_t n = values.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Handle set = createDataset(file, spec, space, path);
    std::vector<const char*> pointers;
    for (const auto& v : values) pointers.push_back(v.c_str());
    const Handle type = variableStringType();
    if (n > 0) check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, stringTransfer(), pointers.data()), path, std::string("write /") + spec.path);
    return set;
}

void writeScalar(hid_t file, const schema::DatasetSpec& spec, const std::string& value, const std::string& path) {
    expectType(spec, schema::ValueType::String, path);
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle set = createDataset(file, spec, space, path);
    const Handle type = variableStringType();
    const char* data = value.c_str();
    check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, stringTransfer(), &data), path, std::string("write /") + spec.path);
}

void setScale(hid_t set, const schema::DatasetSpec& spec, const std::string& path) {
    if (spec.rank != 1 || std::string(spec.name()) != spec.dims[0]) mismatch(path, std::string("/") + spec.path + " as a dimension scale");
    check(H5DSset_scale(set, spec.dims[0]), path, std::string("make /") + spec.path + " a dimension scale");
}

void attachScales(hid_t set, const schema::DatasetSpec& spec, const Scales& scales, const std::string& path) {
    for (std::size_t d = 0; d < spec.rank; ++d) {
        const auto scale = scales.find(spec.dims[d]);
        if (scale == scales.end()) mismatch(path, std::string("the dimension ") + spec.dims[d] + " of /" + spec.path);
        if (scale->second == set) continue;  // a scale of its own dimension
        check(H5DSattach_scale(set, scale->second, static_cast<unsigned>(d)), path,
              std::string("attach /") + spec.dims[d] + " to /" + spec.path);
    }
}

void writeStringAttribute(hid_t object, const schema::AttributeSpec& spec, const std::string& value, const std::string& path) {
    expectType(spec, schema::ValueType::String, 0, path);
    writeStringAttribute(object, spec.name, value, path);
}

void writeInt64Attribute(hid_t object, const schema::AttributeSpec& spec, std::int64_t value, const std::string& path) {
    expectType(spec, schema::ValueType::Int64, 0, path);
    writeInt64Attribute(object, spec.name, value, path);
}

void writeDoubleAttribute(hid_t object, const schema::AttributeSpec& spec, double value, const std::string& path) {
    expectType(spec, schema::ValueType::Float64, 0, path);
    writeDoubleAttribute(object, spec.name, value, path);
}

void writeInt64Attribute(hid_t object, const schema::AttributeSpec& spec, const std::vector<std::int64_t>& values,
                         const std::string& path) {
    expectType(spec, schema::ValueType::Int64, 1, path);
    writeVectorAttribute(object, spec, values, H5T_STD_I64LE, H5T_NATIVE_INT64, path);
}

void writeDoubleAttribute(hid_t object, const schema::AttributeSpec& spec, const std::vector<double>& values,
                          const std::string& path) {
    expectType(spec, schema::ValueType::Float64, 1, path);
    writeVectorAttribute(object, spec, values, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, path);
}

bool readStringAttribute(hid_t object, const schema::AttributeSpec& spec, std::string& value) {
    return readStringAttribute(object, spec.name, value);
}

bool readInt64Attribute(hid_t object, const schema::AttributeSpec& spec, std::int64_t& value) {
    return readInt64Attribute(object, spec.name, value);
}

}  // namespace egress::h5
