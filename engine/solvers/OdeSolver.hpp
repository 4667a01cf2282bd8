#pragma once
// The `ode` method: Boost.Odeint over the mean-flux system, segment by segment between the
// breakpoints of the Timeline, so that a perturbation or event lands exactly on its time.
#include <Eigen/Core>
#include <vector>

#include "core/Model.hpp"
#include "core/Observer.hpp"
#include "solvers/Simulator.hpp"

namespace egress {

class OdeSolver : public Simulator {
public:
    OdeSolver(const Model& model, const SimulationSettings& settings);

    /// The stepper that runs: the requested one, or for Auto the result of the stiffness test.
    OdeStepper stepper() const { return stepper_; }

    /// Integrate one trajectory with the given base parameter values (before perturbations),
    /// reporting every grid sample to `observer` under replicate index `replicate`.
    std::uint64_t run(std::size_t replicate, const std::vector<double>& baseParameters, TrajectoryObserver& observer) const override;
    std::string algorithm() const override { return stepperName(stepper_); }

    /// Largest |Re(eigenvalue)| of the Jacobian at the initial state times t_end: how many of
    /// the fastest time constants fit in the run. Auto picks rosenbrock4 above kStiffnessLimit.
    double stiffnessIndex() const { return stiffnessIndex_; }
    static constexpr double kStiffnessLimit = 1e4;
    /// Species beyond which the stiffness test bounds eigenvalues instead of computing them.
    static constexpr Eigen::Index kDenseEigenLimit = 300;

private:
    /// With state events: the dense-output stepper, so that a trigger's change is located inside
    /// a step (solvers/EventLocation.hpp) and the integration restarts after each execution.
    template <class State, class Stepper>
    std::uint64_t runWithEvents(Stepper stepper, std::size_t replicate, const std::vector<double>& baseParameters,
                                TrajectoryObserver& observer) const;

    const Model& model_;
    SimulationSettings settings_;
    OdeStepper stepper_;
    double stiffnessIndex_ = 0.0;
};

}  // namespace egress
