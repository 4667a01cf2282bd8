// One full ode run of the default model (params/default.toml: 2 h simulated, output every 60 s,
// rtol 1e-6, atol 1e-9), timed for each stepper. Engine only: the config is loaded once outside
// the timed loop, and the observer copies every sample into a preallocated vector (no HDF5).
// $EGRESS_BENCH_PARAMS, when set, names another parameter file (bench/ode_vs_scipy.py --params).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "io/ConfigLoader.hpp"
#include "solvers/OdeSolver.hpp"

#ifndef EGRESS_SOURCE_DIR
#error "EGRESS_SOURCE_DIR must be defined to the source tree (bench/CMakeLists.txt does it)"
#endif

namespace {

using namespace egress;

/// Keeps time and species amounts of every sample, like a minimal in-memory writer would.
class CopyObserver final : public TrajectoryObserver {
public:
    CopyObserver(std::size_t species, std::size_t samples) : species_(species) {
        values_.reserve(samples * (species + 1));
    }
    void clear() { values_.clear(); samples_ = 0; }
    void sample(const Sample& s) override {
        values_.push_back(s.time);
        values_.insert(values_.end(), s.amounts, s.amounts + species_);
        ++samples_;
    }
    std::size_t samples() const { return samples_; }
    const std::vector<double>& values() const { return values_; }

private:
    std::size_t species_;
    std::size_t samples_ = 0;
    std::vector<double> values_;
};

const RunConfig& defaultConfig() {
    static const RunConfig config = [] {
        const char* env = std::getenv("EGRESS_BENCH_PARAMS");
        return loadRunConfig(env && *env ? std::string(env) : std::string(EGRESS_SOURCE_DIR) + "/params/default.toml");
    }();
    return config;
}

void runDefault(benchmark::State& state, OdeStepper stepper) {
    const RunConfig& config = defaultConfig();
    SimulationSettings settings = config.simulation;
    settings.stepper = stepper;
    const OdeSolver solver(config.model, settings);
    const std::vector<double> parameters = config.model.baseParameterValues();
    CopyObserver observer(config.model.species.size(), settings.sampleCount());

    for (auto _ : state) {
        observer.clear();
        solver.run(0, parameters, observer);
        benchmark::DoNotOptimize(observer.values().data());
        benchmark::ClobberMemory();
    }
    if (observer.samples() != settings.sampleCount()) {
        state.SkipWithError("the run did not report every grid sample");
        return;
    }
    state.counters["samples"] = static_cast<double>(observer.samples());
    state.counters["t_end_s"] = settings.t_end;
    state.counters["rtol"] = settings.rtol;
    state.counters["atol"] = settings.atol;
}

}  // namespace

BENCHMARK_CAPTURE(runDefault, dopri5, OdeStepper::Dopri5)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(runDefault, rosenbrock4, OdeStepper::Rosenbrock4)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
