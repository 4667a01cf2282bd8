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
    /// Kept out of line: the check sits in the inner loop, the message almost never runs.
    [[noreturn]] __attribute__((noinline, cold)) void badPropensity(std::size_t channel, double value, double t,
                                                                   std::size_t replicate) const;

    const Model& model_;
    SimulationSettings settings_;
    std::size_t reactions_ = 0, routes_ = 0;
    /// Channels whose propensity must be recomputed after channel c fires, flattened:
    /// dependents_[dependentBegin_[c] .. dependentBegin_[c + 1]).
    std::vector<std::size_t> dependents_;
    std::vector<std::size_t> dependentBegin_;
    /// Net change of each species a reaction changes, flattened: reaction j owns
    /// netChange_[netBegin_[j] .. netBegin_[j + 1]).
    struct NetChange {
        std::size_t species;
        double delta;
    };
    std::vector<NetChange> netChange_;
    std::vector<std::size_t> netBegin_;
};

}  // namespace egress
