#pragma once
// Thin RAII over the HDF5 C API, shared by the result writer and reader. Every failing call
// becomes an IoError naming the file and what was being done.
#include <hdf5.h>

#include <string>
#include <vector>

namespace egress::h5 {

class Handle {
public:
    using Closer = herr_t (*)(hid_t);
    Handle() = default;
    Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = -1; }
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = o.id_;
            closer_ = o.closer_;
            o.id_ = -1;
        }
        return *this;
    }
    ~Handle() { reset(); }
    void reset() {
        if (id_ >= 0 && closer_) closer_(id_);
        id_ = -1;
    }
    hid_t get() const { return id_; }
    operator hid_t() const { return id_; }
    /// Gives up the id without closing it (the caller closes it and checks the result).
    hid_t release() {
        const hid_t id = id_;
        id_ = -1;
        return id;
    }

private:
    hid_t id_ = -1;
    Closer closer_ = nullptr;
};

/// Turns off HDF5's own printing of error stacks (in the calling thread): egress reports errors itself.
void silenceLibraryErrors();

/// Keeps HDF5 from closing files in an atexit handler. egress closes every file itself; after a
/// failed write (disk full), HDF 1.10.8's exit-time close of the broken file crashes. Call first.
void disableExitCleanup();

/// Throws IoError("<file>: <what>") when `status` < 0; returns it otherwise.
hid_t check(hid_t status, const std::string& file, const std::string& what);

Handle variableStringType();

void writeStringAttribute(hid_t object, const std::string& name, const std::string& value, const std::string& file);
void writeInt64Attribute(hid_t object, const std::string& name, std::int64_t value, const std::string& file);
void writeDoubleAttribute(hid_t object, const std::string& name, double value, const std::string& file);

/// Returns false when the attribute does not exist.
bool readStringAttribute(hid_t object, const std::string& name, std::string& value);
bool readInt64Attribute(hid_t object, const std::string& name, std::int64_t& value);

/// A 1-D dataset of variable-length UTF-8 strings.
Handle writeStringVector(hid_t parent, const std::string& name, const std::vector<std::string>& values, const std::string& file);
/// A scalar variable-length UTF-8 string dataset.
void writeStringScalar(hid_t parent, const std::string& name, const std::string& value, const std::string& file);
/// More names (species, routes, ...) than any egress file has: a larger extent means a damaged file.
inline constexpr std::size_t kMaxNames = 10'000'000;
std::vector<std::string> readStringVector(hid_t parent, const std::string& name, const std::string& file);

}  // namespace egress::h5
