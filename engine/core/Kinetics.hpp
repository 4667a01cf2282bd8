#pragma once
// Rate laws and stoichiometry over Eigen vectors: the one place where the formulas of the
// contract (section 3) live. Deterministic rates feed the ODE; stochastic propensities feed the
// exact methods. Both read the current (possibly perturbed) parameter values.
#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <vector>

#include "core/Model.hpp"

namespace egress {

/// Deterministic rate of a law: mass action k * prod(x^v / v!), MM vmax*S/(km+S),
/// Hill vmax*S^n/(km^n+S^n), an expression as written. `amounts` in molecules, `t` in s (read
/// only by expressions that name `t`).
double deterministicRate(const Model& model, const RateLaw& law, const double* amounts,
                         const std::vector<double>& parameterValues, double t);

/// d(rate)/d(amount of species i), added into `gradient` scaled by `scale`. An expression's
/// derivative comes from forward-mode differentiation of its tape; where it is not finite
/// (sqrt(S) at S = 0) it is taken as 0, as for a Hill law at S = 0, so that the Jacobian of the
/// stiff stepper stays finite (the stepper's error control still judges the step).
void addDeterministicRateGradient(const Model& model, const RateLaw& law, const double* amounts,
                                  const std::vector<double>& parameterValues, double t, double scale,
                                  Eigen::Ref<Eigen::VectorXd> gradient);

/// d(rate)/dt at fixed amounts: 0 unless the law is an expression that reads `t`.
double deterministicRateTimeDerivative(const RateLaw& law, const double* amounts,
                                       const std::vector<double>& parameterValues, double t);

/// Stochastic propensity: mass action k * prod(binomial(n, v)); MM, Hill and expressions with S
/// the count. Time is not an argument: the ssa method refuses laws that read `t`
/// (lawReadsTime), and an expression that did would see NaN and be reported as a bad propensity.
double stochasticPropensity(const Model& model, const RateLaw& law, const double* counts,
                            const std::vector<double>& parameterValues);

/// The species whose amounts a law reads (the dependency graph of the exact methods).
std::vector<std::size_t> speciesRead(const RateLaw& law);

/// Whether a law reads the time `t` (only an expression can).
inline bool lawReadsTime(const RateLaw& law) { return law.kind == RateLawKind::Expression && law.expression.readsTime; }

/// Net stoichiometry, species x reactions.
Eigen::SparseMatrix<double> stoichiometryMatrix(const Model& model);

}  // namespace egress
