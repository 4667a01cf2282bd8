#include "io/CrossChecks.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "core/Kinetics.hpp"
#include "core/ModelValidator.hpp"
#include "core/NameTable.hpp"

namespace egress {

void checkValues(const RunConfig& config, const LoadState& state, const Document& params) {
    const Model& m = config.model;
    const auto problems = checkModelValues(m, config.simulation.t_end);
    if (problems.empty()) return;
    const ValueProblem& p = problems.front();
    if (p.perturbation) {
        const auto& site = state.perturbationTables[*p.perturbation];
        const char* key = perturbationModeKey(m.perturbations[*p.perturbation].mode);
        site.document->fail(*site.table->get(key), site.field + "." + key, p.message);
    }
    std::string message = p.message;
    const bool fromSet = p.parameter && state.overridden.count(*p.parameter);
    if (fromSet) message += " (from --set)";
    if (const auto site = state.useSites.find(p.use.key); site != state.useSites.end())
        site->second.document->fail(site->second.at, site->second.field, message);
    if (p.parameter) {
        // A problem of the value itself is where the value in force was given.
        const std::string& name = m.parameters[*p.parameter].name;
        if (fromSet) throw InputError("", 0, 0, "--set " + name + ": " + p.message);
        const auto& site = state.parameterSites[*p.parameter];
        if (site.valueDocument) site.valueDocument->fail(site.value, site.valueField, message);
        site.document->fail(site.key, "parameters." + name, message);
    }
    throw InputError(params.path(), 0, 0, message);
}

void checkUnused(RunConfig& config, const LoadState& state) {
    const Model& m = config.model;
    for (std::size_t i = 0; i < m.parameters.size(); ++i) {
        if (state.usedParameters.count(i)) continue;
        const auto& site = state.parameterSites[i];
        const std::string msg = "parameter '" + m.parameters[i].name + "' is not used by the model";
        std::vector<std::string> usedNames;
        for (auto u : state.usedParameters) usedNames.push_back(m.parameters[u].name);
        if (site.fromParamsFile) site.document->fail(site.key, "parameters." + m.parameters[i].name, msg + didYouMean(m.parameters[i].name, usedNames));
        config.warnings.push_back(site.document->warning(site.key, m.parameters[i].name, msg));
    }
}

void semanticWarnings(RunConfig& config, const Document& model, const Document& params) {
    const Model& m = config.model;
    auto warn = [&](const std::string& msg) { config.warnings.push_back(model.path() + ": warning: " + msg); };
    std::vector<bool> touched(m.species.size(), false);
    for (const auto& r : m.reactions) {
        for (const auto& t : r.reactants) touched[t.species] = true;
        for (const auto& t : r.products) touched[t.species] = true;
        const auto read = speciesRead(r.law);
        if (r.law.kind != RateLawKind::MassAction)
            for (const auto& t : r.reactants)
                if (std::find(read.begin(), read.end(), t.species) == read.end())
                    warn("reaction '" + r.name + "' consumes '" + m.species[t.species].name +
                         "' at a rate that does not depend on it: its amount can become negative");
    }
    for (const auto& v : m.routes) {
        for (const auto& c : v.cargo) touched[c.donor] = touched[c.acceptor] = true;
        if (v.cargo.empty() && !v.membraneOnly)
            warn("vesicle route '" + v.name + "' carries no cargo species (it moves membrane only; write cargo = {} if that is meant)");
    }
    for (const auto& e : m.events)
        for (const auto& c : e.changes) touched[c.species] = true;
    for (const auto& e : m.stateEvents)
        for (const auto& a : e.assignments)
            if (a.target == AssignmentTarget::Species) touched[a.index] = true;
    // A model with nothing that changes it is valid (SBML has them: constants and initial
    // assignments only) and runs as constant trajectories; one warning says so instead of one per species.
    const bool nothingChanges = m.reactions.empty() && m.routes.empty() && m.events.empty() && m.stateEvents.empty() &&
                                m.rateRules.empty() && m.assignmentRules.empty();
    if (nothingChanges)
        warn("the model has no reactions, no vesicle routes, no events and no rules: every amount stays at its initial value");
    for (std::size_t i = 0; i < m.species.size() && !nothingChanges; ++i)
        if (!touched[i]) warn("species '" + m.species[i].name + "' is touched by no reaction, route or event: it stays constant");
    for (const auto& p : m.perturbations)
        if (p.end && *p.end > config.simulation.t_end)
            config.warnings.push_back(params.path() + ": warning: perturbation '" + p.name + "' ends after t_end; its end is never reached");
}

}  // namespace egress
