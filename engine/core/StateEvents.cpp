#include "core/StateEvents.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/Error.hpp"

namespace egress {

namespace {

/// Executions at one time, at most: a set of events that keep triggering each other at one
/// instant (A sets x = 1 when x = 0, B sets x = 0 when x = 1) would otherwise never end.
constexpr std::size_t kMaxExecutionsAtOneTime = 100000;

bool isComparison(ExprOp op) {
    return op == ExprOp::Lt || op == ExprOp::Le || op == ExprOp::Gt || op == ExprOp::Ge || op == ExprOp::Eq ||
           op == ExprOp::Ne;
}

/// Each comparison of a trigger with two or more as a tape of its own: the postfix span that ends
/// at the comparison and leaves one value. A trigger with jumps (piecewise, `c ? a : b`) gives
/// none: its spans are not contiguous in the tape.
void addComparisons(const Expression& trigger, std::vector<Expression>& out) {
    std::size_t count = 0;
    for (const auto& in : trigger.code) {
        if (in.op == ExprOp::Jump || in.op == ExprOp::JumpIfFalse) return;
        count += isComparison(in.op);
    }
    if (count < 2) return;
    for (std::size_t i = 0; i < trigger.code.size(); ++i) {
        if (!isComparison(trigger.code[i].op)) continue;
        // Walk back from the comparison until the values it needs are all pushed.
        int needed = 1;
        std::size_t start = i + 1;
        while (needed > 0 && start > 0) {
            --start;
            needed += stackPops(trigger.code[start].op) - stackPushes(trigger.code[start].op);
        }
        Expression e;
        e.text = trigger.text;
        e.code.assign(trigger.code.begin() + static_cast<std::ptrdiff_t>(start),
                      trigger.code.begin() + static_cast<std::ptrdiff_t>(i + 1));
        e.species = trigger.species;
        e.parameters = trigger.parameters;
        e.readsTime = trigger.readsTime;
        out.push_back(std::move(e));
    }
}

}  // namespace

StateEvents::StateEvents(const Model& model, bool wholeAmounts)
    : model_(model), whole_(model.species.size(), false), previous_(model.stateEvents.size(), 0),
      assigned_(model.parameters.size()) {
    if (wholeAmounts) {
        const std::vector<bool> value = model.valueSpecies();
        for (std::size_t i = 0; i < value.size(); ++i) whole_[i] = !value[i];
    }
    for (const auto& e : model.stateEvents) {
        readsTime_ = readsTime_ || e.trigger.readsTime;
        addComparisons(e.trigger, comparisons_);
    }
    comparisonPrevious_.assign(comparisons_.size(), 0);
}

bool StateEvents::trigger(std::size_t i, const double* x, const double* p, double t) const {
    return model_.stateEvents[i].trigger.evaluate(x, p, t) != 0.0;
}

bool StateEvents::changed(const double* x, const double* p, double t) const {
    for (std::size_t i = 0; i < model_.stateEvents.size(); ++i) {
        const bool now = trigger(i, x, p, t);
        if (now && !previous_[i]) return true;
        if (!now && previous_[i] && !model_.stateEvents[i].persistent)
            for (const auto& e : pending_)
                if (e.event == i) return true;
    }
    for (std::size_t k = 0; k < comparisons_.size(); ++k)
        if ((comparisons_[k].evaluate(x, p, t) != 0.0) != (comparisonPrevious_[k] != 0)) return true;
    return false;
}

bool StateEvents::differs(const double* x, const double* p, double t) const {
    for (std::size_t i = 0; i < model_.stateEvents.size(); ++i)
        if (trigger(i, x, p, t) != (previous_[i] != 0)) return true;
    for (std::size_t k = 0; k < comparisons_.size(); ++k)
        if ((comparisons_[k].evaluate(x, p, t) != 0.0) != (comparisonPrevious_[k] != 0)) return true;
    return false;
}

double StateEvents::nextPending() const {
    double next = std::numeric_limits<double>::infinity();
    for (const auto& e : pending_) next = std::min(next, e.time);
    return next;
}

void StateEvents::overlay(std::vector<double>& p) const {
    for (std::size_t i = 0; i < assigned_.size() && i < p.size(); ++i)
        if (assigned_[i]) p[i] = *assigned_[i];
}

void StateEvents::execute(const Pending& e, double* x, std::vector<double>& p, double t) {
    const StateEvent& ev = model_.stateEvents[e.event];
    // Every value is computed before any is assigned (SBML: assignments are simultaneous).
    std::vector<double> values = e.values;
    if (values.empty())
        for (const auto& a : ev.assignments) values.push_back(a.value.evaluate(x, p.data(), t));
    for (std::size_t k = 0; k < ev.assignments.size(); ++k) {
        const EventAssignment& a = ev.assignments[k];
        const double v = values[k];
        if (!std::isfinite(v) || (a.target == AssignmentTarget::Species && whole_[a.index] && v != std::floor(v))) {
            std::ostringstream msg;
            msg << "event '" << ev.name << "' assigns " << v << " to "
                << (a.target == AssignmentTarget::Species ? "species '" + model_.species[a.index].name + "'"
                                                          : "parameter '" + model_.parameters[a.index].name + "'")
                << " at t = " << t << " s" << (std::isfinite(v) ? ": the ssa method counts whole molecules" : "");
            throw SolverError(msg.str());
        }
        if (a.target == AssignmentTarget::Species) {
            x[a.index] = v;
        } else {
            p[a.index] = v;
            assigned_[a.index] = v;
        }
    }
}

bool StateEvents::process(double* x, std::vector<double>& p, double t) {
    const std::size_t n = model_.stateEvents.size();
    if (!started_) {
        for (std::size_t i = 0; i < n; ++i) previous_[i] = model_.stateEvents[i].initialValue;
        started_ = true;
    }
    bool executed = false;
    for (std::size_t count = 0;; ++count) {
        for (std::size_t i = 0; i < n; ++i) {
            const StateEvent& ev = model_.stateEvents[i];
            const bool now = trigger(i, x, p.data(), t);
            if (now && !previous_[i]) {
                Pending e{i, t, sequence_++, {}};
                if (ev.delay) {
                    const double d = ev.delay->evaluate(x, p.data(), t);
                    if (!(d >= 0.0) || !std::isfinite(d)) {
                        std::ostringstream msg;
                        msg << "the delay of event '" << ev.name << "' is " << d << " at t = " << t << " s";
                        throw SolverError(msg.str());
                    }
                    e.time = t + d;
                }
                if (ev.useValuesFromTriggerTime)
                    for (const auto& a : ev.assignments) e.values.push_back(a.value.evaluate(x, p.data(), t));
                pending_.push_back(std::move(e));
            } else if (!now && previous_[i] && !ev.persistent) {
                pending_.erase(std::remove_if(pending_.begin(), pending_.end(), [&](const Pending& e) { return e.event == i; }),
                               pending_.end());
            }
            previous_[i] = now;
        }
        // The due execution that goes first: largest priority, then the event written first, then
        // the one scheduled first.
        std::size_t best = pending_.size();
        double bestPriority = 0.0;
        bool bestHasPriority = false;
        for (std::size_t k = 0; k < pending_.size(); ++k) {
            const Pending& e = pending_[k];
            if (e.time > t) continue;
            const StateEvent& ev = model_.stateEvents[e.event];
            const bool has = ev.priority.has_value();
            const double pr = has ? ev.priority->evaluate(x, p.data(), t) : 0.0;
            bool better = best == pending_.size();
            if (!better) {
                const Pending& b = pending_[best];
                if (has != bestHasPriority) better = has;
                else if (has && pr != bestPriority) better = pr > bestPriority;
                else if (e.event != b.event) better = e.event < b.event;
                else better = e.sequence < b.sequence;
            }
            if (better) {
                best = k;
                bestPriority = pr;
                bestHasPriority = has;
            }
        }
        if (best == pending_.size()) {
            for (std::size_t k = 0; k < comparisons_.size(); ++k)
                comparisonPrevious_[k] = comparisons_[k].evaluate(x, p.data(), t) != 0.0;
            return executed;
        }
        if (count >= kMaxExecutionsAtOneTime) {
            std::ostringstream msg;
            msg << "events keep triggering each other at t = " << t << " s (" << kMaxExecutionsAtOneTime
                << " executions; the last was event '" << model_.stateEvents[pending_[best].event].name << "')";
            throw SolverError(msg.str());
        }
        const Pending e = std::move(pending_[best]);
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(best));
        execute(e, x, p, t);
        executed = true;
    }
}

}  // namespace egress
