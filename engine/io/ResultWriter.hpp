#pragma once
// Writes a run to HDF5 as it goes (contract section 4). Each replicate reports to its own sink
// (openReplicate), which may run on any thread: samples go to the file a chunk at a time, at
// their fixed place, so memory does not grow with the number of replicates or the length of the
// run; the event log is appended in replicate order, so the file does not depend on which thread
// finished first. The file is created under a temporary name beside the target and renamed only
// by commit(); a writer destroyed without commit() removes its temporary file, so no half-written
// file ever carries the final name.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "core/Observer.hpp"
#include "io/Hdf5.hpp"
#include "io/RunConfig.hpp"

namespace egress {

struct RunProvenance {
    std::string command;         ///< the command line, as typed
    std::string egressVersion;
    std::string algorithm;       ///< what the method ran: stepper, SSA variant, ...
};

class ResultWriter {
public:
    ResultWriter(std::string path, const RunConfig& config, const RunProvenance& provenance);
    ~ResultWriter();

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
    bool writesEventLog() const { return writeEvents_; }
    /// Bytes of event log appended so far.
    std::size_t eventLogBytes() const { return eventsWritten_ * eventRowBytes(); }

    /// Membrane areas over the finished replicates, per compartment: how many replicates had a
    /// negative area at some sample, and the lowest area of any (um^2). Written as attributes of
    /// /membrane_area by commit() and keepInterrupted(). Call after the ensemble has finished.
    const std::vector<std::int64_t>& negativeAreaReplicates() const { return negativeAreaReplicates_; }
    const std::vector<double>& lowestArea() const { return lowestArea_; }


    struct SampleBlock {
        std::size_t start = 0;  ///< first time index
        std::size_t rows = 0;
        std::vector<double> amounts, budded, fused, inTransit, cargo, area;
        void clear();
    };
    struct EventRows {
        std::vector<std::int64_t> replicate, route, vesicle;
        std::vector<double> time, load;
        std::vector<std::int8_t> kind;
        std::size_t size() const { return time.size(); }
        /// Memory the buffers hold (their capacity, up to twice their size): what the queue limit counts.
        std::size_t bytesHeld() const;
        void clear();
    };

private:
    class Sink;
    friend class Sink;
    void writeSamples(std::size_t replicate, const SampleBlock& block);
    /// A whole replicate's samples, held until its batch of replicatesPerChunk_ neighbours is
    /// complete and then written with one call per dataset (per-call cost dominates small runs).
    void stageReplicate(std::size_t replicate, SampleBlock&& block);
    void writeBatch(std::size_t firstOffset, const std::vector<SampleBlock>& blocks);
    void finishReplicate(std::size_t replicate, EventRows&& events, const std::vector<double>& parameters,
                         bool parametersDrawn, const std::vector<double>& lowestArea);
    /// The negative-area summary as attributes of /membrane_area.
    void writeAreaSummary();
    void appendEvents(const EventRows& rows);
    /// Writes pendingChunk_ (padded to a whole chunk) at pendingChunkFirstRow_; uncompressed logs only.
    void writePendingEventChunk();
    /// The event log is appended by a thread of its own, so that workers hand over their events
    /// and go on simulating; they wait only when kMaxQueuedEventBytes are already queued.
    void eventWriterLoop();
    void stopEventWriter();
    /// Bytes one event takes in memory: replicate, route, vesicle, time, kind, a load per cargo species.
    std::size_t eventRowBytes() const { return 4 * 8 + 1 + cargoSpecies_.size() * 8; }
    /// Writes /events' `count` and the length in the `event` dimension's name (netCDF reads it).
    void finishEventLog();
    /// The HDF5 lock, for a simulating thread: the time it waits for it is counted.
    std::unique_lock<std::mutex> lockFileForWorker();
    void countWorkerWait(std::chrono::steady_clock::time_point since);
    h5::Handle createTrajectory(hid_t parent, const std::string& name, hid_t fileType, std::size_t width,
                                const std::vector<hid_t>& scales);

    std::string path_;
    std::string temporaryPath_;
    std::size_t firstReplicate_ = 0;
    std::size_t replicates_ = 0;
    std::size_t samples_ = 0;
    std::size_t species_ = 0;
    std::size_t routes_ = 0;
    std::size_t compartments_ = 0;
    std::size_t parameters_ = 0;
    std::vector<std::size_t> cargoSpecies_;  ///< species delivered by some route, in species order
    std::size_t chunkRows_ = 1;
    std::size_t replicatesPerChunk_ = 1;
    int compression_ = 0;
    bool committed_ = false;
    bool writeEvents_ = false;
    bool writeCellParameters_ = false;

    std::mutex stagingMutex_;  ///< guards staged_
    std::map<std::size_t, SampleBlock> staged_;  ///< by replicate offset
    std::mutex mutex_;  ///< guards everything below and every HDF5 call (the library is not thread-safe)
    h5::Handle file_;
    h5::Handle amounts_, budded_, fused_, inTransit_, cargoInTransit_, membraneArea_, cellParameters_;
    h5::Handle eventGroup_;
    /// The /events datasets stay open for the whole run: reopened for each append, they lost their
    /// chunk caches, and every partly filled chunk was read back from the file and written again.
    struct EventColumns {
        h5::Handle index, replicate, time, route, kind, vesicle, load;
    };
    EventColumns eventColumns_;
    /// One column of a block of event rows, with the dataset it goes to.
    struct EventColumnData {
        const h5::Handle* set;
        const char* name;
        hid_t memType;
        const void* data;
        std::size_t bytesPerRow;
        hsize_t width;  ///< 0 for a 1-D column
    };
    std::vector<EventColumnData> eventColumnData(const EventRows& rows) const;
    EventRows pendingChunk_;             ///< rows of the event chunk being filled (uncompressed logs)
    std::size_t pendingChunkFirstRow_ = 0;
    std::size_t eventsWritten_ = 0;
    std::size_t finished_ = 0;
    std::vector<std::int8_t> replicateFinished_;  ///< by replicate offset
    std::vector<std::int64_t> negativeAreaReplicates_;  ///< per compartment, finished replicates
    std::vector<double> lowestArea_;                    ///< per compartment, um^2

    std::mutex eventMutex_;  ///< guards the members below (never held during HDF5 calls)
    std::condition_variable eventReady_, eventSpace_;
    std::size_t nextEventReplicate_ = 0;             ///< the replicate whose events are appended next
    std::map<std::size_t, EventRows> waitingEvents_; ///< finished replicates waiting for their turn
    std::size_t queuedEventBytes_ = 0;
    bool stopEvents_ = false;
    std::exception_ptr eventFailure_;
    /// Emptied event buffers for new sinks: growing fresh vectors for every replicate (reallocations,
    /// first-touch page faults) cost the workers more than buffering the events themselves.
    std::vector<EventRows> spareEventRows_;
    static constexpr std::size_t kSpareEventRows = 8;
    /// Larger buffers go back to the allocator: a spare counts against the queue's limit in
    /// whatever replicate reuses it.
    static constexpr std::size_t kMaxSpareEventBytes = std::size_t{4} << 20;
    EventRows takeSpareEventRows();
    /// Called by a sink dropped before its replicate finished.
    void abandonEventTurn();
    bool turnAbandoned_ = false;  ///< some replicate will never hand in its events (guarded by eventMutex_)
    std::thread eventThread_;
    std::atomic<std::int64_t> workerWaitNanoseconds_{0};
    /// Enough for replicates that finish out of order (about 90 of the default model's logs); when
    /// the writer falls behind, a longer queue only raises the peak memory, not the speed
    /// (bench/README.md, Memory and History).
    static constexpr std::size_t kMaxQueuedEventBytes = std::size_t{64} << 20;
};

}  // namespace egress
