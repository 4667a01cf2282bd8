#include "io/ConfigLoader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "core/Error.hpp"
#include "core/ModelValidator.hpp"
#include "core/NameTable.hpp"
#include "core/Variability.hpp"
#include "io/ModelSearchPath.hpp"
#include "io/TomlDocument.hpp"

namespace egress {

namespace fs = std::filesystem;

namespace {

/// Names of species, compartments and parameters appear in equations and --set: they must be
/// identifiers, or "2cargo" would read as two of "cargo".
bool isIdentifier(const std::string& name) {
    if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

/// Largest stoichiometric coefficient: beyond it, x^v/v! and binomials overflow doubles anyway.
constexpr long long kMaxStoichiometry = 1000;

const char* kIdentifierRule = "names must start with a letter or '_' and contain only letters, digits and '_'";

/// A parameter definition with the place it came from, for "unused" diagnostics.
struct ParameterSite {
    const Document* document = nullptr;
    toml::source_region key;
    bool fromParamsFile = false;
    const Document* unitsDocument = nullptr;  ///< where the units in force were written, if any
    toml::source_region units;
};

/// What a value means where it is used, for checking the units written beside a parameter.
enum class Dimension { FirstOrderRate, Rate, Amount, Dimensionless };

std::string normalizedUnits(const std::string& units) {
    std::string out;
    for (unsigned char c : units)
        if (!std::isspace(c)) out += static_cast<char>(std::tolower(c));
    return out;
}

/// Why `units` cannot be the units of a value of dimension `d` (egress: molecules, s), or "".
std::string unitsProblem(const std::string& units, Dimension d) {
    const std::string u = normalizedUnits(units);
    if (u.empty()) return "";
    for (const char* other : {"min", "hour", "hr", "/h", "h^-1", "h-1", "day", "ms", "%"})
        if (u.find(other) != std::string::npos)
            return "units '" + units + "' are not in seconds: egress takes times in s and rates per s (convert the value)";
    const bool perSecond = u == "1/s" || u == "/s" || u == "s^-1" || u == "s-1" || u == "1/sec" || u == "1/second" ||
                           u == "persecond" || u == "hz";
    switch (d) {
        case Dimension::FirstOrderRate:
            if (!perSecond) return "units '" + units + "' do not fit a first-order rate constant: expected 1/s";
            break;
        case Dimension::Dimensionless:
            if (perSecond || u.find("/s") != std::string::npos || u.find("molecule") != std::string::npos)
                return "units '" + units + "' do not fit a dimensionless number (a probability or Hill coefficient)";
            break;
        case Dimension::Amount:
            if (u.find("/s") != std::string::npos) return "units '" + units + "' are a rate, but this value is an amount (molecules)";
            break;
        case Dimension::Rate: break;
    }
    return "";
}

class Loader {
public:
    Loader(const std::string& paramsPath, std::string paramsText, const std::vector<std::string>& overrides) {
        config_.paramsPath = paramsPath;
        config_.overrides = overrides;
        config_.paramsText = std::move(paramsText);
        params_ = std::make_unique<Document>(paramsPath, config_.paramsText);
    }

    RunConfig load(const std::vector<std::string>& overrides) {
        const auto& root = params_->root();
        params_->checkKeys(root, "", {"model", "simulation", "parameters", "perturbations", "events", "output"});

        const toml::node* modelNode = root.get("model");
        if (!modelNode) params_->fail(root.source(), "", "missing 'model': give a model file path, a built-in name, or an inline [model] table");
        const Document* modelDoc = params_.get();
        const toml::table* modelTable = nullptr;
        if (modelNode->is_string()) {
            const std::string ref = modelNode->as_string()->get();
            config_.modelPath = resolveModelPath(ref, *modelNode);
            config_.modelText = readTextFile(config_.modelPath, "model file");
            modelDocument_ = std::make_unique<Document>(config_.modelPath, config_.modelText);
            modelDoc = modelDocument_.get();
            modelTable = &modelDoc->root();
        } else if (modelNode->is_table()) {
            modelTable = modelNode->as_table();
        } else {
            params_->fail(*modelNode, "model", std::string("expected a file path, a built-in name or a table, found ") + tomlTypeName(*modelNode));
        }
        const std::string modelWhere = modelDoc == params_.get() ? "model" : "";
        // All parameter values are known (model, then parameter file, then --set) before any law
        // refers to one, so a model may leave a value for the parameter file to give.
        readModelStructure(*modelDoc, *modelTable, modelWhere);
        mergeParamsFileParameters(root);
        sortParametersByName();
        applyOverrides(overrides);
        for (const auto& p : pendingInitials_)
            runConstant(*p.document, *p.node, p.field, config_.model.species[p.species].initial, config_.model.species[p.species].initialParameter);
        readModelProcesses(*modelDoc, *modelTable, modelWhere);
        readSimulation(root);
        readPerturbations(root);
        readEvents(root);
        readOutput(root);
        config_.model.resolveRunConstants();
        checkValues();
        checkUnits();
        checkUnused();
        semanticWarnings();
        return std::move(config_);
    }

private:
    // ---- model -------------------------------------------------------------------------------

    std::string resolveModelPath(const std::string& ref, const toml::node& at) {
        const fs::path base = fs::path(config_.paramsPath).parent_path();
        const bool looksLikePath = ref.find('/') != std::string::npos || (ref.size() > 5 && ref.substr(ref.size() - 5) == ".toml");
        if (looksLikePath) {
            const fs::path p = fs::path(ref).is_absolute() ? fs::path(ref) : base / ref;
            if (!fs::is_regular_file(p)) params_->fail(at, "model", "model file '" + p.string() + "' does not exist");
            return p.string();
        }
        std::vector<std::string> known;
        for (const auto& dir : modelSearchPath()) {
            const fs::path p = fs::path(dir) / (ref + ".toml");
            if (fs::is_regular_file(p)) return p.string();
            std::error_code ec;
            for (const auto& entry : fs::directory_iterator(dir, ec))
                if (entry.path().extension() == ".toml") known.push_back(entry.path().stem().string());
        }
        params_->fail(at, "model", "no built-in model named '" + ref + "'" + didYouMean(ref, known));
    }

    void readModelStructure(const Document& doc, const toml::table& t, const std::string& where) {
        doc.checkKeys(t, where, {"name", "description", "compartments", "species", "parameters", "reactions", "vesicles"});
        Model& m = config_.model;
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
            const std::string comp = doc.string(cn, field + ".compartment");
            const auto ci = m.findCompartment(comp);
            if (!ci) doc.fail(cn, field + ".compartment", "unknown compartment '" + comp + "'" + didYouMean(comp, names(m.compartments)));
            s.compartment = *ci;
            if (const auto* in = st.get("initial")) {
                // A parameter name is resolved once every parameter is known (model, file, --set).
                if (in->is_string()) pendingInitials_.push_back({m.species.size(), &doc, in, field + ".initial"});
                else s.initial = doc.nonNegative(*in, field + ".initial");
            }
            if (m.findSpecies(name)) doc.fail(key.source(), field, "duplicate species name");
            m.species.push_back(s);
        }
        if (m.species.empty()) doc.fail(species, sw, "a model needs at least one species");

        if (const auto* pn = t.get("parameters")) readParameterTable(doc, *pn, Document::join(where, "parameters"), false);
    }

    void readModelProcesses(const Document& doc, const toml::table& t, const std::string& where) {
        Model& m = config_.model;
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
        if (m.reactions.empty() && m.routes.empty()) doc.fail(t.source(), where, "the model has no reactions and no vesicle routes");
    }

    const Model& model() const { return config_.model; }

    template <class T>
    static std::vector<std::string> names(const std::vector<T>& items) {
        std::vector<std::string> out;
        for (const auto& i : items) out.push_back(i.name);
        return out;
    }

    void readParameterTable(const Document& doc, const toml::node& n, const std::string& where, bool fromParamsFile) {
        const auto& t = doc.table(n, where);
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
            Model& m = config_.model;
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
                    sites_[*existing].unitsDocument = &doc;
                    sites_[*existing].units = *unitsAt;
                }
                if (!p.source.empty()) old.source = p.source;
            } else {
                if (m.findSpecies(name)) doc.fail(key.source(), field, "'" + name + "' is already a species name");
                m.parameters.push_back(p);
                sites_.push_back(ParameterSite{&doc, key.source(), fromParamsFile, unitsAt ? &doc : nullptr,
                                               unitsAt.value_or(toml::source_region{})});
            }
        }
    }

    /// `distribution` and `cv` of a parameter that varies from cell to cell (core/Variability.hpp).
    void readVariability(const Document& doc, const toml::table& t, const std::string& field, Parameter& p) {
        const auto* dn = t.get("distribution");
        const auto* cn = t.get("cv");
        if (!dn && !cn) return;
        if (!dn) doc.fail(*cn, field + ".cv", "give a 'distribution' (normal, lognormal, uniform or fixed) with 'cv'");
        const std::string name = doc.string(*dn, field + ".distribution");
        if (const auto d = distributionFromName(name)) p.distribution = *d;
        else doc.fail(*dn, field + ".distribution", "unknown distribution '" + name + "'" + didYouMean(name, distributionNames()) + "; expected " + alternatives(distributionNames()));
        if (p.distribution == Distribution::Fixed) {
            if (cn && doc.nonNegative(*cn, field + ".cv") != 0.0) doc.fail(*cn, field + ".cv", "a fixed parameter has cv = 0");
            return;
        }
        if (!cn) doc.fail(*dn, field + ".distribution", "give 'cv', the coefficient of variation across cells");
        p.cv = doc.nonNegative(*cn, field + ".cv");
        if (p.distribution == Distribution::Uniform && p.cv > 1.0 / std::sqrt(3.0))
            doc.fail(*cn, field + ".cv", "a uniform distribution with cv > 1/sqrt(3) = 0.577 would reach negative values");
    }

    /// Parameters are ordered by name, like species and compartments, so that a model and its
    /// resolved file (one sorted table) index them alike: cell draws follow this order.
    void sortParametersByName() {
        auto& parameters = config_.model.parameters;
        std::vector<std::size_t> order(parameters.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return parameters[a].name < parameters[b].name; });
        std::vector<Parameter> sortedParameters;
        std::vector<ParameterSite> sortedSites;
        for (auto i : order) {
            sortedParameters.push_back(parameters[i]);
            sortedSites.push_back(sites_[i]);
        }
        parameters = std::move(sortedParameters);
        sites_ = std::move(sortedSites);
    }

    void mergeParamsFileParameters(const toml::table& root) {
        if (const auto* pn = root.get("parameters")) readParameterTable(*params_, *pn, "parameters", true);
    }

    void applyOverrides(const std::vector<std::string>& overrides) {
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
            if (v < 0.0) throw InputError("", 0, 0, "--set " + name + ": must not be negative (found " + text + ")");
            const auto pi = m.findParameter(name);
            if (!pi) throw InputError("", 0, 0, "--set " + name + ": unknown parameter '" + name + "'" + didYouMean(name, names(m.parameters)));
            m.parameters[*pi].value = v;
            overridden_.insert(*pi);
        }
    }

    /// Reads a value that is a parameter name or a literal; `useKey` (core/ModelValidator.hpp)
    /// remembers where it was written, so a value problem found later points here.
    void refValue(const Document& doc, const toml::node& n, const std::string& field, ValueRef& target,
                  const std::string& useKey = "") {
        if (!useKey.empty()) useSites_[useKey] = UseSite{&doc, n.source(), field};
        const Model& m = config_.model;
        if (const auto* str = n.as_string()) {
            const std::string name = str->get();
            const auto pi = m.findParameter(name);
            if (!pi) doc.fail(n, field, "unknown parameter '" + name + "'" + didYouMean(name, names(m.parameters)));
            target = ValueRef::ofParameter(*pi);
            used_.insert(*pi);
            return;
        }
        target = ValueRef::constant(doc.nonNegative(n, field));
    }

    /// A constant of the run (an initial amount, a delay, a vesicle area, an event amount): a
    /// number, or the name of a parameter whose value Model::resolveRunConstants copies in.
    void runConstant(const Document& doc, const toml::node& n, const std::string& field, double& value,
                     std::optional<std::size_t>& parameter) {
        if (const auto* str = n.as_string()) {
            const Model& m = config_.model;
            const std::string name = str->get();
            const auto pi = m.findParameter(name);
            if (!pi) doc.fail(n, field, "unknown parameter '" + name + "'" + didYouMean(name, names(m.parameters)));
            parameter = *pi;
            value = m.parameters[*pi].value;
            used_.insert(*pi);
            return;
        }
        value = doc.nonNegative(n, field);
    }

    std::size_t speciesRef(const Document& doc, const toml::source_region& at, const std::string& field, const std::string& name) {
        const auto si = config_.model.findSpecies(name);
        if (!si) doc.fail(at, field, "unknown species '" + name + "'" + didYouMean(name, names(config_.model.species)));
        return *si;
    }

    static std::string trim(const std::string& s) {
        const auto b = s.find_first_not_of(" \t");
        if (b == std::string::npos) return "";
        return s.substr(b, s.find_last_not_of(" \t") - b + 1);
    }

    std::vector<SpeciesCount> parseSide(const Document& doc, const toml::node& at, const std::string& field,
                                        const std::string& side) {
        std::vector<SpeciesCount> out;
        if (trim(side).empty()) return out;
        std::stringstream terms(side);
        std::string term;
        while (std::getline(terms, term, '+')) {
            term = trim(term);
            if (term.empty()) doc.fail(at, field, "malformed equation: empty term between '+' signs");
            int count = 1;
            std::string name = term;
            std::size_t digits = 0;
            while (digits < term.size() && std::isdigit(static_cast<unsigned char>(term[digits]))) ++digits;
            if (digits > 0) {
                if (digits < term.size() && term[digits] == '.')
                    doc.fail(at, field, "malformed equation: stoichiometry must be a positive integer in '" + term + "'");
                const long long value = digits > 6 ? kMaxStoichiometry + 1 : std::stoll(term.substr(0, digits));
                if (value <= 0 || value > kMaxStoichiometry)
                    doc.fail(at, field, "malformed equation: stoichiometry must be a positive integer (at most " +
                                            std::to_string(kMaxStoichiometry) + ") in '" + term + "'");
                count = static_cast<int>(value);
                name = trim(term.substr(digits));
            }
            const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
                return std::isalnum(c) || c == '_' || c == '.';
            });
            if (!valid) doc.fail(at, field, "malformed equation: '" + term + "' is not [COUNT] SPECIES");
            const std::size_t si = speciesRef(doc, at.source(), field, name);
            auto same = std::find_if(out.begin(), out.end(), [&](const SpeciesCount& c) { return c.species == si; });
            const int merged = same != out.end() ? same->count + count : count;
            if (same != out.end()) same->count = merged;
            else out.push_back(SpeciesCount{si, count});
            if (merged > kMaxStoichiometry)
                doc.fail(at, field, "malformed equation: '" + name + "' appears more than " + std::to_string(kMaxStoichiometry) +
                                        " times on one side");
        }
        return out;
    }

    /// Reads law = ... and its keys from `t` into `law`; `ownKeys` are the table's other keys.
    void readLaw(const Document& doc, const toml::table& t, const std::string& field, RateLaw& law,
                 std::vector<std::string> ownKeys, const std::string& useKey) {
        std::string lawName = rateLawName(RateLawKind::MassAction);
        if (const auto* ln = t.get("law")) lawName = doc.string(*ln, field + ".law");
        const std::map<std::string, std::vector<std::string>> lawKeys{
            {rateLawName(RateLawKind::MassAction), {"k"}}, {rateLawName(RateLawKind::MichaelisMenten), {"vmax", "km"}},
            {rateLawName(RateLawKind::Hill), {"vmax", "km", "n"}}};
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
                    doc.fail(key.source(), field + "." + name, "key '" + name + "' does not belong to law '" + lawName + "'");
            doc.fail(key.source(), field + "." + name, "unknown key '" + name + "'" + didYouMean(name, allowed));
        }
        law.kind = *rateLawFromName(lawName);
        if (law.kind == RateLawKind::MassAction) {
            refValue(doc, doc.require(t, "k", field), field + ".k", law.k);
        } else {
            refValue(doc, doc.require(t, "vmax", field), field + ".vmax", law.vmax);
            refValue(doc, doc.require(t, "km", field), field + ".km", law.km, useKey + "km");
            if (law.kind == RateLawKind::Hill) refValue(doc, doc.require(t, "n", field), field + ".n", law.n);
        }
        if (const auto* sn = t.get("substrate")) {
            const std::string name = doc.string(*sn, field + ".substrate");
            law.substrate = speciesRef(doc, sn->source(), field + ".substrate", name);
        }
    }

    void readReaction(const Document& doc, const toml::node& n, const std::string& field) {
        const auto& t = doc.table(n, field);
        // Misspelt keys first: 'equaton' should say so, not that 'equation' is missing.
        doc.checkKeys(t, field, {"name", "equation", "description", "law", "substrate", "k", "vmax", "km", "n"});
        Reaction r;
        r.name = doc.string(doc.require(t, "name", field), field + ".name");
        for (const auto& other : config_.model.reactions)
            if (other.name == r.name) doc.fail(*t.get("name"), field + ".name", "duplicate reaction name '" + r.name + "'");
        const auto& en = doc.require(t, "equation", field);
        const std::string eq = doc.string(en, field + ".equation");
        const auto arrow = eq.find("->");
        if (arrow == std::string::npos || eq.find("->", arrow + 2) != std::string::npos)
            doc.fail(en, field + ".equation", "malformed equation '" + eq + "': expected 'REACTANTS -> PRODUCTS' with one '->'");
        r.reactants = parseSide(doc, en, field + ".equation", eq.substr(0, arrow));
        r.products = parseSide(doc, en, field + ".equation", eq.substr(arrow + 2));
        readLaw(doc, t, field, r.law, {"name", "equation", "description"},
                "reaction:" + std::to_string(config_.model.reactions.size()) + ":");
        if (r.law.kind == RateLawKind::MassAction) {
            if (r.law.substrate) doc.fail(*t.get("substrate"), field + ".substrate", "mass_action reactions take their reactants from the equation; 'substrate' is for michaelis_menten, hill and budding laws");
            r.law.order = r.reactants;
        } else if (!r.law.substrate) {
            if (r.reactants.empty())
                doc.fail(t.source(), field, "michaelis_menten and hill need a reactant or a 'substrate' species");
            r.law.substrate = r.reactants.front().species;
        }
        config_.model.reactions.push_back(r);
    }

    void readRoute(const Document& doc, const toml::node& n, const std::string& field) {
        const auto& t = doc.table(n, field);
        doc.checkKeys(t, field, {"name", "from", "to", "budding", "cargo", "capture", "fusion_rate", "delay", "vesicle_area", "description"});
        Model& m = config_.model;
        VesicleRoute r;
        r.name = doc.string(doc.require(t, "name", field), field + ".name");
        for (const auto& other : m.routes)
            if (other.name == r.name) doc.fail(*t.get("name"), field + ".name", "duplicate vesicle route name '" + r.name + "'");
        auto compartment = [&](const char* key) {
            const auto& cn = doc.require(t, key, field);
            const std::string name = doc.string(cn, field + "." + key);
            const auto ci = m.findCompartment(name);
            if (!ci) doc.fail(cn, field + "." + key, "unknown compartment '" + name + "'" + didYouMean(name, names(m.compartments)));
            return *ci;
        };
        r.from = compartment("from");
        r.to = compartment("to");
        const auto& bn = doc.require(t, "budding", field);
        const std::string routeKey = "route:" + std::to_string(m.routes.size()) + ":";
        readLaw(doc, doc.table(bn, field + ".budding"), field + ".budding", r.budding, {}, routeKey + "budding.");
        if (r.budding.kind == RateLawKind::MassAction) {
            if (r.budding.substrate) r.budding.order.push_back(SpeciesCount{*r.budding.substrate, 1});
        } else if (!r.budding.substrate) {
            doc.fail(bn, field + ".budding", "michaelis_menten and hill budding laws need a 'substrate' species");
        }
        if (const auto* cn = t.get("cargo")) {
            const auto& ct = doc.table(*cn, field + ".cargo");
            for (const auto& [key, node] : ct) {
                const std::string donor(key.str());
                const std::string cf = field + ".cargo." + donor;
                CargoPair pair;
                pair.donor = speciesRef(doc, key.source(), cf, donor);
                pair.acceptor = speciesRef(doc, node.source(), cf, doc.string(node, cf));
                if (m.species[pair.donor].compartment != r.from)
                    doc.fail(key.source(), cf, "donor species '" + donor + "' is in compartment '" +
                                           m.compartments[m.species[pair.donor].compartment].name + "', not in the route's 'from' compartment '" +
                                           m.compartments[r.from].name + "'");
                r.cargo.push_back(pair);
            }
        }
        if (const auto* c = t.get("capture")) refValue(doc, *c, field + ".capture", r.capture, routeKey + "capture");
        else if (!r.cargo.empty()) doc.fail(t.source(), field, "missing required key 'capture' (the route carries cargo)");
        refValue(doc, doc.require(t, "fusion_rate", field), field + ".fusion_rate", r.fusion_rate);
        if (const auto* d = t.get("delay")) runConstant(doc, *d, field + ".delay", r.delay, r.delayParameter);
        if (const auto* a = t.get("vesicle_area")) runConstant(doc, *a, field + ".vesicle_area", r.vesicle_area_um2, r.areaParameter);
        m.routes.push_back(r);
    }

    // ---- run settings ------------------------------------------------------------------------

    void readSimulation(const toml::table& root) {
        const Document& doc = *params_;
        const auto* sn = root.get("simulation");
        if (!sn) doc.fail(root.source(), "", "missing section [simulation] (t_end and output_interval are required)");
        const auto& t = doc.table(*sn, "simulation");
        doc.checkKeys(t, "simulation", {"method", "t_end", "output_interval", "replicates", "first_replicate", "seed", "stepper",
                                        "rtol", "atol", "delay_stages"});
        SimulationSettings& s = config_.simulation;
        if (const auto* m = t.get("method")) {
            const std::string name = doc.string(*m, "simulation.method");
            if (const auto method = methodFromName(name)) s.method = *method;
            else doc.fail(*m, "simulation.method", "unknown method '" + name + "'" + didYouMean(name, methodNames()) + "; expected " + alternatives(methodNames()));
        }
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
        if (const auto* st = t.get("stepper")) {
            const std::string name = doc.string(*st, "simulation.stepper");
            if (const auto stepper = stepperFromName(name)) s.stepper = *stepper;
            else doc.fail(*st, "simulation.stepper", "unknown stepper '" + name + "'" + didYouMean(name, stepperNames()) + "; expected " + alternatives(stepperNames()));
        }
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

    void readPerturbations(const toml::table& root) {
        const Document& doc = *params_;
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
            const auto pi = m.findParameter(target);
            if (!pi) doc.fail(tn, field + ".target", "unknown parameter '" + target + "'" + didYouMean(target, names(m.parameters)));
            p.parameter = *pi;
            used_.insert(*pi);
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
            perturbationNodes_.push_back(&t);
        }
    }

    /// The semantic checks of every value (core/ModelValidator.hpp), placed where the value
    /// that breaks them was written: a perturbation's key, the use of a value, or a parameter.
    void checkValues() {
        const Model& m = config_.model;
        const auto problems = checkModelValues(m, config_.simulation.t_end);
        if (problems.empty()) return;
        const ValueProblem& p = problems.front();
        if (p.perturbation) {
            const auto& t = *perturbationNodes_[*p.perturbation];
            const char* key = perturbationModeKey(m.perturbations[*p.perturbation].mode);
            params_->fail(*t.get(key), "perturbations[" + std::to_string(*p.perturbation) + "]." + key, p.message);
        }
        std::string message = p.message;
        if (p.parameter && overridden_.count(*p.parameter)) message += " (from --set)";
        if (const auto site = useSites_.find(p.use.key); site != useSites_.end())
            site->second.document->fail(site->second.at, site->second.field, message);
        if (p.parameter) {
            const auto& site = sites_[*p.parameter];
            site.document->fail(site.key, "parameters." + m.parameters[*p.parameter].name, message);
        }
        throw InputError(params_->path(), 0, 0, message);
    }

    void readEvents(const toml::table& root) {
        const Document& doc = *params_;
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
                    c.species = speciesRef(doc, key.source(), cf + "." + name, name);
                    c.mode = std::string(kind) == "add" ? EventMode::Add : EventMode::Set;
                    runConstant(doc, node, cf + "." + name, c.amount, c.amountParameter);
                    e.changes.push_back(c);
                }
            }
            if (e.changes.empty()) doc.fail(t.source(), field, "an event needs 'add' or 'set' with at least one species");
            config_.model.events.push_back(e);
        }
    }

    void readOutput(const toml::table& root) {
        const Document& doc = *params_;
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

    /// Units written beside a parameter must fit every use of it (at least time and first-order rates).
    void checkUnits() {
        const Model& m = config_.model;
        auto check = [&](const ValueRef& ref, Dimension d, const std::string& use) {
            if (!ref.parameter) return;
            const auto& site = sites_[*ref.parameter];
            const std::string problem = unitsProblem(m.parameters[*ref.parameter].units, d);
            if (problem.empty() || !site.unitsDocument) return;
            site.unitsDocument->fail(site.units, "parameters." + m.parameters[*ref.parameter].name + ".units",
                                     problem + "; it is used as " + use);
        };
        auto checkLaw = [&](const RateLaw& law, const std::string& owner) {
            if (law.kind == RateLawKind::MassAction) {
                int order = 0;
                for (const auto& t : law.order) order += t.count;
                check(law.k, order == 1 ? Dimension::FirstOrderRate : Dimension::Rate, "the rate constant of " + owner);
            } else {
                check(law.vmax, Dimension::Rate, "vmax of " + owner);
                check(law.km, Dimension::Amount, "km of " + owner);
                if (law.kind == RateLawKind::Hill) check(law.n, Dimension::Dimensionless, "the Hill coefficient of " + owner);
            }
        };
        for (const auto& r : m.reactions) checkLaw(r.law, "reaction '" + r.name + "'");
        for (const auto& v : m.routes) {
            checkLaw(v.budding, "the budding of route '" + v.name + "'");
            check(v.capture, Dimension::Dimensionless, "the capture probability of route '" + v.name + "'");
            check(v.fusion_rate, Dimension::FirstOrderRate, "the fusion rate of route '" + v.name + "'");
        }
    }

    /// Legal but suspicious models: said once, before anything runs.
    void semanticWarnings() {
        const Model& m = config_.model;
        const Document& where = modelDocument_ ? *modelDocument_ : *params_;
        auto warn = [&](const std::string& msg) { config_.warnings.push_back(where.path() + ": warning: " + msg); };
        std::vector<bool> touched(m.species.size(), false);
        for (const auto& r : m.reactions) {
            for (const auto& t : r.reactants) touched[t.species] = true;
            for (const auto& t : r.products) touched[t.species] = true;
            if (r.law.kind != RateLawKind::MassAction)
                for (const auto& t : r.reactants)
                    if (r.law.substrate && t.species != *r.law.substrate)
                        warn("reaction '" + r.name + "' consumes '" + m.species[t.species].name +
                             "' at a rate that does not depend on it: its amount can become negative");
        }
        for (const auto& v : m.routes) {
            for (const auto& c : v.cargo) touched[c.donor] = touched[c.acceptor] = true;
            if (v.cargo.empty()) warn("vesicle route '" + v.name + "' carries no cargo species (it moves membrane only)");
        }
        for (const auto& e : m.events)
            for (const auto& c : e.changes) touched[c.species] = true;
        for (std::size_t i = 0; i < m.species.size(); ++i)
            if (!touched[i]) warn("species '" + m.species[i].name + "' is touched by no reaction, route or event: it stays constant");
        for (const auto& p : m.perturbations)
            if (p.end && *p.end > config_.simulation.t_end)
                config_.warnings.push_back(params_->path() + ": warning: perturbation '" + p.name + "' ends after t_end; its end is never reached");
    }

    void checkUnused() {
        const Model& m = config_.model;
        for (std::size_t i = 0; i < m.parameters.size(); ++i) {
            if (used_.count(i)) continue;
            const auto& site = sites_[i];
            const std::string msg = "parameter '" + m.parameters[i].name + "' is not used by the model";
            std::vector<std::string> usedNames;
            for (auto u : used_) usedNames.push_back(m.parameters[u].name);
            if (site.fromParamsFile) site.document->fail(site.key, "parameters." + m.parameters[i].name, msg + didYouMean(m.parameters[i].name, usedNames));
            config_.warnings.push_back(site.document->warning(site.key, m.parameters[i].name, msg));
        }
    }

    RunConfig config_;
    std::unique_ptr<Document> params_;
    std::unique_ptr<Document> modelDocument_;
    std::vector<const toml::table*> perturbationNodes_;  ///< parallel to config_.model.perturbations
    std::vector<ParameterSite> sites_;  ///< parallel to config_.model.parameters
    std::set<std::size_t> used_;
    struct UseSite {
        const Document* document;
        toml::source_region at;
        std::string field;
    };
    std::map<std::string, UseSite> useSites_;  ///< by ValueUse::key
    struct PendingInitial {
        std::size_t species;
        const Document* document;
        const toml::node* node;
        std::string field;
    };
    std::vector<PendingInitial> pendingInitials_;  ///< initial amounts given as parameter names
    std::set<std::size_t> overridden_;     ///< parameters given by --set
};

}  // namespace

RunConfig loadRunConfig(const std::string& paramsPath, const std::vector<std::string>& overrides) {
    Loader loader(paramsPath, readTextFile(paramsPath, "parameter file"), overrides);
    return loader.load(overrides);
}

RunConfig loadRunConfigFromText(const std::string& text, const std::string& paramsPath,
                                const std::vector<std::string>& overrides) {
    Loader loader(paramsPath, text, overrides);
    return loader.load(overrides);
}

}  // namespace egress
