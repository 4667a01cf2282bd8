#include "io/RunReader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "core/Error.hpp"
#include "io/InputNames.hpp"

namespace egress {

void RunReader::applyOverrides(const std::vector<std::string>& overrides) {
    Model& m = config_.model;
    for (const auto& o : overrides) {
        const auto eq = o.find('=');
        if (eq == std::string::npos || eq == 0)
            throw InputError("", 0, 0, "--set '" + o + "': expected NAME=VALUE");
        const std::string name = o.substr(0, eq);
        const std::string text = o.substr(eq + 1);
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !std::isfinite(v))
            throw InputError("", 0, 0, "--set " + name + ": '" + text + "' is not a finite number");
        const auto pi = m.findParameter(name);
        if (!pi) throw InputError("", 0, 0, "--set " + name + ": unknown parameter '" + name + "'" + didYouMean(name, names(m.parameters)));
        m.parameters[*pi].value = v;
        state_.overridden.insert(*pi);
    }
}

void RunReader::read(const toml::table& root) {
    readSimulation(root);
    readPerturbations(doc_, root, false);
    readEvents(root);
    readOutput(root);
}

void RunReader::readSimulation(const toml::table& root) {
    const Document& doc = doc_;
    const auto* sn = root.get("simulation");
    if (!sn) doc.fail(root.source(), "", "missing section [simulation] (t_end and output_interval are required)");
    const auto& t = doc.table(*sn, "simulation");
    doc.checkKeys(t, "simulation", {"method", "t_end", "output_interval", "replicates", "first_replicate", "seed", "stepper",
                                    "rtol", "atol", "delay_stages"});
    SimulationSettings& s = config_.simulation;
    if (const auto* m = t.get("method")) s.method = namedValue(doc, *m, "simulation.method", "method", methodFromName, methodNames());
    s.t_end = doc.positive(doc.require(t, "t_end", "simulation"), "simulation.t_end");
    const auto& dn = doc.require(t, "output_interval", "simulation");
    s.output_interval = doc.positive(dn, "simulation.output_interval");
    const double steps = s.t_end / s.output_interval;
    if (std::abs(steps - std::round(steps)) > 1e-9 * std::max(1.0, steps))
        doc.fail(dn, "simulation.output_interval", "must divide t_end = " + Document::formatNumber(s.t_end) + " into whole steps");
    if (steps > static_cast<double>(kMaxOutputSteps)) doc.fail(dn, "simulation.output_interval", "gives more than 10^8 samples");
    if (const auto* r = t.get("replicates")) {
        const auto v = doc.integer(*r, "simulation.replicates");
        if (v < 1) doc.fail(*r, "simulation.replicates", "must be at least 1");
        s.replicates = static_cast<std::size_t>(v);
    }
    if (const auto* r = t.get("first_replicate")) {
        const auto v = doc.integer(*r, "simulation.first_replicate");
        if (v < 0 || v >= (std::int64_t{1} << 32)) doc.fail(*r, "simulation.first_replicate", "must lie in [0, 2^32)");
        s.first_replicate = static_cast<std::size_t>(v);
    }
    if (const auto* r = t.get("seed")) {
        const auto v = doc.integer(*r, "simulation.seed");
        if (v < 0) doc.fail(*r, "simulation.seed", "must not be negative");
        s.seed = static_cast<std::uint64_t>(v);
    }
    if (const auto* st = t.get("stepper")) s.stepper = namedValue(doc, *st, "simulation.stepper", "stepper", stepperFromName, stepperNames());
    if (const auto* r = t.get("rtol")) {
        s.rtol = doc.positive(*r, "simulation.rtol");
        if (s.rtol >= 1.0 || s.rtol < 1e-14) doc.fail(*r, "simulation.rtol", "must lie in [1e-14, 1)");
    }
    if (const auto* a = t.get("atol")) s.atol = doc.positive(*a, "simulation.atol");
    if (const auto* d = t.get("delay_stages")) {
        const auto v = doc.integer(*d, "simulation.delay_stages");
        if (v < 1 || v > 1000) doc.fail(*d, "simulation.delay_stages", "must lie in [1, 1000]");
        s.delay_stages = static_cast<int>(v);
    }
}

void RunReader::readScenario(const Document& scenario) {
    const auto& root = scenario.root();
    scenario.checkKeys(root, "", {"perturbations", "name", "description"});
    if (!root.get("perturbations"))
        scenario.fail(root.source(), "", "a scenario file holds [[perturbations]]; this one has none");
    readPerturbations(scenario, root, true);
}

void RunReader::readPerturbations(const Document& doc, const toml::table& root, bool scenario) {
    const auto* pn = root.get("perturbations");
    if (!pn) return;
    const auto* arr = pn->as_array();
    if (!arr) doc.fail(*pn, "perturbations", std::string("expected an array of tables [[perturbations]], found ") + tomlTypeName(*pn));
    Model& m = config_.model;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string field = "perturbations[" + std::to_string(i) + "]";
        const auto& t = doc.table((*arr)[i], field);
        doc.checkKeys(t, field, {"name", "target", "scale", "value", "start", "end", "description", "source"});
        Perturbation p;
        if (const auto* nn = t.get("name")) p.name = doc.string(*nn, field + ".name");
        const auto& tn = doc.require(t, "target", field);
        const std::string target = doc.string(tn, field + ".target");
        if (scenario && !m.findParameter(target))
            doc.fail(tn, field + ".target", "the scenario does not fit model '" + m.name + "': it has no parameter '" + target +
                                                "'" + didYouMean(target, names(m.parameters)));
        p.parameter = parameterNamed(doc, m, tn.source(), field + ".target", target);
        state_.usedParameters.insert(p.parameter);
        const auto* scale = t.get("scale");
        const auto* value = t.get("value");
        if ((scale == nullptr) == (value == nullptr))
            doc.fail(t.source(), field, "give exactly one of 'scale' (multiply) or 'value' (set)");
        p.mode = scale ? PerturbationMode::Scale : PerturbationMode::Set;
        p.value = doc.nonNegative(scale ? *scale : *value, field + (scale ? ".scale" : ".value"));
        const auto& sn = doc.require(t, "start", field);
        p.start = doc.nonNegative(sn, field + ".start");
        if (p.start >= config_.simulation.t_end)
            doc.fail(sn, field + ".start", "starts at or after t_end = " + Document::formatNumber(config_.simulation.t_end) + ": it would never act");
        if (const auto* en = t.get("end")) {
            p.end = doc.number(*en, field + ".end");
            if (*p.end <= p.start) doc.fail(*en, field + ".end", "must be after start = " + Document::formatNumber(p.start));
        }
        m.perturbations.push_back(p);
        state_.perturbationTables.push_back(LoadState::PerturbationSite{&doc, &t, field});
    }
}

void RunReader::readEvents(const toml::table& root) {
    const Document& doc = doc_;
    const auto* en = root.get("events");
    if (!en) return;
    const auto* arr = en->as_array();
    if (!arr) doc.fail(*en, "events", std::string("expected an array of tables [[events]], found ") + tomlTypeName(*en));
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string field = "events[" + std::to_string(i) + "]";
        const auto& t = doc.table((*arr)[i], field);
        doc.checkKeys(t, field, {"at", "add", "set", "name", "description"});
        TimedEvent e;
        const auto& an = doc.require(t, "at", field);
        e.at = doc.nonNegative(an, field + ".at");
        if (e.at > config_.simulation.t_end)
            doc.fail(an, field + ".at", "is after t_end = " + Document::formatNumber(config_.simulation.t_end));
        for (const char* kind : {"add", "set"}) {
            const auto* cn = t.get(kind);
            if (!cn) continue;
            const std::string cf = field + "." + kind;
            for (const auto& [key, node] : doc.table(*cn, cf)) {
                const std::string name(key.str());
                SpeciesChange c;
                c.species = speciesNamed(doc, config_.model, key.source(), cf + "." + name, name);
                for (const auto& r : config_.model.assignmentRules)
                    if (r.species == c.species)
                        doc.fail(key.source(), cf + "." + name, "species '" + name + "' has an assignment rule, which alone sets its amount: an event cannot change it");
                c.mode = std::string(kind) == "add" ? EventMode::Add : EventMode::Set;
                state_.runConstant(doc, config_.model, node, cf + "." + name, c.amount, c.amountParameter);
                e.changes.push_back(c);
            }
        }
        if (e.changes.empty()) doc.fail(t.source(), field, "an event needs 'add' or 'set' with at least one species");
        config_.model.events.push_back(e);
    }
}

void RunReader::readOutput(const toml::table& root) {
    const Document& doc = doc_;
    const auto* on = root.get("output");
    if (!on) return;
    const auto& t = doc.table(*on, "output");
    doc.checkKeys(t, "output", {"file", "events", "compression"});
    if (const auto* f = t.get("file")) {
        config_.output.file = doc.string(*f, "output.file");
        if (config_.output.file.empty()) doc.fail(*f, "output.file", "must not be empty");
    }
    if (const auto* e = t.get("events")) config_.output.events = doc.boolean(*e, "output.events");
    if (const auto* c = t.get("compression")) {
        const auto v = doc.integer(*c, "output.compression");
        if (v < 0 || v > 9) doc.fail(*c, "output.compression", "gzip level must lie in [0, 9]");
        config_.output.compression = static_cast<int>(v);
    }
}

}  // namespace egress
