#pragma once
// Membrane bookkeeping: each bud takes `vesicle_area` from the donor compartment and each fusion
// gives it to the acceptor, so a compartment's area follows from the vesicle counters alone.
// Two terms open the books: a compartment's `membrane_synthesis` adds rate x t (a constant rate,
// the same in every method), and fusion with a degradative compartment (`degrades_membrane`)
// removes the carrier's membrane instead of adding it. At every time
//   sum(areas) + vesicles in transit x their area + degraded = initial total + synthesised
// exactly (to rounding), in every method.
#include "core/Model.hpp"

namespace egress {

/// Area of every compartment at time t (s), um^2: initial area (0 when not given) plus what it
/// made by t, minus what budded from it, plus what fused into it (unless it degrades membrane).
/// `budded`/`fused` per route; `areas` per compartment.
inline void membraneAreas(const Model& model, const double* budded, const double* fused, double t, double* areas) {
    for (std::size_t c = 0; c < model.compartments.size(); ++c) {
        const auto& comp = model.compartments[c];
        areas[c] = comp.area_um2.value_or(0.0) + comp.membrane_synthesis_um2_per_s * t;
    }
    for (std::size_t r = 0; r < model.routes.size(); ++r) {
        const auto& route = model.routes[r];
        areas[route.from] -= route.vesicle_area_um2 * budded[r];
        if (!model.compartments[route.to].degrades_membrane) areas[route.to] += route.vesicle_area_um2 * fused[r];
    }
}

/// Area of compartment c at time t, um^2: membraneAreas for one compartment, with the counters of
/// route q read as budded(q) and fused(q) (arrays here; the ode state, where they are strided, in
/// solvers/MeanFluxSystem).
template <class BuddedAt, class FusedAt>
double membraneAreaOf(const Model& model, std::size_t c, BuddedAt budded, FusedAt fused, double t) {
    const auto& comp = model.compartments[c];
    double area = comp.area_um2.value_or(0.0) + comp.membrane_synthesis_um2_per_s * t;
    for (std::size_t r = 0; r < model.routes.size(); ++r) {
        const auto& route = model.routes[r];
        if (route.from == c) area -= route.vesicle_area_um2 * budded(r);
        if (route.to == c && !comp.degrades_membrane) area += route.vesicle_area_um2 * fused(r);
    }
    return area;
}

inline double membraneArea(const Model& model, std::size_t c, const double* budded, const double* fused, double t) {
    return membraneAreaOf(model, c, [budded](std::size_t r) { return budded[r]; }, [fused](std::size_t r) { return fused[r]; }, t);
}

/// What a route's budding law is multiplied by to give its bud rate (1/s): 1, or for a route that
/// buds per um^2 of its donor's membrane (VesicleRoute::buddingPerDonorArea) the donor's area over
/// the vesicle area, so that k x factor buds per second take k x area um^2/s from the donor: a
/// first-order membrane flux, the same in every method. A donor driven below 0 (by the constant
/// routes, docs/file-format.md) buds nothing this way. The reader guarantees vesicle_area > 0 and
/// a donor without membrane synthesis, so the factor changes only at vesicle events.
inline double donorAreaFactor(const VesicleRoute& route, double donorArea) {
    return donorArea > 0.0 ? donorArea / route.vesicle_area_um2 : 0.0;
}

inline double buddingAreaFactor(const Model& model, std::size_t r, const double* budded, const double* fused, double t) {
    const auto& route = model.routes[r];
    if (!route.buddingPerDonorArea) return 1.0;
    return donorAreaFactor(route, membraneArea(model, route.from, budded, fused, t));
}

/// Membrane made by time t in all compartments, um^2.
inline double membraneSynthesised(const Model& model, double t) {
    double total = 0.0;
    for (const auto& c : model.compartments) total += c.membrane_synthesis_um2_per_s * t;
    return total;
}

/// Membrane degraded so far, um^2: what fused with degradative compartments.
inline double membraneDegraded(const Model& model, const double* fused) {
    double total = 0.0;
    for (std::size_t r = 0; r < model.routes.size(); ++r)
        if (model.compartments[model.routes[r].to].degrades_membrane) total += model.routes[r].vesicle_area_um2 * fused[r];
    return total;
}

}  // namespace egress
