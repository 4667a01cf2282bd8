// libFuzzer target: the bytes are a result file. readResultSummary must either succeed or throw
// egress::Error; anything else -- another exception type, a crash, undefined behaviour, a leak,
// a hang, or an HDF5 object left open after it returns -- is a bug. Crashes whose stack lies only
// in H5* functions belong to the HDF5 library (fuzz/known-hdf5-crashes/).
#include <hdf5.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

#include "core/Error.hpp"
#include "io/ResultReader.hpp"

namespace {

/// One path per process, reused for every input; removed at exit.
const std::string& scratchPath() {
    static const std::string path = [] {
        const char* dir = std::getenv("TMPDIR");
        std::string p = std::string(dir && *dir ? dir : "/tmp") + "/egress-fuzz-result-" + std::to_string(getpid()) + ".h5";
        std::atexit([] { std::remove(scratchPath().c_str()); });
        return p;
    }();
    return path;
}

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "\n==== egress fuzz_result_reader: %s\n", what.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = scratchPath();
    // Write beside the path and rename over it: every input is a new file (a new inode), so
    // nothing HDF5 might still hold from the previous input can alias it.
    const std::string partial = path + ".partial";
    std::FILE* out = std::fopen(partial.c_str(), "wb");
    if (!out) fail("cannot create " + partial);
    if (size > 0 && std::fwrite(data, 1, size, out) != size) fail("cannot write " + partial);
    if (std::fclose(out) != 0 || std::rename(partial.c_str(), path.c_str()) != 0) fail("cannot write " + path);

    try {
        const egress::ResultSummary summary = egress::readResultSummary(path);
        (void)summary;
    } catch (const egress::Error&) {
        // the expected outcome for a file that is not a (complete, undamaged) egress result
    } catch (const std::exception& e) {
        fail(std::string("readResultSummary threw ") + typeid(e).name() + " (not egress::Error): " + e.what());
    }
    const ssize_t open = H5Fget_obj_count(static_cast<hid_t>(H5F_OBJ_ALL), H5F_OBJ_ALL);
    if (open != 0) fail("readResultSummary left " + std::to_string(open) + " HDF5 object(s) open");
    return 0;
}
