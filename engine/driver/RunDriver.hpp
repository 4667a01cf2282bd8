#pragma once
// One run, config in, result file out: the simulator of the configured method, the ensemble on
// OpenMP threads, and the HDF5 writer, with progress and stop as injected callbacks. `egress run`
// calls it; so can any program or test that links the library (no printing here).
#include <cstdint>
#include <string>
#include <vector>

#include "io/RunConfig.hpp"
#include "solvers/Ensemble.hpp"

namespace egress {

struct RunJob {
    std::string output;         ///< the result file
    int threads = 0;            ///< 0: all cores
    std::string command;        ///< provenance, written to the file
    std::string egressVersion;
};

struct RunOutcome {
    std::string path;               ///< the complete result; PATH.interrupted when stopped
    bool interrupted = false;
    std::string interruptedBy;      ///< "SIGINT", "SIGTERM" or "stop request"
    EnsembleProgress progress;
    std::string algorithm;          ///< what the method ran (stepper, SSA variant)
    int threads = 1;
    double seconds = 0.0;           ///< wall time of simulating and writing
    double workersWaitedSeconds = 0.0;  ///< threads' time blocked on the writer (ResultWriter)
    bool eventLog = false;
    std::size_t eventLogBytes = 0;
    std::vector<std::int64_t> negativeAreaReplicates;  ///< per compartment (ResultWriter)
    std::vector<double> lowestArea;                    ///< per compartment, um^2
};

/// Runs `config` into `job.output`. A stop (a signal, or `stop` returning true) keeps the finished
/// replicates in PATH.interrupted, marked incomplete, and returns with `interrupted` set; an
/// error leaves no file behind and propagates.
RunOutcome runToFile(const RunConfig& config, const RunJob& job, const ProgressCallback& progress = {},
                     const StopRequested& stop = {});

}  // namespace egress
