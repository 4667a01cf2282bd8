#pragma once
// The deterministic (ode) form of a model: reactions at their mass-action/MM/Hill rates, and
// every vesicle route replaced by its mean flux.
//
// Route r with bud propensity b(x), capture c and fusion rate f, cargo pairs donor_k -> acceptor_k:
//   donor_k'        -= b c donor_k               (mean load of one bud is c * donor_k)
//   transit stage 0  += b vesicles, b c donor_k cargo
//   last stage       -> acceptor_k at rate f     (each vesicle fuses independently at f)
//   budded' = b,  fused' = f * vesicles in the last stage
// A fixed `delay` d > 0 becomes an Erlang chain of `delay_stages` stages of rate stages/d before
// the fusion-competent stage: the mean transit time is exactly d + 1/f; the delay's spread is
// d/sqrt(stages) instead of 0 (documented in docs/methods.md).
#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "core/Model.hpp"

namespace egress {

/// A rate that a law cannot have (MeanFluxSystem::rhs); the method adds its name and the replicate.
class RateError : public SolverError {
public:
    using SolverError::SolverError;
};

class MeanFluxSystem {
public:
    MeanFluxSystem(const Model& model, int delayStages);

    std::size_t size() const { return size_; }
    void setParameters(std::vector<double> values) { parameters_ = std::move(values); }

    /// Species initial amounts, empty transit pools, zero counters.
    std::vector<double> initialState() const;

    /// The right-hand side at state `x` and time `t` (read only by expression laws that name `t`).
    /// An expression law whose rate is not finite, or a budding law whose rate is negative, is a
    /// SolverError naming it and the time; a reaction's expression may be negative (a net rate).
    void rhs(const double* x, double* dxdt, double t) const;
    /// Dense Jacobian d(rhs)/dx, size() x size().
    void jacobian(const double* x, Eigen::MatrixXd& J, double t) const;
    /// d(rhs)/dt at fixed x: zero unless a law reads `t` (timeDependent()).
    void timeDerivative(const double* x, double* dfdt, double t) const;
    bool timeDependent() const { return timeDependent_; }

    /// The species block of the Jacobian (species x species: reactions and the routes' loss of
    /// donor cargo), without forming the transit part.
    void speciesJacobian(const double* x, Eigen::MatrixXd& J, double t) const;

    /// The largest rate at which a vesicle leaves a transit stage (delay stages, fusion), 1/s:
    /// the transit part's eigenvalues, known without a decomposition.
    double fastestTransitRate() const;

    /// Vesicle figures of a state: per route, and cargo in transit per acceptor species.
    void vesicleSummary(const double* x, std::vector<double>& budded, std::vector<double>& fused,
                        std::vector<double>& inTransit, std::vector<double>& cargoInTransit) const;

private:
    struct RouteBlock {
        std::size_t offset = 0;     ///< first state index of the route
        std::size_t stages = 1;
        double delayStageRate = 0;  ///< 1/s, stages before the last
        std::size_t stageWidth() const { return 1 + cargoCount; }
        std::size_t cargoCount = 0;
        std::size_t budded() const { return offset + stages * stageWidth(); }
        std::size_t fused() const { return budded() + 1; }
    };

    const Model& model_;
    Eigen::SparseMatrix<double> stoichiometry_;
    std::vector<RouteBlock> routes_;
    std::size_t speciesCount_ = 0;
    std::size_t size_ = 0;
    std::vector<double> parameters_;
    mutable Eigen::VectorXd rates_;
    bool timeDependent_ = false;
    bool anyExpression_ = false;

    /// Route r's bud rate per unit of its budding law: 1, or its donor's area (from the counters
    /// in `x`) over its vesicle area for a route that buds per um^2 (core/Membrane.hpp).
    double areaFactor(std::size_t r, const double* x, double t) const;
    /// Adds d(bud rate of route r)/d(counters) x `scale` into row `row` of J: the donor's area
    /// falls with its routes' buds and rises with their fusions. Nothing for an ordinary route.
    void addAreaGradient(std::size_t r, const double* x, double t, double scale, Eigen::Index row, Eigen::MatrixXd& J) const;
    /// d(rate rule)/dx into the species rows of the rate-ruled species.
    void addRateRuleJacobian(const double* x, Eigen::MatrixXd& J, double t) const;
    [[noreturn]] void badRate(const std::string& owner, double rate, double t) const;
};

}  // namespace egress
