#include "io/Hdf5.hpp"

#include "core/Error.hpp"

namespace egress::h5 {

void silenceLibraryErrors() {
    // HDF5 keeps error-printing settings per thread: silence each thread that calls it, once.
    thread_local bool silenced = false;
    if (!silenced) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        silenced = true;
    }
}

void disableExitCleanup() { H5dont_atexit(); }

hid_t check(hid_t status, const std::string& file, const std::string& what) {
    if (status < 0) throw IoError(file + ": HDF5 failed to " + what);
    return status;
}

Handle variableStringType() {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return Handle(t, H5Tclose);
}

void writeStringAttribute(hid_t object, const std::string& name, const std::string& value, const std::string& file) {
    Handle type = variableStringType();
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
    Handle attr(check(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), file, "create attribute " + name), H5Aclose);
    const char* data = value.c_str();
    check(H5Awrite(attr, type, &data), file, "write attribute " + name);
}

void writeInt64Attribute(hid_t object, const std::string& name, std::int64_t value, const std::string& file) {
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
    Handle attr(check(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT), file, "create attribute " + name), H5Aclose);
    check(H5Awrite(attr, H5T_NATIVE_INT64, &value), file, "write attribute " + name);
}

void writeDoubleAttribute(hid_t object, const std::string& name, double value, const std::string& file) {
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
    Handle attr(check(H5Acreate2(object, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT), file, "create attribute " + name), H5Aclose);
    check(H5Awrite(attr, H5T_NATIVE_DOUBLE, &value), file, "write attribute " + name);
}

bool readStringAttribute(hid_t object, const std::string& name, std::string& value) {
    if (H5Aexists(object, name.c_str()) <= 0) return false;
    Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
    if (attr.get() < 0) return false;
    Handle fileType(H5Aget_type(attr), H5Tclose);
    if (H5Tget_class(fileType) != H5T_STRING) return false;
    Handle space(H5Aget_space(attr), H5Sclose);
    if (H5Sget_simple_extent_npoints(space) != 1) return false;
    if (H5Tis_variable_str(fileType) > 0) {
        Handle type = variableStringType();
        char* data = nullptr;
        if (H5Aread(attr, type, &data) < 0) return false;
        value = data ? data : "";
        H5free_memory(data);
        return true;
    }
    const std::size_t size = H5Tget_size(fileType);
    std::string buffer(size, '\0');
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type, size);
    if (H5Aread(attr, type, buffer.data()) < 0) return false;
    value = buffer.substr(0, buffer.find('\0'));
    return true;
}

bool readInt64Attribute(hid_t object, const std::string& name, std::int64_t& value) {
    if (H5Aexists(object, name.c_str()) <= 0) return false;
    Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
    if (attr.get() < 0) return false;
    Handle fileType(H5Aget_type(attr), H5Tclose);
    if (H5Tget_class(fileType) != H5T_INTEGER) return false;
    Handle space(H5Aget_space(attr), H5Sclose);
    if (H5Sget_simple_extent_npoints(space) != 1) return false;
    return H5Aread(attr, H5T_NATIVE_INT64, &value) >= 0;
}

Handle writeStringVector(hid_t parent, const std::string& name, const std::vector<std::string>& values, const std::string& file) {
    Handle type = variableStringType();
    const hsize_t n = values.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Handle set(check(H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), file, "create " + name), H5Dclose);
    std::vector<const char*> pointers;
    for (const auto& v : values) pointers.push_back(v.c_str());
    if (n > 0) check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()), file, "write " + name);
    return set;
}

void writeStringScalar(hid_t parent, const std::string& name, const std::string& value, const std::string& file) {
    Handle type = variableStringType();
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle set(check(H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), file, "create " + name), H5Dclose);
    const char* data = value.c_str();
    check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &data), file, "write " + name);
}

std::vector<std::string> readStringVector(hid_t parent, const std::string& name, const std::string& file) {
    Handle set(check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), file, "open " + name), H5Dclose);
    Handle fileType(H5Dget_type(set), H5Tclose);
    if (H5Tget_class(fileType) != H5T_STRING || H5Tis_variable_str(fileType) <= 0)
        throw IoError(file + ": " + name + " is not a dataset of variable-length strings");
    Handle space(H5Dget_space(set), H5Sclose);
    if (H5Sget_simple_extent_ndims(space) != 1) throw IoError(file + ": " + name + " is not one-dimensional");
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    if (n > kMaxNames) throw IoError(file + ": " + name + " declares " + std::to_string(n) + " entries, more than egress writes");
    std::vector<char*> data(n, nullptr);
    Handle type = variableStringType();
    if (n > 0) check(H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), file, "read " + name);
    std::vector<std::string> out;
    for (char* s : data) out.emplace_back(s ? s : "");
    if (n > 0) H5Dvlen_reclaim(type, space, H5P_DEFAULT, data.data());
    return out;
}

}  // namespace egress::h5
