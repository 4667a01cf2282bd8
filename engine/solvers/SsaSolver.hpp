#pragma once
// The `ssa` method: exact stochastic simulation (Gillespie's direct method with a dependency
// graph). Channels are the reactions, one budding channel per vesicle route and one fusion
// channel per route (propensity fusion_rate x competent vesicles). Breakpoints, the end of a
// vesicle's delay, and sample times are stops: the next event is drawn afresh after each, which
// is exact because waiting times are memoryless.
#include "solvers/Simulator.hpp"

namespace egress {

class SsaSolver : public Simulator {
public:
    SsaSolver(const Model& model, const SimulationSettings& settings);
    std::uint64_t run(std::size_t replicate, const std::vector<double>& baseParameters,
             TrajectoryObserver& observer) const override;
    std::string algorithm() const override { return "direct method with dependency graph"; }

private:
    const Model& model_;
    SimulationSettings settings_;
    std::size_t reactions_ = 0, routes_ = 0;
    /// Channels whose propensity must be recomputed after channel c fires.
    std::vector<std::vector<std::size_t>> dependents_;
};

}  // namespace egress
