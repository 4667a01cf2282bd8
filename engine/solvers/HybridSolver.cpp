#include "solvers/HybridSolver.hpp"

#include <boost/math/tools/toms748_solve.hpp>
#include <boost/numeric/odeint.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

#include "core/Error.hpp"
#include "core/Interrupt.hpp"
#include "core/Kinetics.hpp"
#include "core/Membrane.hpp"
#include "core/RandomStream.hpp"
#include "core/StateEvents.hpp"
#include "core/Timeline.hpp"
#include "solvers/EventLocation.hpp"
#include "solvers/MeanFluxSystem.hpp"
#include "solvers/OdeintSupport.hpp"
#include "solvers/OdeSolver.hpp"
#include "solvers/SampleGrid.hpp"
#include "solvers/SegmentWalk.hpp"
#include "solvers/StateGuard.hpp"
#include "solvers/VesicleRoutes.hpp"

namespace egress {

namespace odeint = boost::numeric::odeint;

namespace {

/// Steps allowed in one stretch between two events before the run is declared stuck.
constexpr std::size_t kMaxStepsBetweenEvents = 10'000'000;

/// The continuous part: species under their reactions, then one integrated bud hazard per route.
class HybridSystem {
public:
    HybridSystem(const Model& model, const Model& reactionsOnly)
        : model_(model), reactions_(reactionsOnly, 1), species_(model.species.size()), areaFactor_(model.routes.size(), 1.0) {}

    std::size_t size() const { return species_ + model_.routes.size(); }
    std::size_t species() const { return species_; }
    void setParameters(const std::vector<double>& p) {
        parameters_ = p;
        reactions_.setParameters(p);
    }
    /// The routes' area factors (core/Membrane.hpp) from the vesicle counters: constant between
    /// vesicle events (a per-area donor makes no membrane), so set after each and at every restart.
    void setAreaFactors(const VesiclePool& pool, double t) {
        for (std::size_t r = 0; r < model_.routes.size(); ++r)
            areaFactor_[r] = buddingAreaFactor(model_, r, pool.budded().data(), pool.fused().data(), t);
    }
    double budHazard(std::size_t r, const double* y, double t) const {
        const RateLaw& law = model_.routes[r].budding;
        const double hazard = deterministicRate(model_, law, y, parameters_, t) * areaFactor_[r];
        if (law.kind == RateLawKind::Expression && !(hazard >= 0.0 && std::isfinite(hazard))) {
            std::ostringstream msg;
            msg << "the budding propensity of vesicle route '" << model_.routes[r].name << "' is " << hazard << " at t = " << t << " s";
            throw RateError(msg.str());
        }
        return hazard;
    }
    void rhs(const double* y, double* dydt, double t) const {
        reactions_.rhs(y, dydt, t);
        for (std::size_t r = 0; r < model_.routes.size(); ++r) dydt[species_ + r] = budHazard(r, y, t);
    }
    void timeDerivative(const double* y, double* dfdt, double t) const {
        reactions_.timeDerivative(y, dfdt, t);
        for (std::size_t r = 0; r < model_.routes.size(); ++r)
            dfdt[species_ + r] = deterministicRateTimeDerivative(model_.routes[r].budding, y, parameters_, t) * areaFactor_[r];
    }
    void jacobian(const double* y, Eigen::MatrixXd& J, double t) const {
        const auto n = static_cast<Eigen::Index>(size());
        const auto S = static_cast<Eigen::Index>(species_);
        reactions_.jacobian(y, speciesJacobian_, t);
        J.setZero(n, n);
        J.topLeftCorner(S, S) = speciesJacobian_;
        Eigen::VectorXd grad(S);
        for (std::size_t r = 0; r < model_.routes.size(); ++r) {
            grad.setZero();
            addDeterministicRateGradient(model_, model_.routes[r].budding, y, parameters_, t, areaFactor_[r], grad);
            J.row(S + static_cast<Eigen::Index>(r)).head(S) = grad.transpose();
        }
    }

private:
    const Model& model_;
    MeanFluxSystem reactions_;
    std::size_t species_;
    std::vector<double> parameters_;
    mutable Eigen::MatrixXd speciesJacobian_;
    std::vector<double> areaFactor_;  ///< per route, 1 unless it buds per um^2 of its donor
};

}  // namespace

HybridSolver::HybridSolver(const Model& model, const SimulationSettings& settings)
    : model_(model), reactionsOnly_(model), cargo_(model), timeline_(model, settings.t_end), settings_(settings), stepper_(settings.stepper) {
    reactionsOnly_.routes.clear();
    // Without species there is nothing to integrate between vesicle events, and rosenbrock4's
    // dense output cannot size a step on an empty state (it gives up after 500 tries).
    if (model.species.empty()) stepper_ = OdeStepper::Dopri5;
    if (stepper_ == OdeStepper::Auto) {
        // The same stiffness test as `ode`, on the continuous part.
        SimulationSettings s = settings;
        s.stepper = OdeStepper::Auto;
        stepper_ = OdeSolver(reactionsOnly_, s).stepper();
    }
}

std::string HybridSolver::algorithm() const {
    return std::string("PDMP: ") + stepperName(stepper_) + " dense output, integrated hazards, TOMS 748 root finding";
}

std::uint64_t HybridSolver::run(std::size_t replicate, const std::vector<double>& baseParameters,
                       TrajectoryObserver& observer) const {
    if (stepper_ == OdeStepper::Rosenbrock4)
        return runWith<UblasVector>(odeint::make_dense_output(settings_.atol, settings_.rtol, Rosenbrock4()),
                             replicate, baseParameters, observer);
    return runWith<std::vector<double>>(
            odeint::make_dense_output(settings_.atol, settings_.rtol, odeint::runge_kutta_dopri5<std::vector<double>>()),
            replicate, baseParameters, observer);
}

template <class State, class Stepper>
std::uint64_t HybridSolver::runWith(Stepper stepper, std::size_t replicate, const std::vector<double>& baseParameters,
                           TrajectoryObserver& observer) const {
    HybridSystem system(model_, reactionsOnly_);
    const std::size_t S = system.species(), V = model_.routes.size(), n = system.size();
    RandomStream rng(settings_.seed, replicate, StreamPurpose::Trajectory);
    VesicleRoutes routes(model_, cargo_, replicate, observer);
    VesiclePool& pool = routes.pool();
    SampleGrid grid(model_, settings_, replicate);

    // Both the plain and the stiff system: odeint picks what its stepper needs.
    auto rhs = [&](const State& y, State& dydt, double t) { system.rhs(raw(y), raw(dydt), t); };
    Eigen::MatrixXd J;
    auto jac = [&](const State& y, UblasMatrix& m, double t, State& dfdt) {
        system.jacobian(raw(y), J, t);
        copyJacobian(J, m);
        system.timeDerivative(raw(y), raw(dfdt), t);  // parameters are constant between breakpoints; t may be read
    };
    auto doStep = [&]() {
        if constexpr (std::is_same_v<State, UblasVector>) return stepper.do_step(std::make_pair(rhs, jac));
        else return stepper.do_step(rhs);
    };

    StateEvents stateEvents(model_, /*wholeAmounts=*/false);
    std::vector<double> parameters;  // in force now, with the events' assignments
    // The values in force changed (a new segment, an event's assignment): the samples'
    // assignment rules read them too.
    auto setParameters = [&] {
        grid.setParameters(parameters);
        system.setParameters(parameters);
        routes.setParameters(model_, parameters);
    };
    State y(n), probe(n), atSample(n);
    for (std::size_t i = 0; i < n; ++i) y[i] = i < S ? model_.species[i].initial : 0.0;
    std::vector<double> threshold(V);
    for (auto& p : threshold) p = rng.exponential();
    double t = 0.0;

    auto fail = [&](const std::string& what) {
        std::ostringstream msg;
        msg << "hybrid: " << what << " near t = " << t << " s (replicate " << replicate << ")";
        throw SolverError(msg.str());
    };
    auto emit = [&](const State& state) {
        grid.emit(observer, raw(state), pool.budded().data(), pool.fused().data(), pool.inTransit().data(),
                  pool.cargoInTransit().data());
    };
    // Samples strictly before `limit` (or up to it) inside the current step, from the dense output.
    auto emitWithin = [&](double limit, bool inclusive) {
        while (!grid.done() && (grid.nextTime() < limit || (inclusive && grid.nextTime() == limit))) {
            stepper.calc_state(grid.nextTime(), atSample);
            emit(atSample);
        }
    };

    const double dt0 = settings_.output_interval * kFirstStepFraction;
    std::uint64_t events = 0;  // buds since the start, to poll for a stop request now and then
    double scale = 1.0;        // the largest amount seen, for the drift allowed below 0
    // One segment: the stepper starts afresh at its start and after every event.
    auto advanceTo = [&](double segmentEnd) {
        bool restart = true;
        double fusionTime = 0.0;
        std::size_t steps = 0;
        while (t < segmentEnd) {
            if (restart) {
                // Every bud and fusion restarts: the donors' areas are constant until the next one.
                system.setAreaFactors(pool, t);
                // Restart with the step size the controller had reached: events do not change the
                // smoothness of the solution, and starting from a tiny step again cost ~16 steps per event.
                const double last = steps > 0 ? stepper.current_time_step() : dt0;
                stepper.initialize(y, t, std::min(last > 0.0 ? last : dt0, segmentEnd - t));
                const double fusionRate = routes.totalFusionPropensity();
                fusionTime = fusionRate > 0.0 ? t + rng.exponential() / fusionRate : std::numeric_limits<double>::infinity();
                restart = false;
                steps = 0;
            }
            const double maturation = pool.nextMaturation();
            const double stop = std::min({segmentEnd, maturation, fusionTime, stateEvents.nextPending()});
            std::pair<double, double> span;
            try {
                span = doStep();
            } catch (const odeint::step_adjustment_error& e) {
                fail(std::string("the stepper cannot meet its tolerance: ") + e.what());
            } catch (const RateError& e) {
                std::ostringstream msg;
                msg << "hybrid: " << e.what() << " (replicate " << replicate << ")";
                throw SolverError(msg.str());
            }
            if (++steps > kMaxStepsBetweenEvents) fail("too many steps without an event");
            if ((steps & 0xff) == 0) throwIfStopRequested();
            const double t0 = span.first;
            const double end = std::min(span.second, stop);
            if (end < span.second) stepper.calc_state(end, probe);
            else probe = stepper.current_state();
            for (std::size_t i = 0; i < S; ++i) scale = std::max(scale, std::abs(probe[i]));
            checkAmounts(model_, raw(probe), end, replicate, "hybrid", negativeTolerance(settings_, scale));

            // The earliest bud whose integrated hazard crosses its threshold within (t0, end].
            double budTime = std::numeric_limits<double>::infinity();
            std::size_t budRoute = V;
            for (std::size_t r = 0; r < V; ++r) {
                const double above = probe[S + r] - threshold[r];
                if (above < 0.0) continue;
                State at(n);
                auto g = [&](double s) {
                    stepper.calc_state(s, at);
                    return at[S + r] - threshold[r];
                };
                const double below = g(t0);
                double root = t0;
                if (below < 0.0) {
                    std::uintmax_t iterations = kRootIterations;
                    const auto bracket = boost::math::tools::toms748_solve(
                        g, t0, end, below, above,
                        [](double a, double b) { return std::abs(b - a) <= kRootTolerance * std::max(1.0, std::abs(b)); },
                        iterations);
                    root = bracket.second;  // the side where the threshold has been reached
                }
                if (root < budTime) {
                    budTime = root;
                    budRoute = r;
                }
            }

            // A trigger that changes before the first bud: located, executed, and the step abandoned.
            // As in ode, the triggers are also looked at on the dense output every output interval
            // inside the step, so that one true (or false) for longer than the output interval is
            // seen however long the step (a model without routes steps as freely as ode).
            if (!stateEvents.empty()) {
                const double until = std::min(end, budTime);
                double lo = t0;
                bool inside = false;
                for (double mid = lo + settings_.output_interval; mid < until; mid += settings_.output_interval) {
                    stepper.calc_state(mid, atSample);
                    if ((inside = stateEvents.differs(raw(atSample), parameters.data(), mid))) break;
                    lo = mid;
                }
                if (until > t0 &&
                    (inside || (until < end ? (stepper.calc_state(until, atSample), stateEvents.changed(raw(atSample), parameters.data(), until))
                                            : stateEvents.changed(raw(probe), parameters.data(), end)))) {
                    const double hi = inside ? lo + settings_.output_interval : until;
                    const double tau = locateChange(lo, hi, [&](double s) {
                        stepper.calc_state(s, atSample);
                        return inside ? stateEvents.differs(raw(atSample), parameters.data(), s)
                                      : stateEvents.changed(raw(atSample), parameters.data(), s);
                    });
                    emitWithin(tau, false);
                    stepper.calc_state(tau, y);
                    t = tau;
                    if (stateEvents.process(raw(y), parameters, t)) setParameters();
                    restart = true;
                    continue;
                }
            }
            if (budRoute < V) {
                emitWithin(budTime, false);
                stepper.calc_state(budTime, y);
                t = budTime;
                routes.bud<Amounts::Continuous>(budRoute, t, raw(y), rng);
                if ((++events & 0xfff) == 0) throwIfStopRequested();
                threshold[budRoute] += rng.exponential();
                if (!stateEvents.empty() && stateEvents.process(raw(y), parameters, t)) setParameters();
                restart = true;
                continue;
            }
            if (end < stop) {  // an ordinary step, nothing happened in it
                emitWithin(end, true);
                y = probe;
                t = end;
                if (!stateEvents.empty() && stateEvents.process(raw(y), parameters, t)) {
                    setParameters();
                    restart = true;
                }
                continue;
            }
            emitWithin(stop, false);
            y = probe;
            t = stop;
            if (stop == fusionTime && stop < segmentEnd) {
                const std::size_t r = routes.chooseFusionRoute(rng);
                routes.fuse(r, t, raw(y), rng);
            }
            pool.matureUntil(t);
            if (!stateEvents.empty() && stop < segmentEnd && stateEvents.process(raw(y), parameters, t)) setParameters();
            restart = true;
        }
    };
    walkSegments(
        timeline_, settings_.t_end, baseParameters, grid, [&] { return raw(y); },
        [&](std::vector<double> values) {
            parameters = std::move(values);
            if (!stateEvents.empty()) {
                stateEvents.overlay(parameters);
                stateEvents.process(raw(y), parameters, t);  // the first call starts the events at t = 0
            }
            setParameters();
        },
        advanceTo, [&] { emit(y); });
    observer.replicateFinished(replicate);
    return pool.budded().empty() ? 0
                                 : static_cast<std::uint64_t>(std::accumulate(pool.budded().begin(), pool.budded().end(), 0.0) +
                                                              std::accumulate(pool.fused().begin(), pool.fused().end(), 0.0));
}

}  // namespace egress
