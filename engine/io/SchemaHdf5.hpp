#pragma once
// Writing and reading what the schema (io/ResultSchema.hpp, generated from result_schema.toml)
// describes: a dataset is created at its path with its type, its `units` and its fixed
// attributes, and attached to the dimension scales its dims name; an attribute is written with
// the type the schema gives it. A mismatch between the code and the table is an IoError that says
// so ("internal error"), never a silently different file.
#include <map>
#include <string>
#include <vector>

#include "io/Hdf5.hpp"
#include "io/SchemaEntry.hpp"

namespace egress::h5 {

/// The file type of a schema type. Count: float64 when `expectedCounts` (ode), else int64.
Handle fileType(schema::ValueType type, bool expectedCounts = false);

/// Creates `spec` in `file` (its path is from the root; the group must exist) over `space` (rank
/// must be the schema's), and writes its units and fixed attributes.
Handle createDataset(hid_t file, const schema::DatasetSpec& spec, hid_t space, const std::string& path,
                     bool expectedCounts = false, hid_t create = H5P_DEFAULT, hid_t access = H5P_DEFAULT);
/// A 1-D dataset of `spec`, written whole.
Handle writeVector(hid_t file, const schema::DatasetSpec& spec, const std::vector<double>& values, const std::string& path);
Handle writeVector(hid_t file, const schema::DatasetSpec& spec, const std::vector<std::int64_t>& values, const std::string& path);
Handle writeVector(hid_t file, const schema::DatasetSpec& spec, const std::vector<std::string>& values, const std::string& path);
/// A scalar string dataset of `spec`.
void writeScalar(hid_t file, const schema::DatasetSpec& spec, const std::string& value, const std::string& path);
/// Makes `set` the dimension scale of its (only) dimension, named after it.
void setScale(hid_t set, const schema::DatasetSpec& spec, const std::string& path);
/// Dimension scales by dimension name.
using Scales = std::map<std::string, hid_t>;
/// Attaches to `set` the scale of each of its dims (but its own, if it is a scale).
void attachScales(hid_t set, const schema::DatasetSpec& spec, const Scales& scales, const std::string& path);

void writeStringAttribute(hid_t object, const schema::AttributeSpec& spec, const std::string& value, const std::string& path);
void writeInt64Attribute(hid_t object, const schema::AttributeSpec& spec, std::int64_t value, const std::string& path);
void writeDoubleAttribute(hid_t object, const schema::AttributeSpec& spec, double value, const std::string& path);
/// A rank-1 attribute, one value per element of its dimension.
void writeInt64Attribute(hid_t object, const schema::AttributeSpec& spec, const std::vector<std::int64_t>& values,
                         const std::string& path);
void writeDoubleAttribute(hid_t object, const schema::AttributeSpec& spec, const std::vector<double>& values,
                          const std::string& path);
/// Return false when the attribute is missing or of another type.
bool readStringAttribute(hid_t object, const schema::AttributeSpec& spec, std::string& value);
bool readInt64Attribute(hid_t object, const schema::AttributeSpec& spec, std::int64_t& value);

}  // namespace egress::h5
