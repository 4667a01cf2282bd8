// The cost of generality: `ssa` events per second of one reaction network written with the
// built-in laws and written as expressions (law = "expression") that spell out the same formulas.
// The two give identical trajectories under the same seed (tests/unit/ExpressionTest.cpp), so
// they fire the same events and the ratio of events per second is the ratio of time per event.
//
//   ssa_expression/mass_action    7 mass-action reactions (orders 0, 1, 1 + 1 and 2): egress's flat
//                                 product and dimer forms
//   ssa_expression/expression     the same 7 as formulas ("k1 * A * B", "k3 * A * (A - 1) * 0.5"):
//                                 the tape of core/Expression, through stochasticPropensity
//   ssa_expression/mm_builtin     the built-in network with "A + B -> C" replaced by a
//                                 Michaelis-Menten conversion of A (law = "michaelis_menten")
//   ssa_expression/mm_expression  the same with only that law written as "vmax * A / (km + A)":
//                                 both take the general path for it, so this compares the tape
//                                 with the built-in formula for one reaction
//
// Every iteration is one trajectory (replicate = iteration), sampled into a counting observer (no
// HDF5). After the table the program prints expression / built-in ratios of events per second
// from this one invocation (with --benchmark_repetitions, from each benchmark's fastest
// repetition: other tenants of a shared machine only ever slow a run down).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "io/ConfigLoader.hpp"
#include "solvers/Simulator.hpp"

namespace {

using namespace egress;

std::string reaction(const std::string& name, const std::string& equation, const std::string& k, const std::string& formula,
                     bool expression) {
    return "[[model.reactions]]\nname = \"" + name + "\"\nequation = \"" + equation + "\"\n" +
           (expression ? "law = \"expression\"\nrate = \"" + formula + "\"\n" : "k = \"" + k + "\"\n");
}

/// `expression`: the mass-action laws as formulas; `michaelisMenten`: A -> C at the Michaelis-Menten
/// rate instead of A + B -> C, as a formula when `mmExpression`.
std::string network(bool expression, bool michaelisMenten, bool mmExpression) {
    std::string text = R"([model]
name = "bench"
compartments = { Cell = {} }
species = { A = { compartment = "Cell", initial = 500 }, B = { compartment = "Cell", initial = 500 }, C = { compartment = "Cell", initial = 0 }, D = { compartment = "Cell", initial = 0 } }
parameters = { k0 = 100.0, k1 = 0.001, k2 = 0.1, k3 = 0.0005, kd = 0.05, ka = 0.01, kb = 50.0, vmax = 60.0, km = 200.0 }
)";
    text += reaction("make_a", "-> A", "k0", "k0", expression);
    if (michaelisMenten) {
        text += mmExpression ? "[[model.reactions]]\nname = \"convert\"\nequation = \"A -> C\"\nlaw = \"expression\"\nrate = \"vmax * A / (km + A)\"\n"
                           : "[[model.reactions]]\nname = \"convert\"\nequation = \"A -> C\"\nlaw = \"michaelis_menten\"\nvmax = \"vmax\"\nkm = \"km\"\n";
    } else {
        text += reaction("bind", "A + B -> C", "k1", "k1 * A * B", expression);
    }
    text += reaction("unbind", "C -> A + B", "k2", "k2 * C", expression);
    text += reaction("dimerise", "2 A -> D", "k3", "k3 * A * (A - 1) * 0.5", expression);
    text += reaction("lose_d", "D ->", "kd", "kd * D", expression);
    text += reaction("lose_a", "A ->", "ka", "ka * A", expression);
    text += reaction("make_b", "-> B", "kb", "kb", expression);
    text += R"([simulation]
method = "ssa"
t_end = 100.0
output_interval = 1.0
seed = 3
)";
    return text;
}

class Counter final : public TrajectoryObserver {
public:
    void sample(const Sample& s) override { last_ += s.amounts[0]; }
    void vesicleEvent(const VesicleEvent&) override {}
    void replicateFinished(std::size_t) override {}
    double last_ = 0.0;
};

std::map<std::string, double> bestEventsPerSecond;

void run(benchmark::State& state, const std::string& name, bool expression, bool michaelisMenten, bool mmExpression) {
    const RunConfig config = loadRunConfigFromText(network(expression, michaelisMenten, mmExpression), "bench.toml", {});
    const auto simulator = makeSimulator(config.model, config.simulation);
    const auto base = config.model.baseParameterValues();
    Counter counter;
    std::uint64_t events = 0;
    std::size_t replicate = 0;
    for (auto _ : state) events += simulator->run(replicate++, base, counter);
    benchmark::DoNotOptimize(counter.last_);
    state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
    state.counters["events_per_run"] = static_cast<double>(events) / static_cast<double>(std::max<std::size_t>(replicate, 1));
    (void)name;
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    for (const auto& [name, expression, mm, mmExpression] :
         {std::tuple{"mass_action", false, false, false}, std::tuple{"expression", true, false, false},
          std::tuple{"mm_builtin", false, true, false}, std::tuple{"mm_expression", false, true, true}}) {
        const std::string n = name;
        const bool e = expression, m = mm, me = mmExpression;
        benchmark::RegisterBenchmark(("ssa_expression/" + n).c_str(), [n, e, m, me](benchmark::State& s) { run(s, n, e, m, me); })
            ->Unit(benchmark::kMillisecond);
    }
    struct Keep : benchmark::ConsoleReporter {
        void ReportRuns(const std::vector<Run>& runs) override {
            for (const auto& r : runs) {
                if (r.error_occurred || r.run_type != Run::RT_Iteration) continue;
                const auto it = r.counters.find("events_per_s");
                if (it == r.counters.end()) continue;
                const std::string name = r.run_name.function_name.substr(r.run_name.function_name.find('/') + 1);
                bestEventsPerSecond[name] = std::max(bestEventsPerSecond[name], static_cast<double>(it->second));
            }
            ConsoleReporter::ReportRuns(runs);
        }
    } reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    auto ratio = [](const char* a, const char* b) {
        const double x = bestEventsPerSecond[a], y = bestEventsPerSecond[b];
        if (x > 0 && y > 0) std::printf("%-14s / %-12s events/s: %.3f\n", a, b, x / y);
    };
    std::printf("\n");
    ratio("expression", "mass_action");
    ratio("mm_expression", "mm_builtin");
    benchmark::Shutdown();
    return 0;
}
