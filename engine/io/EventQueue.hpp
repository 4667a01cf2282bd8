#pragma once
// The vesicle event logs of finished replicates on their way to the file. Replicates hand their
// logs in in whatever order they finish; a thread of the queue's own passes them to the consumer
// (the event log writer) in replicate order, so the file does not depend on which thread finished
// first. Workers hand their events over and go on simulating: they wait only while
// kMaxQueuedBytes are already queued, and never when their replicate is the next in line, so a
// full queue cannot wait on itself. A replicate that will never hand in its log (abandonTurn)
// releases every waiting worker. A failure of the consumer stops the queue and is rethrown to the
// workers that hand in afterwards.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "io/EventRows.hpp"

namespace egress {

class EventQueue {
public:
    /// Called on the queue's thread, one replicate's log at a time, in replicate order.
    using Consumer = std::function<void(const EventRows&)>;

    /// Starts the thread; `firstReplicate` is the first replicate expected.
    EventQueue(std::size_t firstReplicate, Consumer consume);
    /// stop()
    ~EventQueue();
    EventQueue(const EventQueue&) = delete;
    EventQueue& operator=(const EventQueue&) = delete;

    /// Hands in one replicate's log (thread-safe). Returns how long the caller waited for room;
    /// rethrows the consumer's failure.
    std::chrono::nanoseconds push(std::size_t replicate, EventRows&& rows);
    /// An emptied buffer of an earlier replicate, or an empty one (thread-safe): growing fresh
    /// vectors for every replicate (reallocations, first-touch page faults) costs the workers more
    /// than buffering the events themselves.
    EventRows takeSpare();
    /// A replicate dropped before it finished: its turn never comes, so nobody waits for it.
    void abandonTurn();
    /// Lets the thread consume every log that is in order, then stops it. Idempotent.
    void stop();

    /// After stop(): the consumer's failure, or null.
    std::exception_ptr failure() const { return failure_; }
    /// After stop(): whether logs are left that never came up (a replicate before them did not finish).
    bool hasWaiting() const { return !waiting_.empty(); }
    /// After stop(): those logs, by replicate; the queue keeps none.
    std::map<std::size_t, EventRows> takeWaiting();

    /// Enough for replicates that finish out of order (about 90 of the default model's logs); when
    /// the writer falls behind, a longer queue only raises the peak memory, not the speed
    /// (bench/README.md, Memory and History).
    static constexpr std::size_t kMaxQueuedBytes = std::size_t{64} << 20;

private:
    void run();

    Consumer consume_;
    std::mutex mutex_;  ///< guards the members below
    std::condition_variable ready_, space_;
    std::size_t next_;                          ///< the replicate whose log is consumed next
    std::map<std::size_t, EventRows> waiting_;  ///< handed in, waiting for their turn
    std::size_t queuedBytes_ = 0;
    bool stopping_ = false;
    bool turnAbandoned_ = false;  ///< some replicate will never hand in its log
    std::exception_ptr failure_;
    std::vector<EventRows> spares_;
    static constexpr std::size_t kSpares = 8;
    /// Larger buffers go back to the allocator: a spare counts against the queue's limit in
    /// whatever replicate reuses it.
    static constexpr std::size_t kMaxSpareBytes = std::size_t{4} << 20;
    std::thread thread_;  ///< last: started once everything above is in place
};

}  // namespace egress
