#include "solvers/VesiclePool.hpp"

#include <algorithm>

namespace egress {

CargoTable::CargoTable(const Model& model) {
    begin.push_back(0);
    for (const auto& route : model.routes) {
        for (const auto& pair : route.cargo) {
            donor.push_back(pair.donor);
            acceptor.push_back(pair.acceptor);
        }
        begin.push_back(donor.size());
        mostPairs = std::max(mostPairs, route.cargo.size());
    }
}

VesiclePool::VesiclePool(const Model& model, const CargoTable& cargo)
    : routes_(model.routes.size()), budded_(model.routes.size(), 0.0), fused_(model.routes.size(), 0.0),
      inTransit_(model.routes.size(), 0.0), cargoInTransit_(model.species.size(), 0.0) {
    for (std::size_t r = 0; r < routes_.size(); ++r) {
        routes_[r].cargoCount = model.routes[r].cargo.size();
        routes_[r].acceptors = cargo.acceptorsOf(r);
        routes_[r].delay = model.routes[r].delay;
        anyDelay_ = anyDelay_ || routes_[r].delay > 0.0;
    }
    fusedLoads_.assign(cargo.mostPairs, 0.0);
}

void VesiclePool::startMaturing(RouteVesicles& rv, std::uint64_t id, double time, const double* loads) {
    rv.maturingIds.push_back(id);
    rv.maturingSince.push_back(time);
    rv.maturingLoads.insert(rv.maturingLoads.end(), loads, loads + rv.cargoCount);
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

}  // namespace egress
