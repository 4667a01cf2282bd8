#include "core/Kinetics.hpp"

#include <cmath>
#include <limits>

namespace egress {

namespace {

double factorial(int v) {
    double f = 1.0;
    for (int i = 2; i <= v; ++i) f *= i;
    return f;
}

double power(double x, int v) {
    double r = 1.0;
    for (int i = 0; i < v; ++i) r *= x;
    return r;
}

double substrateAmount(const RateLaw& law, const double* amounts) {
    return amounts[*law.substrate];
}

}  // namespace

double deterministicRate(const Model& model, const RateLaw& law, const double* x,
                         const std::vector<double>& p, double t) {
    switch (law.kind) {
        case RateLawKind::MassAction: {
            double r = model.valueOf(law.k, p);
            for (const auto& term : law.order) r *= power(x[term.species], term.count) / factorial(term.count);
            return r;
        }
        case RateLawKind::MichaelisMenten: {
            const double s = substrateAmount(law, x);
            return model.valueOf(law.vmax, p) * s / (model.valueOf(law.km, p) + s);
        }
        case RateLawKind::Hill: {
            const double s = substrateAmount(law, x);
            const double n = model.valueOf(law.n, p);
            const double sn = std::pow(s, n);
            return model.valueOf(law.vmax, p) * sn / (std::pow(model.valueOf(law.km, p), n) + sn);
        }
        case RateLawKind::Expression: return law.expression.evaluate(x, p.data(), t);
    }
    return 0.0;
}

void addDeterministicRateGradient(const Model& model, const RateLaw& law, const double* x,
                                  const std::vector<double>& p, double t, double scale,
                                  Eigen::Ref<Eigen::VectorXd> gradient) {
    switch (law.kind) {
        case RateLawKind::MassAction: {
            const double k = model.valueOf(law.k, p);
            for (std::size_t i = 0; i < law.order.size(); ++i) {
                const auto& wrt = law.order[i];
                double d = k * power(x[wrt.species], wrt.count - 1) / factorial(wrt.count - 1);
                for (std::size_t j = 0; j < law.order.size(); ++j)
                    if (j != i) d *= power(x[law.order[j].species], law.order[j].count) / factorial(law.order[j].count);
                gradient[static_cast<Eigen::Index>(wrt.species)] += scale * d;
            }
            return;
        }
        case RateLawKind::MichaelisMenten: {
            const double s = substrateAmount(law, x);
            const double km = model.valueOf(law.km, p);
            const double denom = km + s;
            gradient[static_cast<Eigen::Index>(*law.substrate)] += scale * model.valueOf(law.vmax, p) * km / (denom * denom);
            return;
        }
        case RateLawKind::Hill: {
            const double s = substrateAmount(law, x);
            if (s <= 0.0) return;  // the derivative at 0 is 0 for n > 1 and undefined below; 0 keeps the Jacobian finite
            const double n = model.valueOf(law.n, p);
            const double kn = std::pow(model.valueOf(law.km, p), n);
            const double sn = std::pow(s, n);
            const double denom = kn + sn;
            gradient[static_cast<Eigen::Index>(*law.substrate)] +=
                scale * model.valueOf(law.vmax, p) * n * kn * sn / (s * denom * denom);
            return;
        }
        case RateLawKind::Expression:
            for (const std::size_t wrt : law.expression.species) {
                double d = 0.0;
                law.expression.evaluate(x, p.data(), t, wrt, d);
                if (std::isfinite(d)) gradient[static_cast<Eigen::Index>(wrt)] += scale * d;
            }
            return;
    }
}

double deterministicRateTimeDerivative(const RateLaw& law, const double* x, const std::vector<double>& p, double t) {
    if (!lawReadsTime(law)) return 0.0;
    double d = 0.0;
    law.expression.evaluate(x, p.data(), t, Expression::kTime, d);
    return std::isfinite(d) ? d : 0.0;
}

std::vector<std::size_t> speciesRead(const RateLaw& law) {
    if (law.kind == RateLawKind::Expression) return law.expression.species;
    std::vector<std::size_t> in;
    for (const auto& term : law.order) in.push_back(term.species);
    if (law.substrate) in.push_back(*law.substrate);
    return in;
}

double stochasticPropensity(const Model& model, const RateLaw& law, const double* n,
                            const std::vector<double>& p) {
    if (law.kind != RateLawKind::MassAction)
        return deterministicRate(model, law, n, p, std::numeric_limits<double>::quiet_NaN());
    double a = model.valueOf(law.k, p);
    for (const auto& term : law.order) {
        const double count = n[term.species];
        // binomial(count, v) = count (count-1) ... (count-v+1) / v!
        double b = 1.0;
        for (int i = 0; i < term.count; ++i) b *= (count - i);
        a *= (b > 0.0 ? b : 0.0) / factorial(term.count);
    }
    return a;
}

Eigen::SparseMatrix<double> stoichiometryMatrix(const Model& model) {
    std::vector<Eigen::Triplet<double>> entries;
    for (std::size_t j = 0; j < model.reactions.size(); ++j) {
        const auto& r = model.reactions[j];
        for (const auto& s : r.reactants)
            entries.emplace_back(static_cast<int>(s.species), static_cast<int>(j), -s.count);
        for (const auto& s : r.products)
            entries.emplace_back(static_cast<int>(s.species), static_cast<int>(j), s.count);
    }
    Eigen::SparseMatrix<double> n(static_cast<Eigen::Index>(model.species.size()),
                                  static_cast<Eigen::Index>(model.reactions.size()));
    n.setFromTriplets(entries.begin(), entries.end());  // duplicates (A + A -> ...) are summed
    return n;
}

}  // namespace egress
