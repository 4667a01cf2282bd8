#pragma once
// Runs the replicates of a simulation on OpenMP threads. Each replicate draws its cell
// parameters and its events from its own streams (core/RandomStream.hpp), so results do not
// depend on the thread count or on which replicates run together. Replicates are handed out one
// at a time (dynamic schedule), so uneven replicates do not leave threads idle; a thread does not
// start a replicate more than `window` ahead of the oldest unfinished one, which bounds what an
// ordered writer must hold. No exception crosses the parallel region: the first one is kept and
// rethrown after the join, and the remaining replicates are skipped.
#include <cstdint>
#include <functional>
#include <memory>

#include "core/Model.hpp"
#include "core/Observer.hpp"
#include "solvers/Simulator.hpp"

namespace egress {

struct EnsembleOptions {
    std::size_t first = 0;   ///< first replicate index
    std::size_t count = 1;   ///< number of replicates
    int threads = 0;         ///< 0: all cores (OpenMP's default)
    std::uint64_t seed = 0;  ///< keys the cell-parameter streams
};

struct EnsembleProgress {
    std::size_t done = 0;     ///< replicates finished
    std::size_t total = 0;
    std::uint64_t work = 0;   ///< events (or steps) of the finished replicates
};

using ObserverFactory = std::function<std::unique_ptr<TrajectoryObserver>(std::size_t replicate)>;
/// Called after each replicate, on the thread that finished it, one call at a time.
using ProgressCallback = std::function<void(const EnsembleProgress&)>;
/// Polled between replicates; returning true stops the ensemble (SIGINT, SIGTERM).
using StopRequested = std::function<bool()>;

/// Runs the ensemble; returns the progress at the end (done < total when stopped).
EnsembleProgress runEnsemble(const Model& model, const Simulator& simulator, const EnsembleOptions& options,
                             const ObserverFactory& observers, const ProgressCallback& progress = {},
                             const StopRequested& stop = {});

/// The number of threads `threads` resolves to (0: OpenMP's default, usually all cores).
int resolveThreads(int threads);

}  // namespace egress
