#pragma once
// Reports the state to the observer at the output grid times, in order, for every method.
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
        advance();
    }

    /// The next grid time not yet reported (+inf when all are). Cached: the SSA asks every event.
    double nextTime() const { return nextTime_; }
    bool done() const { return next_ >= count_; }
    std::size_t nextIndex() const { return next_; }

    /// Reports one sample at nextTime() with the given state.
    void emit(TrajectoryObserver& observer, const double* amounts, const double* budded, const double* fused,
              const double* inTransit, const double* cargoInTransit) {
        membraneAreas(model_, budded, fused, area_.data());
        Sample s;
        s.replicate = replicate_;
        s.index = next_;
        s.time = nextTime_;
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
};

}  // namespace egress
