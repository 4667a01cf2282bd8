#include "core/Model.hpp"

#include <cmath>

#include "core/NameTable.hpp"

namespace egress {

namespace {
template <class T>
std::optional<std::size_t> findByName(const std::vector<T>& items, const std::string& name) {
    for (std::size_t i = 0; i < items.size(); ++i)
        if (items[i].name == name) return i;
    return std::nullopt;
}
}  // namespace

std::optional<std::size_t> Model::findSpecies(const std::string& n) const { return findByName(species, n); }
std::optional<std::size_t> Model::findParameter(const std::string& n) const { return findByName(parameters, n); }
std::optional<std::size_t> Model::findCompartment(const std::string& n) const { return findByName(compartments, n); }

std::vector<double> Model::baseParameterValues() const {
    std::vector<double> v;
    v.reserve(parameters.size());
    for (const auto& p : parameters) v.push_back(p.value);
    return v;
}

void Model::resolveRunConstants() {
    for (auto& s : species)
        if (s.initialParameter) s.initial = parameters[*s.initialParameter].value;
    for (auto& c : compartments)
        if (c.synthesisParameter) c.membrane_synthesis_um2_per_s = parameters[*c.synthesisParameter].value;
    for (auto& r : routes) {
        if (r.delayParameter) r.delay = parameters[*r.delayParameter].value;
        if (r.areaParameter) r.vesicle_area_um2 = parameters[*r.areaParameter].value;
    }
    for (auto& e : events)
        for (auto& c : e.changes)
            if (c.amountParameter) c.amount = parameters[*c.amountParameter].value;
    if (initialAssignments.empty()) return;
    std::vector<double> x(species.size()), p = baseParameterValues();
    for (std::size_t i = 0; i < species.size(); ++i) x[i] = species[i].initial;
    for (const auto& a : initialAssignments) {
        const double v = a.expression.evaluate(x.data(), p.data(), 0.0);
        if (a.isSpecies) species[a.index].initial = x[a.index] = v;
        else parameters[a.index].value = p[a.index] = v;
    }
}

std::vector<std::pair<std::size_t, std::string>> Model::runConstantUses() const {
    std::vector<std::pair<std::size_t, std::string>> uses;
    for (const auto& s : species)
        if (s.initialParameter) uses.emplace_back(*s.initialParameter, "the initial amount of species '" + s.name + "'");
    for (const auto& c : compartments)
        if (c.synthesisParameter) uses.emplace_back(*c.synthesisParameter, "the membrane synthesis of compartment '" + c.name + "'");
    for (const auto& r : routes) {
        if (r.delayParameter) uses.emplace_back(*r.delayParameter, "the delay of route '" + r.name + "'");
        if (r.areaParameter) uses.emplace_back(*r.areaParameter, "the vesicle area of route '" + r.name + "'");
    }
    for (std::size_t i = 0; i < events.size(); ++i)
        for (const auto& c : events[i].changes)
            if (c.amountParameter)
                uses.emplace_back(*c.amountParameter, "an amount of event " + std::to_string(i) + " (of species '" + species[c.species].name + "')");
    // An initial assignment is evaluated once, with the base values: a parameter it reads or sets
    // cannot change during the run or from cell to cell.
    for (const auto& a : initialAssignments) {
        const std::string what = "the initial assignment of " + std::string(a.isSpecies ? "species '" + species[a.index].name
                                                                                       : "parameter '" + parameters[a.index].name) + "'";
        if (!a.isSpecies) uses.emplace_back(a.index, what);
        for (const auto pi : a.expression.parameters) uses.emplace_back(pi, what);
    }
    return uses;
}

std::vector<std::string> Model::nonNegativeUses() const {
    std::vector<std::string> uses(parameters.size());
    auto use = [&](const std::optional<std::size_t>& parameter, const std::string& what) {
        if (parameter && uses[*parameter].empty()) uses[*parameter] = what;
    };
    auto law = [&](const RateLaw& l, const std::string& owner) {
        switch (l.kind) {
            case RateLawKind::MassAction: use(l.k.parameter, "the rate constant k of " + owner); break;
            case RateLawKind::Hill: use(l.n.parameter, "the Hill coefficient n of " + owner); [[fallthrough]];
            case RateLawKind::MichaelisMenten:
                use(l.vmax.parameter, "vmax of " + owner);
                use(l.km.parameter, "km of " + owner);
                break;
            case RateLawKind::Expression: break;  // the formula decides what a sign means
        }
    };
    for (const auto& r : reactions) law(r.law, "reaction '" + r.name + "'");
    for (const auto& r : routes) {
        law(r.budding, "the budding law of route '" + r.name + "'");
        use(r.capture.parameter, "the capture probability of route '" + r.name + "'");
        for (const auto& c : r.cargo)
            if (c.capture) use(c.capture->parameter, "a capture probability of route '" + r.name + "'");
        use(r.fusion_rate.parameter, "the fusion rate of route '" + r.name + "'");
    }
    // The run constants: amounts, areas, delays and synthesis are never negative.
    for (const auto& s : species) use(s.initialParameter, "the initial amount of species '" + s.name + "'");
    for (const auto& c : compartments) use(c.synthesisParameter, "the membrane synthesis of compartment '" + c.name + "'");
    for (const auto& r : routes) {
        use(r.delayParameter, "the delay of route '" + r.name + "'");
        use(r.areaParameter, "the vesicle area of route '" + r.name + "'");
    }
    for (const auto& e : events)
        for (const auto& c : e.changes) use(c.amountParameter, "an amount of a timed event (species '" + species[c.species].name + "')");
    // A cell-to-cell distribution draws a non-negative quantity around its mean (core/Variability.hpp).
    for (std::size_t i = 0; i < parameters.size(); ++i)
        if (parameters[i].distribution != Distribution::Fixed && parameters[i].cv > 0.0 && uses[i].empty())
            uses[i] = "the mean of its cell-to-cell distribution";
    return uses;
}

std::vector<bool> Model::countedSpecies() const {
    std::vector<bool> counted(species.size(), false);
    for (const auto& r : reactions) {
        for (const auto& c : r.reactants) counted[c.species] = true;
        for (const auto& c : r.products) counted[c.species] = true;
    }
    for (const auto& r : routes)
        for (const auto& c : r.cargo) counted[c.donor] = counted[c.acceptor] = true;
    return counted;
}

std::vector<bool> Model::valueSpecies() const {
    std::vector<bool> value = countedSpecies();
    for (std::size_t i = 0; i < species.size(); ++i) value[i] = !value[i] && compartments[species[i].compartment].holds_values;
    return value;
}

std::size_t SimulationSettings::sampleCount() const {
    return static_cast<std::size_t>(std::llround(t_end / output_interval)) + 1;
}

double SimulationSettings::sampleTime(std::size_t i) const {
    // The last sample is t_end itself, not an accumulation of rounding in i*dt.
    return i + 1 == sampleCount() ? t_end : static_cast<double>(i) * output_interval;
}

namespace {
constexpr NamedValue<Method> kMethodNames[] = {
    {Method::Ode, "ode"}, {Method::Ssa, "ssa"}, {Method::Hybrid, "hybrid"}};
constexpr NamedValue<OdeStepper> kStepperNames[] = {
    {OdeStepper::Auto, "auto"}, {OdeStepper::Dopri5, "dopri5"}, {OdeStepper::Rosenbrock4, "rosenbrock4"}};
constexpr NamedValue<RateLawKind> kRateLawNames[] = {
    {RateLawKind::MassAction, "mass_action"}, {RateLawKind::MichaelisMenten, "michaelis_menten"}, {RateLawKind::Hill, "hill"},
    {RateLawKind::Expression, "expression"}};
constexpr NamedValue<PerturbationMode> kPerturbationModeKeys[] = {
    {PerturbationMode::Scale, "scale"}, {PerturbationMode::Set, "value"}};
}  // namespace

const char* methodName(Method m) { return nameOf(kMethodNames, m); }
std::optional<Method> methodFromName(std::string_view name) { return valueNamed(kMethodNames, name); }
std::vector<std::string> methodNames() { return namesOf(kMethodNames); }

const char* stepperName(OdeStepper s) { return nameOf(kStepperNames, s); }
std::optional<OdeStepper> stepperFromName(std::string_view name) { return valueNamed(kStepperNames, name); }
std::vector<std::string> stepperNames() { return namesOf(kStepperNames); }

const char* rateLawName(RateLawKind k) { return nameOf(kRateLawNames, k); }
std::optional<RateLawKind> rateLawFromName(std::string_view name) { return valueNamed(kRateLawNames, name); }
std::vector<std::string> rateLawNames() { return namesOf(kRateLawNames); }

const char* perturbationModeKey(PerturbationMode m) { return nameOf(kPerturbationModeKeys, m); }

}  // namespace egress
