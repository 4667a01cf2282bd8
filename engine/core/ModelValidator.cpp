#include "core/ModelValidator.hpp"

#include <cmath>
#include <sstream>

#include "core/Timeline.hpp"

namespace egress {

namespace {

std::string formatNumber(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

/// A constrained use of a value: capture probabilities lie in [0, 1]; km is positive, or
/// S/(km + S) is undefined at S = 0.
enum class Constraint { Probability, Positive };

struct ConstrainedUse {
    ValueUse use;
    const ValueRef* ref;
    Constraint constraint;
};

std::vector<ConstrainedUse> constrainedUses(const Model& m) {
    std::vector<ConstrainedUse> uses;
    auto law = [&](const RateLaw& l, const std::string& key, const std::string& owner) {
        if (l.kind == RateLawKind::MichaelisMenten || l.kind == RateLawKind::Hill)
            uses.push_back({{key + "km", "km of " + owner}, &l.km, Constraint::Positive});
    };
    for (std::size_t i = 0; i < m.reactions.size(); ++i)
        law(m.reactions[i].law, "reaction:" + std::to_string(i) + ":", "reaction '" + m.reactions[i].name + "'");
    for (std::size_t i = 0; i < m.routes.size(); ++i) {
        const auto& r = m.routes[i];
        const std::string key = "route:" + std::to_string(i) + ":";
        law(r.budding, key + "budding.", "the budding law of route '" + r.name + "'");
        uses.push_back({{key + "capture", "the capture probability of route '" + r.name + "'"}, &r.capture,
                            Constraint::Probability});
        for (std::size_t k = 0; k < r.cargo.size(); ++k)
            if (r.cargo[k].capture)
                uses.push_back({{key + "cargo:" + std::to_string(k) + ":capture",
                                 "the capture probability of cargo '" + m.species[r.cargo[k].donor].name + "' on route '" + r.name + "'"},
                                &*r.cargo[k].capture, Constraint::Probability});
    }
    return uses;
}

/// Why `value` breaks `c`, or "".
std::string breaks(double value, Constraint c) {
    switch (c) {
        case Constraint::Probability:
            if (value > 1.0) return "must lie in [0, 1]";
            break;
        case Constraint::Positive:
            if (!(value > 0.0)) return "must be positive (the rate is undefined at S = 0 when km = 0)";
            break;
    }
    return "";
}

}  // namespace

std::vector<ValueProblem> checkModelValues(const Model& m, double t_end) {
    std::vector<ValueProblem> problems;
    const auto signedUses = m.nonNegativeUses();
    for (std::size_t i = 0; i < m.parameters.size(); ++i) {
        const double v = m.parameters[i].value;
        if (!std::isfinite(v)) {
            ValueProblem p;
            p.parameter = i;
            p.message = "parameter '" + m.parameters[i].name + "' must be a finite number (is " + formatNumber(v) + ")";
            problems.push_back(p);
        } else if (v < 0.0 && !signedUses[i].empty()) {
            ValueProblem p;
            p.parameter = i;
            p.message = "parameter '" + m.parameters[i].name + "' must not be negative (is " + formatNumber(v) + "): it sets " +
                        signedUses[i] + " (only a parameter that formulas alone read may be negative)";
            problems.push_back(p);
        }
    }
    const auto values = m.valueSpecies();
    for (std::size_t i = 0; i < m.species.size(); ++i) {
        const double v = m.species[i].initial;
        if (!std::isfinite(v) || (v < 0.0 && !values[i])) {
            ValueProblem p;
            p.species = i;
            p.message = "the initial amount of species '" + m.species[i].name + "' must be a finite, non-negative number (is " +
                        formatNumber(v) + ")";
            problems.push_back(p);
        }
    }
    for (std::size_t i = 0; i < m.perturbations.size(); ++i) {
        const Perturbation& q = m.perturbations[i];
        auto problem = [&](const std::string& msg) {
            ValueProblem p;
            p.perturbation = i;
            p.message = msg;
            problems.push_back(p);
        };
        if (!std::isfinite(q.value) || q.value < 0.0)
            problem("the perturbation's " + std::string(perturbationModeKey(q.mode)) +
                    " must be a finite, non-negative number (is " + formatNumber(q.value) + ")");
        if (!(q.start >= 0.0) || q.start >= t_end)
            problem("the perturbation starts at " + formatNumber(q.start) + " s: it must start in [0, t_end = " +
                    formatNumber(t_end) + ")");
        if (q.end && !(*q.end > q.start))
            problem("the perturbation ends at " + formatNumber(*q.end) + " s, not after its start " + formatNumber(q.start) + " s");
    }
    if (!problems.empty()) return problems;  // the windows below assume sane values

    // Run constants are read once by the methods: a perturbation or a per-cell draw of them would
    // be silently ignored.
    for (const auto& [parameter, use] : m.runConstantUses()) {
        const Parameter& pp = m.parameters[parameter];
        for (std::size_t i = 0; i < m.perturbations.size(); ++i) {
            if (m.perturbations[i].parameter != parameter) continue;
            ValueProblem p;
            p.parameter = parameter;
            p.perturbation = i;
            p.message = "parameter '" + pp.name + "' sets " + use + ", a constant of the run: it cannot be perturbed";
            problems.push_back(p);
        }
        if (pp.distribution != Distribution::Fixed && pp.cv > 0.0) {
            ValueProblem p;
            p.parameter = parameter;
            p.message = "parameter '" + pp.name + "' sets " + use + ", a constant of the run: it cannot vary from cell to cell";
            problems.push_back(p);
        }
    }
    if (!problems.empty()) return problems;

    const auto base = m.baseParameterValues();
    const Timeline timeline(m, t_end);
    for (const auto& u : constrainedUses(m)) {
        // A cell-to-cell distribution must not draw a probability above 1.
        if (u.constraint == Constraint::Probability && u.ref->parameter) {
            const Parameter& pp = m.parameters[*u.ref->parameter];
            if (pp.distribution != Distribution::Fixed && pp.cv > 0.0 &&
                (pp.distribution != Distribution::Uniform || pp.value * (1.0 + std::sqrt(3.0) * pp.cv) > 1.0)) {
                ValueProblem p;
                p.use = u.use;
                p.parameter = u.ref->parameter;
                p.message = "parameter '" + pp.name + "' is " + u.use.description +
                            "; its cell-to-cell distribution could draw values above 1 (use uniform with value * (1 + sqrt(3) cv) <= 1)";
                problems.push_back(p);
                continue;
            }
        }
        const std::string why = breaks(m.valueOf(*u.ref, base), u.constraint);
        if (!why.empty()) {
            ValueProblem p;
            p.use = u.use;
            p.parameter = u.ref->parameter;
            p.message = u.use.description + " " + why + " (is " + formatNumber(m.valueOf(*u.ref, base)) +
                        (u.ref->parameter ? ", parameter '" + m.parameters[*u.ref->parameter].name + "'" : std::string()) + ")";
            problems.push_back(p);
            continue;
        }
        // Values in force only change at perturbation starts (and ends, which restore a value
        // already checked), so the start of each window that touches the parameter is enough.
        if (!u.ref->parameter) continue;
        for (std::size_t i = 0; i < m.perturbations.size(); ++i) {
            const Perturbation& q = m.perturbations[i];
            if (q.parameter != *u.ref->parameter) continue;
            const double value = timeline.parametersAt(q.start, base)[q.parameter];
            const std::string w = breaks(value, u.constraint);
            if (w.empty()) continue;
            ValueProblem p;
            p.use = u.use;
            p.parameter = q.parameter;
            p.perturbation = i;
            p.message = "makes '" + m.parameters[q.parameter].name + "', " + u.use.description + ", " + formatNumber(value) +
                        " from t = " + formatNumber(q.start) + " s; it " + w;
            problems.push_back(p);
            break;
        }
    }
    return problems;
}

}  // namespace egress
