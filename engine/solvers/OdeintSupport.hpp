#pragma once
// What the ode and hybrid methods share to use Boost.Odeint's stiff stepper: rosenbrock4 works
// on uBLAS vectors and matrices, while egress's Jacobians are Eigen matrices.
#include <Eigen/Dense>
#include <boost/numeric/odeint.hpp>

namespace egress {

/// The first trial step of an integration, as a fraction of the output interval: small enough
/// that the error controller only ever has to grow it.
constexpr double kFirstStepFraction = 1e-3;

using UblasVector = boost::numeric::ublas::vector<double>;
using UblasMatrix = boost::numeric::ublas::matrix<double>;

/// Boost.Odeint's rosenbrock4 is Hairer and Wanner's RODAS, but its default coefficients (Boost
/// 1.74, and odeint-v2's master) have d4 = +0.0362 where RODAS has gamma_4 = -0.0362 (rodas.f,
/// D4). The d_i multiply only df/dt, so a system that does not read t is unaffected; one that
/// does (an expression law of t) loses the method's order: y' = -0.05 y exp(-t/10) from 60 over
/// [0, 10] at rtol 1e-9 took 1,743 steps to a relative error of 6e-6, and takes 71 steps to 1e-11
/// with the sign corrected. This is the default with that one coefficient corrected (the stepper
/// reads its coefficients by name, so the member below hides the base's).
struct RodasCoefficients : boost::numeric::odeint::default_rosenbrock_coefficients<double> {
    const double d4 = -0.3620000000000023e-01;
};
using Rosenbrock4 = boost::numeric::odeint::rosenbrock4<double, RodasCoefficients>;

/// The first element of an odeint state (std::vector or uBLAS vector), or null for an empty one:
/// a model may have no species (docs/contract.md), and &s[0] on an empty vector is undefined.
template <class State>
double* raw(State& s) { return s.size() ? &s[0] : nullptr; }
template <class State>
const double* raw(const State& s) { return s.size() ? &s[0] : nullptr; }

inline void copyJacobian(const Eigen::MatrixXd& from, UblasMatrix& to) {
    for (Eigen::Index i = 0; i < from.rows(); ++i)
        for (Eigen::Index j = 0; j < from.cols(); ++j)
            to(static_cast<std::size_t>(i), static_cast<std::size_t>(j)) = from(i, j);
}

}  // namespace egress
