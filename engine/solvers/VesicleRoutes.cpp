#include "solvers/VesicleRoutes.hpp"

namespace egress {

VesicleRoutes::VesicleRoutes(const Model& model, const CargoTable& cargo, std::size_t replicate, TrajectoryObserver& observer)
    : cargo_(cargo), pool_(model, cargo), reporter_(model, cargo, replicate, observer), capture_(cargo.donor.size(), 0.0),
      fusionRate_(model.routes.size(), 0.0), fusionPropensityOf_(model.routes.size(), 0.0), loads_(cargo_.mostPairs) {}

void VesicleRoutes::setParameters(const Model& model, const std::vector<double>& parameters) {
    for (std::size_t r = 0; r < count(); ++r) {
        for (std::size_t k = 0; k < cargo_.pairs(r); ++k)
            capture_[cargo_.begin[r] + k] = model.valueOf(model.routes[r].captureOf(k), parameters);
        fusionRate_[r] = model.valueOf(model.routes[r].fusion_rate, parameters);
    }
}

}  // namespace egress
