#include "io/SweepLoader.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "core/ModelValidator.hpp"
#include "core/NameTable.hpp"
#include "core/RandomStream.hpp"
#include "io/ConfigLoader.hpp"
#include "io/InputNames.hpp"
#include "io/TomlDocument.hpp"

namespace egress {

namespace fs = std::filesystem;

namespace {

/// Points of a sweep beyond which a design is a mistake (10^8 points of even a 1 ms model is
/// three CPU-years).
constexpr std::size_t kMaxPoints = 100'000'000;

/// FNV-1a, 64 bits (Fowler, Noll, Vo): its offset basis and prime.
std::string fnv1a64Hex(const std::string& text) {
    constexpr std::uint64_t kOffsetBasis = 14695981039346656037ull, kPrime = 1099511628211ull;
    std::uint64_t h = kOffsetBasis;
    for (unsigned char c : text) {
        h ^= c;
        h *= kPrime;
    }
    char out[17];
    std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
    return out;
}

class SweepReader {
public:
    SweepReader(const std::string& path, std::string text) : doc_(path, text) {
        config_.sweepPath = path;
        config_.sweepText = std::move(text);
    }

    SweepConfig load() {
        const auto& root = doc_.root();
        doc_.checkKeys(root, "", {"base", "sweep", "description"});
        const auto& baseNode = doc_.require(root, "base", "");
        const std::string baseRef = doc_.string(baseNode, "base");
        const fs::path basePath = fs::path(baseRef).is_absolute() ? fs::path(baseRef) : fs::path(config_.sweepPath).parent_path() / baseRef;
        if (!fs::is_regular_file(basePath)) doc_.fail(baseNode, "base", "parameter file '" + basePath.string() + "' does not exist");
        config_.base = loadRunConfig(basePath.string());
        for (const auto& w : config_.base.warnings) config_.warnings.push_back(w);

        const auto& sweep = doc_.table(doc_.require(root, "sweep", ""), "sweep");
        doc_.checkKeys(sweep, "sweep", {"design", "samples", "seed", "saltelli", "streams", "method", "replicates", "axes", "outputs", "metrics", "description"});
        readSettings(sweep);
        readAxes(sweep);
        readOutputs(sweep);
        readMetrics(sweep);
        if (config_.spec.design == SweepDesignKind::Grid) {
            std::size_t count = 1;
            for (const auto& a : config_.spec.axes) {
                count *= a.values.size();
                if (count > kMaxPoints) doc_.fail(sweep.source(), "sweep", "the grid has more than 10^8 points");
            }
        }
        try {
            config_.points = sweepPoints(config_.spec);
        } catch (const std::invalid_argument& e) {
            doc_.fail(sweep.source(), "sweep", e.what());
        }
        if (config_.points.count == 0) doc_.fail(sweep.source(), "sweep", "the design has no points");
        checkEveryPoint();
        config_.baseResolved = resolvedParamsToml(config_.base);
        config_.sweepId = fnv1a64Hex(config_.sweepText + '\0' + config_.baseResolved);
        return std::move(config_);
    }

private:
    void readSettings(const toml::table& t) {
        SweepSpec& s = config_.spec;
        if (const auto* n = t.get("design")) s.design = namedValue(doc_, *n, "sweep.design", "design", sweepDesignFromName, sweepDesignNames());
        const bool sampling = s.design == SweepDesignKind::LatinHypercube || s.design == SweepDesignKind::Sobol;
        if (const auto* n = t.get("samples")) {
            if (!sampling) doc_.fail(*n, "sweep.samples", "only the latin_hypercube and sobol designs take 'samples'");
            const auto v = doc_.integer(*n, "sweep.samples");
            if (v < 1 || static_cast<std::uint64_t>(v) > kMaxPoints) doc_.fail(*n, "sweep.samples", "must lie in [1, 10^8]");
            s.samples = static_cast<std::size_t>(v);
        } else if (sampling) {
            doc_.fail(t.source(), "sweep", "the " + std::string(sweepDesignName(s.design)) + " design needs 'samples'");
        }
        if (const auto* n = t.get("seed")) {
            const auto v = doc_.integer(*n, "sweep.seed");
            if (v < 0) doc_.fail(*n, "sweep.seed", "must not be negative");
            s.seed = static_cast<std::uint64_t>(v);
        }
        if (const auto* n = t.get("saltelli")) {
            s.saltelli = doc_.boolean(*n, "sweep.saltelli");
            if (s.saltelli && s.design != SweepDesignKind::Sobol) doc_.fail(*n, "sweep.saltelli", "only the sobol design has Saltelli blocks");
        }
        if (const auto* n = t.get("streams")) s.streams = namedValue(doc_, *n, "sweep.streams", "streams", sweepStreamsFromName, sweepStreamsNames());
        SimulationSettings& sim = config_.base.simulation;
        if (const auto* n = t.get("method")) sim.method = namedValue(doc_, *n, "sweep.method", "method", methodFromName, methodNames());
        if (const auto* n = t.get("replicates")) {
            const auto v = doc_.integer(*n, "sweep.replicates");
            if (v < 1 || static_cast<std::uint64_t>(v) > kReplicateIndexLimit) doc_.fail(*n, "sweep.replicates", "must lie in [1, 2^32]");
            sim.replicates = static_cast<std::size_t>(v);
        }
        if (sim.first_replicate != 0) doc_.fail(t.source(), "sweep", "the base run must start at replicate 0");
    }

    void readAxes(const toml::table& t) {
        const auto& an = doc_.require(t, "axes", "sweep");
        const auto* arr = an.as_array();
        if (!arr || arr->empty()) doc_.fail(an, "sweep.axes", "expected one or more [[sweep.axes]] tables");
        const Model& m = config_.base.model;
        const bool sampling = config_.spec.design == SweepDesignKind::LatinHypercube || config_.spec.design == SweepDesignKind::Sobol;
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const std::string field = "sweep.axes[" + std::to_string(i) + "]";
            const auto& at = doc_.table((*arr)[i], field);
            doc_.checkKeys(at, field, {"parameter", "initial", "perturbation", "field", "values", "min", "max", "log", "points", "description"});
            SweepAxis axis;
            const auto* pn = at.get("parameter");
            const auto* in = at.get("initial");
            const auto* qn = at.get("perturbation");
            if ((pn != nullptr) + (in != nullptr) + (qn != nullptr) != 1)
                doc_.fail(at.source(), field, "give exactly one of 'parameter', 'initial' (a species) or 'perturbation'");
            if (pn) {
                const std::string name = doc_.string(*pn, field + ".parameter");
                axis.target = AxisTarget::Parameter;
                axis.index = parameterNamed(doc_, m, pn->source(), field + ".parameter", name);
                axis.name = name;
            } else if (in) {
                const std::string name = doc_.string(*in, field + ".initial");
                const std::size_t si = speciesNamed(doc_, m, in->source(), field + ".initial", name);
                if (const auto set = m.species[si].initialParameter)
                    doc_.fail(*in, field + ".initial", "the initial amount of '" + name + "' is parameter '" + m.parameters[*set].name +
                                                           "': sweep that parameter instead");
                axis.target = AxisTarget::InitialAmount;
                axis.index = si;
                axis.name = name + ".initial";
            } else {
                std::optional<std::size_t> qi;
                std::vector<std::string> known;
                for (const auto& q : m.perturbations) known.push_back(q.name);
                if (const auto* idx = qn->as_integer()) {
                    if (idx->get() >= 0 && static_cast<std::size_t>(idx->get()) < m.perturbations.size()) qi = static_cast<std::size_t>(idx->get());
                    else doc_.fail(*qn, field + ".perturbation", "the base run has " + std::to_string(m.perturbations.size()) + " perturbation(s); index " + std::to_string(idx->get()) + " is out of range");
                } else {
                    const std::string name = doc_.string(*qn, field + ".perturbation");
                    for (std::size_t k = 0; k < m.perturbations.size(); ++k)
                        if (m.perturbations[k].name == name) qi = k;
                    if (!qi) doc_.fail(*qn, field + ".perturbation", "no perturbation named '" + name + "' in the base run" + didYouMean(name, known));
                }
                const Perturbation& q = m.perturbations[*qi];
                const std::string strength = perturbationModeKey(q.mode);
                std::string which = strength;
                if (const auto* fn = at.get("field")) {
                    which = doc_.string(*fn, field + ".field");
                    if (which != strength && which != "start" && which != "end")
                        doc_.fail(*fn, field + ".field", "expected '" + strength + "', 'start' or 'end' (this perturbation " +
                                                             (q.mode == PerturbationMode::Scale ? "scales" : "sets") + " its target)");
                }
                axis.target = which == "start" ? AxisTarget::PerturbationStart : which == "end" ? AxisTarget::PerturbationEnd : AxisTarget::PerturbationStrength;
                axis.index = *qi;
                axis.name = (q.name.empty() ? "perturbations[" + std::to_string(*qi) + "]" : q.name) + "." + which;
            } 
            if (at.get("field") && !qn) doc_.fail(*at.get("field"), field + ".field", "'field' goes with 'perturbation'");
            for (const auto& other : config_.spec.axes)
                if (other.target == axis.target && other.index == axis.index) doc_.fail(at.source(), field, "a second axis on '" + axis.name + "'");
            readAxisValues(at, field, sampling, axis);
            config_.spec.axes.push_back(axis);
            axisNodes_.push_back(&at);
            config_.axisPlaces.push_back({static_cast<int>(at.source().begin.line), static_cast<int>(at.source().begin.column)});
        }
    }

    void readAxisValues(const toml::table& at, const std::string& field, bool sampling, SweepAxis& axis) {
        const auto* vn = at.get("values");
        const auto* mn = at.get("min");
        const auto* xn = at.get("max");
        const auto* pn = at.get("points");
        const auto* ln = at.get("log");
        if (ln) axis.log = doc_.boolean(*ln, field + ".log");
        if (vn) {
            if (sampling) doc_.fail(*vn, field + ".values", "the " + std::string(sweepDesignName(config_.spec.design)) + " design samples a range: give 'min' and 'max'");
            if (mn || xn || pn || ln) doc_.fail(vn->source(), field, "give either 'values' or a range ('min', 'max', 'points', 'log'), not both");
            const auto* arr = vn->as_array();
            if (!arr || arr->empty()) doc_.fail(*vn, field + ".values", "expected a non-empty array of numbers");
            for (std::size_t k = 0; k < arr->size(); ++k) axis.values.push_back(doc_.number((*arr)[k], field + ".values[" + std::to_string(k) + "]"));
            return;
        }
        if (!mn || !xn) doc_.fail(at.source(), field, sampling ? "give 'min' and 'max'" : "give 'values', or 'min', 'max' and 'points'");
        axis.min = doc_.number(*mn, field + ".min");
        axis.max = doc_.number(*xn, field + ".max");
        if (axis.min > axis.max) doc_.fail(*mn, field + ".min", "min = " + Document::formatNumber(axis.min) + " is greater than max = " + Document::formatNumber(axis.max));
        if (axis.log && !(axis.min > 0.0)) doc_.fail(*mn, field + ".min", "a log axis needs min > 0");
        if (config_.spec.design == SweepDesignKind::List) doc_.fail(at.source(), field, "the list design takes 'values' (one per point)");
        if (sampling) {
            if (pn) doc_.fail(*pn, field + ".points", "the number of points of a sampling design is [sweep] samples");
            return;
        }
        if (!pn) doc_.fail(at.source(), field, "a grid axis given as a range needs 'points'");
        const auto count = doc_.integer(*pn, field + ".points");
        if (count < 1 || count > 1'000'000) doc_.fail(*pn, field + ".points", "must lie in [1, 10^6]");
        if (count > 1 && axis.min == axis.max) doc_.fail(*pn, field + ".points", "min = max: the axis has one value");
        for (std::int64_t k = 0; k < count; ++k) {
            const double f = count == 1 ? 0.0 : static_cast<double>(k) / static_cast<double>(count - 1);
            // End points exactly as written, not as rounded by pow or the sum.
            const double v = k == 0 ? axis.min : k == count - 1 ? axis.max
                           : axis.log ? std::pow(10.0, std::log10(axis.min) + f * (std::log10(axis.max) - std::log10(axis.min)))
                                      : axis.min + f * (axis.max - axis.min);
            axis.values.push_back(v);
        }
    }

    void readOutputs(const toml::table& t) {
        const auto* on = t.get("outputs");
        if (!on) return;
        const auto& ot = doc_.table(*on, "sweep.outputs");
        doc_.checkKeys(ot, "sweep.outputs", {"trajectories"});
        if (const auto* n = ot.get("trajectories")) config_.trajectories = doc_.boolean(*n, "sweep.outputs.trajectories");
    }

    void readMetrics(const toml::table& t) {
        const auto* mn = t.get("metrics");
        if (!mn) return;
        const auto* arr = mn->as_array();
        if (!arr) doc_.fail(*mn, "sweep.metrics", "expected [[sweep.metrics]] tables");
        const Model& m = config_.base.model;
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const std::string field = "sweep.metrics[" + std::to_string(i) + "]";
            const auto& mt = doc_.table((*arr)[i], field);
            doc_.checkKeys(mt, field, {"name", "kind", "species", "compartment", "at", "description"});
            MetricSpec spec;
            const auto& nn = doc_.require(mt, "name", field);
            spec.name = doc_.string(nn, field + ".name");
            if (!isIdentifier(spec.name)) doc_.fail(nn, field + ".name", std::string("metric ") + kIdentifierRule);
            for (const auto& other : config_.metrics)
                if (other.name == spec.name) doc_.fail(nn, field + ".name", "duplicate metric name '" + spec.name + "'");
            const auto& kn = doc_.require(mt, "kind", field);
            const std::string kind = doc_.string(kn, field + ".kind");
            if (const auto k = metricKindFromName(kind)) spec.kind = *k;
            else doc_.fail(kn, field + ".kind", "unknown metric kind '" + kind + "'" + didYouMean(kind, metricKindNames()));
            const auto* sn = mt.get("species");
            const auto* cn = mt.get("compartment");
            if ((sn != nullptr) == (cn != nullptr)) doc_.fail(mt.source(), field, "give exactly one of 'species' (a name or a list, summed) or 'compartment' (all its species)");
            std::string of;
            if (sn) {
                std::vector<const toml::node*> items;
                if (const auto* list = sn->as_array()) for (const auto& x : *list) items.push_back(&x);
                else items.push_back(sn);
                if (items.empty()) doc_.fail(*sn, field + ".species", "name at least one species");
                for (const auto* x : items) {
                    const std::string name = doc_.string(*x, field + ".species");
                    spec.species.push_back(speciesNamed(doc_, m, x->source(), field + ".species", name));
                    of += (of.empty() ? "" : " + ") + name;
                }
            } else {
                const std::string name = doc_.string(*cn, field + ".compartment");
                const std::size_t ci = compartmentNamed(doc_, m, cn->source(), field + ".compartment", name);
                for (std::size_t s = 0; s < m.species.size(); ++s)
                    if (m.species[s].compartment == ci) spec.species.push_back(s);
                if (spec.species.empty()) doc_.fail(*cn, field + ".compartment", "compartment '" + name + "' holds no species");
                of = "compartment " + name;
            }
            const auto* atn = mt.get("at");
            if (spec.kind == MetricKind::At) {
                if (!atn) doc_.fail(mt.source(), field, "kind 'at' needs 'at', the time in s");
                spec.at = doc_.nonNegative(*atn, field + ".at");
                if (spec.at > config_.base.simulation.t_end) doc_.fail(*atn, field + ".at", "is after t_end = " + Document::formatNumber(config_.base.simulation.t_end));
            } else if (atn) {
                doc_.fail(*atn, field + ".at", "'at' goes with kind = \"at\"");
            }
            spec.definition = kind + (spec.kind == MetricKind::At ? " " + Document::formatNumber(spec.at) + " s" : "") + " of " + of;
            config_.metrics.push_back(spec);
        }
    }

    /// Every point must make a valid model: the same checks as a parameter file (core/ModelValidator).
    void checkEveryPoint() {
        const SweepPoints& points = config_.points;
        const double t_end = config_.base.simulation.t_end;
        Model model = config_.base.model;
        for (std::size_t p = 0; p < points.count; ++p) {
            applySweepPoint(model, config_.spec, points, p);
            const auto problems = checkModelValues(model, t_end);
            if (problems.empty()) continue;
            const ValueProblem& problem = problems.front();
            std::size_t axis = 0;
            for (std::size_t a = 0; a < config_.spec.axes.size(); ++a) {
                const SweepAxis& x = config_.spec.axes[a];
                const bool mine = (x.target == AxisTarget::Parameter && problem.parameter == x.index) ||
                                  (x.target == AxisTarget::InitialAmount && problem.species == x.index) ||
                                  (x.target != AxisTarget::Parameter && x.target != AxisTarget::InitialAmount && problem.perturbation == x.index);
                if (mine) {
                    axis = a;
                    break;
                }
            }
            std::string at;
            for (std::size_t a = 0; a < config_.spec.axes.size(); ++a)
                at += (a ? ", " : "") + config_.spec.axes[a].name + " = " + Document::formatNumber(points.value(p, a));
            doc_.fail(axisNodes_[axis]->source(), "sweep.axes[" + std::to_string(axis) + "]",
                      "point " + std::to_string(p) + " (" + at + "): " + problem.message);
        }
    }

    Document doc_;
    SweepConfig config_;
    std::vector<const toml::table*> axisNodes_;
};

}  // namespace

SweepConfig loadSweepConfig(const std::string& path) {
    std::string text = readTextFile(path, "sweep file");
    SweepReader reader(path, text);
    return reader.load();
}

bool isSweepFile(const std::string& path) {
    try {
        const Document doc(path, readTextFile(path, "file"));
        return doc.root().contains("sweep");
    } catch (const InputError&) {
        return false;
    }
}

}  // namespace egress
