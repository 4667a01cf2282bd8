#include "io/EventQueue.hpp"

namespace egress {

EventQueue::EventQueue(std::size_t firstReplicate, Consumer consume)
    : consume_(std::move(consume)), next_(firstReplicate), thread_([this] { run(); }) {}

EventQueue::~EventQueue() { stop(); }

std::chrono::nanoseconds EventQueue::push(std::size_t replicate, EventRows&& rows) {
    const std::size_t bytes = rows.bytesHeld();
    std::chrono::nanoseconds waited{0};
    std::unique_lock<std::mutex> lock(mutex_);
    const auto mayQueue = [&] {
        return failure_ || turnAbandoned_ || queuedBytes_ + bytes <= kMaxQueuedBytes || replicate == next_;
    };
    if (!mayQueue()) {
        const auto start = std::chrono::steady_clock::now();
        space_.wait(lock, mayQueue);
        waited = std::chrono::steady_clock::now() - start;
    }
    if (failure_) std::rethrow_exception(failure_);
    queuedBytes_ += bytes;
    waiting_.emplace(replicate, std::move(rows));
    ready_.notify_one();
    return waited;
}

void EventQueue::run() {
    for (;;) {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return stopping_ || waiting_.count(next_) > 0; });
        auto next = waiting_.find(next_);
        if (next == waiting_.end()) return;  // stopped, and nothing more in order
        EventRows rows = std::move(next->second);
        waiting_.erase(next);
        lock.unlock();
        try {
            consume_(rows);
        } catch (...) {
            lock.lock();
            failure_ = std::current_exception();
            space_.notify_all();
            return;
        }
        lock.lock();
        ++next_;
        queuedBytes_ -= rows.bytesHeld();
        // Buffers that already grew and whose pages are mapped, for the next replicates' sinks.
        if (spares_.size() < kSpares && rows.bytesHeld() <= kMaxSpareBytes) {
            rows.clear();
            spares_.push_back(std::move(rows));
        }
        space_.notify_all();
    }
}

EventRows EventQueue::takeSpare() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (spares_.empty()) return EventRows();
    EventRows rows = std::move(spares_.back());
    spares_.pop_back();
    return rows;
}

void EventQueue::abandonTurn() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        turnAbandoned_ = true;
    }
    space_.notify_all();
}

void EventQueue::stop() {
    if (!thread_.joinable()) return;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    thread_.join();
}

std::map<std::size_t, EventRows> EventQueue::takeWaiting() {
    std::map<std::size_t, EventRows> out;
    out.swap(waiting_);
    return out;
}

}  // namespace egress
