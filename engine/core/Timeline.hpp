#pragma once
// Where the right-hand side of the model changes discontinuously: perturbation starts and ends,
// and timed events. Every method integrates or simulates segment by segment between these
// breakpoints, so that nothing ever steps across one. Shared by all methods so that "takes
// effect exactly at its time" means the same thing everywhere.
#include <vector>

#include "core/Model.hpp"

namespace egress {

class Timeline {
public:
    Timeline(const Model& model, double t_end);

    /// Sorted, unique times in (0, t_end) where something changes; t_end is not included.
    const std::vector<double>& breakpoints() const { return breakpoints_; }

    /// Parameter values in force on [t, next breakpoint): perturbations with start <= t < end
    /// applied in file order on top of `base` (the model's values, or one cell's draw).
    std::vector<double> parametersAt(double t, const std::vector<double>& base) const;

    /// Events at exactly this time, in file order.
    std::vector<const TimedEvent*> eventsAt(double t) const;

    /// Apply one event to a state vector whose first entries are the species amounts.
    static void apply(const TimedEvent& event, double* amounts);

private:
    const Model& model_;
    std::vector<double> breakpoints_;
};

}  // namespace egress
