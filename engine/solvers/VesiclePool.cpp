#include "solvers/VesiclePool.hpp"

namespace egress {

VesiclePool::VesiclePool(const Model& model)
    : model_(model), routes_(model.routes.size()), budded_(model.routes.size(), 0.0), fused_(model.routes.size(), 0.0),
      inTransit_(model.routes.size(), 0.0), cargoInTransit_(model.species.size(), 0.0) {
    for (std::size_t r = 0; r < routes_.size(); ++r) {
        routes_[r].cargoCount = model.routes[r].cargo.size();
        routes_[r].delay = model.routes[r].delay;
        anyDelay_ = anyDelay_ || routes_[r].delay > 0.0;
    }
}

std::uint64_t VesiclePool::bud(std::size_t route, double time, const double* loads) {
    RouteVesicles& rv = routes_[route];
    const std::uint64_t id = nextId_++;
    if (rv.delay > 0.0) {
        rv.maturingIds.push_back(id);
        rv.maturingSince.push_back(time);
        rv.maturingLoads.insert(rv.maturingLoads.end(), loads, loads + rv.cargoCount);
    } else {
        rv.competentIds.push_back(id);
        rv.competentLoads.insert(rv.competentLoads.end(), loads, loads + rv.cargoCount);
    }
    for (std::size_t k = 0; k < rv.cargoCount; ++k) cargoInTransit_[model_.routes[route].cargo[k].acceptor] += loads[k];
    budded_[route] += 1.0;
    inTransit_[route] += 1.0;
    return id;
}

double VesiclePool::earliestMaturation() const {
    double next = std::numeric_limits<double>::infinity();
    for (const auto& rv : routes_)
        if (!rv.maturingSince.empty()) next = std::min(next, rv.maturingSince.front() + rv.delay);
    return next;
}

void VesiclePool::matureUntil(double time) {
    for (auto& rv : routes_) {
        while (!rv.maturingSince.empty() && rv.maturingSince.front() + rv.delay <= time) {
            rv.competentIds.push_back(rv.maturingIds.front());
            for (std::size_t k = 0; k < rv.cargoCount; ++k) {
                rv.competentLoads.push_back(rv.maturingLoads.front());
                rv.maturingLoads.pop_front();
            }
            rv.maturingIds.pop_front();
            rv.maturingSince.pop_front();
        }
    }
}

VesiclePool::Fused VesiclePool::fuse(std::size_t route, std::size_t index) {
    RouteVesicles& rv = routes_[route];
    const std::size_t K = rv.cargoCount;
    const std::size_t last = rv.competentIds.size() - 1;
    Fused out;
    out.id = rv.competentIds[index];
    fusedLoads_.assign(rv.competentLoads.begin() + static_cast<std::ptrdiff_t>(index * K),
                       rv.competentLoads.begin() + static_cast<std::ptrdiff_t>(index * K + K));
    // Swap with the last and pop: O(1); the order of competent vesicles carries no meaning.
    rv.competentIds[index] = rv.competentIds[last];
    for (std::size_t k = 0; k < K; ++k) rv.competentLoads[index * K + k] = rv.competentLoads[last * K + k];
    rv.competentIds.pop_back();
    rv.competentLoads.resize(last * K);
    for (std::size_t k = 0; k < K; ++k) cargoInTransit_[model_.routes[route].cargo[k].acceptor] -= fusedLoads_[k];
    fused_[route] += 1.0;
    inTransit_[route] -= 1.0;
    out.loads = fusedLoads_.data();
    return out;
}

}  // namespace egress
