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
/// Hill vmax*S^n/(km^n+S^n). `amounts` in molecules.
double deterministicRate(const Model& model, const RateLaw& law, const double* amounts,
                         const std::vector<double>& parameterValues);

/// d(rate)/d(amount of species i), added into `gradient` scaled by `scale`.
void addDeterministicRateGradient(const Model& model, const RateLaw& law, const double* amounts,
                                  const std::vector<double>& parameterValues, double scale,
                                  Eigen::Ref<Eigen::VectorXd> gradient);

/// Stochastic propensity: mass action k * prod(binomial(n, v)); MM and Hill with S the count.
double stochasticPropensity(const Model& model, const RateLaw& law, const double* counts,
                            const std::vector<double>& parameterValues);

/// Net stoichiometry, species x reactions.
Eigen::SparseMatrix<double> stoichiometryMatrix(const Model& model);

}  // namespace egress
