// The `egress` program: parses the command line, wires loader -> solver -> writer, and is the
// only place that prints errors and chooses exit statuses (0 ok, 1 run-time failure, 2 bad input).
#include <CLI/CLI.hpp>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "core/Error.hpp"
#include "core/Interrupt.hpp"
#include "core/NameTable.hpp"
#include "core/RandomStream.hpp"
#include "driver/RunDriver.hpp"
#include "driver/SweepRunner.hpp"
#include "io/ConfigLoader.hpp"
#include "io/Hdf5.hpp"
#include "io/PathwayGraph.hpp"
#include "io/ResultReader.hpp"
#include "io/ResultSchema.hpp"
#include "io/ResultWriter.hpp"
#include "io/Sbml.hpp"
#include "io/SweepFile.hpp"
#include "io/SweepLoader.hpp"
#include "solvers/Ensemble.hpp"
#include "solvers/Simulator.hpp"

#ifndef EGRESS_VERSION
#define EGRESS_VERSION "0.0.0"
#endif

namespace {

using namespace egress;

/// Exit status of a run stopped by a signal: 128 + the signal's number, as shells report it.
int signalExitStatus(int signal) { return 128 + (signal ? signal : SIGINT); }

struct RunOptions {
    std::string params;
    std::string output;
    std::string method;
    std::optional<std::int64_t> replicates;
    std::optional<std::int64_t> seed;
    std::optional<std::int64_t> firstReplicate;
    int threads = 0;
    std::vector<std::string> overrides;
    std::vector<std::string> scenarios;
    bool quiet = false;
    bool events = false, noEvents = false;  ///< --events / --no-events override [output] events
};

void printWarnings(const RunConfig& config) {
    for (const auto& w : config.warnings) std::cerr << w << "\n";
}

void applyCommandLine(RunConfig& config, const RunOptions& o) {
    if (!o.method.empty()) {
        if (const auto method = methodFromName(o.method)) config.simulation.method = *method;
        else throw InputError("", 0, 0, "--method '" + o.method + "': expected " + alternatives(methodNames()));
    }
    if (o.replicates) {
        if (*o.replicates < 1) throw InputError("", 0, 0, "--replicates must be at least 1");
        config.simulation.replicates = static_cast<std::size_t>(*o.replicates);
    }
    if (o.seed) {
        if (*o.seed < 0) throw InputError("", 0, 0, "--seed must not be negative");
        config.simulation.seed = static_cast<std::uint64_t>(*o.seed);
    }
    if (o.threads < 0) throw InputError("", 0, 0, "--threads must not be negative");
    if (o.firstReplicate) {
        if (*o.firstReplicate < 0) throw InputError("", 0, 0, "--first-replicate must not be negative");
        config.simulation.first_replicate = static_cast<std::size_t>(*o.firstReplicate);
    }
    if (o.events) config.output.events = true;
    if (o.events && config.simulation.method == Method::Ode)
        config.warnings.push_back("warning: --events: the ode method has no discrete vesicle events; no event log is written");
    if (o.noEvents) config.output.events = false;
    if (config.simulation.first_replicate + config.simulation.replicates > kReplicateIndexLimit)
        throw InputError("", 0, 0, "replicate indices must stay below 2^32");
}

/// Membrane areas are the vesicle counters' bookkeeping, not a constraint: a route can take more
/// membrane from a compartment than it has. Said after every run that shows it, --quiet or not.
void warnNegativeAreas(const RunConfig& config, const RunOutcome& outcome) {
    const auto& negative = outcome.negativeAreaReplicates;
    const auto& lowest = outcome.lowestArea;
    for (std::size_t c = 0; c < negative.size() && c < config.model.compartments.size(); ++c) {
        if (negative[c] == 0) continue;
        std::fprintf(stderr,
                     "warning: membrane area of compartment '%s' went negative in %lld of %zu replicate(s), lowest %.6g um^2: "
                     "vesicles took more membrane from it than it had and received (the model does not limit budding by "
                     "membrane; /membrane_area attributes %s, %s)\n",
                     config.model.compartments[c].name.c_str(), static_cast<long long>(negative[c]),
                     config.simulation.replicates, lowest[c], schema::kNegativeAreaReplicatesAttribute.name,
                     schema::kLowestAreaAttribute.name);
    }
}

std::string defaultOutputPath(const RunConfig& config, const RunOptions& o) {
    if (!o.output.empty()) return o.output;
    if (!config.output.file.empty()) return config.output.file;
    return std::filesystem::path(config.paramsPath).stem().string() + ".h5";
}

/// A progress line on stderr (only when it is a terminal): replicates done, rate, time left.
class ProgressBar {
public:
    ProgressBar(bool enabled, const char* unit) : enabled_(enabled), unit_(unit), start_(std::chrono::steady_clock::now()) {}
    void update(const EnsembleProgress& p) {
        if (!enabled_) return;
        const auto now = std::chrono::steady_clock::now();
        if (p.done < p.total && now - lastDraw_ < kRedrawInterval) return;
        lastDraw_ = now;
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        const double fraction = p.total ? static_cast<double>(p.done) / static_cast<double>(p.total) : 1.0;
        const double left = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
        constexpr int width = 30;
        const int filled = static_cast<int>(fraction * width);
        std::fprintf(stderr, "\r[%s%s] %zu/%zu replicates, %.3g %s/s, %.0f s left   ",
                     std::string(static_cast<std::size_t>(filled), '#').c_str(),
                     std::string(static_cast<std::size_t>(width - filled), '.').c_str(), p.done, p.total,
                     elapsed > 0 ? static_cast<double>(p.work) / elapsed : 0.0, unit_, left);
        drawn_ = true;
    }
    void finish() {
        if (drawn_) std::fprintf(stderr, "\n");
    }

private:
    static constexpr std::chrono::milliseconds kRedrawInterval{100};
    bool enabled_;
    const char* unit_;
    std::chrono::steady_clock::time_point start_, lastDraw_{};
    bool drawn_ = false;
};

int commandRun(const RunOptions& o, const std::string& commandLine) {
    RunConfig config = loadRunConfig(o.params, o.overrides, o.scenarios);
    applyCommandLine(config, o);
    printWarnings(config);
    RunJob job;
    job.output = defaultOutputPath(config, o);
    job.threads = o.threads;
    job.command = commandLine;
    job.egressVersion = EGRESS_VERSION;
    const char* unit = config.simulation.method == Method::Ode ? "steps" : "events";
    ProgressBar bar(!o.quiet && ::isatty(STDERR_FILENO), unit);
    const RunOutcome outcome = runToFile(config, job, [&](const EnsembleProgress& p) { bar.update(p); });
    bar.finish();
    const EnsembleProgress& done = outcome.progress;
    if (outcome.interrupted) {
        std::fprintf(stderr,
                     "egress: interrupted by %s: %zu of %zu replicates finished; they are kept in %s, which is marked "
                     "incomplete. Rerun the same command for the full result (replicates are reproducible).\n",
                     outcome.interruptedBy.c_str(), done.done, done.total, outcome.path.c_str());
        return signalExitStatus(stopSignal().load());
    }
    warnNegativeAreas(config, outcome);

    if (!o.quiet) {
        const ResultSummary s = readResultSummary(outcome.path);
        std::printf("egress %s: model '%s', method %s (%s), %zu replicate(s), t = 0..%g s, %zu samples, %.3f s wall\n",
                    EGRESS_VERSION, config.model.name.c_str(), methodName(config.simulation.method),
                    outcome.algorithm.c_str(), s.replicates, config.simulation.t_end, s.times.size(), outcome.seconds);
        std::printf("%-24s %14s %14s%s\n", "species", "t = 0", "t = end", s.replicates > 1 ? "   (replicate 0)" : "");
        for (std::size_t i = 0; i < s.species.size(); ++i) {
            std::printf("%-24s %14.6g %14.6g\n", s.species[i].c_str(), s.initialAmounts[i], s.finalAmounts[i]);
        }
        // Say so when the output, not the simulation, set the pace: threads blocked on the writer.
        // Before the summary line, which stays the last line.
        const double waited = outcome.workersWaitedSeconds;
        const int threads = outcome.threads;
        const double seconds = outcome.seconds;
        constexpr double kWaitWorthSaying = 0.1;  // s, and share of the threads' time
        if (waited > kWaitWorthSaying && waited > kWaitWorthSaying * seconds * threads) {
            std::printf("the output limited this run: the %d thread(s) waited %.3g s in all (%.0f%%) for the file writer",
                        threads, waited, 100.0 * waited / (seconds * threads));
            if (outcome.eventLog)
                std::printf("; the vesicle event log is %.3g MB (--no-events leaves it out)", static_cast<double>(outcome.eventLogBytes) / 1e6);
            std::printf("\n");
        }
        std::printf("wrote %s: %zu replicate(s) on %d thread(s), %llu %s, %.3g %s/s\n", outcome.path.c_str(), done.done, threads,
                    static_cast<unsigned long long>(done.work), unit, seconds > 0 ? static_cast<double>(done.work) / seconds : 0.0, unit);
    }
    return 0;
}

int commandCheckSweep(const std::string& path) {
    const SweepConfig config = loadSweepConfig(path);
    for (const auto& w : config.warnings) std::cerr << w << "\n";
    checkSweepPointsForMethod(config);
    const auto& sim = config.base.simulation;
    std::printf("%s: OK (sweep %s)\n", path.c_str(), config.sweepId.c_str());
    std::printf("base: model '%s', method %s, t_end %g s, output every %g s, %zu replicate(s) per point, seed %llu\n",
                config.base.model.name.c_str(), methodName(sim.method), sim.t_end, sim.output_interval, sim.replicates,
                static_cast<unsigned long long>(sim.seed));
    std::printf("design %s%s: %zu points, %s random streams\n", sweepDesignName(config.spec.design),
                config.spec.saltelli ? " (Saltelli blocks)" : "", config.points.count,
                sweepStreamsName(config.spec.streams));
    for (std::size_t a = 0; a < config.spec.axes.size(); ++a) {
        double lo = config.points.value(0, a), hi = lo;
        for (std::size_t p = 0; p < config.points.count; ++p) {
            lo = std::min(lo, config.points.value(p, a));
            hi = std::max(hi, config.points.value(p, a));
        }
        std::printf("  axis %-28s (%s) %g .. %g\n", config.spec.axes[a].name.c_str(), axisTargetName(config.spec.axes[a].target), lo, hi);
    }
    for (const auto& m : config.metrics) std::printf("  metric %-26s %s\n", m.name.c_str(), m.definition.c_str());
    if (config.trajectories) std::printf("  trajectories kept: %zu samples per replicate\n", sim.sampleCount());
    return 0;
}

int commandCheck(const std::string& params, const std::vector<std::string>& overrides, const std::vector<std::string>& scenarios) {
    if (overrides.empty() && scenarios.empty() && isSweepFile(params)) return commandCheckSweep(params);
    const RunConfig config = loadRunConfig(params, overrides, scenarios);
    printWarnings(config);
    makeSimulator(config.model, config.simulation);  // the method's own checks (whole molecules for ssa)
    const Model& m = config.model;
    std::printf("%s: OK\n", params.c_str());
    std::printf("model '%s'%s%s\n", m.name.c_str(), config.modelPath.empty() ? " (inline)" : " from ",
                config.modelPath.c_str());
    std::printf("  %zu compartments, %zu species, %zu parameters, %zu reactions, %zu vesicle routes\n",
                m.compartments.size(), m.species.size(), m.parameters.size(), m.reactions.size(), m.routes.size());
    std::printf("  %zu perturbations, %zu events\n", m.perturbations.size(), m.events.size());
    if (!m.stateEvents.empty()) std::printf("  %zu events triggered by the state (the model's [[events]])\n", m.stateEvents.size());
    const auto& s = config.simulation;
    std::printf("simulation: method %s, t_end %g s, output every %g s (%zu samples), %zu replicate(s), seed %llu\n",
                methodName(s.method), s.t_end, s.output_interval, s.sampleCount(), s.replicates,
                static_cast<unsigned long long>(s.seed));
    return 0;
}

/// Writes `text` to `output`, or to standard output when it is empty.
void writeTextOut(const std::string& text, const std::string& output, const std::string& what) {
    if (output.empty()) {
        std::fputs(text.c_str(), stdout);
        return;
    }
    std::FILE* f = std::fopen(output.c_str(), "w");
    if (!f) throw IoError(output + ": cannot write the " + what);
    const bool ok = std::fputs(text.c_str(), f) >= 0;
    if (std::fclose(f) != 0 || !ok) throw IoError(output + ": cannot write the " + what + " (disk full?)");
}

int commandGraph(const std::string& params, const std::string& output, const std::vector<std::string>& scenarios) {
    const RunConfig config = loadRunConfig(params, {}, scenarios);
    writeTextOut(pathwayDot(config.model), output, "diagram");
    return 0;
}

int commandImport(const std::string& sbml, const std::string& output) {
    writeTextOut(importSbmlFile(sbml), output, "model file");
    return 0;
}

int commandExport(const std::string& params, const std::vector<std::string>& overrides, const std::string& output) {
    const RunConfig config = loadRunConfig(params, overrides);
    writeTextOut(exportSbml(config), output, "SBML file");
    return 0;
}

int commandInfo(const std::string& path) {
    const ResultSummary s = readResultSummary(path);
    std::printf("%s: egress result, format version %lld%s\n", path.c_str(), static_cast<long long>(s.formatVersion),
                s.complete ? "" : " -- INCOMPLETE (the run did not finish; do not use)");
    if (!s.interrupted.empty())
        std::printf("  interrupted by %s: %lld of %zu replicates finished (see /replicate_finished)\n", s.interrupted.c_str(),
                    static_cast<long long>(s.replicatesFinished), s.replicates);
    std::printf("  model '%s', method %s, seed %lld, egress %s, created %s\n", s.model.c_str(), s.method.c_str(),
                static_cast<long long>(s.seed), s.egressVersion.c_str(), s.created.c_str());
    std::printf("  command: %s\n", s.command.c_str());
    std::printf("  amounts: %zu replicates x %zu times x %zu species", s.replicates, s.times.size(), s.species.size());
    if (!s.times.empty()) std::printf(", t = %g..%g s", s.times.front(), s.times.back());
    std::printf("\n  species:");
    for (const auto& n : s.species) std::printf(" %s", n.c_str());
    std::printf("\n  vesicle routes:");
    for (const auto& n : s.routes) std::printf(" %s", n.c_str());
    std::printf("\n");
    if (s.hasEventLog && s.vesicleEvents >= 0) std::printf("  vesicle event log (/events): %lld events\n", static_cast<long long>(s.vesicleEvents));
    else if (s.hasEventLog) std::printf("  vesicle event log (/events): count not recorded\n");
    else if (const auto m = methodFromName(s.method); m && *m != Method::Ode) std::printf("  no vesicle event log (egress run --events writes one)\n");
    if (!s.complete) {
        std::cerr << path << ": error: the result is incomplete: the run that wrote it did not finish\n";
        return 1;
    }
    return 0;
}


struct SweepOptions {
    std::string sweep;
    std::string directory;
    std::optional<std::int64_t> shard, of;
    int threads = -1;  ///< -1: not given (SLURM_CPUS_PER_TASK, else all cores)
    bool quiet = false;
    std::string emitSlurm;
    std::int64_t arraySize = 0;
    std::int64_t cpusPerTask = 0;
    std::string time = "01:00:00", mem = "4G", partition, mergeOutput;
};

std::string defaultShardDirectory(const std::string& sweep) {
    return std::filesystem::path(sweep).stem().string() + ".shards";
}

/// An environment variable as a non-negative integer; nullopt when unset, InputError when malformed.
std::optional<std::int64_t> environmentInteger(const char* name) {
    const char* text = std::getenv(name);
    if (!text || !*text) return std::nullopt;
    char* end = nullptr;
    const long long v = std::strtoll(text, &end, 10);
    if (*end != '\0' || v < 0) throw InputError("", 0, 0, std::string("environment variable ") + name + "='" + text + "' is not a non-negative integer");
    return v;
}

/// The program's own path, for scripts that must call this very egress.
std::string selfPath() {
    std::error_code ec;
    const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("egress") : p.string();
}

std::string shellQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

int commandEmitSlurm(const SweepOptions& o, const std::string& commandLine) {
    const SweepConfig config = loadSweepConfig(o.sweep);
    checkSweepPointsForMethod(config);
    namespace fs = std::filesystem;
    const std::size_t points = config.points.count;
    if (o.arraySize < 0) throw InputError("", 0, 0, "--array-size must be positive");
    constexpr std::size_t kDefaultArrayTasks = 100;  // --array-size's default: min(points, this)
    const std::size_t tasks = o.arraySize > 0 ? static_cast<std::size_t>(o.arraySize) : std::min<std::size_t>(points, kDefaultArrayTasks);
    if (tasks > points)
        throw InputError("", 0, 0, "--array-size " + std::to_string(tasks) + " is more than the sweep's " + std::to_string(points) + " points");
    if (o.cpusPerTask < 0) throw InputError("", 0, 0, "--cpus-per-task must be positive");
    const std::int64_t cpus = o.cpusPerTask > 0 ? o.cpusPerTask : 1;
    for (const auto& [flag, value] : {std::pair<const char*, std::string>{"--time", o.time}, {"--mem", o.mem}, {"--partition", o.partition}})
        if (value.find_first_of("\n'\"\\ ") != std::string::npos) throw InputError("", 0, 0, std::string(flag) + " '" + value + "': no spaces, quotes or newlines");
    const fs::path cwd = fs::current_path();
    const fs::path shards = fs::absolute(o.directory.empty() ? defaultShardDirectory(o.sweep) : o.directory);
    const fs::path merged = fs::absolute(o.mergeOutput.empty() ? (shards.parent_path() / (fs::path(o.sweep).stem().string() + ".h5")) : fs::path(o.mergeOutput));
    std::error_code ec;
    fs::create_directories(shards, ec);  // SLURM writes the tasks' logs there, and does not create it
    if (ec) throw IoError(shards.string() + ": cannot create the shard directory: " + ec.message());
    const std::string egress = selfPath();
    std::string partitionLine = o.partition.empty() ? "" : "#SBATCH --partition=" + o.partition + "\n";
    std::string partitionFlag = o.partition.empty() ? "" : " --partition=" + o.partition;
    std::string script;
    script += "#!/bin/bash\n";
    script += "# An egress sweep as a SLURM job array: " + std::to_string(points) + " points of sweep " + config.sweepId + " in " +
              std::to_string(tasks) + " shards (task I runs points I, I+" + std::to_string(tasks) + ", ...).\n";
    script += "# Written by: " + commandLine + "\n#\n";
    script += "# Submit the whole sweep, the array and then the merge once every task has succeeded:\n#     bash " +
              fs::path(o.emitSlurm).filename().string() + "\n";
    script += "# 'sbatch " + fs::path(o.emitSlurm).filename().string() + "' submits the array alone. A task that failed can be resubmitted\n";
    script += "# alone (sbatch --array=I " + fs::path(o.emitSlurm).filename().string() + "); finished shards are verified and skipped. Merge by hand with\n#     " + egress + " merge " +
              shards.string() + " -o " + merged.string() + "\n";
    script += "#SBATCH --job-name=egress-sweep\n";
    script += "#SBATCH --array=0-" + std::to_string(tasks - 1) + "\n";
    script += "#SBATCH --ntasks=1\n";
    script += "#SBATCH --cpus-per-task=" + std::to_string(cpus) + "\n";
    script += "#SBATCH --time=" + o.time + "\n";
    script += "#SBATCH --mem=" + o.mem + "\n";
    script += partitionLine;
    script += "#SBATCH --chdir=" + cwd.string() + "\n";
    script += "#SBATCH --output=" + shards.string() + "/slurm-%A_%a.out\n";
    script += "set -euo pipefail\n";
    script += "EGRESS=" + shellQuote(egress) + "\n";
    script += "SWEEP=" + shellQuote(fs::absolute(o.sweep).string()) + "\n";
    script += "SHARDS=" + shellQuote(shards.string()) + "\n";
    script += "MERGED=" + shellQuote(merged.string()) + "\n";
    script += "if [ -z \"${SLURM_ARRAY_TASK_ID:-}\" ]; then\n";
    script += "  # Run by hand: submit this file as the array, then the merge after it.\n";
    script += "  mkdir -p \"$SHARDS\"\n";
    script += "  array=$(sbatch --parsable \"$0\")\n";
    script += "  array=${array%%;*}\n";
    script += "  echo \"array job ID $array\"\n";
    script += "  merge=$(sbatch --parsable --dependency=afterok:$array --job-name=egress-merge --ntasks=1 --cpus-per-task=1 --time=" + o.time +
              " --mem=" + o.mem + partitionFlag + " --chdir=" + shellQuote(cwd.string()) +
              " --output=\"$SHARDS/slurm-merge-%j.out\" --wrap=\"$(printf '%q ' \"$EGRESS\" merge \"$SHARDS\" -o \"$MERGED\")\")\n";
    script += "  echo \"merge job ID ${merge%%;*}\"\n";
    script += "  exit 0\n";
    script += "fi\n";
    script += "# A task: the shard count is written here, not read from SLURM_ARRAY_TASK_COUNT, so that a task resubmitted\n";
    script += "# alone (sbatch --array=I) still runs shard I of " + std::to_string(tasks) + ". Threads: SLURM_CPUS_PER_TASK.\n";
    script += "exec \"$EGRESS\" sweep \"$SWEEP\" -o \"$SHARDS\" --shard \"$SLURM_ARRAY_TASK_ID\" --of " + std::to_string(tasks) + " --quiet\n";
    const std::string temporary = o.emitSlurm + ".partial";
    {
        std::ofstream out(temporary, std::ios::binary);
        out << script;
        out.close();
        if (!out) throw IoError(o.emitSlurm + ": cannot write the job script");
    }
    fs::permissions(temporary, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec, ec);
    fs::rename(temporary, o.emitSlurm, ec);
    if (ec) throw IoError(o.emitSlurm + ": cannot move the job script into place: " + ec.message());
    if (!o.quiet)
        std::printf("wrote %s: %zu points in a %zu-task array (%lld cpu(s), %s, %s each); shards in %s, merged into %s\nsubmit with: bash %s\n",
                    o.emitSlurm.c_str(), points, tasks, static_cast<long long>(cpus), o.time.c_str(), o.mem.c_str(), shards.string().c_str(),
                    merged.string().c_str(), o.emitSlurm.c_str());
    return 0;
}

int commandSweep(const SweepOptions& o, const std::string& commandLine) {
    if (!o.emitSlurm.empty()) return commandEmitSlurm(o, commandLine);
    if (o.shard.has_value() != o.of.has_value()) throw InputError("", 0, 0, "--shard and --of go together");
    SweepShardOptions options;
    if (o.shard) {
        if (*o.of < 1) throw InputError("", 0, 0, "--of must be at least 1");
        if (*o.shard < 0 || *o.shard >= *o.of)
            throw InputError("", 0, 0, "--shard " + std::to_string(*o.shard) + " is out of range: shards of --of " + std::to_string(*o.of) +
                                           " are numbered 0 to " + std::to_string(*o.of - 1));
        options.shard = static_cast<std::size_t>(*o.shard);
        options.of = static_cast<std::size_t>(*o.of);
    } else if (const auto task = environmentInteger("SLURM_ARRAY_TASK_ID")) {
        const auto count = environmentInteger("SLURM_ARRAY_TASK_COUNT");
        const std::int64_t first = environmentInteger("SLURM_ARRAY_TASK_MIN").value_or(0);
        if (!count || *count < 1) throw InputError("", 0, 0, "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: give --shard I --of N");
        // An array resubmitted in part (--array=1,3) has MIN 1 and COUNT 2: its tasks are not shards 0..COUNT-1.
        if (const auto last = environmentInteger("SLURM_ARRAY_TASK_MAX"); last && *last - first + 1 != *count)
            throw InputError("", 0, 0, "the SLURM array " + std::to_string(first) + ".." + std::to_string(*last) + " has " + std::to_string(*count) +
                                           " tasks, not one per index: egress cannot tell its shard; give --shard I --of N (the script of --emit-slurm does)");
        if (*task < first || *task - first >= *count)
            throw InputError("", 0, 0, "SLURM_ARRAY_TASK_ID=" + std::to_string(*task) + " is outside the array " + std::to_string(first) + ".." +
                                           std::to_string(first + *count - 1) + " (egress expects --array=MIN-MAX with step 1)");
        options.shard = static_cast<std::size_t>(*task - first);
        options.of = static_cast<std::size_t>(*count);
    }
    if (o.threads < -1) throw InputError("", 0, 0, "--threads must not be negative");
    options.threads = o.threads >= 0 ? o.threads : static_cast<int>(environmentInteger("SLURM_CPUS_PER_TASK").value_or(0));
    options.directory = o.directory.empty() ? defaultShardDirectory(o.sweep) : o.directory;
    options.command = commandLine;
    options.egressVersion = EGRESS_VERSION;

    const SweepConfig config = loadSweepConfig(o.sweep);
    for (const auto& w : config.warnings) std::cerr << w << "\n";
    checkSweepPointsForMethod(config);
    if (options.of > config.points.count)
        throw InputError("", 0, 0, "--of " + std::to_string(options.of) + " is more shards than the sweep's " + std::to_string(config.points.count) + " points");
    const auto started = std::chrono::steady_clock::now();
    ProgressBar bar(!o.quiet && ::isatty(STDERR_FILENO), config.base.simulation.method == Method::Ode ? "steps" : "events");
    const SweepShardOutcome outcome = runSweepShard(config, options, [&](const SweepProgress& p) {
        bar.update(EnsembleProgress{p.pointsDone, p.points, p.work});
    });
    bar.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (outcome.interrupted) {
        const int signal = stopSignal().load();
        std::fprintf(stderr, "egress: interrupted: shard %zu of %zu not written; rerun the same command\n", options.shard, options.of);
        return signalExitStatus(signal);
    }
    if (outcome.skipped) {
        if (!o.quiet) std::printf("shard %zu of %zu is already complete in %s (verified); nothing to run\n", options.shard, options.of, outcome.path.c_str());
        return 0;
    }
    if (!outcome.redoneBecause.empty())
        std::fprintf(stderr, "egress: warning: %s was replaced: %s\n", outcome.path.c_str(), outcome.redoneBecause.c_str());
    if (outcome.failedPoints > 0)
        std::fprintf(stderr, "egress: warning: %zu of %zu points failed at run time; their values are NaN and /point_error says why\n",
                     outcome.failedPoints, outcome.points);
    if (!o.quiet)
        std::printf("sweep %s: shard %zu of %zu, %zu points x %zu replicate(s), method %s: wrote %s in %.3f s (%.3g points/s on %d thread(s))\n",
                    config.sweepId.c_str(), options.shard, options.of, outcome.points, config.base.simulation.replicates,
                    methodName(config.base.simulation.method), outcome.path.c_str(), seconds,
                    seconds > 0 ? static_cast<double>(outcome.points) / seconds : 0.0, resolveThreads(options.threads));
    return 0;
}

int commandMerge(const std::vector<std::string>& inputs, const std::string& output, bool quiet, const std::string& commandLine) {
    namespace fs = std::filesystem;
    std::vector<std::string> files;
    for (const auto& input : inputs) {
        if (!fs::is_directory(input)) {
            files.push_back(input);
            continue;
        }
        std::vector<std::string> found;
        for (const auto& entry : fs::directory_iterator(input)) {
            const std::string name = entry.path().filename().string();
            if (entry.is_regular_file() && name.rfind("shard-", 0) == 0 && entry.path().extension() == ".h5") found.push_back(entry.path().string());
        }
        if (found.empty()) throw InputError("", 0, 0, input + ": no shard files (shard-*.h5) in this directory");
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    SweepFileIdentity identity;
    identity.writerCommand = commandLine;
    identity.egressVersion = EGRESS_VERSION;
    mergeSweepShards(files, output, identity);
    if (!quiet) std::printf("merged %zu shard(s) into %s\n", files.size(), output.c_str());
    return 0;
}

}  // namespace

extern "C" void onStopSignal(int signal) {
    egress::requestStop(signal);
    // A second signal ends the program at once (the temporary file then stays marked incomplete).
    ::signal(signal, SIG_DFL);
}

int main(int argc, char** argv) {
    h5::disableExitCleanup();
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    // A file-size limit makes writes fail with EFBIG, reported as an I/O error, instead of killing us.
    ::signal(SIGXFSZ, SIG_IGN);

    std::string commandLine;
    for (int i = 0; i < argc; ++i) commandLine += (i ? " " : "") + std::string(argv[i]);

    CLI::App app{"egress: simulate the protein secretion pathway (ER -> Golgi -> plasma membrane)"};
    app.set_version_flag("--version", std::string("egress ") + EGRESS_VERSION);
    app.require_subcommand(1);

    RunOptions run;
    auto* runCmd = app.add_subcommand("run", "Simulate a parameter file and write an HDF5 result");
    runCmd->add_option("params", run.params, "Parameter file (TOML)")->required();
    runCmd->add_option("-o,--output", run.output, "Result file (default: [output].file, else PARAMS-stem.h5)");
    runCmd->add_option("--method", run.method, "ode | ssa | hybrid (overrides [simulation].method)");
    runCmd->add_option("--replicates", run.replicates, "Number of replicates");
    runCmd->add_option("--seed", run.seed, "Random seed");
    runCmd->add_option("--threads", run.threads, "Threads (0: all cores)");
    runCmd->add_option("--first-replicate", run.firstReplicate,
                       "Index of the first replicate (run an ensemble in parts: the same indices give the same trajectories)");
    runCmd->add_option("--set", run.overrides, "Override a parameter: NAME=VALUE (repeatable)");
    runCmd->add_option("--scenario", run.scenarios,
                       "Add a scenario file's [[perturbations]] (a drug, a disease, a temperature block) after the file's own (repeatable)");
    runCmd->add_flag("--quiet,-q", run.quiet, "Print nothing on success");
    auto* eventsFlag = runCmd->add_flag("--events", run.events,
                                        "Also log every bud and fusion to /events (ssa, hybrid; sets [output] events = true)");
    runCmd->add_flag("--no-events", run.noEvents, "Write no vesicle event log (sets [output] events = false)")->excludes(eventsFlag);

    std::string checkParams;
    std::vector<std::string> checkOverrides;
    auto* checkCmd = app.add_subcommand("check", "Validate a parameter file or a sweep file and summarise it; no simulation");
    checkCmd->add_option("params", checkParams, "Parameter file (TOML)")->required();
    checkCmd->add_option("--set", checkOverrides, "Override a parameter: NAME=VALUE (repeatable)");
    std::vector<std::string> checkScenarios, graphScenarios;
    checkCmd->add_option("--scenario", checkScenarios, "Add a scenario file's [[perturbations]] (repeatable)");

    std::string infoPath;
    auto* infoCmd = app.add_subcommand("info", "Describe a result file; exit 1 if it is incomplete");
    infoCmd->add_option("file", infoPath, "Result file (HDF5)")->required();

    std::string graphParams, graphOutput;
    auto* graphCmd = app.add_subcommand("graph", "Draw the pathway of a parameter file as a Graphviz diagram");
    graphCmd->add_option("params", graphParams, "Parameter file (TOML)")->required();
    graphCmd->add_option("-o,--output", graphOutput, "Diagram file (default: standard output)");
    graphCmd->add_option("--scenario", graphScenarios, "Mark a scenario file's perturbation targets too (repeatable)");

    std::string importInput, importOutput;
    auto* importCmd = app.add_subcommand("import", "Translate an SBML model (Level 2 or 3 core) into an egress model file (docs/sbml.md)");
    importCmd->add_option("sbml", importInput, "SBML file")->required();
    importCmd->add_option("-o,--output", importOutput, "Model file to write (default: standard output)");

    std::string exportParams, exportOutput;
    std::vector<std::string> exportOverrides;
    auto* exportCmd = app.add_subcommand("export", "Write the model of a parameter file as SBML Level 3 Version 2 (docs/sbml.md)");
    exportCmd->add_option("params", exportParams, "Parameter file (TOML)")->required();
    exportCmd->add_option("-o,--output", exportOutput, "SBML file to write (default: standard output)");
    exportCmd->add_option("--set", exportOverrides, "Override a parameter: NAME=VALUE (repeatable)");

    SweepOptions sweep;
    auto* sweepCmd = app.add_subcommand("sweep", "Run a parameter sweep, or one shard of it; or write a SLURM job array for it");
    sweepCmd->add_option("sweep", sweep.sweep, "Sweep file (TOML)")->required();
    sweepCmd->add_option("-o,--output", sweep.directory, "Directory for the shard files (default: SWEEP-stem.shards)");
    sweepCmd->add_option("--shard", sweep.shard, "This shard's index, 0..N-1 (default: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN, else 0)");
    sweepCmd->add_option("--of", sweep.of, "The number of shards N (default: SLURM_ARRAY_TASK_COUNT, else 1)");
    sweepCmd->add_option("--threads", sweep.threads, "Threads (0: all cores; default SLURM_CPUS_PER_TASK, else all cores)");
    sweepCmd->add_flag("--quiet,-q", sweep.quiet, "Print nothing on success");
    sweepCmd->add_option("--emit-slurm", sweep.emitSlurm, "Write a SLURM job-array script for the sweep (and its merge) instead of running");
    sweepCmd->add_option("--array-size", sweep.arraySize, "--emit-slurm: tasks (shards) in the array (default: min(points, 100))");
    sweepCmd->add_option("--cpus-per-task", sweep.cpusPerTask, "--emit-slurm: cpus per task, used as threads (default 1)");
    sweepCmd->add_option("--time", sweep.time, "--emit-slurm: time limit per task (default 01:00:00)");
    sweepCmd->add_option("--mem", sweep.mem, "--emit-slurm: memory per task (default 4G)");
    sweepCmd->add_option("--partition", sweep.partition, "--emit-slurm: partition");
    sweepCmd->add_option("--merge-output", sweep.mergeOutput, "--emit-slurm: the merged file (default: SWEEP-stem.h5 beside the shard directory)");

    std::vector<std::string> mergeInputs;
    std::string mergeOutput;
    bool mergeQuiet = false;
    auto* mergeCmd = app.add_subcommand("merge", "Merge the shard files of a sweep into one file");
    mergeCmd->add_option("inputs", mergeInputs, "Shard directories or shard files")->required();
    mergeCmd->add_option("-o,--output", mergeOutput, "The merged sweep file")->required();
    mergeCmd->add_flag("--quiet,-q", mergeQuiet, "Print nothing on success");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        std::cerr << "error: " << e.what() << "\n(run 'egress --help' for usage)\n";
        return 2;
    }

    try {
        if (*runCmd) return commandRun(run, commandLine);
        if (*checkCmd) return commandCheck(checkParams, checkOverrides, checkScenarios);
        if (*infoCmd) return commandInfo(infoPath);
        if (*graphCmd) return commandGraph(graphParams, graphOutput, graphScenarios);
        if (*importCmd) return commandImport(importInput, importOutput);
        if (*exportCmd) return commandExport(exportParams, exportOverrides, exportOutput);
        if (*sweepCmd) return commandSweep(sweep, commandLine);
        if (*mergeCmd) return commandMerge(mergeInputs, mergeOutput, mergeQuiet, commandLine);
    } catch (const InputError& e) {
        std::cerr << e.what() << "\n";
        return 2;
    } catch (const egress::Error& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    return 2;
}
