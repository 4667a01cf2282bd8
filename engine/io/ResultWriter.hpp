#pragma once
// Writes a run to HDF5 as it goes (contract section 4; docs/file-format.md). Each replicate
// reports to its own sink (openReplicate, ReplicateSink), which may run on any thread: samples go
// to the file a chunk at a time, at their fixed place (ResultLayout), so memory does not grow with
// the number of replicates or the length of the run; the vesicle event log goes through an
// ordered queue (EventQueue) to its writer (EventLogWriter) in replicate order, so the file does
// not depend on which thread finished first. The file is an AtomicHdf5File: it gets its name only
// from commit(), and a writer destroyed without commit() or keepInterrupted() removes it, so no
// half-written file ever carries the final name. This class holds them together: the file's lock,
// the batches of short runs, which replicates finished, and how low their membrane areas went.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/Observer.hpp"
#include "io/AtomicHdf5File.hpp"
#include "io/EventLogWriter.hpp"
#include "io/EventQueue.hpp"
#include "io/ResultLayout.hpp"
#include "io/RunConfig.hpp"
#include "io/RunProvenance.hpp"

namespace egress {

class ResultWriter {
public:
    ResultWriter(std::string path, const RunConfig& config, const RunProvenance& provenance);
    ~ResultWriter();
    ResultWriter(const ResultWriter&) = delete;
    ResultWriter& operator=(const ResultWriter&) = delete;

    /// The observer for one replicate (index in [first_replicate, first_replicate + replicates)).
    /// Thread-safe; the sink must be used by one thread at a time and finish with replicateFinished.
    std::unique_ptr<TrajectoryObserver> openReplicate(std::size_t replicate);

    /// Check that every replicate finished, mark complete, close, and move to the final name.
    void commit();

    /// After a stop request: keep the finished replicates in a file that says it is not complete
    /// (`complete` = 0, `interrupted`, `/replicate_finished`), named PATH.interrupted. Returns that name.
    std::string keepInterrupted(const std::string& reason);

    /// Seconds the simulating threads spent blocked on this writer, summed over threads: waiting
    /// for the file (another thread writing) or for room in the event queue. Near 0 when the
    /// writer keeps up; a large share of threads x wall time means the output limits the run.
    double workersWaitedSeconds() const;
    bool writesEventLog() const { return eventLog_ != nullptr; }
    /// Bytes of event log appended so far.
    std::size_t eventLogBytes() const { return eventLog_ ? eventLog_->rowsWritten() * eventLog_->rowBytes() : 0; }

    /// Membrane areas over the finished replicates, per compartment: how many replicates had a
    /// negative area at some sample, and the lowest area of any (um^2). Written as attributes of
    /// /membrane_area by commit() and keepInterrupted(). Call after the ensemble has finished.
    const std::vector<std::int64_t>& negativeAreaReplicates() const { return negativeAreaReplicates_; }
    const std::vector<double>& lowestArea() const { return lowestArea_; }

private:
    friend class ReplicateSink;
    const std::string& path() const { return file_.path(); }
    const std::vector<std::size_t>& cargoSpecies() const;
    void writeSamples(std::size_t replicate, const SampleBlock& block);
    /// A whole replicate's samples, held until its batch of replicatesPerChunk() neighbours is
    /// complete and then written with one call per dataset (per-call cost dominates small runs).
    void stageReplicate(std::size_t replicate, SampleBlock&& block);
    void writeBatch(std::size_t firstOffset, const std::vector<SampleBlock>& blocks);
    /// `lowestArea`: the replicate's lowest membrane area per compartment, over its samples.
    void finishReplicate(std::size_t replicate, EventRows&& events, const std::vector<double>& parameters,
                         bool parametersDrawn, const std::vector<double>& lowestArea);
    /// The HDF5 lock, for a simulating thread: the time it waits for it is counted.
    std::unique_lock<std::mutex> lockFileForWorker();
    void countWorkerWait(std::chrono::nanoseconds waited);

    // Declared in the order they are built; destroyed the other way round, the queue's thread first.
    AtomicHdf5File file_;
    std::mutex mutex_;  ///< guards everything below and every HDF5 call (the library is not thread-safe)
    ResultLayout layout_;
    std::unique_ptr<EventLogWriter> eventLog_;  ///< null without an event log
    std::size_t finished_ = 0;
    std::vector<std::int8_t> replicateFinished_;  ///< by replicate offset
    std::vector<std::int64_t> negativeAreaReplicates_;  ///< per compartment, finished replicates
    std::vector<double> lowestArea_;                    ///< per compartment, um^2

    std::mutex stagingMutex_;  ///< guards staged_
    std::map<std::size_t, SampleBlock> staged_;  ///< by replicate offset
    /// Replicates staged per batch (by its first offset): whether a batch is complete is one
    /// look-up, not one per member (a scan of a 300-replicate batch per replicate was most of
    /// the writer's time on short runs).
    std::map<std::size_t, std::size_t> stagedPerBatch_;
    std::atomic<std::int64_t> workerWaitNanoseconds_{0};
    std::unique_ptr<EventQueue> eventQueue_;  ///< consumes into eventLog_ under mutex_; null without an event log
};

}  // namespace egress
