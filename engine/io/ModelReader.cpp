#include "io/ModelReader.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>
#include <optional>

#include "core/NameTable.hpp"
#include "core/Variability.hpp"
#include "io/EquationParser.hpp"
#include "io/InputNames.hpp"

namespace egress {

void ModelReader::readStructure(const Document& doc, const toml::table& t, const std::string& where) {
    doc.checkKeys(t, where, {"name", "description", "compartments", "species", "parameters", "functions", "reactions", "vesicles",
                             "events", "assignment_rules", "rate_rules", "initial_assignments"});
    Model& m = model_;
    if (const auto* n = t.get("name")) m.name = doc.string(*n, Document::join(where, "name"));

    const std::string cw = Document::join(where, "compartments");
    const auto& compartments = doc.table(doc.require(t, "compartments", where), cw);
    for (const auto& [key, node] : compartments) {
        const std::string name(key.str());
        const std::string field = cw + "." + name;
        if (!isIdentifier(name)) doc.fail(key.source(), field, std::string("invalid compartment name: ") + kIdentifierRule);
        Compartment c;
        c.name = name;
        const auto& ct = doc.table(node, field);
        doc.checkKeys(ct, field, {"area", "membrane_synthesis", "degrades_membrane", "values", "description"});
        if (const auto* v = ct.get("values")) c.holds_values = doc.boolean(*v, field + ".values");
        if (const auto* a = ct.get("area")) c.area_um2 = doc.nonNegative(*a, field + ".area");
        if (const auto* d = ct.get("degrades_membrane")) c.degrades_membrane = doc.boolean(*d, field + ".degrades_membrane");
        if (const auto* syn = ct.get("membrane_synthesis")) {
            // A lysosome that made membrane would degrade its own product as it arrives from
            // elsewhere but keep what it made: a contradiction, refused.
            if (c.degrades_membrane)
                doc.fail(syn->source(), field + ".membrane_synthesis", "a compartment that degrades membrane cannot also synthesise it");
            // A parameter name is resolved once every parameter is known (model, file, --set).
            if (syn->is_string()) pendingSyntheses_.push_back({m.compartments.size(), &doc, syn, field + ".membrane_synthesis"});
            else c.membrane_synthesis_um2_per_s = doc.nonNegative(*syn, field + ".membrane_synthesis");
        }
        m.compartments.push_back(c);
    }

    const std::string sw = Document::join(where, "species");
    const auto& species = doc.table(doc.require(t, "species", where), sw);
    for (const auto& [key, node] : species) {
        const std::string name(key.str());
        const std::string field = sw + "." + name;
        if (!isIdentifier(name)) doc.fail(key.source(), field, std::string("invalid species name: ") + kIdentifierRule);
        if (m.findCompartment(name)) doc.fail(key.source(), field, "'" + name + "' names both a compartment and a species");
        const auto& st = doc.table(node, field);
        doc.checkKeys(st, field, {"compartment", "initial", "description"});
        Species s;
        s.name = name;
        const auto& cn = doc.require(st, "compartment", field);
        s.compartment = compartmentNamed(doc, m, cn.source(), field + ".compartment", doc.string(cn, field + ".compartment"));
        if (const auto* in = st.get("initial")) {
            // A parameter name is resolved once every parameter is known (model, file, --set).
            if (in->is_string()) pendingInitials_.push_back({m.species.size(), &doc, in, field + ".initial"});
            else if ((s.initial = doc.number(*in, field + ".initial")) < 0.0)
                negativeInitials_.push_back({m.species.size(), &doc, in, field + ".initial"});
        }
        if (m.findSpecies(name)) doc.fail(key.source(), field, "duplicate species name");
        m.species.push_back(s);
    }

    if (const auto* pn = t.get("parameters")) readParameters(doc, *pn, Document::join(where, "parameters"), false);
}

void ModelReader::readProcesses(const Document& doc, const toml::table& t, const std::string& where) {
    if (const auto* fn = t.get("functions")) readFunctions(doc, *fn, Document::join(where, "functions"));
    readRules(doc, t, where);
    if (const auto* rn = t.get("reactions")) {
        const std::string rw = Document::join(where, "reactions");
        const auto* arr = rn->as_array();
        if (!arr) doc.fail(*rn, rw, std::string("expected an array of tables [[reactions]], found ") + tomlTypeName(*rn));
        for (std::size_t i = 0; i < arr->size(); ++i) readReaction(doc, (*arr)[i], rw + "[" + std::to_string(i) + "]");
    }
    if (const auto* vn = t.get("vesicles")) {
        const std::string vw = Document::join(where, "vesicles");
        const auto* arr = vn->as_array();
        if (!arr) doc.fail(*vn, vw, std::string("expected an array of tables [[vesicles]], found ") + tomlTypeName(*vn));
        for (std::size_t i = 0; i < arr->size(); ++i) readRoute(doc, (*arr)[i], vw + "[" + std::to_string(i) + "]");
    }
    if (const auto* en = t.get("events")) {
        const std::string ew = Document::join(where, "events");
        const auto* arr = en->as_array();
        if (!arr) doc.fail(*en, ew, std::string("expected an array of tables [[events]], found ") + tomlTypeName(*en));
        for (std::size_t i = 0; i < arr->size(); ++i) readStateEvent(doc, (*arr)[i], ew + "[" + std::to_string(i) + "]");
    }
    // Only a value (an imported SBML parameter: Model::valueSpecies) may start below 0; whether a
    // species is one is known once every reaction and route has been read.
    if (!negativeInitials_.empty()) {
        const auto values = model_.valueSpecies();
        for (const auto& p : negativeInitials_)
            if (!values[p.species])
                p.document->fail(*p.node, p.field, "must not be negative (found " + Document::formatNumber(model_.species[p.species].initial) + ")");
    }
}

/// A value of an event: a formula (string) or a number, compiled alike.
Expression ModelReader::eventExpression(const Document& doc, const toml::node& n, const std::string& field) const {
    if (n.is_string()) return expressions_.compile(doc, n, field);
    Expression e;
    const double v = doc.number(n, field);
    std::ostringstream text;
    text << std::setprecision(17) << v;  // reads back to the same double (written back by ResolvedToml, SbmlExport)
    e.text = text.str();
    e.code.push_back(ExprInstruction{ExprOp::Number, 0, v});
    return e;
}

/// [[events]] of a model: trigger = "P2 > 30", assign = { P = 100, P2 = "0" }, and the SBML flags.
void ModelReader::readStateEvent(const Document& doc, const toml::node& n, const std::string& field) {
    const auto& t = doc.table(n, field);
    doc.checkKeys(t, field, {"name", "description", "trigger", "assign", "delay", "priority", "persistent", "initial_value",
                             "use_values_from_trigger_time"});
    if (t.get("at"))
        doc.fail(*t.get("at"), field + ".at", "an event at a fixed time belongs in the parameter file's [[events]]; a model's events have a 'trigger' (e.g. trigger = \"t >= 25\")");
    StateEvent e;
    e.name = t.get("name") ? doc.string(*t.get("name"), field + ".name") : "event " + std::to_string(model_.stateEvents.size() + 1);
    for (const auto& other : model_.stateEvents)
        if (other.name == e.name) doc.fail(*t.get("name"), field + ".name", "duplicate event name '" + e.name + "'");
    e.trigger = eventExpression(doc, doc.require(t, "trigger", field), field + ".trigger");
    const auto& assign = doc.table(doc.require(t, "assign", field), field + ".assign");
    for (const auto& [key, node] : assign) {
        const std::string target(key.str());
        const std::string af = field + ".assign." + target;
        EventAssignment a;
        if (const auto s = model_.findSpecies(target)) {
            a.index = *s;
            // Its rule alone sets it at every instant (samples report the rule's value): the
            // assignment would have no effect. SBML forbids it too (an event assignment's
            // variable cannot be set by an assignment rule).
            if (*s < speciesRule_.size() && speciesRule_[*s] == SpeciesRule::Assignment)
                doc.fail(key.source(), af, "species '" + target + "' has an assignment rule, which alone sets its amount: an event cannot change it");
        } else if (const auto p = model_.findParameter(target)) {
            a.target = AssignmentTarget::Parameter;
            a.index = *p;
            // The methods read such a value once, at the start: a change would have no effect.
            for (const auto& [parameter, use] : model_.runConstantUses())
                if (parameter == *p)
                    doc.fail(key.source(), af, "parameter '" + target + "' sets " + use + ", a constant of the run: an event cannot change it");
        } else {
            doc.fail(key.source(), af, "'" + target + "' is not a species or parameter of the model");
        }
        a.value = eventExpression(doc, node, af);
        e.assignments.push_back(std::move(a));
    }
    if (e.assignments.empty()) doc.fail(assign, field + ".assign", "an event needs at least one assignment");
    if (const auto* d = t.get("delay")) e.delay = eventExpression(doc, *d, field + ".delay");
    if (const auto* p = t.get("priority")) e.priority = eventExpression(doc, *p, field + ".priority");
    if (const auto* b = t.get("persistent")) e.persistent = doc.boolean(*b, field + ".persistent");
    if (const auto* b = t.get("initial_value")) e.initialValue = doc.boolean(*b, field + ".initial_value");
    if (const auto* b = t.get("use_values_from_trigger_time"))
        e.useValuesFromTriggerTime = doc.boolean(*b, field + ".use_values_from_trigger_time");
    model_.stateEvents.push_back(std::move(e));
}

/// [functions]: NAME = { args = ["x", ...], body = "expression" }, for expression laws.
void ModelReader::readFunctions(const Document& doc, const toml::node& n, const std::string& where) {
    const auto& t = doc.table(n, where);
    for (const auto& [key, node] : t) {
        const std::string name(key.str());
        const std::string field = where + "." + name;
        if (!isIdentifier(name)) doc.fail(key.source(), field, std::string("invalid function name: ") + kIdentifierRule);
        if (isBuiltinFunction(name)) doc.fail(key.source(), field, "'" + name + "' is a built-in function");
        if (name == "t") doc.fail(key.source(), field, "'t' is the time, not a function name");
        const auto& ft = doc.table(node, field);
        doc.checkKeys(ft, field, {"args", "body", "description"});
        FunctionDefinition def;
        def.name = name;
        if (const auto* an = ft.get("args")) {
            const auto* arr = an->as_array();
            if (!arr) doc.fail(*an, field + ".args", std::string("expected an array of argument names, found ") + tomlTypeName(*an));
            for (std::size_t i = 0; i < arr->size(); ++i) {
                const std::string af = field + ".args[" + std::to_string(i) + "]";
                const std::string arg = doc.string((*arr)[i], af);
                if (!isIdentifier(arg)) doc.fail((*arr)[i], af, std::string("invalid argument name: ") + kIdentifierRule);
                if (arg == "t") doc.fail((*arr)[i], af, "'t' is the time; give the argument another name");
                if (std::find(def.arguments.begin(), def.arguments.end(), arg) != def.arguments.end())
                    doc.fail((*arr)[i], af, "duplicate argument name '" + arg + "'");
                def.arguments.push_back(arg);
            }
        }
        const auto& body = doc.require(ft, "body", field);
        def.body = doc.string(body, field + ".body");
        expressions_.addFunction(doc, body, field + ".body", name, def.arguments);
        model_.functions.push_back(def);
    }
    expressions_.checkFunctions();
}

/// [assignment_rules] SPECIES = "formula", [rate_rules] SPECIES = "d amount/dt",
/// [initial_assignments] SPECIES_OR_PARAMETER = "formula" (docs/file-format.md, "Rules").
void ModelReader::readRules(const Document& doc, const toml::table& t, const std::string& where) {
    Model& m = model_;
    speciesRule_.assign(m.species.size(), SpeciesRule::None);
    const std::string aw = Document::join(where, "assignment_rules");
    const std::string rw = Document::join(where, "rate_rules");
    const std::string iw = Document::join(where, "initial_assignments");
    auto speciesKey = [&](const toml::key& key, const std::string& field, const char* what) {
        const std::string name(key.str());
        const auto si = m.findSpecies(name);
        if (!si) {
            const std::string hint = m.findParameter(name) ? ": '" + name + "' is a parameter; write a quantity that changes in time as a species"
                                                          : didYouMean(name, names(m.species));
            doc.fail(key.source(), field, std::string(what) + " sets a species; '" + name + "' is not one" + hint);
        }
        return *si;
    };
    if (const auto* an = t.get("assignment_rules")) {
        const auto& at = doc.table(*an, aw);
        for (const auto& [key, node] : at) {
            const std::string field = aw + "." + std::string(key.str());
            const std::size_t si = speciesKey(key, field, "an assignment rule");
            speciesRule_[si] = SpeciesRule::Assignment;
            expressions_.addAssignmentRule(doc, node, field, std::string(key.str()));
        }
        // Each formula compiled once with the others inlined: meets cycles and unknown names.
        for (const auto& [key, node] : at)
            m.assignmentRules.push_back(AssignmentRule{*m.findSpecies(std::string(key.str())),
                                                       expressions_.compileAssignmentRule(std::string(key.str()))});
    }
    if (const auto* rn = t.get("rate_rules")) {
        for (const auto& [key, node] : doc.table(*rn, rw)) {
            const std::string field = rw + "." + std::string(key.str());
            const std::size_t si = speciesKey(key, field, "a rate rule");
            if (speciesRule_[si] == SpeciesRule::Assignment)
                doc.fail(key.source(), field, "species '" + m.species[si].name + "' has an assignment rule too: a species takes one rule");
            speciesRule_[si] = SpeciesRule::Rate;
            m.rateRules.push_back(RateRule{si, expressions_.compile(doc, node, field)});
            state_.usedParameters.insert(m.rateRules.back().expression.parameters.begin(), m.rateRules.back().expression.parameters.end());
        }
    }
    for (const auto& r : m.assignmentRules) state_.usedParameters.insert(r.expression.parameters.begin(), r.expression.parameters.end());
    const auto* in = t.get("initial_assignments");
    if (!in) return;
    // Evaluated in an order where each reads only values already final: targets first that read
    // no other target (a cycle is an error at the formula that closes it).
    struct Pending {
        const toml::node* node;
        std::string field;
        InitialAssignment a;
    };
    std::vector<Pending> pending;
    for (const auto& [key, node] : doc.table(*in, iw)) {
        const std::string name(key.str());
        const std::string field = iw + "." + name;
        InitialAssignment a;
        if (const auto si = m.findSpecies(name)) {
            if (speciesRule_[*si] == SpeciesRule::Assignment)
                doc.fail(key.source(), field, "species '" + name + "' has an assignment rule, which sets it at t = 0 too");
            a.index = *si;
        } else if (const auto pi = m.findParameter(name)) {
            a.isSpecies = false;
            a.index = *pi;
        } else {
            std::vector<std::string> known = names(m.species);
            for (const auto& p : m.parameters) known.push_back(p.name);
            doc.fail(key.source(), field, "an initial assignment sets a species or a parameter; '" + name + "' is neither" + didYouMean(name, known));
        }
        a.expression = expressions_.compile(doc, node, field);  // evaluated at t = 0
        state_.usedParameters.insert(a.expression.parameters.begin(), a.expression.parameters.end());
        pending.push_back(Pending{&node, field, std::move(a)});
    }
    auto reads = [](const InitialAssignment& reader, const InitialAssignment& target) {
        const auto& v = target.isSpecies ? reader.expression.species : reader.expression.parameters;
        return std::binary_search(v.begin(), v.end(), target.index);
    };
    std::vector<bool> done(pending.size(), false);
    for (std::size_t placed = 0; placed < pending.size();) {
        bool progress = false;
        for (std::size_t i = 0; i < pending.size(); ++i) {
            if (done[i]) continue;
            bool ready = true;
            for (std::size_t j = 0; j < pending.size() && ready; ++j) ready = done[j] || !reads(pending[i].a, pending[j].a);
            if (!ready) continue;
            m.initialAssignments.push_back(pending[i].a);
            done[i] = progress = true;
            ++placed;
        }
        if (!progress) {
            for (std::size_t i = 0; i < pending.size(); ++i)
                if (!done[i]) doc.fail(*pending[i].node, pending[i].field, "the initial assignments read each other in a cycle");
        }
    }
}

void ModelReader::checkRuleSpecies(const Document& doc, const toml::node& at, const std::string& field, std::size_t species,
                                   bool changes) const {
    if (speciesRule_.empty() || speciesRule_[species] == SpeciesRule::None) return;
    const std::string& name = model_.species[species].name;
    if (changes)
        doc.fail(at, field, "species '" + name + "' has " + (speciesRule_[species] == SpeciesRule::Assignment ? "an assignment" : "a rate") +
                                " rule, which alone sets its amount: no reaction or vesicle route may change it");
    if (speciesRule_[species] == SpeciesRule::Assignment)
        doc.fail(at, field, "species '" + name + "' has an assignment rule: only an expression law (law = \"expression\") may read it");
}

void ModelReader::readParameters(const Document& doc, const toml::node& n, const std::string& where, bool fromParamsFile) {
    const auto& t = doc.table(n, where);
    Model& m = model_;
    auto& sites = state_.parameterSites;
    for (const auto& [key, node] : t) {
        const std::string name(key.str());
        const std::string field = where + "." + name;
        if (!isIdentifier(name)) doc.fail(key.source(), field, std::string("invalid parameter name: ") + kIdentifierRule);
        Parameter p;
        p.name = name;
        std::optional<toml::source_region> unitsAt;
        toml::source_region valueAt;
        std::string valueField = field;
        if (const auto* pt = node.as_table()) {
            doc.checkKeys(*pt, field, {"value", "units", "source", "description", "cv", "distribution"});
            const auto& valueNode = doc.require(*pt, "value", field);
            p.value = doc.number(valueNode, field + ".value");
            valueAt = valueNode.source();
            valueField = field + ".value";
            if (const auto* u = pt->get("units")) {
                p.units = doc.string(*u, field + ".units");
                unitsAt = u->source();
            }
            if (const auto* s = pt->get("source")) p.source = doc.string(*s, field + ".source");
            readVariability(doc, *pt, field, p);
        } else {
            p.value = doc.number(node, field);
            valueAt = node.source();
        }
        // The sign is checked with the whole model read (core/ModelValidator): a parameter that
        // only formulas read may be negative, one that sets a rate constant may not.
        if (const auto existing = m.findParameter(name)) {
            if (!fromParamsFile) doc.fail(key.source(), field, "duplicate parameter name");
            Parameter& old = m.parameters[*existing];
            old.value = p.value;
            sites[*existing].valueDocument = &doc;
            sites[*existing].value = valueAt;
            sites[*existing].valueField = valueField;
            if (node.is_table() && (node.as_table()->contains("distribution") || node.as_table()->contains("cv"))) {
                old.distribution = p.distribution;
                old.cv = p.cv;
            }
            if (!p.units.empty()) {
                old.units = p.units;
                sites[*existing].unitsDocument = &doc;
                sites[*existing].units = *unitsAt;
            }
            if (!p.source.empty()) old.source = p.source;
        } else {
            if (m.findSpecies(name)) doc.fail(key.source(), field, "'" + name + "' is already a species name");
            m.parameters.push_back(p);
            sites.push_back(ParameterSite{&doc, key.source(), fromParamsFile, unitsAt ? &doc : nullptr,
                                          unitsAt.value_or(toml::source_region{}), &doc, valueAt, valueField});
        }
    }
}

/// `distribution` and `cv` of a parameter that varies from cell to cell (core/Variability.hpp).
void ModelReader::readVariability(const Document& doc, const toml::table& t, const std::string& field, Parameter& p) {
    const auto* dn = t.get("distribution");
    const auto* cn = t.get("cv");
    if (!dn && !cn) return;
    if (!dn) doc.fail(*cn, field + ".cv", "give a 'distribution' (normal, lognormal, uniform or fixed) with 'cv'");
    p.distribution = namedValue(doc, *dn, field + ".distribution", "distribution", distributionFromName, distributionNames());
    if (p.distribution == Distribution::Fixed) {
        if (cn && doc.nonNegative(*cn, field + ".cv") != 0.0) doc.fail(*cn, field + ".cv", "a fixed parameter has cv = 0");
        return;
    }
    if (!cn) doc.fail(*dn, field + ".distribution", "give 'cv', the coefficient of variation across cells");
    p.cv = doc.nonNegative(*cn, field + ".cv");
    if (p.distribution == Distribution::Uniform && p.cv > 1.0 / std::sqrt(3.0))
        doc.fail(*cn, field + ".cv", "a uniform distribution with cv > 1/sqrt(3) = 0.577 would reach negative values");
}

void ModelReader::sortParametersByName() {
    auto& parameters = model_.parameters;
    std::vector<std::size_t> order(parameters.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return parameters[a].name < parameters[b].name; });
    std::vector<Parameter> sortedParameters;
    std::vector<ParameterSite> sortedSites;
    for (auto i : order) {
        sortedParameters.push_back(parameters[i]);
        sortedSites.push_back(state_.parameterSites[i]);
    }
    parameters = std::move(sortedParameters);
    state_.parameterSites = std::move(sortedSites);
}

void ModelReader::resolveInitials() {
    for (const auto& p : pendingInitials_)
        state_.runConstant(*p.document, model_, *p.node, p.field, model_.species[p.species].initial,
                           model_.species[p.species].initialParameter);
    for (const auto& p : pendingSyntheses_)
        state_.runConstant(*p.document, model_, *p.node, p.field, model_.compartments[p.species].membrane_synthesis_um2_per_s,
                           model_.compartments[p.species].synthesisParameter);
}

/// Reads a value that is a parameter name or a literal; `useKey` (core/ModelValidator.hpp)
/// remembers where it was written, so a value problem found later points here.
void ModelReader::refValue(const Document& doc, const toml::node& n, const std::string& field, ValueRef& target,
                           const std::string& useKey) {
    if (!useKey.empty()) state_.useSites[useKey] = UseSite{&doc, n.source(), field};
    if (const auto* str = n.as_string()) {
        const auto pi = parameterNamed(doc, model_, n.source(), field, str->get());
        target = ValueRef::ofParameter(pi);
        state_.usedParameters.insert(pi);
        return;
    }
    target = ValueRef::constant(doc.nonNegative(n, field));
}

/// Reads law = ... and its keys from `t` into `law`; `ownKeys` are the table's other keys.
void ModelReader::readLaw(const Document& doc, const toml::table& t, const std::string& field, RateLaw& law,
                          std::vector<std::string> ownKeys, const std::string& useKey) {
    std::string lawName = rateLawName(RateLawKind::MassAction);
    if (const auto* ln = t.get("law")) lawName = doc.string(*ln, field + ".law");
    const std::map<std::string, std::vector<std::string>> lawKeys{
        {rateLawName(RateLawKind::MassAction), {"k"}}, {rateLawName(RateLawKind::MichaelisMenten), {"vmax", "km"}},
        {rateLawName(RateLawKind::Hill), {"vmax", "km", "n"}}, {rateLawName(RateLawKind::Expression), {"rate"}}};
    const auto it = lawKeys.find(lawName);
    if (it == lawKeys.end()) {
        doc.fail(*t.get("law"), field + ".law", "unknown law '" + lawName + "'" + didYouMean(lawName, rateLawNames()) +
                                                   "; expected " + alternatives(rateLawNames()));
    }
    std::vector<std::string> allowed = ownKeys;
    allowed.push_back("law");
    allowed.push_back("substrate");
    for (const auto& k : it->second) allowed.push_back(k);
    for (const auto& [key, node] : t) {
        const std::string name(key.str());
        if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
        for (const auto& [other, keys] : lawKeys)
            if (std::find(keys.begin(), keys.end(), name) != keys.end())
                doc.fail(key.source(), field + "." + name, "key '" + name + "' does not belong to law '" + lawName + "'" +
                                                               (name == "rate" ? " (a rate formula needs law = \"expression\")" : ""));
        doc.fail(key.source(), field + "." + name, "unknown key '" + name + "'" + didYouMean(name, allowed));
    }
    law.kind = *rateLawFromName(lawName);
    if (law.kind == RateLawKind::Expression) {
        if (const auto* sn = t.get("substrate"))
            doc.fail(*sn, field + ".substrate", "an expression names the species it reads; 'substrate' is for michaelis_menten, hill and mass_action budding laws");
        law.expression = expressions_.compile(doc, doc.require(t, "rate", field), field + ".rate");
        state_.usedParameters.insert(law.expression.parameters.begin(), law.expression.parameters.end());
        return;
    }
    if (law.kind == RateLawKind::MassAction) {
        refValue(doc, doc.require(t, "k", field), field + ".k", law.k);
    } else {
        refValue(doc, doc.require(t, "vmax", field), field + ".vmax", law.vmax);
        refValue(doc, doc.require(t, "km", field), field + ".km", law.km, useKey + "km");
        if (law.kind == RateLawKind::Hill) refValue(doc, doc.require(t, "n", field), field + ".n", law.n);
    }
    if (const auto* sn = t.get("substrate"))
        law.substrate = speciesNamed(doc, model_, sn->source(), field + ".substrate", doc.string(*sn, field + ".substrate"));
}

void ModelReader::readReaction(const Document& doc, const toml::node& n, const std::string& field) {
    const auto& t = doc.table(n, field);
    // Misspelt keys first: 'equaton' should say so, not that 'equation' is missing.
    doc.checkKeys(t, field, {"name", "equation", "description", "law", "substrate", "k", "vmax", "km", "n", "rate"});
    Reaction r;
    r.name = doc.string(doc.require(t, "name", field), field + ".name");
    for (const auto& other : model_.reactions)
        if (other.name == r.name) doc.fail(*t.get("name"), field + ".name", "duplicate reaction name '" + r.name + "'");
    const auto& en = doc.require(t, "equation", field);
    Equation equation = parseEquation(doc, model_, en, field + ".equation", doc.string(en, field + ".equation"));
    r.reactants = std::move(equation.reactants);
    r.products = std::move(equation.products);
    {
        std::map<std::size_t, int> net;
        for (const auto& c : r.reactants) net[c.species] -= c.count;
        for (const auto& c : r.products) net[c.species] += c.count;
        for (const auto& [species, change] : net) checkRuleSpecies(doc, en, field + ".equation", species, change != 0);
    }
    readLaw(doc, t, field, r.law, {"name", "equation", "description"},
            "reaction:" + std::to_string(model_.reactions.size()) + ":");
    if (r.law.kind == RateLawKind::Expression) {
        // The formula is the rate as written: its species are read where it names them.
    } else if (r.law.kind == RateLawKind::MassAction) {
        if (r.law.substrate) doc.fail(*t.get("substrate"), field + ".substrate", "mass_action reactions take their reactants from the equation; 'substrate' is for michaelis_menten, hill and budding laws");
        r.law.order = r.reactants;
        for (const auto& c : r.law.order) checkRuleSpecies(doc, en, field + ".equation", c.species, false);
    } else if (!r.law.substrate) {
        if (r.reactants.empty())
            doc.fail(t.source(), field, "michaelis_menten and hill need a reactant or a 'substrate' species");
        r.law.substrate = r.reactants.front().species;
    }
    if (r.law.substrate) checkRuleSpecies(doc, t.get("substrate") ? *t.get("substrate") : en, field + ".substrate", *r.law.substrate, false);
    model_.reactions.push_back(r);
}

/// A budding law per um^2 of the donor's membrane (VesicleRoute::buddingPerDonorArea) needs what
/// makes that rate a first-order membrane flux: a rate constant k (mass action, no substrate), an
/// area to start from, a vesicle area to divide by, and a donor whose area changes only when a
/// vesicle buds or fuses (membrane synthesis would move the exact methods' propensity between events).
void ModelReader::checkPerDonorArea(const Document& doc, const toml::table& t, const std::string& field, const VesicleRoute& r) {
    const auto& bn = *t.get("budding");
    const auto& at = *bn.as_table()->get("per_donor_area");
    const std::string key = field + ".budding.per_donor_area";
    if (r.budding.kind != RateLawKind::MassAction || r.budding.substrate)
        doc.fail(at, key, "per_donor_area needs law = \"mass_action\" with a rate constant k (1/s) and no substrate: the donor's area is what the rate is proportional to");
    const Compartment& donor = model_.compartments[r.from];
    if (!donor.area_um2)
        doc.fail(at, key, "the donor compartment '" + donor.name + "' has no 'area': a budding rate per um^2 of its membrane needs one");
    const bool synthesises = donor.membrane_synthesis_um2_per_s > 0.0 ||
        std::any_of(pendingSyntheses_.begin(), pendingSyntheses_.end(), [&](const auto& p) { return p.species == r.from; });
    if (synthesises)
        doc.fail(at, key, "the donor compartment '" + donor.name + "' makes membrane (membrane_synthesis): its area would change between vesicle events, which the ssa and hybrid methods cannot follow");
    if (!(r.vesicle_area_um2 > 0.0))
        doc.fail(t.get("vesicle_area") ? *t.get("vesicle_area") : at, t.get("vesicle_area") ? field + ".vesicle_area" : key,
                 "per_donor_area needs a vesicle_area > 0: the route buds k x area / vesicle_area times per second");
}

void ModelReader::readRoute(const Document& doc, const toml::node& n, const std::string& field) {
    const auto& t = doc.table(n, field);
    doc.checkKeys(t, field, {"name", "from", "to", "budding", "cargo", "capture", "fusion_rate", "delay", "vesicle_area", "description"});
    Model& m = model_;
    VesicleRoute r;
    r.name = doc.string(doc.require(t, "name", field), field + ".name");
    for (const auto& other : m.routes)
        if (other.name == r.name) doc.fail(*t.get("name"), field + ".name", "duplicate vesicle route name '" + r.name + "'");
    auto compartment = [&](const char* key) {
        const auto& cn = doc.require(t, key, field);
        return compartmentNamed(doc, m, cn.source(), field + "." + key, doc.string(cn, field + "." + key));
    };
    r.from = compartment("from");
    r.to = compartment("to");
    const auto& bn = doc.require(t, "budding", field);
    const std::string routeKey = "route:" + std::to_string(m.routes.size()) + ":";
    const auto& bt = doc.table(bn, field + ".budding");
    readLaw(doc, bt, field + ".budding", r.budding, {"per_donor_area"}, routeKey + "budding.");
    if (const auto* pa = bt.get("per_donor_area")) r.buddingPerDonorArea = doc.boolean(*pa, field + ".budding.per_donor_area");
    if (r.budding.kind == RateLawKind::Expression) {
        // A formula over the species it names.
    } else if (r.budding.kind == RateLawKind::MassAction) {
        if (r.budding.substrate) r.budding.order.push_back(SpeciesCount{*r.budding.substrate, 1});
    } else if (!r.budding.substrate) {
        doc.fail(bn, field + ".budding", "michaelis_menten and hill budding laws need a 'substrate' species");
    }
    if (r.budding.substrate) checkRuleSpecies(doc, bn, field + ".budding.substrate", *r.budding.substrate, false);
    if (const auto* cn = t.get("cargo")) {
        const auto& ct = doc.table(*cn, field + ".cargo");
        r.membraneOnly = ct.empty();
        for (const auto& [key, node] : ct) {
            const std::string donor(key.str());
            const std::string cf = field + ".cargo." + donor;
            CargoPair pair;
            pair.donor = speciesNamed(doc, m, key.source(), cf, donor);
            if (node.is_table()) {  // DONOR = { to = "ACCEPTOR", capture = ... }: this cargo's own capture
                const auto& pt = doc.table(node, cf);
                doc.checkKeys(pt, cf, {"to", "capture"});
                const auto& to = doc.require(pt, "to", cf);
                pair.acceptor = speciesNamed(doc, m, to.source(), cf + ".to", doc.string(to, cf + ".to"));
                if (const auto* c = pt.get("capture")) {
                    ValueRef own;
                    refValue(doc, *c, cf + ".capture", own, routeKey + "cargo:" + std::to_string(r.cargo.size()) + ":capture");
                    pair.capture = own;
                }
            } else {
                pair.acceptor = speciesNamed(doc, m, node.source(), cf, doc.string(node, cf));
            }
            checkRuleSpecies(doc, node, cf, pair.donor, true);
            checkRuleSpecies(doc, node, cf, pair.acceptor, true);
            if (m.species[pair.donor].compartment != r.from)
                doc.fail(key.source(), cf, "donor species '" + donor + "' is in compartment '" +
                                       m.compartments[m.species[pair.donor].compartment].name + "', not in the route's 'from' compartment '" +
                                       m.compartments[r.from].name + "'");
            r.cargo.push_back(pair);
        }
    }
    const bool everyPairHasItsOwn =
        std::all_of(r.cargo.begin(), r.cargo.end(), [](const CargoPair& c) { return c.capture.has_value(); });
    if (const auto* c = t.get("capture")) refValue(doc, *c, field + ".capture", r.capture, routeKey + "capture");
    else if (!everyPairHasItsOwn)
        doc.fail(t.source(), field, "missing required key 'capture' (the route carries cargo without a capture of its own)");
    refValue(doc, doc.require(t, "fusion_rate", field), field + ".fusion_rate", r.fusion_rate);
    if (const auto* d = t.get("delay")) state_.runConstant(doc, m, *d, field + ".delay", r.delay, r.delayParameter);
    if (const auto* a = t.get("vesicle_area")) state_.runConstant(doc, m, *a, field + ".vesicle_area", r.vesicle_area_um2, r.areaParameter);
    if (r.buddingPerDonorArea) checkPerDonorArea(doc, t, field, r);
    m.routes.push_back(r);
}

}  // namespace egress
