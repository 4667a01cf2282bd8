#pragma once
// The typed model: what a simulation needs to know, independent of any file format.
// Built by io/ConfigLoader from TOML, consumed by the solvers. Indices refer into the vectors
// of the same Model; the loader guarantees they are in range and that names are unique.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/Expression.hpp"

namespace egress {

/// A value that is either a named model parameter (so perturbations and sweeps can reach it)
/// or a literal number written in place.
struct ValueRef {
    std::optional<std::size_t> parameter;  ///< index into Model::parameters
    double literal = 0.0;                  ///< used when parameter is empty

    static ValueRef constant(double v) { return ValueRef{std::nullopt, v}; }
    static ValueRef ofParameter(std::size_t i) { return ValueRef{i, 0.0}; }
};

struct Compartment {
    std::string name;
    std::optional<double> area_um2;  ///< membrane area, um^2
    /// Membrane made in this compartment, um^2/s, at a constant rate (lipid synthesis in the ER):
    /// a constant of the run (Model::resolveRunConstants), so the area made by time t is rate x t
    /// in every method (core/Membrane.hpp).
    double membrane_synthesis_um2_per_s = 0.0;
    std::optional<std::size_t> synthesisParameter;  ///< the parameter that sets it, if any
    /// A degradative compartment (a lysosome): membrane that fuses with it is degraded, so its
    /// area is not increased by fusions; what it removed is on the books as degraded membrane.
    bool degrades_membrane = false;
    /// Its species hold values, not molecules (`values = true`; the compartment in which an SBML
    /// import puts the parameters that events or rules change): see Model::valueSpecies.
    bool holds_values = false;
};

struct Species {
    std::string name;
    std::size_t compartment = 0;
    double initial = 0.0;  ///< molecules
    std::optional<std::size_t> initialParameter;  ///< the parameter that sets `initial` (Model::resolveRunConstants)
};

/// Cell-to-cell variability of a parameter: each replicate (cell) draws its own value.
enum class Distribution { Fixed, Normal, LogNormal, Uniform };

struct Parameter {
    std::string name;
    double value = 0.0;  ///< the mean over cells when `distribution` is not Fixed
    std::string units;   ///< as written by the user, may be empty
    std::string source;  ///< literature source, may be empty
    Distribution distribution = Distribution::Fixed;
    double cv = 0.0;     ///< coefficient of variation (sd / mean) across cells
};

enum class RateLawKind { MassAction, MichaelisMenten, Hill, Expression };

struct SpeciesCount {
    std::size_t species = 0;
    int count = 1;
};

/// A kinetic law. For mass action, `order` lists the species whose amounts enter the rate
/// (the reactants of a reaction, or the substrate of a budding law); for Michaelis-Menten and
/// Hill, `substrate` is the species S of the formula; an expression law is its compiled
/// `expression` (core/Expression.hpp), with user functions inlined.
struct RateLaw {
    RateLawKind kind = RateLawKind::MassAction;
    Expression expression;  ///< RateLawKind::Expression only
    ValueRef k;     ///< mass action: 1/s for first order, molecules/s for zero order
    ValueRef vmax;  ///< molecules/s
    ValueRef km;    ///< molecules
    ValueRef n;     ///< Hill coefficient, dimensionless
    std::vector<SpeciesCount> order;
    std::optional<std::size_t> substrate;
};

/// A function that expression laws may call (`[functions]` in a model file). Its body is kept
/// as written, to write the model back; the laws that call it hold it inlined.
struct FunctionDefinition {
    std::string name;
    std::vector<std::string> arguments;
    std::string body;
};

struct Reaction {
    std::string name;
    std::vector<SpeciesCount> reactants;
    std::vector<SpeciesCount> products;
    RateLaw law;
};

struct CargoPair {
    std::size_t donor = 0;     ///< species packaged at budding
    std::size_t acceptor = 0;  ///< species it becomes on fusion
    /// This cargo's own capture probability (a receptor that selects it, an escaped resident that
    /// a retrieval receptor returns); absent: the route's `capture`.
    std::optional<ValueRef> capture;
};

/// A stochastic carrier route: vesicles bud from `from`, wait, and fuse with `to`.
struct VesicleRoute {
    std::string name;
    std::size_t from = 0;  ///< compartment index
    std::size_t to = 0;
    RateLaw budding;       ///< propensity of one budding event, 1/s
    std::vector<CargoPair> cargo;
    ValueRef capture;      ///< probability that each donor molecule is packaged per bud
    ValueRef fusion_rate;  ///< 1/s per vesicle, once `delay` has passed
    double delay = 0.0;    ///< s, fixed minimum transit time
    double vesicle_area_um2 = 0.0;
    std::optional<std::size_t> delayParameter, areaParameter;  ///< parameters that set them, if any
    bool membraneOnly = false;  ///< written `cargo = {}`: carrying no cargo is meant (no warning)
    /// `budding = { ..., per_donor_area = true }`: the budding law (mass action, k in 1/s) is per um^2
    /// of the donor's membrane. The route buds at k x max(donor area, 0) / vesicle_area per second,
    /// so it takes membrane from its donor at k x area um^2/s: first order in the donor's area
    /// (core/Membrane.hpp, buddingAreaFactor).
    bool buddingPerDonorArea = false;

    /// The capture probability of cargo pair k: its own, else the route's.
    const ValueRef& captureOf(std::size_t k) const { return cargo[k].capture ? *cargo[k].capture : capture; }
};

enum class PerturbationMode { Scale, Set };

/// A change of one parameter during [start, end): a drug, a temperature block, a mutation.
struct Perturbation {
    std::string name;
    std::size_t parameter = 0;
    PerturbationMode mode = PerturbationMode::Scale;
    double value = 1.0;           ///< the factor (Scale) or the new value (Set)
    double start = 0.0;           ///< s
    std::optional<double> end;    ///< s; absent: to the end of the run
};

enum class EventMode { Add, Set };

struct SpeciesChange {
    std::size_t species = 0;
    EventMode mode = EventMode::Add;
    double amount = 0.0;  ///< molecules
    std::optional<std::size_t> amountParameter;  ///< the parameter that sets `amount`, if any
};

/// A change of state at one time (a pulse of synthesis, a RUSH release).
struct TimedEvent {
    double at = 0.0;  ///< s
    std::vector<SpeciesChange> changes;
};

/// What a state event changes when it executes: a species amount (molecules) or a parameter value.
enum class AssignmentTarget { Species, Parameter };

struct EventAssignment {
    AssignmentTarget target = AssignmentTarget::Species;
    std::size_t index = 0;  ///< into Model::species or Model::parameters
    Expression value;       ///< the new value, read from the state (see StateEvent::useValuesFromTriggerTime)
};

/// An event triggered by the state (SBML semantics, core/StateEvents.hpp): it triggers when
/// `trigger` goes from false (0) to true (non-zero) and executes `delay` seconds later.
struct StateEvent {
    std::string name;
    Expression trigger;                  ///< over species, parameters and t
    std::vector<EventAssignment> assignments;
    std::optional<Expression> delay;     ///< s, evaluated when it triggers; absent: executes at once
    std::optional<Expression> priority;  ///< larger executes first among events due at once; absent: lowest
    bool persistent = true;              ///< false: a pending execution is cancelled if the trigger turns false
    bool initialValue = true;            ///< the trigger's value "before" t = 0: false lets a true trigger fire at 0
    bool useValuesFromTriggerTime = true;  ///< assignment values computed when triggered (true) or when executed
};

/// A rule of the model (SBML's assignment and rate rules, initial assignments), on a species.
/// Every expression tape of the model (laws, other rules) has the assignment rules inlined where
/// it names an assigned species: the tapes read only species that are state, so the methods and
/// the Jacobian need nothing new. An assigned species is reported at its rule's value
/// (solvers/SampleGrid.hpp); its state slot is never changed (no reaction may change it).
struct AssignmentRule {
    std::size_t species = 0;
    Expression expression;  ///< other assignment rules inlined
};

/// d(amount)/dt = expression for a species that no reaction changes: extra continuous state in
/// ode and in hybrid's continuous part; refused by ssa (its amount would move between reactions).
struct RateRule {
    std::size_t species = 0;
    Expression expression;  ///< assignment rules inlined
};

/// The initial amount of a species or the value of a parameter, computed from a formula by
/// Model::resolveRunConstants after every parameter value is final (model, parameter file, --set,
/// sweep point): the formula wins over any value given for its own target.
struct InitialAssignment {
    bool isSpecies = true;
    std::size_t index = 0;  ///< into species or parameters
    Expression expression;  ///< assignment rules inlined; evaluated at t = 0
};

struct Model {
    std::string name;
    std::vector<Compartment> compartments;
    std::vector<Species> species;
    std::vector<Parameter> parameters;
    std::vector<FunctionDefinition> functions;
    std::vector<Reaction> reactions;
    std::vector<VesicleRoute> routes;
    std::vector<Perturbation> perturbations;
    std::vector<TimedEvent> events;
    std::vector<StateEvent> stateEvents;  ///< `[[events]]` of a model file (docs/file-format.md)
    std::vector<AssignmentRule> assignmentRules;
    std::vector<RateRule> rateRules;
    std::vector<InitialAssignment> initialAssignments;  ///< in an order where each reads only values set before it

    std::optional<std::size_t> findSpecies(const std::string& name) const;
    std::optional<std::size_t> findParameter(const std::string& name) const;
    std::optional<std::size_t> findCompartment(const std::string& name) const;
    /// The value of a reference under the given parameter values (which may be perturbed).
    double valueOf(const ValueRef& ref, const std::vector<double>& parameterValues) const {
        return ref.parameter ? parameterValues[*ref.parameter] : ref.literal;
    }
    std::vector<double> baseParameterValues() const;

    /// Initial amounts, delays, vesicle areas and event amounts may be given as parameters, so
    /// that --set and sweeps reach them. They are constants of a run (the methods read them once),
    /// copied into place from the parameters' values here: call after changing parameter values.
    /// Initial assignments are evaluated here too, in order, after those copies.
    /// Such parameters cannot be perturbed or vary from cell to cell (core/ModelValidator).
    void resolveRunConstants();
    /// What each run-constant parameter sets ("the delay of route 'COPII'"), by parameter index.
    std::vector<std::pair<std::size_t, std::string>> runConstantUses() const;
    /// Per parameter: the first use that needs a non-negative value ("the rate constant k of
    /// reaction 'exit'"), or "" when only formulas read it (expression laws, rules, events,
    /// initial assignments), where a negative number means what the formula makes of it.
    std::vector<std::string> nonNegativeUses() const;
    /// Per species: whether a reaction's equation or a vesicle route's cargo names it.
    std::vector<bool> countedSpecies() const;
    /// Per species: whether it holds a value rather than molecules: it is in a compartment with
    /// `holds_values` and nothing counts it (countedSpecies), so only events and rules set it (an
    /// imported SBML parameter). Such a value may be fractional in `ssa` and negative in every
    /// method; every other species is an amount, whole in `ssa` and never below 0, and a run that
    /// takes one below 0 (an event that assigns -1 to an enzyme) stops with an error.
    std::vector<bool> valueSpecies() const;
};

enum class Method { Ode, Ssa, Hybrid };

enum class OdeStepper { Auto, Dopri5, Rosenbrock4 };

/// Output intervals of one run at most (10^8 + 1 samples): more is a mistake in the parameter
/// file, and a result file that declares more is damaged.
constexpr std::size_t kMaxOutputSteps = 100'000'000;

/// How to run the model; everything except the model itself.
struct SimulationSettings {
    Method method = Method::Ode;
    double t_end = 0.0;            ///< s
    double output_interval = 0.0;  ///< s; must divide t_end
    std::size_t replicates = 1;
    std::size_t first_replicate = 0;  ///< index of the first replicate (runs split into parts)
    std::uint64_t seed = 0;
    OdeStepper stepper = OdeStepper::Auto;
    double rtol = 1e-6;
    double atol = 1e-9;           ///< molecules
    int delay_stages = 16;        ///< ode: stages of the Erlang chain that stands for `delay`

    std::size_t sampleCount() const;
    double sampleTime(std::size_t i) const;
};

// Names as written in parameter files and results (core/NameTable.hpp).
const char* methodName(Method m);
std::optional<Method> methodFromName(std::string_view name);
std::vector<std::string> methodNames();  ///< "ode", "ssa", "hybrid"
const char* stepperName(OdeStepper s);
std::optional<OdeStepper> stepperFromName(std::string_view name);
std::vector<std::string> stepperNames();  ///< "auto", "dopri5", "rosenbrock4"
const char* rateLawName(RateLawKind k);
std::optional<RateLawKind> rateLawFromName(std::string_view name);
std::vector<std::string> rateLawNames();  ///< "mass_action", "michaelis_menten", "hill", "expression"
/// The key that gives a perturbation's value in files: "scale" (Scale) or "value" (Set).
const char* perturbationModeKey(PerturbationMode m);

}  // namespace egress
