#include "driver/RunDriver.hpp"

#include <signal.h>

#include <chrono>

#include "core/Interrupt.hpp"
#include "io/ResultWriter.hpp"
#include "solvers/Simulator.hpp"

namespace egress {

RunOutcome runToFile(const RunConfig& config, const RunJob& job, const ProgressCallback& progress, const StopRequested& stop) {
    RunOutcome outcome;
    const auto started = std::chrono::steady_clock::now();
    const auto simulator = makeSimulator(config.model, config.simulation);
    outcome.algorithm = simulator->algorithm();
    outcome.threads = resolveThreads(job.threads);
    ResultWriter writer(job.output, config, RunProvenance{job.command, job.egressVersion, outcome.algorithm});
    EnsembleOptions options;
    options.first = config.simulation.first_replicate;
    options.count = config.simulation.replicates;
    options.threads = job.threads;
    options.seed = config.simulation.seed;
    outcome.progress = runEnsemble(
        config.model, *simulator, options, [&](std::size_t r) { return writer.openReplicate(r); }, progress, stop);
    if (outcome.progress.done < outcome.progress.total) {
        const int signal = stopSignal().load();
        outcome.interrupted = true;
        outcome.interruptedBy = signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : "stop request";
        outcome.path = writer.keepInterrupted(outcome.interruptedBy);
    } else {
        writer.commit();
        outcome.path = job.output;
    }
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    outcome.workersWaitedSeconds = writer.workersWaitedSeconds();
    outcome.eventLog = writer.writesEventLog();
    outcome.eventLogBytes = writer.eventLogBytes();
    outcome.negativeAreaReplicates = writer.negativeAreaReplicates();
    outcome.lowestArea = writer.lowestArea();
    return outcome;
}

}  // namespace egress
