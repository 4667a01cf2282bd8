// SSA throughput: events per second of the `ssa` method against a hand-written direct-method loop
// of the same model, and the cost per vesicle event of the `hybrid` method.
//
// Models (every run simulates one full trajectory and reports every grid sample):
//   birth_death   bench/models/birth_death.toml   DSMTS 001-01 with X0 = 1000, t_end 50 s, 51 samples
//   linear_chain  bench/models/linear_chain.toml  0 -> A -> B -> C -> 0, t_end 1000 s, 1001 samples
//   dimerisation  bench/models/dimerisation.toml  DSMTS 003-01, t_end 50 s, 51 samples (~65 events)
//   default       params/default.toml with method ssa (4 species, 2 vesicle routes), 121 samples
//
// ssa/MODEL/tight (not for default): the tight loop of tight_loops.hpp, the model known at compile
// time, xoshiro256++ (issue 14's baseline). ssa_network/R/{direct,tree}: SsaSolver on the random
// network of R reactions (random_network.hpp) with the linear search or the sum tree, forced.
//
// For each model, three benchmarks:
//   ssa/MODEL/egress        makeSimulator(model, settings)->run(replicate, ...): the engine itself, with
//                           an observer that takes samples and no vesicle event stream (as a run
//                           without the event log, the default; the counters are sampled either way)
//   ssa/MODEL/hand_mt19937  a minimal direct-method loop written for this one model, std::mt19937_64
//   ssa/MODEL/hand_philox   the same loop with Philox4x32-10 and egress's uniform (52 bits from two
//                           words), so that the generator is not what separates the two
// plus ssa/default/egress_event_stream (the same, reporting every bud and fusion to the observer, as
// a run with the event log does) and hybrid/default/egress (params/default.toml with method hybrid).
//
// Events = reactions + buds + fusions fired (the hand loops count them directly; egress's count is
// what run() returns, or, with an engine whose run() returns void, the same replicates re-run
// untimed with a counting species: see countingTwin). Both sides sample into the same preallocated
// in-memory Collector (time, amounts, vesicles in transit per route) on the same grid: no HDF5.
// Every iteration is a new trajectory (egress: replicate = iteration; hand: seed = iteration).
// The hand loops are noinline so that a profiler (valgrind --tool=callgrind) shows them as one
// function beside SsaSolver::run; one call per trajectory, so this costs nothing measurable.
//
// After the table, the program prints egress / hand-written events-per-second ratios of this one
// invocation and hybrid vs ssa per vesicle event. With --benchmark_repetitions > 1 the ratios use
// each benchmark's fastest repetition (the statistic "max" of events_per_s; the "max" rows of the
// other columns are maxima too, e.g. the slowest time): on a shared machine other tenants only ever
// slow a repetition down, so the fastest is the least disturbed. Add
// --benchmark_enable_random_interleaving=true so that both sides of a ratio see the same periods of
// load. bench/ssa_instructions.sh gives a load-free complement (instructions per event).
#include <benchmark/benchmark.h>

#include <Random123/philox.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <type_traits>
#include <unistd.h>
#include <utility>
#include <vector>

#include <filesystem>
#include <fstream>

#include "io/ConfigLoader.hpp"
#include "random_network.hpp"
#include "solvers/Simulator.hpp"
#include "solvers/SsaSolver.hpp"
#include "tight_loops.hpp"

#ifndef EGRESS_SOURCE_DIR
#error "EGRESS_SOURCE_DIR must be defined to the source tree (bench/CMakeLists.txt does it)"
#endif

namespace {

using namespace egress;
constexpr double kInf = std::numeric_limits<double>::infinity();

// ------------------------------------------------------------------------------------------------
// The sink both sides write to: one row per sample (time, amounts, vesicles in transit per route),
// preallocated, so that sampling costs a copy and nothing else.

class Collector final : public TrajectoryObserver {
public:
    /// `eventStream`: whether egress reports every bud and fusion to this observer, as it does to a
    /// file with the event log on; without it, as to a file without the log (the default).
    Collector(std::size_t species, std::size_t routes, std::size_t samples, bool eventStream = false)
        : species_(species), routes_(routes), width_(1 + species + routes), capacity_(samples),
          values_(samples * width_, 0.0), eventStream_(eventStream) {}

    void reset() {
        rows_ = 0;
        vesicleEventsReported_ = 0;
        vesicleEventsCounted_ = 0;
    }
    /// The hand-written loops call this; egress calls sample() below. Same copy either way.
    void record(double time, const double* amounts, const double* inTransit) {
        if (rows_ == capacity_) return;  // a bug on the caller's side; caught by rows() != samples
        double* row = values_.data() + rows_++ * width_;
        row[0] = time;
        std::copy(amounts, amounts + species_, row + 1);
        if (inTransit) std::copy(inTransit, inTransit + routes_, row + 1 + species_);  // null without routes
    }
    void sample(const Sample& s) override {
        record(s.time, s.amounts, s.in_transit);
        // Cumulative counters: the last sample (t_end) holds every bud and fusion of the run.
        double total = 0.0;
        for (std::size_t r = 0; r < routes_; ++r) total += s.budded[r] + s.fused[r];
        vesicleEventsCounted_ = static_cast<std::uint64_t>(total);
    }
    void vesicleEvent(const VesicleEvent&) override { ++vesicleEventsReported_; }
    bool wantsVesicleEvents() const override { return eventStream_; }

    std::size_t rows() const { return rows_; }
    /// Buds and fusions of the run, by the counters of the last sample.
    std::uint64_t vesicleEvents() const { return vesicleEventsCounted_; }
    /// Buds and fusions reported one by one (0 without the event stream).
    std::uint64_t vesicleEventsReported() const { return vesicleEventsReported_; }
    double at(std::size_t row, std::size_t column) const { return values_[row * width_ + column]; }
    const double* data() const { return values_.data(); }

private:
    std::size_t species_, routes_, width_, capacity_;
    std::vector<double> values_;
    bool eventStream_;
    std::size_t rows_ = 0;
    std::uint64_t vesicleEventsReported_ = 0, vesicleEventsCounted_ = 0;
};

// ------------------------------------------------------------------------------------------------
// Generators for the hand-written loops. uniform() is on (0, 1) with 52 bits, like egress's.

struct Mt64 {
    std::mt19937_64 engine;
    explicit Mt64(std::uint64_t seed) : engine(seed) {}
    double uniform() { return (static_cast<double>(engine() >> 12) + 0.5) * 0x1.0p-52; }
};

struct Philox {
    r123::Philox4x32::key_type key;
    r123::Philox4x32::ctr_type ctr = {{0, 0, 0, 0}};
    r123::Philox4x32::ctr_type block = {{0, 0, 0, 0}};
    unsigned used = 4;
    explicit Philox(std::uint64_t seed)
        : key{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}} {}
    std::uint32_t word() {
        if (used == 4) {
            block = r123::Philox4x32()(ctr, key);
            if (++ctr.v[0] == 0) ++ctr.v[1];
            used = 0;
        }
        return block.v[used++];
    }
    double uniform() {
        const std::uint64_t hi = word(), lo = word();
        return (static_cast<double>(((hi << 32) | lo) >> 12) + 0.5) * 0x1.0p-52;
    }
};

template <class Rng>
double exponential(Rng& rng) { return -std::log(rng.uniform()); }

/// Binomial(n, p) by inversion from 0 (the algorithm egress uses while n p < 16): O(n p) steps.
template <class Rng>
double binomial(Rng& rng, double n, double p) {
    if (n <= 0.0 || p <= 0.0) return 0.0;
    const double q = 1.0 - p, ratio = p / q, f0 = std::pow(q, n);
    for (;;) {
        double u = rng.uniform(), f = f0;
        for (double k = 0.0; k <= n; k += 1.0) {
            if (u < f) return k;
            u -= f;
            f *= ratio * (n - k) / (k + 1.0);
        }
    }
}

// ------------------------------------------------------------------------------------------------
// The models, as plain numbers read once from the same TOML files egress loads.

struct Loaded {
    RunConfig config;
    SimulationSettings settings;  ///< config.simulation with the benchmark's method
    std::vector<double> sampleTimes;
};

const Loaded& loaded(const std::string& key) {
    static std::map<std::string, Loaded> cache;
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    const std::string root = EGRESS_SOURCE_DIR;
    Loaded l;
    if (key == "birth_death") l.config = loadRunConfig(root + "/bench/models/birth_death.toml");
    else if (key == "linear_chain") l.config = loadRunConfig(root + "/bench/models/linear_chain.toml");
    else if (key == "dimerisation") l.config = loadRunConfig(root + "/bench/models/dimerisation.toml");
    else l.config = loadRunConfig(root + "/params/default.toml");
    l.settings = l.config.simulation;
    l.settings.method = key == "default_hybrid" ? Method::Hybrid : Method::Ssa;
    for (std::size_t i = 0; i < l.settings.sampleCount(); ++i) l.sampleTimes.push_back(l.settings.sampleTime(i));
    return cache.emplace(key, std::move(l)).first->second;
}

double parameter(const Model& m, const std::string& name) {
    const auto i = m.findParameter(name);
    if (!i) throw std::runtime_error("bench: the model has no parameter '" + name + "'");
    return m.parameters[*i].value;
}

/// Initial amount of a species after the events at t = 0 (the default run adds its cargo then).
double initialAmount(const Model& m, const std::string& name) {
    const auto s = m.findSpecies(name);
    if (!s) throw std::runtime_error("bench: the model has no species '" + name + "'");
    double x = m.species[*s].initial;
    for (const auto& e : m.events)
        if (e.at == 0.0)
            for (const auto& c : e.changes)
                if (c.species == *s) x = c.mode == EventMode::Add ? x + c.amount : c.amount;
    return x;
}

/// The hand loops hard-code the structure of their model: refuse to time a different one.
void requirePlain(const Model& m, std::size_t reactions, std::size_t routes) {
    bool ok = m.reactions.size() == reactions && m.routes.size() == routes && m.perturbations.empty();
    for (const auto& e : m.events) ok = ok && e.at == 0.0;
    for (const auto& r : m.routes)
        ok = ok && r.delay == 0.0 && r.cargo.size() == 1 && r.budding.kind == RateLawKind::MassAction && r.budding.order.empty();
    if (!ok) throw std::runtime_error("bench: model '" + m.name + "' is not the one the hand-written loop implements");
}

// ---- birth-death: X -> 2X (lambda X), X -> 0 (mu X) ----

struct BirthDeath {
    double x0, lambda, mu, t_end;
    const std::vector<double>* times;
};

template <class Rng>
[[gnu::noinline]] std::uint64_t handBirthDeath(const BirthDeath& m, Rng& rng, Collector& out) {
    const std::vector<double>& times = *m.times;
    double x = m.x0, t = 0.0;
    std::size_t next = 0;
    std::uint64_t events = 0;
    for (;;) {
        const double birth = m.lambda * x, total = birth + m.mu * x;
        const double tNext = total > 0.0 ? t + exponential(rng) / total : kInf;
        while (next < times.size() && times[next] < tNext) out.record(times[next++], &x, nullptr);
        if (tNext >= m.t_end) break;
        t = tNext;
        x += rng.uniform() * total < birth ? 1.0 : -1.0;
        ++events;
    }
    return events;
}

// ---- linear chain: 0 -> A -> B -> C -> 0 ----

struct Chain {
    double k[4], t_end;
    const std::vector<double>* times;
};

template <class Rng>
[[gnu::noinline]] std::uint64_t handChain(const Chain& m, Rng& rng, Collector& out) {
    const std::vector<double>& times = *m.times;
    double x[3] = {0.0, 0.0, 0.0}, a[4], t = 0.0;
    std::size_t next = 0;
    std::uint64_t events = 0;
    for (;;) {
        a[0] = m.k[0];
        a[1] = m.k[1] * x[0];
        a[2] = m.k[2] * x[1];
        a[3] = m.k[3] * x[2];
        const double total = a[0] + a[1] + a[2] + a[3];
        const double tNext = t + exponential(rng) / total;  // total >= k0 > 0
        while (next < times.size() && times[next] < tNext) out.record(times[next++], x, nullptr);
        if (tNext >= m.t_end) break;
        t = tNext;
        double target = rng.uniform() * total;
        int c = 0;
        for (int j = 0; j < 4; ++j) {  // a rounding miss keeps the last channel with a > 0, as egress
            if (a[j] <= 0.0) continue;
            c = j;
            if (target < a[j]) break;
            target -= a[j];
        }
        if (c > 0) x[c - 1] -= 1.0;
        if (c < 3) x[c] += 1.0;
        ++events;
    }
    return events;
}

// ---- default secretory model: ER --COPII--> Golgi --post-Golgi--> secreted, ERAD to degraded ----
// Route r buds at the constant rate k_bud[r] (zero-order mass action, as in secretory_core.toml),
// each donor molecule is packaged with probability capture[r] (a binomial load), and the route's
// fusion channel is fusion[r] x vesicles in transit; a fusion picks one of them uniformly.

struct Secretory {
    double k_syn, k_erad, k_bud[2], capture[2], fusion[2], er0, golgi0, degraded0, secreted0, t_end;
    const std::vector<double>* times;
};

template <class Rng>
[[gnu::noinline]] std::uint64_t handSecretory(const Secretory& m, Rng& rng, Collector& out, std::vector<double> (&vesicles)[2]) {
    const std::vector<double>& times = *m.times;
    // x = {cargo_ER, cargo_Golgi, cargo_degraded, cargo_secreted} (egress orders species by name):
    // route r buds from donor[r] and fuses into acceptor[r]; ERAD moves ER cargo to cargo_degraded.
    constexpr int donor[2] = {0, 1}, acceptor[2] = {1, 3}, degraded = 2;
    double x[4] = {m.er0, m.golgi0, m.degraded0, m.secreted0}, a[6], transit[2], t = 0.0;
    vesicles[0].clear();
    vesicles[1].clear();
    std::size_t next = 0;
    std::uint64_t events = 0;
    for (;;) {
        // Channels: synthesis, ERAD, bud COPII, bud post-Golgi, fuse COPII, fuse post-Golgi.
        a[0] = m.k_syn;
        a[1] = m.k_erad * x[0];
        a[2] = m.k_bud[0];  // zero-order budding: a constant bud frequency, capture per molecule
        a[3] = m.k_bud[1];
        a[4] = m.fusion[0] * static_cast<double>(vesicles[0].size());
        a[5] = m.fusion[1] * static_cast<double>(vesicles[1].size());
        const double total = a[0] + a[1] + a[2] + a[3] + a[4] + a[5];
        const double tNext = total > 0.0 ? t + exponential(rng) / total : kInf;
        if (next < times.size() && times[next] < tNext) {
            transit[0] = static_cast<double>(vesicles[0].size());
            transit[1] = static_cast<double>(vesicles[1].size());
            while (next < times.size() && times[next] < tNext) out.record(times[next++], x, transit);
        }
        if (tNext >= m.t_end) break;
        t = tNext;
        double target = rng.uniform() * total;
        int c = 0;
        for (int j = 0; j < 6; ++j) {  // a rounding miss keeps the last channel with a > 0, as egress
            if (a[j] <= 0.0) continue;
            c = j;
            if (target < a[j]) break;
            target -= a[j];
        }
        switch (c) {
            case 0: x[0] += 1.0; break;
            case 1: x[0] -= 1.0; x[degraded] += 1.0; break;
            case 2:
            case 3: {
                const int r = c - 2;
                const double load = binomial(rng, x[donor[r]], m.capture[r]);
                x[donor[r]] -= load;
                vesicles[r].push_back(load);
                break;
            }
            default: {
                const int r = c - 4;
                std::vector<double>& v = vesicles[r];
                const std::size_t i = std::min(static_cast<std::size_t>(rng.uniform() * static_cast<double>(v.size())), v.size() - 1);
                x[acceptor[r]] += v[i];
                v[i] = v.back();
                v.pop_back();
                break;
            }
        }
        ++events;
    }
    return events;
}

// ------------------------------------------------------------------------------------------------
// egress side.

/// Events fired by one egress run. An engine whose Simulator::run returns the number of events
/// fired is asked directly; with one whose run() returns void this returns 0 and the caller
/// counts with countingTwin afterwards.
template <class Sim>
std::uint64_t runCounted(const Sim& simulator, std::size_t replicate, const std::vector<double>& parameters, Collector& out) {
    if constexpr (std::is_void_v<decltype(simulator.run(replicate, parameters, out))>) {
        simulator.run(replicate, parameters, out);
        return 0;
    } else {
        return static_cast<std::uint64_t>(simulator.run(replicate, parameters, out));
    }
}
constexpr bool kRunReturnsCount =
    !std::is_void_v<decltype(std::declval<const Simulator&>().run(std::size_t{}, std::declval<const std::vector<double>&>(),
                                                                  std::declval<TrajectoryObserver&>()))>;

/// The model with one extra species that every reaction produces: nothing reads it, so the channel
/// layout, the propensities and hence the random draws and the trajectory are those of the original
/// (checked in countedEvents), and its final amount is the number of reactions fired.
Model countingTwin(const Model& m) {
    Model twin = m;
    Species counter;
    counter.name = "bench_reactions_fired";
    counter.compartment = 0;
    twin.species.push_back(counter);
    for (auto& r : twin.reactions) r.products.push_back(SpeciesCount{twin.species.size() - 1, 1});
    return twin;
}

/// Reactions + buds + fusions of replicates [0, replicates), counted on the twin (untimed).
/// Returns false when the twin's trajectory differs from the original's for replicate 0.
bool countedEvents(const Model& model, const SimulationSettings& settings, const std::vector<double>& parameters,
                   std::size_t replicates, std::uint64_t& events) {
    const Model twin = countingTwin(model);
    const auto original = makeSimulator(model, settings), counting = makeSimulator(twin, settings);
    const std::size_t S = model.species.size(), R = model.routes.size(), N = settings.sampleCount();
    Collector a(S, R, N), b(S + 1, R, N);
    original->run(0, parameters, a);
    counting->run(0, parameters, b);
    for (std::size_t row = 0; row < N; ++row) {
        for (std::size_t s = 0; s < S; ++s)
            if (a.at(row, 1 + s) != b.at(row, 1 + s)) return false;
        for (std::size_t r = 0; r < R; ++r)
            if (a.at(row, 1 + S + r) != b.at(row, 2 + S + r)) return false;
    }
    events = 0;
    for (std::size_t rep = 0; rep < replicates; ++rep) {
        b.reset();
        counting->run(rep, parameters, b);
        events += static_cast<std::uint64_t>(b.at(N - 1, 1 + S)) + b.vesicleEvents();
    }
    return true;
}

void setCounters(benchmark::State& state, std::uint64_t events, std::uint64_t vesicleEvents) {
    const auto runs = static_cast<double>(state.iterations());
    state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
    state.counters["events_per_run"] = static_cast<double>(events) / runs;
    if (vesicleEvents > 0) {
        state.counters["vesicle_events_per_run"] = static_cast<double>(vesicleEvents) / runs;
        state.counters["s_per_vesicle_event"] = benchmark::Counter(
            static_cast<double>(vesicleEvents), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    }
}

void egressRun(benchmark::State& state, const std::string& key, bool eventStream) {
    const Loaded& l = loaded(key);
    const Model& model = l.config.model;
    const auto simulator = makeSimulator(model, l.settings);
    const std::vector<double> parameters = model.baseParameterValues();
    const std::size_t samples = l.sampleTimes.size();
    Collector out(model.species.size(), model.routes.size(), samples, eventStream);
    const bool ssa = l.settings.method == Method::Ssa;

    if (ssa && kRunReturnsCount) {  // the engine's own count against the counting twin, once
        std::uint64_t twin = 0;
        out.reset();
        const std::uint64_t own = runCounted(*simulator, 0, parameters, out);
        if (!countedEvents(model, l.settings, parameters, 1, twin) || twin != own) {
            state.SkipWithError("run() returns a different number of events than the counting twin fires");
            return;
        }
    }

    std::uint64_t events = 0, vesicleEvents = 0;
    std::size_t replicate = 0;
    bool complete = true;
    for (auto _ : state) {
        out.reset();
        events += runCounted(*simulator, replicate++, parameters, out);
        vesicleEvents += out.vesicleEvents();
        complete = complete && out.rows() == samples && (!eventStream || out.vesicleEventsReported() == out.vesicleEvents());
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    if (!complete) {
        state.SkipWithError("a run did not report every grid sample (or, with the event stream, every vesicle event)");
        return;
    }
    if (!ssa) events = vesicleEvents;  // hybrid: the discrete events are the vesicle events
    else if (!kRunReturnsCount && !countedEvents(model, l.settings, parameters, replicate, events)) {
        state.SkipWithError("the counting twin does not reproduce the trajectory");
        return;
    }
    setCounters(state, events, vesicleEvents);
    state.counters["samples"] = static_cast<double>(samples);
}

// Each hand loop's numbers, read from the model it implements (which it checks first).
BirthDeath birthDeathOf(const Loaded& l) {
    const Model& m = l.config.model;
    requirePlain(m, 2, 0);
    return BirthDeath{initialAmount(m, "X"), parameter(m, "lambda"), parameter(m, "mu"), l.settings.t_end, &l.sampleTimes};
}

Chain chainOf(const Loaded& l) {
    const Model& m = l.config.model;
    requirePlain(m, 4, 0);
    return Chain{{parameter(m, "k0"), parameter(m, "k1"), parameter(m, "k2"), parameter(m, "k3")}, l.settings.t_end, &l.sampleTimes};
}

Secretory secretoryOf(const Loaded& l) {
    const Model& m = l.config.model;
    requirePlain(m, 2, 2);
    const std::vector<std::string> order = {"cargo_ER", "cargo_Golgi", "cargo_degraded", "cargo_secreted"};
    bool same = m.species.size() == order.size();
    for (std::size_t i = 0; same && i < order.size(); ++i) same = m.species[i].name == order[i];
    if (!same) throw std::runtime_error("bench: the default model's species are not the four the hand-written loop implements");
    return Secretory{parameter(m, "k_syn"), parameter(m, "k_erad"),
                     {parameter(m, "k_copii"), parameter(m, "k_pgc")},
                     {parameter(m, "capture_copii"), parameter(m, "capture_pgc")},
                     {parameter(m, "fusion_copii"), parameter(m, "fusion_pgc")},
                     initialAmount(m, "cargo_ER"), initialAmount(m, "cargo_Golgi"), initialAmount(m, "cargo_degraded"),
                     initialAmount(m, "cargo_secreted"),
                     l.settings.t_end, &l.sampleTimes};
}

template <class Rng>
void handRun(benchmark::State& state, const std::string& key) {
    const Loaded& l = loaded(key);
    const Model& m = l.config.model;
    const std::size_t samples = l.sampleTimes.size();
    Collector out(m.species.size(), m.routes.size(), samples);
    std::uint64_t events = 0, vesicleEvents = 0, seed = 0;
    bool complete = true;

    if (key == "birth_death") {
        const BirthDeath bd = birthDeathOf(l);
        for (auto _ : state) {
            out.reset();
            Rng rng(++seed);
            events += handBirthDeath(bd, rng, out);
            complete = complete && out.rows() == samples;
            benchmark::DoNotOptimize(out.data());
            benchmark::ClobberMemory();
        }
    } else if (key == "linear_chain") {
        const Chain chain = chainOf(l);
        for (auto _ : state) {
            out.reset();
            Rng rng(++seed);
            events += handChain(chain, rng, out);
            complete = complete && out.rows() == samples;
            benchmark::DoNotOptimize(out.data());
            benchmark::ClobberMemory();
        }
    } else {
        const Secretory sec = secretoryOf(l);
        if (sec.k_syn != 0.0 || sec.k_erad != 0.0 || sec.er0 * sec.capture[0] >= 16.0) {
            state.SkipWithError("the hand-written loop assumes k_syn = k_erad = 0 and a small binomial mean");
            return;
        }
        std::vector<double> vesicles[2];
        vesicles[0].reserve(4096);
        vesicles[1].reserve(4096);
        for (auto _ : state) {
            out.reset();
            Rng rng(++seed);
            events += handSecretory(sec, rng, out, vesicles);
            complete = complete && out.rows() == samples;
            benchmark::DoNotOptimize(out.data());
            benchmark::ClobberMemory();
        }
        vesicleEvents = events;  // synthesis and ERAD are off: every event is a bud or a fusion
    }
    if (!complete) {
        state.SkipWithError("a run did not report every grid sample");
        return;
    }
    setCounters(state, events, vesicleEvents);
    state.counters["samples"] = static_cast<double>(samples);
}

// ------------------------------------------------------------------------------------------------
// The tight loops (tight_loops.hpp): compile-time models, xoshiro256++.

/// The tight loop's constants must still be those of the model file egress loads.
void requireTightMatches(const std::string& key) {
    const Loaded& l = loaded(key);
    const Model& m = l.config.model;
    const auto same = [](double a, double b) { return a == b; };
    bool ok = m.perturbations.empty() && m.events.empty() && m.routes.empty();
    if (key == "birth_death") {
        using M = tight::BirthDeath;
        ok = ok && m.reactions.size() == 2 && same(parameter(m, "lambda"), M::lambda) && same(parameter(m, "mu"), M::mu) &&
             same(initialAmount(m, "X"), M::x0) && same(l.settings.t_end, M::tEnd) && l.sampleTimes.size() == M::kSamples;
    } else if (key == "linear_chain") {
        using M = tight::Chain;
        ok = ok && m.reactions.size() == 4 && same(parameter(m, "k0"), M::k0) && same(parameter(m, "k1"), M::k1) &&
             same(parameter(m, "k2"), M::k2) && same(parameter(m, "k3"), M::k3) && same(l.settings.t_end, M::tEnd) &&
             l.sampleTimes.size() == M::kSamples;
    } else if (key == "dimerisation") {
        using M = tight::Dimerisation;
        ok = ok && m.reactions.size() == 2 && same(parameter(m, "k1"), M::k1) && same(parameter(m, "k2"), M::k2) &&
             same(initialAmount(m, "P"), M::p0) && same(initialAmount(m, "P2"), 0.0) && same(l.settings.t_end, M::tEnd) &&
             l.sampleTimes.size() == M::kSamples;
    } else {
        ok = false;
    }
    if (!ok) throw std::runtime_error("bench: model '" + key + "' is not the one the tight loop implements");
}

/// Collector::record with the tight loops' signature (no vesicles).
struct CollectorSink {
    Collector& c;
    void record(double time, const double* amounts) { c.record(time, amounts, nullptr); }
};

template <class Rng, class Out>
std::uint64_t tightRun(const std::string& key, Rng& rng, Out& out) {
    if (key == "birth_death") return tight::birthDeath(rng, out);
    if (key == "linear_chain") return tight::chain(rng, out);
    return tight::dimerisation(rng, out);
}

void tightBench(benchmark::State& state, const std::string& key) {
    requireTightMatches(key);
    const Loaded& l = loaded(key);
    const std::size_t samples = l.sampleTimes.size();
    Collector out(l.config.model.species.size(), 0, samples);
    CollectorSink sink{out};
    std::uint64_t events = 0, seed = 0;
    bool complete = true;
    for (auto _ : state) {
        out.reset();
        tight::Xoshiro256pp rng(++seed);
        events += tightRun(key, rng, sink);
        complete = complete && out.rows() == samples;
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    if (!complete) {
        state.SkipWithError("a run did not report every grid sample");
        return;
    }
    setCounters(state, events, 0);
    state.counters["samples"] = static_cast<double>(samples);
}

/// `--check-tight MODEL`: fails unless the tight loop still implements MODEL's file; the standalone
/// baseline process (bench/tight_process.cpp) cannot read model files, so bench/ssa_whole_process.sh
/// asks here first.
int checkTight(const std::string& key) {
    requireTightMatches(key);
    std::printf("%s: the tight loop matches bench/models/%s.toml\n", key.c_str(), key.c_str());
    return 0;
}

// ------------------------------------------------------------------------------------------------
// Large networks (bench/random_network.hpp): events/s against the number of reactions, with the
// channel chosen by linear search and by the sum tree.

const RunConfig& networkConfig(std::size_t reactions) {
    static std::map<std::size_t, RunConfig> cache;
    auto it = cache.find(reactions);
    if (it != cache.end()) return it->second;
    const auto path = std::filesystem::temp_directory_path() /
                      ("egress-bench-network-" + std::to_string(::getpid()) + "-" + std::to_string(reactions) + ".toml");
    std::ofstream(path) << bench::randomNetworkToml(reactions);
    RunConfig config = loadRunConfig(path.string());
    std::filesystem::remove(path);
    return cache.emplace(reactions, std::move(config)).first->second;
}

void networkRun(benchmark::State& state, std::size_t reactions, SsaSelection selection) {
    const RunConfig& config = networkConfig(reactions);
    const Model& model = config.model;
    const SsaSolver simulator(model, config.simulation, selection);
    const std::vector<double> parameters = model.baseParameterValues();
    Collector out(model.species.size(), 0, config.simulation.sampleCount());
    std::uint64_t events = 0;
    std::size_t replicate = 0;
    for (auto _ : state) {
        out.reset();
        events += simulator.run(replicate++, parameters, out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    setCounters(state, events, 0);
    state.counters["reactions"] = static_cast<double>(reactions);
}

/// `--engine-process N MODEL`: what `egress run` does without the file: load the model, run N
/// replicates through makeSimulator with the base parameters (these models have no cell-to-cell
/// variability), samples into
/// memory (one Collector per replicate's rows, all kept), print the events. bench/ssa_whole_process.sh
/// times it beside `egress run`: the difference is the result file (and the little the CLI adds).
int engineProcess(std::size_t runs, const std::string& key) {
    const Loaded& l = loaded(key);
    const Model& m = l.config.model;
    const auto simulator = makeSimulator(m, l.settings);
    const std::vector<double> parameters = m.baseParameterValues();
    std::vector<Collector> kept;
    kept.reserve(runs);
    std::uint64_t events = 0;
    for (std::size_t r = 0; r < runs; ++r) {
        kept.emplace_back(m.species.size(), m.routes.size(), l.sampleTimes.size());
        events += runCounted(*simulator, r, parameters, kept.back());
    }
    std::printf("%s engine_events %llu\n", key.c_str(), static_cast<unsigned long long>(events));
    return 0;
}

// ------------------------------------------------------------------------------------------------
// Reporting: the console table, then the ratios of this invocation.

class RatioReporter : public benchmark::ConsoleReporter {
public:
    explicit RatioReporter(OutputOptions options) : ConsoleReporter(options) {}
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const auto& run : runs) {
            if (run.error_occurred) continue;
            if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "max") continue;
            const std::string name = run.run_name.function_name;
            const auto counter = [&](const char* key) {
                const auto it = run.counters.find(key);
                return it == run.counters.end() ? 0.0 : static_cast<double>(it->second.value);
            };
            rate_[name] = counter("events_per_s");
            // Seconds per vesicle event from the event rate (a "max" of s_per_vesicle_event would be the slowest).
            const double perRun = counter("events_per_run"), vesiclesPerRun = counter("vesicle_events_per_run");
            if (vesiclesPerRun > 0.0 && rate_[name] > 0.0) perVesicle_[name] = perRun / vesiclesPerRun / rate_[name];
        }
        ConsoleReporter::ReportRuns(runs);
    }

    void printRatios() const {
        std::printf("\nevents/s, this invocation (egress / hand-written: 1.00 = as fast as the hand loop)\n");
        std::printf("%-14s %12s %12s %12s %12s %10s %10s %10s\n", "model", "egress", "hand_mt19937", "hand_philox", "tight",
                    "e/hand_mt", "e/hand_ph", "e/tight");
        for (const char* model : {"birth_death", "linear_chain", "dimerisation", "default"}) {
            const std::string base = std::string("ssa/") + model + "/";
            const double e = get(rate_, base + "egress"), mt = get(rate_, base + "hand_mt19937"), ph = get(rate_, base + "hand_philox"),
                         ti = get(rate_, base + "tight");
            if (e == 0.0 && mt == 0.0 && ph == 0.0 && ti == 0.0) continue;
            const auto ratio = [e](double d) { return d > 0 ? e / d : 0.0; };
            std::printf("%-14s %12.4g %12.4g %12.4g %12.4g %10.3f %10.3f %10.3f\n", model, e, mt, ph, ti, ratio(mt), ratio(ph),
                        ratio(ti));
        }
        const double stream = get(rate_, "ssa/default/egress_event_stream");
        const double mt = get(rate_, "ssa/default/hand_mt19937"), ph = get(rate_, "ssa/default/hand_philox");
        if (stream > 0.0)
            std::printf("%-14s %12.4g %12s %12s %12s %10.3f %10.3f   (every bud and fusion reported, as for an event log)\n",
                        "default+stream", stream, "", "", "", mt > 0 ? stream / mt : 0.0, ph > 0 ? stream / ph : 0.0);
        bool header = false;
        for (const auto& [name, rate] : rate_) {
            if (name.rfind("ssa_network/", 0) != 0 || name.find("/direct") == std::string::npos) continue;
            const std::string base = name.substr(0, name.size() - std::string("/direct").size());
            const std::size_t reactions = std::stoul(base.substr(std::string("ssa_network/").size()));
            const double tree = get(rate_, base + "/tree");
            if (!header) {
                std::printf("\nrandom networks: events/s by the number of reactions (auto: what SsaSolver picks, tree from %zu channels)\n",
                            SsaSolver::kTreeMinChannels);
                std::printf("%10s %12s %12s %10s %6s\n", "reactions", "direct", "tree", "tree/dir", "auto");
                header = true;
            }
            std::printf("%10zu %12.4g %12.4g %10.3f %6s\n", reactions, rate, tree, rate > 0 ? tree / rate : 0.0,
                        reactions >= SsaSolver::kTreeMinChannels ? "tree" : "direct");
        }
        const double hybrid = get(perVesicle_, "hybrid/default/egress"), ssa = get(perVesicle_, "ssa/default/egress");
        if (hybrid > 0.0) {
            std::printf("\nhybrid, default model: %.3g us per vesicle event (bud or fusion)", hybrid * 1e6);
            if (ssa > 0.0) std::printf("; ssa: %.3g us per vesicle event; hybrid / ssa = %.1f", ssa * 1e6, hybrid / ssa);
            std::printf("\n");
        }
    }

private:
    static double get(const std::map<std::string, double>& m, const std::string& k) {
        const auto it = m.find(k);
        return it == m.end() ? 0.0 : it->second;
    }
    std::map<std::string, double> rate_, perVesicle_;
};

/// `--plain-runs N MODEL`: N trajectories of one model through egress and through the hand-written
/// Philox loop, outside Google Benchmark, printing the events each side fired. Made for
/// bench/ssa_instructions.sh, which counts instructions under callgrind: a figure that does not
/// move with the load of a shared machine.
int plainRuns(std::size_t runs, const std::string& only, bool eventStream) {
    for (const std::string key : {"birth_death", "linear_chain", "dimerisation", "default"}) {
        if (key != only) continue;
        const Loaded& l = loaded(key);
        const Model& m = l.config.model;
        const auto simulator = makeSimulator(m, l.settings);
        const std::vector<double> parameters = m.baseParameterValues();
        Collector out(m.species.size(), m.routes.size(), l.sampleTimes.size(), eventStream);
        std::uint64_t egressEvents = 0, handEvents = 0;
        for (std::size_t r = 0; r < runs; ++r) {
            out.reset();
            egressEvents += runCounted(*simulator, r, parameters, out);
        }
        std::vector<double> vesicles[2];
        std::uint64_t tightEvents = 0;
        // The standard model grew routes the hand loop does not implement (bench/README.md): time
        // the engine alone then, rather than refuse the model.
        bool handFits = true;
        if (key == "default") try {
                (void)secretoryOf(l);
            } catch (const std::runtime_error& e) {
                std::fprintf(stderr, "%s: no hand loop (%s)\n", key.c_str(), e.what());
                handFits = false;
            }
        for (std::size_t seed = 1; seed <= runs; ++seed) {
            out.reset();
            Philox rng(seed);
            if (key == "birth_death") handEvents += handBirthDeath(birthDeathOf(l), rng, out);
            else if (key == "linear_chain") handEvents += handChain(chainOf(l), rng, out);
            else if (key == "default" && handFits) handEvents += handSecretory(secretoryOf(l), rng, out, vesicles);
            if (key != "default") {
                out.reset();
                tight::Xoshiro256pp fast(seed);
                CollectorSink sink{out};
                tightEvents += tightRun(key, fast, sink);
            }
        }
        std::printf("%s egress_events %llu hand_events %llu tight_events %llu\n", key.c_str(),
                    static_cast<unsigned long long>(egressEvents), static_cast<unsigned long long>(handEvents),
                    static_cast<unsigned long long>(tightEvents));
    }
    return 0;
}

}  // namespace

/// The fastest repetition: see the file comment.
double fastest(const std::vector<double>& values) { return values.empty() ? 0.0 : *std::max_element(values.begin(), values.end()); }

int main(int argc, char** argv) {
    if ((argc == 4 || argc == 5) && std::string(argv[1]) == "--plain-runs")
        return plainRuns(std::stoul(argv[2]), argv[3], argc == 5 && std::string(argv[4]) == "--event-stream");
    if (argc == 3 && std::string(argv[1]) == "--check-tight") return checkTight(argv[2]);
    if (argc == 4 && std::string(argv[1]) == "--engine-process") return engineProcess(std::stoul(argv[2]), argv[3]);
    if (argc == 3 && std::string(argv[1]) == "--network-toml") {  // the random network as a parameter file
        std::fputs(bench::randomNetworkToml(std::stoul(argv[2])).c_str(), stdout);
        return 0;
    }
    for (const std::string model : {"birth_death", "linear_chain", "dimerisation", "default"}) {
        const std::string prefix = "ssa/" + model + "/";
        benchmark::RegisterBenchmark((prefix + "egress").c_str(), egressRun, model, false)->Unit(benchmark::kMicrosecond)->ComputeStatistics("max", fastest);
        if (model != "dimerisation") {  // the model-file-driven loops predate it; the tight loop is its baseline
            benchmark::RegisterBenchmark((prefix + "hand_mt19937").c_str(), handRun<Mt64>, model)->Unit(benchmark::kMicrosecond)->ComputeStatistics("max", fastest);
            benchmark::RegisterBenchmark((prefix + "hand_philox").c_str(), handRun<Philox>, model)->Unit(benchmark::kMicrosecond)->ComputeStatistics("max", fastest);
        }
        if (model != "default")
            benchmark::RegisterBenchmark((prefix + "tight").c_str(), tightBench, model)->Unit(benchmark::kMicrosecond)->ComputeStatistics("max", fastest);
    }
    // The default model once more with every bud and fusion reported to the observer: the engine's
    // side of the vesicle event log (the file's buffering and writing are in egress_bench_hdf5).
    benchmark::RegisterBenchmark("ssa/default/egress_event_stream", egressRun, std::string("default"), true)
        ->Unit(benchmark::kMicrosecond)->ComputeStatistics("max", fastest);
    // Sizes sorted as numbers in the table: the names are zero-padded.
    for (const std::size_t reactions : {10, 32, 100, 200, 300, 500, 1000, 10000}) {
        char base[64];
        std::snprintf(base, sizeof base, "ssa_network/%05zu", reactions);
        benchmark::RegisterBenchmark((std::string(base) + "/direct").c_str(), networkRun, reactions, SsaSelection::Direct)
            ->Unit(benchmark::kMillisecond)->ComputeStatistics("max", fastest);
        benchmark::RegisterBenchmark((std::string(base) + "/tree").c_str(), networkRun, reactions, SsaSelection::Tree)
            ->Unit(benchmark::kMillisecond)->ComputeStatistics("max", fastest);
    }
    benchmark::RegisterBenchmark("hybrid/default/egress", egressRun, std::string("default_hybrid"), false)->Unit(benchmark::kMicrosecond)->ComputeStatistics("max", fastest);

    // A display reporter passed in does not see --benchmark_color: honour it (and a pipe) here.
    bool color = isatty(fileno(stdout)) != 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--benchmark_color=false" || a == "--benchmark_color=no" || a == "--benchmark_color=0") color = false;
        if (a == "--benchmark_color=true" || a == "--benchmark_color=yes" || a == "--benchmark_color=1") color = true;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    RatioReporter reporter(color ? benchmark::ConsoleReporter::OO_ColorTabular : benchmark::ConsoleReporter::OO_Tabular);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.printRatios();
    benchmark::Shutdown();
    return 0;
}
