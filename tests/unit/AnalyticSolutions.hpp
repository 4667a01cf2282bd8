#pragma once
// Known answers shared by the numeric and the statistical tests (docs/validation.md B).
#include <array>
#include <cmath>

namespace egress::testing {

/// Bateman: A, B, C of the chain -> A -> B -> C -> with zero-order input k0 and first-order rates
/// k1, k2, k3 (all distinct), started empty.
inline std::array<double, 3> batemanChain(double k0, double k1, double k2, double k3, double t) {
    const double A = k0 / k1 * (1 - std::exp(-k1 * t));
    const double B = k0 * k1 * ((1 - std::exp(-k1 * t)) / (k1 * (k2 - k1)) + (1 - std::exp(-k2 * t)) / (k2 * (k1 - k2)));
    const double l[3] = {k1, k2, k3};
    double C = 0;
    for (int i = 0; i < 3; ++i) {
        double prod = 1;
        for (int j = 0; j < 3; ++j)
            if (j != i) prod *= l[j] - l[i];
        C += (1 - std::exp(-l[i] * t)) / (l[i] * prod);
    }
    return {A, B, k0 * k1 * k2 * C};
}

}  // namespace egress::testing
