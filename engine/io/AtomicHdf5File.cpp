#include "io/AtomicHdf5File.hpp"

#include <unistd.h>

#include <filesystem>
#include <string_view>

#include "core/Error.hpp"
#include "io/ResultSchema.hpp"
#include "io/SchemaHdf5.hpp"

namespace egress {

namespace fs = std::filesystem;

// One attribute marks both kinds of file complete.
static_assert(std::string_view(schema::kCompleteAttribute.name) == schema::sweep::kCompleteAttribute.name);

AtomicHdf5File::AtomicHdf5File(std::string path, const std::string& kind) : path_(std::move(path)) {
    h5::silenceLibraryErrors();
    const fs::path target(path_);
    if (target.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(target.parent_path(), ec);
        if (ec) throw IoError(path_ + ": cannot create directory '" + target.parent_path().string() + "': " + ec.message());
    }
    temporaryPath_ = path_ + ".partial-" + std::to_string(::getpid());
    file_ = h5::Handle(H5Fcreate(temporaryPath_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (file_.get() < 0) throw IoError(path_ + ": cannot create the " + kind + " (is the directory writable?)");
    h5::writeInt64Attribute(file_, schema::kCompleteAttribute, 0, path_);
}

void AtomicHdf5File::close() {
    h5::silenceLibraryErrors();
    if (H5Fclose(file_.release()) < 0) throw IoError(path_ + ": HDF5 failed to close the file (disk full?)");
}

void AtomicHdf5File::commit() {
    h5::silenceLibraryErrors();
    h5::writeInt64Attribute(file_, schema::kCompleteAttribute, 1, path_);
    h5::check(H5Fflush(file_, H5F_SCOPE_GLOBAL), path_, "flush the file (disk full?)");
    close();
    std::error_code ec;
    fs::rename(temporaryPath_, path_, ec);
    if (ec) throw IoError(path_ + ": cannot move the finished file into place: " + ec.message());
    placed_ = true;
}

std::string AtomicHdf5File::keepInterrupted() {
    close();
    const std::string kept = path_ + ".interrupted";
    std::error_code ec;
    fs::rename(temporaryPath_, kept, ec);
    if (ec) throw IoError(kept + ": cannot move the interrupted file into place: " + ec.message());
    placed_ = true;
    return kept;
}

AtomicHdf5File::~AtomicHdf5File() {
    if (placed_) return;
    file_.reset();
    std::error_code ec;
    fs::remove(temporaryPath_, ec);
}

}  // namespace egress
