#pragma once
// Membrane bookkeeping: each bud takes `vesicle_area` from the donor compartment and each fusion
// gives it to the acceptor, so a compartment's area follows from the vesicle counters alone and
// total area (compartments + vesicles in transit) is conserved by construction.
#include "core/Model.hpp"

namespace egress {

/// Area of every compartment, um^2: initial area (0 when not given) minus what budded from it
/// plus what fused into it. `budded`/`fused` per route; `areas` per compartment.
inline void membraneAreas(const Model& model, const double* budded, const double* fused, double* areas) {
    for (std::size_t c = 0; c < model.compartments.size(); ++c) areas[c] = model.compartments[c].area_um2.value_or(0.0);
    for (std::size_t r = 0; r < model.routes.size(); ++r) {
        const auto& route = model.routes[r];
        areas[route.from] -= route.vesicle_area_um2 * budded[r];
        areas[route.to] += route.vesicle_area_um2 * fused[r];
    }
}

}  // namespace egress
