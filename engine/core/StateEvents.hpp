#pragma once
// The SBML semantics of events triggered by the state (Model::stateEvents), written once for every
// method. A method tells this class the state at the times it reaches; the class says whether a
// trigger has changed since the last such time (so the method can locate the change: root finding
// on the dense output in ode and hybrid, between reactions in ssa) and, at a located time,
// executes what is due:
//   - an event triggers when its trigger goes from false to true (its value before t = 0 is its
//     `initialValue`), and is scheduled at t + delay (delay evaluated at the trigger time);
//   - with useValuesFromTriggerTime its assignment values are computed when it triggers,
//     otherwise when it executes;
//   - a non-persistent event's pending executions are cancelled when its trigger turns false;
//   - of the events due at one time the one with the largest priority executes first (an event
//     without a priority comes after every event with one); ties go to the event written first,
//     then to the execution scheduled first. SBML leaves ties to chance; egress is reproducible.
//     After each execution the triggers are evaluated again, so an event may trigger another at
//     the same time, and a non-persistent one that turned false no longer executes.
// Core: no I/O. One object per replicate (it holds the replicate's pending executions).
#include <cstddef>
#include <limits>
#include <optional>
#include <vector>

#include "core/Model.hpp"

namespace egress {

class StateEvents {
public:
    /// `wholeAmounts`: species are molecule counts (ssa); an assignment of a fractional amount
    /// to a species that is an amount (not Model::valueSpecies) is then a SolverError.
    StateEvents(const Model& model, bool wholeAmounts);

    bool empty() const { return model_.stateEvents.empty(); }
    /// Whether a trigger reads t (ssa must then locate changes between reactions).
    bool triggersReadTime() const { return readsTime_; }

    /// Whether a trigger differs at (x, p, t) from its value at the last time `process` saw, in a way
    /// that matters: a rise, or a fall of a non-persistent event with an execution pending. x: the
    /// species amounts (molecules), p: parameter values.
    bool changed(const double* x, const double* p, double t) const;

    /// Whether any trigger (or watched comparison) differs at (x, p, t) from its value at the last
    /// processed time, a fall included: a method that looks inside a long step must process a fall
    /// there too, or a later rise in the same step would not be one.
    bool differs(const double* x, const double* p, double t) const;

    /// The earliest pending execution time (s), +inf when none.
    double nextPending() const;

    /// At time t: records each trigger's value, schedules the events that trigger, and executes
    /// those due at t (or before: a pending time is never skipped) in priority order, changing the
    /// species amounts in x and the parameter values in p. Returns whether anything executed.
    /// The first call is the start of the run (each trigger's previous value is its initialValue).
    bool process(double* x, std::vector<double>& p, double t);

    /// Parameter values assigned by events so far, applied to `p` (a new segment's values from
    /// the Timeline): an assigned value holds for the rest of the run.
    void overlay(std::vector<double>& p) const;

private:
    struct Pending {
        std::size_t event = 0;
        double time = 0.0;
        std::size_t sequence = 0;    ///< order of scheduling
        std::vector<double> values;  ///< with useValuesFromTriggerTime: the values at the trigger time
    };
    bool trigger(std::size_t i, const double* x, const double* p, double t) const;
    void execute(const Pending& e, double* x, std::vector<double>& p, double t);

    const Model& model_;
    /// The comparisons of the triggers that have two or more (`S <= 4.3 && S >= 3`), each a tape
    /// of its own, and each one's value at the last processed time. A change of any of them is a
    /// change to locate, so a window narrower than one step (ode) or one wait (ssa, on t) is seen
    /// when each comparison changes once inside it: the whole trigger would be false at both ends.
    std::vector<Expression> comparisons_;
    std::vector<char> comparisonPrevious_;
    std::vector<bool> whole_;  ///< per species: assignments must be whole numbers
    bool readsTime_ = false;
    bool started_ = false;
    std::vector<char> previous_;  ///< each trigger's value at the last processed time
    std::vector<Pending> pending_;
    std::size_t sequence_ = 0;
    std::vector<std::optional<double>> assigned_;  ///< by parameter
};

}  // namespace egress
