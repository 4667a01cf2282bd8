#pragma once
// The `hybrid` method: species follow the ODE of their reactions; vesicle buds and fusions are
// exact discrete events (a piecewise-deterministic Markov process; Alfonsi et al. 2005, Salis and
// Kaznessis 2005). Each route's bud hazard b_r(y(t)) is integrated along the ODE solution as an
// extra state Lambda_r; the route buds when Lambda_r reaches its threshold, a running sum of
// Exp(1) draws (the modified next reaction method, Anderson 2007, J Chem Phys 127:214107;
// docs/validation.md C.1). The crossing is
// located by root finding (TOMS 748) on the stepper's dense output, never at step ends.
// Fusion hazards depend only on the discrete state, so they are exponential clocks redrawn
// after every event. Every event restarts the stepper, as the right-hand side jumps there.
#include "core/Timeline.hpp"
#include "solvers/Simulator.hpp"
#include "solvers/VesiclePool.hpp"

namespace egress {

class HybridSolver : public Simulator {
public:
    HybridSolver(const Model& model, const SimulationSettings& settings);
    std::uint64_t run(std::size_t replicate, const std::vector<double>& baseParameters,
             TrajectoryObserver& observer) const override;
    std::string algorithm() const override;

    /// Relative tolerance of the event-time root finding on the dense output (s per s of time);
    /// the event time is then as accurate as the interpolant, i.e. the ODE's rtol.
    static constexpr double kRootTolerance = 1e-12;
    /// Iterations of TOMS 748 allowed per event time; it converges in far fewer on a smooth
    /// interpolant, so reaching this is a bracket that does not shrink.
    static constexpr std::uintmax_t kRootIterations = 200;

private:
    template <class State, class Stepper>
    std::uint64_t runWith(Stepper stepper, std::size_t replicate, const std::vector<double>& baseParameters,
                 TrajectoryObserver& observer) const;

    const Model& model_;
    Model reactionsOnly_;  ///< the model without routes: the continuous part
    CargoTable cargo_;     ///< the routes' cargo pairs, for every replicate
    Timeline timeline_;    ///< the breakpoints: fixed by the model and t_end, so built once
    SimulationSettings settings_;
    OdeStepper stepper_;
};

}  // namespace egress
