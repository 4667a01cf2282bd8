#include "io/ModelReader.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "core/NameTable.hpp"
#include "core/Variability.hpp"
#include "io/EquationParser.hpp"
#include "io/InputNames.hpp"

namespace egress {

void ModelReader::readStructure(const Document& doc, const toml::table& t, const std::string& where) {
    doc.checkKeys(t, where, {"name", "description", "compartments", "species", "parameters", "functions", "reactions", "vesicles"});
    Model& m = model_;
    if (const auto* n = t.get("name")) m.name = doc.string(*n, Document::join(where, "name"));

    const std::string cw = Document::join(where, "compartments");
    const auto& compartments = doc.table(doc.require(t, "compartments", where), cw);
    for (const auto& [key, node] : compartments) {
        const std::string name(key.str());
        const std::string field = cw + "." + name;
        if (!isIdentifier(name)) doc.fail(key.source(), field, std::string("invalid compartment name: ") + kIdentifierRule);
        Compartment c{name, std::nullopt};
        const auto& ct = doc.table(node, field);
        doc.checkKeys(ct, field, {"area", "description"});
        if (const auto* a = ct.get("area")) c.area_um2 = doc.nonNegative(*a, field + ".area");
        m.compartments.push_back(c);
    }
    if (m.compartments.empty()) doc.fail(compartments, cw, "a model needs at least one compartment");

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
            else s.initial = doc.nonNegative(*in, field + ".initial");
        }
        if (m.findSpecies(name)) doc.fail(key.source(), field, "duplicate species name");
        m.species.push_back(s);
    }
    if (m.species.empty()) doc.fail(species, sw, "a model needs at least one species");

    if (const auto* pn = t.get("parameters")) readParameters(doc, *pn, Document::join(where, "parameters"), false);
}

void ModelReader::readProcesses(const Document& doc, const toml::table& t, const std::string& where) {
    if (const auto* fn = t.get("functions")) readFunctions(doc, *fn, Document::join(where, "functions"));
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
    if (model_.reactions.empty() && model_.routes.empty()) doc.fail(t.source(), where, "the model has no reactions and no vesicle routes");
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
        if (const auto* pt = node.as_table()) {
            doc.checkKeys(*pt, field, {"value", "units", "source", "description", "cv", "distribution"});
            p.value = doc.nonNegative(doc.require(*pt, "value", field), field + ".value");
            if (const auto* u = pt->get("units")) {
                p.units = doc.string(*u, field + ".units");
                unitsAt = u->source();
            }
            if (const auto* s = pt->get("source")) p.source = doc.string(*s, field + ".source");
            readVariability(doc, *pt, field, p);
        } else {
            p.value = doc.nonNegative(node, field);
        }
        if (const auto existing = m.findParameter(name)) {
            if (!fromParamsFile) doc.fail(key.source(), field, "duplicate parameter name");
            Parameter& old = m.parameters[*existing];
            old.value = p.value;
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
                                          unitsAt.value_or(toml::source_region{})});
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
    readLaw(doc, t, field, r.law, {"name", "equation", "description"},
            "reaction:" + std::to_string(model_.reactions.size()) + ":");
    if (r.law.kind == RateLawKind::Expression) {
        // The formula is the rate as written: its species are read where it names them.
    } else if (r.law.kind == RateLawKind::MassAction) {
        if (r.law.substrate) doc.fail(*t.get("substrate"), field + ".substrate", "mass_action reactions take their reactants from the equation; 'substrate' is for michaelis_menten, hill and budding laws");
        r.law.order = r.reactants;
    } else if (!r.law.substrate) {
        if (r.reactants.empty())
            doc.fail(t.source(), field, "michaelis_menten and hill need a reactant or a 'substrate' species");
        r.law.substrate = r.reactants.front().species;
    }
    model_.reactions.push_back(r);
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
    readLaw(doc, doc.table(bn, field + ".budding"), field + ".budding", r.budding, {}, routeKey + "budding.");
    if (r.budding.kind == RateLawKind::Expression) {
        // A formula over the species it names.
    } else if (r.budding.kind == RateLawKind::MassAction) {
        if (r.budding.substrate) r.budding.order.push_back(SpeciesCount{*r.budding.substrate, 1});
    } else if (!r.budding.substrate) {
        doc.fail(bn, field + ".budding", "michaelis_menten and hill budding laws need a 'substrate' species");
    }
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
    m.routes.push_back(r);
}

}  // namespace egress
