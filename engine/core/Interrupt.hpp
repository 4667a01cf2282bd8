#pragma once
// A request to stop, set from a signal handler (SIGINT, SIGTERM) and polled by the methods and
// the ensemble. Lock-free and async-signal-safe: a plain atomic flag.
#include <atomic>

#include "core/Error.hpp"

namespace egress {

/// Thrown by a method that noticed a stop request in the middle of a replicate.
class Interrupted : public Error {
public:
    Interrupted() : Error("interrupted") {}
};

inline std::atomic<int>& stopSignal() {
    static std::atomic<int> signal{0};
    return signal;
}

/// Record a stop request (the signal number, or any non-zero value).
inline void requestStop(int signal) { stopSignal().store(signal, std::memory_order_relaxed); }
inline bool stopRequested() { return stopSignal().load(std::memory_order_relaxed) != 0; }
inline void throwIfStopRequested() {
    if (stopRequested()) throw Interrupted();
}

}  // namespace egress
