#include "solvers/OdeSolver.hpp"

#include <Eigen/Eigenvalues>
#include <boost/numeric/odeint.hpp>
#include <cmath>
#include <functional>
#include <sstream>

#include "core/Error.hpp"
#include "core/Interrupt.hpp"
#include "core/StateEvents.hpp"
#include "core/Timeline.hpp"
#include "solvers/EventLocation.hpp"
#include "solvers/MeanFluxSystem.hpp"
#include "solvers/OdeintSupport.hpp"
#include "solvers/SampleGrid.hpp"
#include "solvers/SegmentWalk.hpp"
#include "solvers/StateGuard.hpp"

namespace egress {

namespace odeint = boost::numeric::odeint;

namespace {

/// Steps allowed between two consecutive output times before the run is declared stuck.
constexpr std::size_t kMaxStepsBetweenOutputs = 1'000'000;

/// Integrate `x` over the given time points (first = current time), calling `atTime` at each.
template <class State, class Stepper, class System>
std::size_t integrateOver(Stepper stepper, System system, State& x, const std::vector<double>& times,
                   double dt0, const std::function<void(const State&, double)>& atTime) {
    return odeint::integrate_times(stepper, system, x, times.begin(), times.end(), dt0,
                            [&](const State& s, double t) { atTime(s, t); },
                            odeint::max_step_checker(kMaxStepsBetweenOutputs));
}

// What both ode paths (with and without state events) hand odeint and do at each state, written
// once; each works for either state type (std::vector<double> for dopri5, the uBLAS vector for
// rosenbrock4).

/// The right-hand side in odeint's convention.
struct MeanFluxRhs {
    const MeanFluxSystem* system;
    template <class State>
    void operator()(const State& s, State& d, double t) const { system->rhs(raw(s), raw(d), t); }
};

/// The Jacobian and d(rhs)/dt in odeint's convention (rosenbrock4). `dense` is scratch that odeint's
/// copies of this functor share.
struct MeanFluxJacobian {
    const MeanFluxSystem* system;
    Eigen::MatrixXd* dense;
    template <class State>
    void operator()(const State& s, UblasMatrix& m, double t, State& dfdt) const {
        system->jacobian(raw(s), *dense, t);
        copyJacobian(*dense, m);
        // Parameters are constant within a segment: only laws that read t move with it.
        system->timeDerivative(raw(s), raw(dfdt), t);
    }
};

/// Samples of one replicate: the species and the vesicle counters the mean flux implies.
class MeanFluxSamples {
public:
    MeanFluxSamples(const MeanFluxSystem& system, SampleGrid& grid, TrajectoryObserver& observer)
        : system_(system), grid_(grid), observer_(observer) {}
    void emit(const double* x) {
        system_.vesicleSummary(x, budded_, fused_, inTransit_, cargo_);
        grid_.emit(observer_, x, budded_.data(), fused_.data(), inTransit_.data(), cargo_.data());
    }

private:
    const MeanFluxSystem& system_;
    SampleGrid& grid_;
    TrajectoryObserver& observer_;
    std::vector<double> budded_, fused_, inTransit_, cargo_;
};

/// Fails on amounts that are not finite or below 0 by more than integration drift, which is
/// allowed relative to the largest amount seen so far.
class AmountCheck {
public:
    AmountCheck(const Model& model, const SimulationSettings& settings, std::size_t replicate)
        : model_(model), settings_(settings), replicate_(replicate) {}
    void operator()(const double* x, double t) {
        for (std::size_t i = 0; i < model_.species.size(); ++i) scale_ = std::max(scale_, std::abs(x[i]));
        checkAmounts(model_, x, t, replicate_, "ode", negativeTolerance(settings_, scale_));
    }

private:
    const Model& model_;
    const SimulationSettings& settings_;
    std::size_t replicate_;
    double scale_ = 1.0;
};

}  // namespace

OdeSolver::OdeSolver(const Model& model, const SimulationSettings& settings)
    : model_(model), settings_(settings), stepper_(settings.stepper) {
    // The fastest time scale: eigenvalues of the species block (exact for small models, the
    // Gershgorin bound beyond kDenseEigenLimit species, where a decomposition would cost more than
    // the run) and the transit stages' known rates. The full Jacobian is never formed here: with
    // many delay stages it is large.
    MeanFluxSystem system(model, settings.delay_stages);
    Eigen::MatrixXd J;
    const auto x0 = system.initialState();
    system.speciesJacobian(x0.data(), J, 0.0);
    double fastest = system.fastestTransitRate();
    if (J.rows() > 0 && J.rows() <= kDenseEigenLimit) {
        Eigen::EigenSolver<Eigen::MatrixXd> eigen(J, /*computeEigenvectors=*/false);
        for (Eigen::Index i = 0; i < eigen.eigenvalues().size(); ++i)
            fastest = std::max(fastest, std::abs(eigen.eigenvalues()[i].real()));
    } else if (J.rows() > 0) {
        fastest = std::max(fastest, J.cwiseAbs().rowwise().sum().maxCoeff());
    }
    stiffnessIndex_ = fastest * settings.t_end;
    if (stepper_ == OdeStepper::Auto)
        stepper_ = stiffnessIndex_ > kStiffnessLimit ? OdeStepper::Rosenbrock4 : OdeStepper::Dopri5;
}

std::uint64_t OdeSolver::run(std::size_t replicate, const std::vector<double>& baseParameters,
                    TrajectoryObserver& observer) const {
    if (!model_.stateEvents.empty()) {
        if (stepper_ == OdeStepper::Rosenbrock4)
            return runWithEvents<UblasVector>(odeint::make_dense_output(settings_.atol, settings_.rtol, Rosenbrock4()),
                                              replicate, baseParameters, observer);
        return runWithEvents<std::vector<double>>(
                odeint::make_dense_output(settings_.atol, settings_.rtol, odeint::runge_kutta_dopri5<std::vector<double>>()),
                replicate, baseParameters, observer);
    }
    MeanFluxSystem system(model_, settings_.delay_stages);
    const Timeline timeline(model_, settings_.t_end);
    const std::size_t n = system.size();
    const std::size_t samples = settings_.sampleCount();

    SampleGrid grid(model_, settings_, replicate);
    MeanFluxSamples samplesOut(system, grid, observer);
    auto emit = [&](const double* x) { samplesOut.emit(x); };
    AmountCheck checkFinite(model_, settings_, replicate);
    const MeanFluxRhs rhs{&system};
    Eigen::MatrixXd J;
    const MeanFluxJacobian jac{&system, &J};

    std::uint64_t steps = 0;
    std::vector<double> x = system.initialState();
    double segmentStart = 0.0;
    UblasVector ux(n);
    // One segment: odeint from its start to its end, through the sample times in between.
    auto advanceTo = [&](double segmentEnd) {
        throwIfStopRequested();
        std::vector<double> times{segmentStart};
        for (std::size_t i = grid.nextIndex(); i < samples && settings_.sampleTime(i) < segmentEnd; ++i)
            times.push_back(settings_.sampleTime(i));
        times.push_back(segmentEnd);
        const double dt0 = std::min(settings_.output_interval, segmentEnd - segmentStart) * kFirstStepFraction;
        // Emit interior samples; the start was emitted before and the end is handled after events.
        const double last = times.back();
        try {
            if (stepper_ == OdeStepper::Rosenbrock4) {
                std::copy(x.begin(), x.end(), ux.begin());
                steps += integrateOver<UblasVector>(
                    odeint::make_controlled(settings_.atol, settings_.rtol, Rosenbrock4()),
                    std::make_pair(rhs, jac), ux, times, dt0, [&](const UblasVector& s, double t) {
                        checkFinite(raw(s), t);
                        if (t != segmentStart && t != last) emit(raw(s));
                    });
                std::copy(ux.begin(), ux.end(), x.begin());
            } else {
                steps += integrateOver<std::vector<double>>(
                    odeint::make_controlled(settings_.atol, settings_.rtol,
                                            odeint::runge_kutta_dopri5<std::vector<double>>()),
                    rhs, x, times, dt0, [&](const std::vector<double>& s, double t) {
                        checkFinite(s.data(), t);
                        throwIfStopRequested();
                        if (t != segmentStart && t != last) emit(s.data());
                    });
            }
        } catch (const RateError& e) {
            std::ostringstream msg;
            msg << "ode: " << e.what() << " (replicate " << replicate << ")";
            throw SolverError(msg.str());
        } catch (const odeint::step_adjustment_error& e) {
            std::ostringstream msg;
            msg << "ode: the " << stepperName(stepper_) << " stepper cannot meet rtol = " << settings_.rtol
                << " between t = " << segmentStart << " and " << segmentEnd << " s (replicate " << replicate
                << "): " << e.what();
            throw SolverError(msg.str());
        } catch (const odeint::no_progress_error&) {
            std::ostringstream msg;
            msg << "ode: too many steps between outputs near t = " << segmentStart << " s (replicate " << replicate
                << "); the model may be stiff: try stepper = \"rosenbrock4\"";
            throw SolverError(msg.str());
        }
        segmentStart = segmentEnd;
    };
    walkSegments(
        timeline, settings_.t_end, baseParameters, grid, [&] { return x.data(); },
        [&](std::vector<double> parameters) { system.setParameters(std::move(parameters)); }, advanceTo,
        [&] { emit(x.data()); });
    observer.replicateFinished(replicate);
    return steps;
}

template <class State, class Stepper>
std::uint64_t OdeSolver::runWithEvents(Stepper stepper, std::size_t replicate, const std::vector<double>& baseParameters,
                                       TrajectoryObserver& observer) const {
    MeanFluxSystem system(model_, settings_.delay_stages);
    const Timeline timeline(model_, settings_.t_end);
    const std::size_t n = system.size();
    StateEvents events(model_, /*wholeAmounts=*/false);
    std::vector<double> parameters;

    SampleGrid grid(model_, settings_, replicate);
    MeanFluxSamples samplesOut(system, grid, observer);
    auto emit = [&](const State& s) { samplesOut.emit(raw(s)); };
    AmountCheck checkAmountsAt(model_, settings_, replicate);
    auto checkFinite = [&](const State& s, double t) { checkAmountsAt(raw(s), t); };
    const MeanFluxRhs rhs{&system};
    Eigen::MatrixXd J;
    const MeanFluxJacobian jac{&system, &J};
    // The values in force changed (a new segment, an event's assignment): the samples'
    // assignment rules read them too.
    auto setParameters = [&] {
        system.setParameters(parameters);
        grid.setParameters(parameters);
    };
    auto doStep = [&]() {
        if constexpr (std::is_same_v<State, UblasVector>) return stepper.do_step(std::make_pair(rhs, jac));
        else return stepper.do_step(rhs);
    };

    State y(n), probe(n), at(n);
    {
        const std::vector<double> x0 = system.initialState();
        std::copy(x0.begin(), x0.end(), y.begin());
    }
    double t = 0.0;
    std::uint64_t steps = 0;
    // Samples strictly before `limit` (or up to it) inside the current step, from the dense output.
    auto emitWithin = [&](double limit, bool inclusive) {
        while (!grid.done() && (grid.nextTime() < limit || (inclusive && grid.nextTime() == limit))) {
            stepper.calc_state(grid.nextTime(), at);
            emit(at);
        }
    };
    const double dt0 = settings_.output_interval * kFirstStepFraction;
    auto advanceTo = [&](double segmentEnd) {
        throwIfStopRequested();
        bool restart = true;
        std::size_t sinceRestart = 0;
        while (t < segmentEnd) {
            if (restart) {
                // The right-hand side may jump at an execution: the stepper's history is stale.
                const double last = steps > 0 ? stepper.current_time_step() : dt0;
                stepper.initialize(y, t, std::min(last > 0.0 ? last : dt0, segmentEnd - t));
                restart = false;
                sinceRestart = 0;
            }
            const std::pair<double, double> span = doStep();
            ++steps;
            if (++sinceRestart > kMaxStepsBetweenOutputs) throw odeint::no_progress_error("too many steps");
            if ((steps & 0xff) == 0) throwIfStopRequested();
            const double stop = std::min(segmentEnd, events.nextPending());
            const double end = std::min(span.second, stop);
            // The triggers are also looked at on the dense output every output interval inside the
            // step: a trigger that is true (or false) for longer than the output interval is then
            // never missed, however long the step (a trigger on sin(10 t) with no state to step).
            // A fall found there is located and processed too (a persistent trigger's fall is
            // otherwise recorded at the step's end): the next rise inside the step is then one.
            double lo = span.first;
            bool inside = false;
            for (double mid = lo + settings_.output_interval; mid < end; mid += settings_.output_interval) {
                stepper.calc_state(mid, at);
                if ((inside = events.differs(raw(at), parameters.data(), mid))) break;
                lo = mid;
            }
            if (end < span.second) stepper.calc_state(end, probe);
            else probe = stepper.current_state();
            checkFinite(probe, end);
            if (inside || events.changed(raw(probe), parameters.data(), end)) {
                const double hi = inside ? lo + settings_.output_interval : end;
                const double tau = locateChange(lo, hi, [&](double s) {
                    stepper.calc_state(s, at);
                    return inside ? events.differs(raw(at), parameters.data(), s) : events.changed(raw(at), parameters.data(), s);
                });
                emitWithin(tau, false);  // an execution at a sample time comes before the sample
                stepper.calc_state(tau, y);
                t = tau;
                if (events.process(raw(y), parameters, t)) setParameters();
                restart = true;
                continue;
            }
            if (end < stop) {  // an ordinary step: the triggers' falls are recorded, nothing executes
                emitWithin(end, true);
                y = probe;
                t = end;
                if (events.process(raw(y), parameters, t)) {
                    setParameters();
                    restart = true;
                }
                continue;
            }
            emitWithin(stop, false);
            y = probe;
            t = stop;
            // At the segment's end the walk applies its events first and then calls setParameters.
            if (stop < segmentEnd && events.process(raw(y), parameters, t)) setParameters();
            restart = true;
        }
    };
    try {
        walkSegments(
            timeline, settings_.t_end, baseParameters, grid, [&] { return raw(y); },
            [&](std::vector<double> values) {
                parameters = std::move(values);
                events.overlay(parameters);
                events.process(raw(y), parameters, t);  // the first call starts the events at t = 0
                setParameters();
            },
            advanceTo, [&] { emit(y); });
    } catch (const RateError& e) {
        std::ostringstream msg;
        msg << "ode: " << e.what() << " (replicate " << replicate << ")";
        throw SolverError(msg.str());
    } catch (const odeint::step_adjustment_error& e) {
        std::ostringstream msg;
        msg << "ode: the " << stepperName(stepper_) << " stepper cannot meet rtol = " << settings_.rtol << " near t = " << t
            << " s (replicate " << replicate << "): " << e.what();
        throw SolverError(msg.str());
    } catch (const odeint::no_progress_error&) {
        std::ostringstream msg;
        msg << "ode: too many steps near t = " << t << " s (replicate " << replicate
            << "); the model may be stiff: try stepper = \"rosenbrock4\"";
        throw SolverError(msg.str());
    }
    observer.replicateFinished(replicate);
    return steps;
}

}  // namespace egress
