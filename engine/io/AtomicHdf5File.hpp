#pragma once
// An HDF5 file that carries its final name only once it is whole. It is created as
// PATH.partial-PID beside PATH (creating PATH's directory if needed), with the root attribute
// `complete` = 0. commit() sets `complete` = 1 as the last write, closes the file and renames it
// to PATH; keepInterrupted() closes it as it is (`complete` stays 0) and renames it to
// PATH.interrupted. Destroyed before either, it closes and removes the temporary file: no
// half-written file ever carries a name that a reader trusts. Run results (ResultWriter) and sweep
// files (SweepFileWriter) are written through it.
#include <string>

#include "io/Hdf5.hpp"

namespace egress {

class AtomicHdf5File {
public:
    /// `kind` names the file in errors ("result file", "sweep file"). Throws IoError.
    AtomicHdf5File(std::string path, const std::string& kind);
    ~AtomicHdf5File();
    AtomicHdf5File(const AtomicHdf5File&) = delete;
    AtomicHdf5File& operator=(const AtomicHdf5File&) = delete;

    /// The open file (the temporary one), for creating groups, datasets and attributes.
    hid_t id() const { return file_.get(); }
    const std::string& path() const { return path_; }

    /// Marks the file complete, closes it and moves it to path(). Close every handle into the
    /// file first: HDF5 closes a file only with its last open object.
    void commit();
    /// Closes the file, still marked incomplete, and moves it to path() + ".interrupted", which
    /// it returns. Close every handle into the file first.
    std::string keepInterrupted();

private:
    void close();
    std::string path_, temporaryPath_;
    h5::Handle file_;
    bool placed_ = false;  ///< renamed to its final name: nothing to remove
};

}  // namespace egress
