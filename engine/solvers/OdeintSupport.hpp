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

inline void copyJacobian(const Eigen::MatrixXd& from, UblasMatrix& to) {
    for (Eigen::Index i = 0; i < from.rows(); ++i)
        for (Eigen::Index j = 0; j < from.cols(); ++j)
            to(static_cast<std::size_t>(i), static_cast<std::size_t>(j)) = from(i, j);
}

}  // namespace egress
