#pragma once
// Reports the state to the observer at the output grid times, in order, for every method.
#include <algorithm>
#include <limits>
#include <vector>

#include "core/Membrane.hpp"
#include "core/Model.hpp"
#include "core/Observer.hpp"

namespace egress {

class SampleGrid {
public:
    SampleGrid(const Model& model, const SimulationSettings& settings, std::size_t replicate)
        : model_(model), replicate_(replicate), count_(settings.sampleCount()), interval_(settings.output_interval),
          tEnd_(settings.t_end), area_(model.compartments.size()) {
        if (!model.assignmentRules.empty()) assigned_.resize(model.species.size());
        advance();
    }

    /// The parameter values in force from now on, read by the assignment rules of the samples.
    void setParameters(const std::vector<double>& values) {
        if (!model_.assignmentRules.empty()) parameters_ = values;
    }

    /// The next grid time not yet reported (+inf when all are). Cached: the SSA asks every event.
    double nextTime() const { return nextTime_; }
    bool done() const { return next_ >= count_; }
    std::size_t nextIndex() const { return next_; }

    /// Reports one sample at nextTime() with the given state.
    void emit(TrajectoryObserver& observer, const double* amounts, const double* budded, const double* fused,
              const double* inTransit, const double* cargoInTransit) {
        membraneAreas(model_, budded, fused, nextTime_, area_.data());
        Sample s;
        s.replicate = replicate_;
        s.index = next_;
        s.time = nextTime_;
        if (!assigned_.empty()) {
            // The state slot of an assigned species is never changed: report its rule's value.
            std::copy(amounts, amounts + assigned_.size(), assigned_.begin());
            for (const auto& r : model_.assignmentRules)
                assigned_[r.species] = r.expression.evaluate(amounts, parameters_.data(), nextTime_);
            amounts = assigned_.data();
        }
        s.amounts = amounts;
        s.budded = budded;
        s.fused = fused;
        s.in_transit = inTransit;
        s.cargo_in_transit = cargoInTransit;
        s.membrane_area = area_.data();
        observer.sample(s);
        ++next_;
        advance();
    }

private:
    const Model& model_;
    std::size_t replicate_;
    std::size_t count_;
    double interval_, tEnd_;
    std::size_t next_ = 0;
    double nextTime_ = 0.0;
    /// SimulationSettings::sampleTime without recounting the samples each time (an llround per
    /// sample was a tenth of a short ssa run): the same values.
    void advance() {
        nextTime_ = next_ + 1 < count_ ? static_cast<double>(next_) * interval_
                    : next_ + 1 == count_ ? tEnd_
                                          : std::numeric_limits<double>::infinity();
    }
    std::vector<double> area_;
    std::vector<double> assigned_;    ///< the amounts with assignment rules applied; empty without rules
    std::vector<double> parameters_;  ///< in force, for the rules
};

}  // namespace egress
