#include "solvers/Ensemble.hpp"

#include <omp.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include "core/Interrupt.hpp"
#include "core/Variability.hpp"

namespace egress {

int resolveThreads(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

EnsembleProgress runEnsemble(const Model& model, const Simulator& simulator, const EnsembleOptions& options,
                             const ObserverFactory& observers, const ProgressCallback& progress,
                             const StopRequested& stop) {
    const int threads = resolveThreads(options.threads);
    const auto count = static_cast<std::int64_t>(options.count);
    // Replicates that may run ahead of the oldest unfinished one: enough that no thread waits on
    // a slow replicate, few enough that the writer's reorder buffer stays small.
    constexpr std::size_t kWindowPerThread = 4, kWindowSlack = 16;
    const std::size_t window = kWindowPerThread * static_cast<std::size_t>(threads) + kWindowSlack;

    std::mutex mutex;  // guards everything below
    EnsembleProgress state;
    state.total = options.count;
    std::set<std::size_t> running;  // replicate offsets started and not finished
    std::size_t started = 0;
    std::exception_ptr failure;
    std::atomic<bool> abort{false};

    auto oldestUnfinished = [&] { return running.empty() ? started : *running.begin(); };

#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::int64_t i = 0; i < count; ++i) {
        const auto offset = static_cast<std::size_t>(i);
        // Hold back while a much older replicate is still running (bounded reorder buffer).
        for (;;) {
            if (abort.load()) break;
            {
                std::lock_guard<std::mutex> lock(mutex);
                if (offset < oldestUnfinished() + window) {
                    running.insert(offset);
                    started = std::max(started, offset + 1);
                    break;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (abort.load()) continue;
        try {
            if (stopRequested() || (stop && stop())) {
                abort = true;
            } else {
                const std::size_t replicate = options.first + offset;
                auto observer = observers(replicate);
                const auto parameters = drawCellParameters(model, options.seed, replicate);
                observer->parametersDrawn(replicate, parameters);
                const std::uint64_t work = simulator.run(replicate, parameters, *observer);
                std::lock_guard<std::mutex> lock(mutex);
                ++state.done;
                state.work += work;
                if (progress) progress(state);
            }
        } catch (const Interrupted&) {
            abort = true;  // a stop request: what finished is kept, the caller decides
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex);
            if (!failure) failure = std::current_exception();
            abort = true;
        }
        std::lock_guard<std::mutex> lock(mutex);
        running.erase(offset);
    }
    if (failure) std::rethrow_exception(failure);
    return state;
}

}  // namespace egress
