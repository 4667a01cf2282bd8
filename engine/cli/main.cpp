// The `egress` program: parses the command line, wires loader -> solver -> writer, and is the
// only place that prints errors and chooses exit statuses (0 ok, 1 run-time failure, 2 bad input).
#include <CLI/CLI.hpp>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "core/Error.hpp"
#include "core/Interrupt.hpp"
#include "io/ConfigLoader.hpp"
#include "io/Hdf5.hpp"
#include "io/PathwayGraph.hpp"
#include "io/ResultReader.hpp"
#include "io/ResultSchema.hpp"
#include "io/ResultWriter.hpp"
#include "solvers/Ensemble.hpp"
#include "solvers/Simulator.hpp"

#ifndef EGRESS_VERSION
#define EGRESS_VERSION "0.0.0"
#endif

namespace {

using namespace egress;

struct RunOptions {
    std::string params;
    std::string output;
    std::string method;
    std::optional<std::int64_t> replicates;
    std::optional<std::int64_t> seed;
    std::optional<std::int64_t> firstReplicate;
    int threads = 0;
    std::vector<std::string> overrides;
    bool quiet = false;
    bool events = false, noEvents = false;  ///< --events / --no-events override [output] events
};

void printWarnings(const RunConfig& config) {
    for (const auto& w : config.warnings) std::cerr << w << "\n";
}

void applyCommandLine(RunConfig& config, const RunOptions& o) {
    if (!o.method.empty()) {
        if (o.method == "ode") config.simulation.method = Method::Ode;
        else if (o.method == "ssa") config.simulation.method = Method::Ssa;
        else if (o.method == "hybrid") config.simulation.method = Method::Hybrid;
        else throw InputError("", 0, 0, "--method '" + o.method + "': expected ode, ssa or hybrid");
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
    if (config.simulation.first_replicate + config.simulation.replicates > (std::size_t{1} << 32))
        throw InputError("", 0, 0, "replicate indices must stay below 2^32");
}

/// Membrane areas are the vesicle counters' bookkeeping, not a constraint: a route can take more
/// membrane from a compartment than it has. Said after every run that shows it, --quiet or not.
void warnNegativeAreas(const RunConfig& config, const ResultWriter& writer) {
    const auto& negative = writer.negativeAreaReplicates();
    const auto& lowest = writer.lowestArea();
    for (std::size_t c = 0; c < negative.size() && c < config.model.compartments.size(); ++c) {
        if (negative[c] == 0) continue;
        std::fprintf(stderr,
                     "warning: membrane area of compartment '%s' went negative in %lld of %zu replicate(s), lowest %.6g um^2: "
                     "vesicles took more membrane from it than it had and received (the model does not limit budding by "
                     "membrane; /membrane_area attributes %s, %s)\n",
                     config.model.compartments[c].name.c_str(), static_cast<long long>(negative[c]),
                     config.simulation.replicates, lowest[c], schema::kNegativeAreaReplicatesAttribute,
                     schema::kLowestAreaAttribute);
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
        if (p.done < p.total && now - lastDraw_ < std::chrono::milliseconds(100)) return;
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
    bool enabled_;
    const char* unit_;
    std::chrono::steady_clock::time_point start_, lastDraw_{};
    bool drawn_ = false;
};

int commandRun(const RunOptions& o, const std::string& commandLine) {
    RunConfig config = loadRunConfig(o.params, o.overrides);
    applyCommandLine(config, o);
    printWarnings(config);
    const std::string out = defaultOutputPath(config, o);
    const auto started = std::chrono::steady_clock::now();

    const auto simulator = makeSimulator(config.model, config.simulation);
    RunProvenance provenance{commandLine, EGRESS_VERSION, simulator->algorithm()};
    ResultWriter writer(out, config, provenance);
    EnsembleOptions options;
    options.first = config.simulation.first_replicate;
    options.count = config.simulation.replicates;
    options.threads = o.threads;
    options.seed = config.simulation.seed;
    ProgressBar bar(!o.quiet && ::isatty(STDERR_FILENO), config.simulation.method == Method::Ode ? "steps" : "events");
    const EnsembleProgress done = runEnsemble(
        config.model, *simulator, options, [&](std::size_t r) { return writer.openReplicate(r); },
        [&](const EnsembleProgress& p) { bar.update(p); });
    bar.finish();
    if (done.done < done.total) {
        const int signal = stopSignal().load();
        const std::string reason = signal == SIGTERM ? "SIGTERM" : "SIGINT";
        const std::string kept = writer.keepInterrupted(reason);
        std::fprintf(stderr,
                     "egress: interrupted by %s: %zu of %zu replicates finished; they are kept in %s, which is marked "
                     "incomplete. Rerun the same command for the full result (replicates are reproducible).\n",
                     reason.c_str(), done.done, done.total, kept.c_str());
        return 128 + (signal ? signal : SIGINT);
    }
    writer.commit();
    warnNegativeAreas(config, writer);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    if (!o.quiet) {
        const ResultSummary s = readResultSummary(out);
        std::printf("egress %s: model '%s', method %s (%s), %zu replicate(s), t = 0..%g s, %zu samples, %.3f s wall\n",
                    EGRESS_VERSION, config.model.name.c_str(), methodName(config.simulation.method),
                    simulator->algorithm().c_str(), s.replicates,
                    config.simulation.t_end, s.times.size(), seconds);
        std::printf("%-24s %14s %14s%s\n", "species", "t = 0", "t = end", s.replicates > 1 ? "   (replicate 0)" : "");
        for (std::size_t i = 0; i < s.species.size(); ++i) {
            std::printf("%-24s %14.6g %14.6g\n", s.species[i].c_str(), s.initialAmounts[i], s.finalAmounts[i]);
        }
        // Say so when the output, not the simulation, set the pace: threads blocked on the writer.
        // Before the summary line, which stays the last line.
        const double waited = writer.workersWaitedSeconds();
        const int threads = resolveThreads(o.threads);
        if (waited > 0.1 && waited > 0.1 * seconds * threads) {
            std::printf("the output limited this run: the %d thread(s) waited %.3g s in all (%.0f%%) for the file writer",
                        threads, waited, 100.0 * waited / (seconds * threads));
            if (writer.writesEventLog())
                std::printf("; the vesicle event log is %.3g MB (--no-events leaves it out)",
                            static_cast<double>(writer.eventLogBytes()) / 1e6);
            std::printf("\n");
        }
        std::printf("wrote %s: %zu replicate(s) on %d thread(s), %llu %s, %.3g %s/s\n", out.c_str(), done.done,
                    threads, static_cast<unsigned long long>(done.work),
                    config.simulation.method == Method::Ode ? "steps" : "events",
                    seconds > 0 ? static_cast<double>(done.work) / seconds : 0.0,
                    config.simulation.method == Method::Ode ? "steps" : "events");
    }
    return 0;
}

int commandCheck(const std::string& params, const std::vector<std::string>& overrides) {
    const RunConfig config = loadRunConfig(params, overrides);
    printWarnings(config);
    makeSimulator(config.model, config.simulation);  // the method's own checks (whole molecules for ssa)
    const Model& m = config.model;
    std::printf("%s: OK\n", params.c_str());
    std::printf("model '%s'%s%s\n", m.name.c_str(), config.modelPath.empty() ? " (inline)" : " from ",
                config.modelPath.c_str());
    std::printf("  %zu compartments, %zu species, %zu parameters, %zu reactions, %zu vesicle routes\n",
                m.compartments.size(), m.species.size(), m.parameters.size(), m.reactions.size(), m.routes.size());
    std::printf("  %zu perturbations, %zu events\n", m.perturbations.size(), m.events.size());
    const auto& s = config.simulation;
    std::printf("simulation: method %s, t_end %g s, output every %g s (%zu samples), %zu replicate(s), seed %llu\n",
                methodName(s.method), s.t_end, s.output_interval, s.sampleCount(), s.replicates,
                static_cast<unsigned long long>(s.seed));
    return 0;
}

int commandGraph(const std::string& params, const std::string& output) {
    const RunConfig config = loadRunConfig(params);
    const std::string dot = pathwayDot(config.model);
    if (output.empty()) {
        std::fputs(dot.c_str(), stdout);
        return 0;
    }
    std::FILE* f = std::fopen(output.c_str(), "w");
    if (!f) throw IoError(output + ": cannot write the diagram");
    const bool ok = std::fputs(dot.c_str(), f) >= 0;
    if (std::fclose(f) != 0 || !ok) throw IoError(output + ": cannot write the diagram (disk full?)");
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
    else if (s.method == "ssa" || s.method == "hybrid") std::printf("  no vesicle event log (egress run --events writes one)\n");
    if (!s.complete) {
        std::cerr << path << ": error: the result is incomplete: the run that wrote it did not finish\n";
        return 1;
    }
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
    runCmd->add_flag("--quiet,-q", run.quiet, "Print nothing on success");
    auto* eventsFlag = runCmd->add_flag("--events", run.events,
                                        "Also log every bud and fusion to /events (ssa, hybrid; sets [output] events = true)");
    runCmd->add_flag("--no-events", run.noEvents, "Write no vesicle event log (sets [output] events = false)")->excludes(eventsFlag);

    std::string checkParams;
    std::vector<std::string> checkOverrides;
    auto* checkCmd = app.add_subcommand("check", "Validate a parameter file and summarise its model; no simulation");
    checkCmd->add_option("params", checkParams, "Parameter file (TOML)")->required();
    checkCmd->add_option("--set", checkOverrides, "Override a parameter: NAME=VALUE (repeatable)");

    std::string infoPath;
    auto* infoCmd = app.add_subcommand("info", "Describe a result file; exit 1 if it is incomplete");
    infoCmd->add_option("file", infoPath, "Result file (HDF5)")->required();

    std::string graphParams, graphOutput;
    auto* graphCmd = app.add_subcommand("graph", "Draw the pathway of a parameter file as a Graphviz diagram");
    graphCmd->add_option("params", graphParams, "Parameter file (TOML)")->required();
    graphCmd->add_option("-o,--output", graphOutput, "Diagram file (default: standard output)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        std::cerr << "error: " << e.what() << "\n(run 'egress --help' for usage)\n";
        return 2;
    }

    try {
        if (*runCmd) return commandRun(run, commandLine);
        if (*checkCmd) return commandCheck(checkParams, checkOverrides);
        if (*infoCmd) return commandInfo(infoPath);
        if (*graphCmd) return commandGraph(graphParams, graphOutput);
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
