#include "solvers/MeanFluxSystem.hpp"

#include <cmath>
#include <sstream>

#include "core/Error.hpp"
#include "core/Kinetics.hpp"
#include "core/Membrane.hpp"

namespace egress {

MeanFluxSystem::MeanFluxSystem(const Model& model, int delayStages)
    : model_(model), stoichiometry_(stoichiometryMatrix(model)), speciesCount_(model.species.size()),
      parameters_(model.baseParameterValues()), rates_(static_cast<Eigen::Index>(model.reactions.size())) {
    std::size_t offset = speciesCount_;
    for (const auto& route : model.routes) {
        RouteBlock block;
        block.offset = offset;
        block.cargoCount = route.cargo.size();
        if (route.delay > 0.0) {
            block.stages = static_cast<std::size_t>(delayStages) + 1;
            block.delayStageRate = delayStages / route.delay;
        }
        routes_.push_back(block);
        offset = block.fused() + 1;
    }
    size_ = offset;
    for (const auto& r : model.reactions) {
        timeDependent_ = timeDependent_ || lawReadsTime(r.law);
        anyExpression_ = anyExpression_ || r.law.kind == RateLawKind::Expression;
    }
    for (const auto& rule : model.rateRules) timeDependent_ = timeDependent_ || rule.expression.readsTime;
    for (const auto& route : model.routes) {
        timeDependent_ = timeDependent_ || lawReadsTime(route.budding);
        anyExpression_ = anyExpression_ || route.budding.kind == RateLawKind::Expression;
    }
}

void MeanFluxSystem::badRate(const std::string& owner, double rate, double t) const {
    std::ostringstream msg;
    msg << "the rate of " << owner << " is " << rate << " at t = " << t << " s";
    throw RateError(msg.str());
}

double MeanFluxSystem::areaFactor(std::size_t r, const double* x, double t) const {
    const auto& route = model_.routes[r];
    if (!route.buddingPerDonorArea) return 1.0;
    // The counters are strided through x.
    const double area = membraneAreaOf(
            model_, route.from, [&](std::size_t q) { return x[routes_[q].budded()]; },
            [&](std::size_t q) { return x[routes_[q].fused()]; }, t);
    return donorAreaFactor(route, area);
}

void MeanFluxSystem::addAreaGradient(std::size_t r, const double* x, double t, double scale, Eigen::Index row,
                                     Eigen::MatrixXd& J) const {
    const auto& route = model_.routes[r];
    if (!route.buddingPerDonorArea || areaFactor(r, x, t) <= 0.0) return;  // max(area, 0): flat below 0
    const double perArea = scale * deterministicRate(model_, route.budding, x, parameters_, t) / route.vesicle_area_um2;
    const std::size_t c = route.from;
    for (std::size_t q = 0; q < routes_.size(); ++q) {
        const auto& other = model_.routes[q];
        if (other.from == c) J(row, static_cast<Eigen::Index>(routes_[q].budded())) -= perArea * other.vesicle_area_um2;
        if (other.to == c && !model_.compartments[c].degrades_membrane)
            J(row, static_cast<Eigen::Index>(routes_[q].fused())) += perArea * other.vesicle_area_um2;
    }
}

std::vector<double> MeanFluxSystem::initialState() const {
    std::vector<double> x(size_, 0.0);
    for (std::size_t i = 0; i < speciesCount_; ++i) x[i] = model_.species[i].initial;
    return x;
}

void MeanFluxSystem::rhs(const double* x, double* dxdt, double t) const {
    for (std::size_t j = 0; j < model_.reactions.size(); ++j)
        rates_[static_cast<Eigen::Index>(j)] = deterministicRate(model_, model_.reactions[j].law, x, parameters_, t);
    // Only an expression can be non-finite at finite amounts (km > 0 is checked at load time).
    if (anyExpression_)
        for (std::size_t j = 0; j < model_.reactions.size(); ++j)
            if (!std::isfinite(rates_[static_cast<Eigen::Index>(j)]))
                badRate("reaction '" + model_.reactions[j].name + "'", rates_[static_cast<Eigen::Index>(j)], t);
    Eigen::Map<Eigen::VectorXd> dx(dxdt, static_cast<Eigen::Index>(size_));
    dx.setZero();
    // noalias: without it Eigen allocates a temporary on every call (a quarter of hybrid's time).
    dx.head(static_cast<Eigen::Index>(speciesCount_)).noalias() = stoichiometry_ * rates_;
    // No reaction or route changes a rate-ruled species (io/ModelReader): its rule is its derivative.
    for (const auto& rule : model_.rateRules) {
        const double v = rule.expression.evaluate(x, parameters_.data(), t);
        if (!std::isfinite(v)) badRate("the rate rule of species '" + model_.species[rule.species].name + "'", v, t);
        dxdt[rule.species] = v;
    }

    for (std::size_t r = 0; r < routes_.size(); ++r) {
        const auto& route = model_.routes[r];
        const auto& b = routes_[r];
        const double law = deterministicRate(model_, route.budding, x, parameters_, t);
        if (route.budding.kind == RateLawKind::Expression && !(law >= 0.0 && std::isfinite(law)))
            badRate("the budding of vesicle route '" + route.name + "'", law, t);
        const double bud = law * areaFactor(r, x, t);
        const double fusion = model_.valueOf(route.fusion_rate, parameters_);
        const std::size_t w = b.stageWidth();
        dxdt[b.offset] += bud;
        for (std::size_t k = 0; k < b.cargoCount; ++k) {
            const double load = bud * model_.valueOf(route.captureOf(k), parameters_) * x[route.cargo[k].donor];
            dxdt[route.cargo[k].donor] -= load;
            dxdt[b.offset + 1 + k] += load;
        }
        for (std::size_t s = 0; s < b.stages; ++s) {
            const bool last = s + 1 == b.stages;
            const double rate = last ? fusion : b.delayStageRate;
            const std::size_t here = b.offset + s * w;
            for (std::size_t c = 0; c < w; ++c) {
                const double out = rate * x[here + c];
                dxdt[here + c] -= out;
                if (!last) dxdt[here + w + c] += out;
                else if (c == 0) dxdt[b.fused()] += out;
                else dxdt[route.cargo[c - 1].acceptor] += out;
            }
        }
        dxdt[b.budded()] += bud;
    }
}

void MeanFluxSystem::timeDerivative(const double* x, double* dfdt, double t) const {
    Eigen::Map<Eigen::VectorXd> df(dfdt, static_cast<Eigen::Index>(size_));
    df.setZero();
    if (!timeDependent_) return;
    Eigen::VectorXd drates(static_cast<Eigen::Index>(model_.reactions.size()));
    for (std::size_t j = 0; j < model_.reactions.size(); ++j)
        drates[static_cast<Eigen::Index>(j)] = deterministicRateTimeDerivative(model_.reactions[j].law, x, parameters_, t);
    df.head(static_cast<Eigen::Index>(speciesCount_)).noalias() = stoichiometry_ * drates;
    for (const auto& rule : model_.rateRules) {
        double d = 0.0;
        if (rule.expression.readsTime) rule.expression.evaluate(x, parameters_.data(), t, Expression::kTime, d);
        dfdt[rule.species] = std::isfinite(d) ? d : 0.0;
    }
    // The transit stages are linear in the state: only the bud terms move with t.
    for (std::size_t r = 0; r < routes_.size(); ++r) {
        const auto& route = model_.routes[r];
        const auto& b = routes_[r];
        // The area factor does not move with t: a per-area donor makes no membrane (io/ModelReader).
        const double dbud = deterministicRateTimeDerivative(route.budding, x, parameters_, t) * areaFactor(r, x, t);
        if (dbud == 0.0) continue;
        dfdt[b.offset] += dbud;
        for (std::size_t k = 0; k < b.cargoCount; ++k) {
            const double dload = dbud * model_.valueOf(route.captureOf(k), parameters_) * x[route.cargo[k].donor];
            dfdt[route.cargo[k].donor] -= dload;
            dfdt[b.offset + 1 + k] += dload;
        }
        dfdt[b.budded()] += dbud;
    }
}

void MeanFluxSystem::addRateRuleJacobian(const double* x, Eigen::MatrixXd& J, double t) const {
    for (const auto& rule : model_.rateRules)
        for (const std::size_t s : rule.expression.species) {
            double d = 0.0;
            rule.expression.evaluate(x, parameters_.data(), t, s, d);
            // As for expression laws (core/Kinetics.hpp): a derivative that does not exist is taken as 0.
            J(static_cast<Eigen::Index>(rule.species), static_cast<Eigen::Index>(s)) += std::isfinite(d) ? d : 0.0;
        }
}

void MeanFluxSystem::jacobian(const double* x, Eigen::MatrixXd& J, double t) const {
    const auto n = static_cast<Eigen::Index>(size_);
    const auto S = static_cast<Eigen::Index>(speciesCount_);
    J.setZero(n, n);
    Eigen::VectorXd grad(S);
    for (Eigen::Index j = 0; j < stoichiometry_.outerSize(); ++j) {
        grad.setZero();
        addDeterministicRateGradient(model_, model_.reactions[static_cast<std::size_t>(j)].law, x, parameters_, t, 1.0, grad);
        for (Eigen::SparseMatrix<double>::InnerIterator it(stoichiometry_, j); it; ++it)
            J.row(it.row()).head(S) += it.value() * grad.transpose();
    }
    addRateRuleJacobian(x, J, t);
    for (std::size_t r = 0; r < routes_.size(); ++r) {
        const auto& route = model_.routes[r];
        const auto& b = routes_[r];
        grad.setZero();
        const double factor = areaFactor(r, x, t);
        addDeterministicRateGradient(model_, route.budding, x, parameters_, t, factor, grad);
        const double bud = deterministicRate(model_, route.budding, x, parameters_, t) * factor;
        const double fusion = model_.valueOf(route.fusion_rate, parameters_);
        const std::size_t w = b.stageWidth();
        const auto vesicles0 = static_cast<Eigen::Index>(b.offset);
        J.row(vesicles0).head(S) += grad.transpose();
        J.row(static_cast<Eigen::Index>(b.budded())).head(S) += grad.transpose();
        // A per-area route's buds also depend on the counters that make its donor's area.
        addAreaGradient(r, x, t, 1.0, vesicles0, J);
        addAreaGradient(r, x, t, 1.0, static_cast<Eigen::Index>(b.budded()), J);
        for (std::size_t k = 0; k < b.cargoCount; ++k) {
            const double capture = model_.valueOf(route.captureOf(k), parameters_);
            const auto donor = static_cast<Eigen::Index>(route.cargo[k].donor);
            Eigen::VectorXd dload = capture * x[donor] * grad;
            dload[donor] += bud * capture;
            J.row(donor).head(S) -= dload.transpose();
            J.row(vesicles0 + 1 + static_cast<Eigen::Index>(k)).head(S) += dload.transpose();
            addAreaGradient(r, x, t, -capture * x[donor], donor, J);
            addAreaGradient(r, x, t, capture * x[donor], vesicles0 + 1 + static_cast<Eigen::Index>(k), J);
        }
        for (std::size_t s = 0; s < b.stages; ++s) {
            const bool last = s + 1 == b.stages;
            const double rate = last ? fusion : b.delayStageRate;
            for (std::size_t c = 0; c < w; ++c) {
                const auto here = static_cast<Eigen::Index>(b.offset + s * w + c);
                J(here, here) -= rate;
                Eigen::Index to;
                if (!last) to = here + static_cast<Eigen::Index>(w);
                else if (c == 0) to = static_cast<Eigen::Index>(b.fused());
                else to = static_cast<Eigen::Index>(route.cargo[c - 1].acceptor);
                J(to, here) += rate;
            }
        }
    }
}

void MeanFluxSystem::speciesJacobian(const double* x, Eigen::MatrixXd& J, double t) const {
    const auto S = static_cast<Eigen::Index>(speciesCount_);
    J.setZero(S, S);
    Eigen::VectorXd grad(S);
    for (Eigen::Index j = 0; j < stoichiometry_.outerSize(); ++j) {
        grad.setZero();
        addDeterministicRateGradient(model_, model_.reactions[static_cast<std::size_t>(j)].law, x, parameters_, t, 1.0, grad);
        for (Eigen::SparseMatrix<double>::InnerIterator it(stoichiometry_, j); it; ++it)
            J.row(it.row()) += it.value() * grad.transpose();
    }
    addRateRuleJacobian(x, J, t);
    for (std::size_t r = 0; r < model_.routes.size(); ++r) {
        const auto& route = model_.routes[r];
        grad.setZero();
        const double factor = areaFactor(r, x, t);
        addDeterministicRateGradient(model_, route.budding, x, parameters_, t, factor, grad);
        const double bud = deterministicRate(model_, route.budding, x, parameters_, t) * factor;
        for (std::size_t k = 0; k < route.cargo.size(); ++k) {
            const double capture = model_.valueOf(route.captureOf(k), parameters_);
            const auto donor = static_cast<Eigen::Index>(route.cargo[k].donor);
            Eigen::VectorXd dload = capture * x[donor] * grad;
            dload[donor] += bud * capture;
            J.row(donor) -= dload.transpose();
        }
    }
}

double MeanFluxSystem::fastestTransitRate() const {
    double fastest = 0.0;
    for (std::size_t r = 0; r < routes_.size(); ++r)
        fastest = std::max({fastest, routes_[r].delayStageRate, model_.valueOf(model_.routes[r].fusion_rate, parameters_)});
    return fastest;
}

void MeanFluxSystem::vesicleSummary(const double* x, std::vector<double>& budded, std::vector<double>& fused,
                                    std::vector<double>& inTransit, std::vector<double>& cargoInTransit) const {
    budded.assign(routes_.size(), 0.0);
    fused.assign(routes_.size(), 0.0);
    inTransit.assign(routes_.size(), 0.0);
    cargoInTransit.assign(speciesCount_, 0.0);
    for (std::size_t r = 0; r < routes_.size(); ++r) {
        const auto& b = routes_[r];
        budded[r] = x[b.budded()];
        fused[r] = x[b.fused()];
        for (std::size_t s = 0; s < b.stages; ++s) {
            const std::size_t here = b.offset + s * b.stageWidth();
            inTransit[r] += x[here];
            for (std::size_t k = 0; k < b.cargoCount; ++k)
                cargoInTransit[model_.routes[r].cargo[k].acceptor] += x[here + 1 + k];
        }
    }
}

}  // namespace egress
