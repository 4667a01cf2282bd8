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
        : model_(model), settings_(settings), replicate_(replicate), count_(settings.sampleCount()),
          area_(model.compartments.size()) {
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
        s.time = settings_.sampleTime(next_);
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
    const SimulationSettings& settings_;
    std::size_t replicate_;
    std::size_t count_;
    std::size_t next_ = 0;
    double nextTime_ = 0.0;
    void advance() { nextTime_ = next_ < count_ ? settings_.sampleTime(next_) : std::numeric_limits<double>::infinity(); }
    std::vector<double> area_;
};

}  // namespace egress
