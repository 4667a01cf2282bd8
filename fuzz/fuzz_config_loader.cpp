// libFuzzer target: the bytes are a parameter file (TOML). Loading must either succeed or throw
// egress::Error (InputError for bad input); anything else -- another exception type, a crash,
// undefined behaviour, a leak or a hang -- is a bug. When loading succeeds, the resolved
// parameter file (resolvedParamsToml) must load again to the same configuration, and every
// method's simulator must be constructible (or refuse with egress::Error). Nothing is run.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <typeinfo>

#include "core/Error.hpp"
#include "io/ConfigLoader.hpp"
#include "solvers/Simulator.hpp"

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& text) {
    std::fprintf(stderr, "\n==== egress fuzz_config_loader: %s\n---- input:\n%s\n----\n", what.c_str(), text.c_str());
    std::abort();
}

// Same bits, except that +0 and -0 count as equal: the resolved file may print either.
bool same(double a, double b) { return a == b || (a != a && b != b); }

#define EXPECT_SAME(cond, what)                                          \
    do {                                                                 \
        if (!(cond) && mismatch.empty()) mismatch = std::string(what);   \
    } while (0)

/// The first difference between a configuration and its reloaded resolved file, or "".
std::string compare(const egress::RunConfig& a, const egress::RunConfig& b) {
    using namespace egress;
    std::string mismatch;
    const Model& x = a.model;
    const Model& y = b.model;
    EXPECT_SAME(x.name == y.name, "model.name");
    EXPECT_SAME(x.compartments.size() == y.compartments.size(), "compartment count");
    for (std::size_t i = 0; mismatch.empty() && i < x.compartments.size(); ++i) {
        EXPECT_SAME(x.compartments[i].name == y.compartments[i].name, "compartment name/order");
        EXPECT_SAME(x.compartments[i].area_um2.has_value() == y.compartments[i].area_um2.has_value() &&
                        (!x.compartments[i].area_um2 || same(*x.compartments[i].area_um2, *y.compartments[i].area_um2)),
                    "compartment area");
    }
    EXPECT_SAME(x.species.size() == y.species.size(), "species count");
    for (std::size_t i = 0; mismatch.empty() && i < x.species.size(); ++i) {
        EXPECT_SAME(x.species[i].name == y.species[i].name, "species name/order");
        EXPECT_SAME(x.species[i].compartment == y.species[i].compartment, "species compartment");
        EXPECT_SAME(same(x.species[i].initial, y.species[i].initial), "species initial");
    }
    EXPECT_SAME(x.parameters.size() == y.parameters.size(), "parameter count");
    for (std::size_t i = 0; mismatch.empty() && i < x.parameters.size(); ++i) {
        const Parameter &p = x.parameters[i], &q = y.parameters[i];
        EXPECT_SAME(p.name == q.name, "parameter name/order");
        EXPECT_SAME(same(p.value, q.value), "parameter value");
        EXPECT_SAME(p.distribution == q.distribution && same(p.cv, q.cv), "parameter distribution/cv");
        EXPECT_SAME(p.units == q.units && p.source == q.source, "parameter units/source");
    }
    auto sameRef = [](const ValueRef& r, const ValueRef& s) {
        return r.parameter == s.parameter && (r.parameter || same(r.literal, s.literal));
    };
    auto sameCounts = [](const std::vector<SpeciesCount>& r, const std::vector<SpeciesCount>& s) {
        if (r.size() != s.size()) return false;
        for (std::size_t i = 0; i < r.size(); ++i)
            if (r[i].species != s[i].species || r[i].count != s[i].count) return false;
        return true;
    };
    auto sameLaw = [&](const RateLaw& r, const RateLaw& s) {
        if (r.kind != s.kind || r.substrate != s.substrate || !sameCounts(r.order, s.order)) return false;
        if (r.kind == RateLawKind::MassAction) return sameRef(r.k, s.k);
        return sameRef(r.vmax, s.vmax) && sameRef(r.km, s.km) && (r.kind != RateLawKind::Hill || sameRef(r.n, s.n));
    };
    EXPECT_SAME(x.reactions.size() == y.reactions.size(), "reaction count");
    for (std::size_t i = 0; mismatch.empty() && i < x.reactions.size(); ++i) {
        const Reaction &r = x.reactions[i], &s = y.reactions[i];
        EXPECT_SAME(r.name == s.name, "reaction name/order");
        EXPECT_SAME(sameCounts(r.reactants, s.reactants) && sameCounts(r.products, s.products), "reaction equation");
        EXPECT_SAME(sameLaw(r.law, s.law), "reaction law");
    }
    EXPECT_SAME(x.routes.size() == y.routes.size(), "route count");
    for (std::size_t i = 0; mismatch.empty() && i < x.routes.size(); ++i) {
        const VesicleRoute &r = x.routes[i], &s = y.routes[i];
        EXPECT_SAME(r.name == s.name && r.from == s.from && r.to == s.to, "route name/from/to");
        EXPECT_SAME(sameLaw(r.budding, s.budding), "route budding law");
        bool cargo = r.cargo.size() == s.cargo.size();
        for (std::size_t c = 0; cargo && c < r.cargo.size(); ++c)
            cargo = r.cargo[c].donor == s.cargo[c].donor && r.cargo[c].acceptor == s.cargo[c].acceptor;
        EXPECT_SAME(cargo, "route cargo");
        EXPECT_SAME(sameRef(r.capture, s.capture) && sameRef(r.fusion_rate, s.fusion_rate), "route capture/fusion_rate");
        EXPECT_SAME(same(r.delay, s.delay) && same(r.vesicle_area_um2, s.vesicle_area_um2), "route delay/vesicle_area");
    }
    EXPECT_SAME(x.perturbations.size() == y.perturbations.size(), "perturbation count");
    for (std::size_t i = 0; mismatch.empty() && i < x.perturbations.size(); ++i) {
        const Perturbation &p = x.perturbations[i], &q = y.perturbations[i];
        EXPECT_SAME(p.name == q.name && p.parameter == q.parameter && p.mode == q.mode && same(p.value, q.value) &&
                        same(p.start, q.start) && p.end.has_value() == q.end.has_value() && (!p.end || same(*p.end, *q.end)),
                    "perturbation");
    }
    EXPECT_SAME(x.events.size() == y.events.size(), "event count");
    for (std::size_t i = 0; mismatch.empty() && i < x.events.size(); ++i) {
        const TimedEvent &e = x.events[i], &f = y.events[i];
        EXPECT_SAME(same(e.at, f.at), "event time");
        // The resolved file groups an event's changes by kind (all `add`, then all `set`).
        bool changes = e.changes.size() == f.changes.size();
        for (const auto& c : e.changes) {
            bool found = false;
            for (const auto& d : f.changes)
                found = found || (c.species == d.species && c.mode == d.mode && same(c.amount, d.amount));
            changes = changes && found;
        }
        EXPECT_SAME(changes, "event changes");
    }
    const SimulationSettings &s = a.simulation, &t = b.simulation;
    EXPECT_SAME(s.method == t.method && same(s.t_end, t.t_end) && same(s.output_interval, t.output_interval) &&
                    s.replicates == t.replicates && s.seed == t.seed && s.stepper == t.stepper && same(s.rtol, t.rtol) &&
                    same(s.atol, t.atol) && s.delay_stages == t.delay_stages,
                "simulation settings");
    EXPECT_SAME(a.output.file == b.output.file && a.output.events == b.output.events &&
                    a.output.compression == b.output.compression,
                "output settings");
    return mismatch;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    egress::RunConfig config;
    try {
        config = egress::loadRunConfigFromText(text, "fuzz.toml");
    } catch (const egress::Error&) {
        return 0;  // the expected outcome for bad input
    } catch (const std::exception& e) {
        fail(std::string("loadRunConfigFromText threw ") + typeid(e).name() + " (not egress::Error): " + e.what(), text);
    }

    // Round trip: the resolved file must load, to the same configuration.
    const std::string resolved = egress::resolvedParamsToml(config);
    egress::RunConfig again;
    try {
        again = egress::loadRunConfigFromText(resolved, "fuzz-resolved.toml");
    } catch (const std::exception& e) {
        fail(std::string("the resolved parameter file does not load: ") + typeid(e).name() + ": " + e.what() +
                 "\n---- resolved:\n" + resolved,
             text);
    }
    const std::string mismatch = compare(config, again);
    if (!mismatch.empty())
        fail("the resolved parameter file loads to a different configuration (" + mismatch + ")\n---- resolved:\n" + resolved, text);
    if (egress::resolvedParamsToml(again) != resolved)
        fail("resolving the resolved parameter file changes it\n---- resolved:\n" + resolved + "\n---- resolved again:\n" +
                 egress::resolvedParamsToml(again),
             text);

    // Every method must accept the model or refuse it with egress::Error. Construct only.
    for (const auto method : {egress::Method::Ode, egress::Method::Ssa, egress::Method::Hybrid}) {
        egress::SimulationSettings settings = config.simulation;
        settings.method = method;
        try {
            const auto simulator = egress::makeSimulator(config.model, settings);
            if (!simulator) fail(std::string("makeSimulator returned null for ") + egress::methodName(method), text);
            (void)simulator->algorithm();
        } catch (const egress::Error&) {
        } catch (const std::exception& e) {
            fail(std::string("makeSimulator(") + egress::methodName(method) + ") threw " + typeid(e).name() +
                     " (not egress::Error): " + e.what(),
                 text);
        }
    }
    return 0;
}
