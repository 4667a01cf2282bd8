// The resolved parameter file: model inline, overrides applied. Kept beside the loader so that
// the two stay mirror images: whatever the loader reads, this writes.
#include <sstream>
#include <toml++/toml.h>

#include "io/ConfigLoader.hpp"
#include "core/Variability.hpp"

namespace egress {

namespace {

void putValue(toml::table& t, const std::string& key, const ValueRef& v, const Model& m) {
    if (v.parameter) t.insert_or_assign(key, m.parameters[*v.parameter].name);
    else t.insert_or_assign(key, v.literal);
}

/// A run constant as its parameter's name when it has one, so the resolved file keeps the link.
void putRunConstant(toml::table& t, const std::string& key, double value, const std::optional<std::size_t>& parameter, const Model& m) {
    if (parameter) t.insert_or_assign(key, m.parameters[*parameter].name);
    else t.insert_or_assign(key, value);
}

std::string side(const std::vector<SpeciesCount>& terms, const Model& m) {
    std::string s;
    for (const auto& term : terms) {
        if (!s.empty()) s += " + ";
        if (term.count != 1) s += std::to_string(term.count) + " ";
        s += m.species[term.species].name;
    }
    return s;
}

void putLaw(toml::table& t, const RateLaw& law, const Model& m, bool writeSubstrate) {
    t.insert_or_assign("law", rateLawName(law.kind));
    switch (law.kind) {
        case RateLawKind::MassAction:
            putValue(t, "k", law.k, m);
            break;
        case RateLawKind::MichaelisMenten:
        case RateLawKind::Hill:
            putValue(t, "vmax", law.vmax, m);
            putValue(t, "km", law.km, m);
            if (law.kind == RateLawKind::Hill) putValue(t, "n", law.n, m);
            break;
        case RateLawKind::Expression:
            t.insert_or_assign("rate", law.expression.text);
            return;  // the formula names its own species
    }
    if (writeSubstrate && law.substrate) t.insert_or_assign("substrate", m.species[*law.substrate].name);
}

}  // namespace

std::string resolvedParamsToml(const RunConfig& c) {
    const Model& m = c.model;
    toml::table model;
    model.insert_or_assign("name", m.name);
    toml::table compartments;
    for (const auto& comp : m.compartments) {
        toml::table ct;
        if (comp.area_um2) ct.insert_or_assign("area", *comp.area_um2);
        if (comp.synthesisParameter || comp.membrane_synthesis_um2_per_s != 0.0)
            putRunConstant(ct, "membrane_synthesis", comp.membrane_synthesis_um2_per_s, comp.synthesisParameter, m);
        if (comp.degrades_membrane) ct.insert_or_assign("degrades_membrane", true);
        if (comp.holds_values) ct.insert_or_assign("values", true);
        compartments.insert_or_assign(comp.name, ct);
    }
    model.insert_or_assign("compartments", compartments);
    toml::table species;
    for (const auto& s : m.species) {
        toml::table st{{"compartment", m.compartments[s.compartment].name}};
        putRunConstant(st, "initial", s.initial, s.initialParameter, m);
        species.insert_or_assign(s.name, st);
    }
    model.insert_or_assign("species", species);
    toml::table parameters;
    for (const auto& p : m.parameters) {
        toml::table pt{{"value", p.value}};
        if (!p.units.empty()) pt.insert_or_assign("units", p.units);
        if (!p.source.empty()) pt.insert_or_assign("source", p.source);
        if (p.distribution != Distribution::Fixed) {
            pt.insert_or_assign("distribution", distributionName(p.distribution));
            pt.insert_or_assign("cv", p.cv);
        }
        parameters.insert_or_assign(p.name, pt);
    }
    model.insert_or_assign("parameters", parameters);
    toml::table functions;
    for (const auto& f : m.functions) {
        toml::array args;
        for (const auto& a : f.arguments) args.push_back(a);
        functions.insert_or_assign(f.name, toml::table{{"args", args}, {"body", f.body}});
    }
    if (!functions.empty()) model.insert_or_assign("functions", functions);
    // Rules as written; the values they set are in the tables above too (evaluating an initial
    // assignment again gives the value written).
    toml::table assignmentRules, rateRules, initialAssignments;
    for (const auto& r : m.assignmentRules) assignmentRules.insert_or_assign(m.species[r.species].name, r.expression.text);
    for (const auto& r : m.rateRules) rateRules.insert_or_assign(m.species[r.species].name, r.expression.text);
    for (const auto& a : m.initialAssignments)
        initialAssignments.insert_or_assign(a.isSpecies ? m.species[a.index].name : m.parameters[a.index].name, a.expression.text);
    if (!assignmentRules.empty()) model.insert_or_assign("assignment_rules", assignmentRules);
    if (!rateRules.empty()) model.insert_or_assign("rate_rules", rateRules);
    if (!initialAssignments.empty()) model.insert_or_assign("initial_assignments", initialAssignments);
    toml::array reactions;
    for (const auto& r : m.reactions) {
        toml::table rt{{"name", r.name}, {"equation", side(r.reactants, m) + " -> " + side(r.products, m)}};
        // A substrate that is just the first reactant is implied; write only a chosen one.
        const bool explicitSubstrate = r.law.substrate && (r.reactants.empty() || *r.law.substrate != r.reactants.front().species);
        putLaw(rt, r.law, m, explicitSubstrate);
        reactions.push_back(rt);
    }
    if (!reactions.empty()) model.insert_or_assign("reactions", reactions);
    toml::array vesicles;
    for (const auto& v : m.routes) {
        toml::table budding;
        putLaw(budding, v.budding, m, true);
        if (v.buddingPerDonorArea) budding.insert_or_assign("per_donor_area", true);
        toml::table cargo;
        for (const auto& p : v.cargo) {
            if (!p.capture) {
                cargo.insert_or_assign(m.species[p.donor].name, m.species[p.acceptor].name);
                continue;
            }
            toml::table own{{"to", m.species[p.acceptor].name}};
            putValue(own, "capture", *p.capture, m);
            cargo.insert_or_assign(m.species[p.donor].name, own);
        }
        toml::table vt{{"name", v.name}, {"from", m.compartments[v.from].name}, {"to", m.compartments[v.to].name},
                       {"budding", budding}, {"cargo", cargo}};
        putRunConstant(vt, "delay", v.delay, v.delayParameter, m);
        putRunConstant(vt, "vesicle_area", v.vesicle_area_um2, v.areaParameter, m);
        putValue(vt, "capture", v.capture, m);
        putValue(vt, "fusion_rate", v.fusion_rate, m);
        vesicles.push_back(vt);
    }
    if (!vesicles.empty()) model.insert_or_assign("vesicles", vesicles);
    toml::array stateEvents;
    for (const auto& e : m.stateEvents) {
        toml::table assign;
        for (const auto& a : e.assignments)
            assign.insert_or_assign(a.target == AssignmentTarget::Species ? m.species[a.index].name : m.parameters[a.index].name,
                                    a.value.text);
        toml::table et{{"name", e.name}, {"trigger", e.trigger.text}, {"assign", assign}, {"persistent", e.persistent},
                       {"initial_value", e.initialValue}, {"use_values_from_trigger_time", e.useValuesFromTriggerTime}};
        if (e.delay) et.insert_or_assign("delay", e.delay->text);
        if (e.priority) et.insert_or_assign("priority", e.priority->text);
        stateEvents.push_back(et);
    }
    if (!stateEvents.empty()) model.insert_or_assign("events", stateEvents);

    toml::table root;
    root.insert_or_assign("model", model);
    const auto& s = c.simulation;
    root.insert_or_assign("simulation", toml::table{{"method", methodName(s.method)},
                                                    {"t_end", s.t_end},
                                                    {"output_interval", s.output_interval},
                                                    {"replicates", static_cast<std::int64_t>(s.replicates)},
                                                    {"first_replicate", static_cast<std::int64_t>(s.first_replicate)},
                                                    {"seed", static_cast<std::int64_t>(s.seed)},
                                                    {"stepper", stepperName(s.stepper)},
                                                    {"rtol", s.rtol},
                                                    {"atol", s.atol},
                                                    {"delay_stages", s.delay_stages}});
    toml::array perturbations;
    for (const auto& p : m.perturbations) {
        toml::table pt{{"name", p.name}, {"target", m.parameters[p.parameter].name}, {"start", p.start}};
        pt.insert_or_assign(perturbationModeKey(p.mode), p.value);
        if (p.end) pt.insert_or_assign("end", *p.end);
        perturbations.push_back(pt);
    }
    if (!perturbations.empty()) root.insert_or_assign("perturbations", perturbations);
    toml::array events;
    for (const auto& e : m.events) {
        toml::table add, set;
        for (const auto& ch : e.changes) putRunConstant(ch.mode == EventMode::Add ? add : set, m.species[ch.species].name, ch.amount, ch.amountParameter, m);
        toml::table et{{"at", e.at}};
        if (!add.empty()) et.insert_or_assign("add", add);
        if (!set.empty()) et.insert_or_assign("set", set);
        events.push_back(et);
    }
    if (!events.empty()) root.insert_or_assign("events", events);
    toml::table output{{"events", c.output.events}, {"compression", c.output.compression}};
    if (!c.output.file.empty()) output.insert_or_assign("file", c.output.file);
    root.insert_or_assign("output", output);

    std::ostringstream text;
    text << "# Resolved by egress: model inline, every override applied. `egress run` accepts it as is.\n";
    text << root << "\n";
    return text.str();
}

}  // namespace egress
