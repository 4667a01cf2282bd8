#pragma once
// How a simulation reports what it produces. Methods never write files: they call an observer,
// and the HDF5 writer (io/) or a test collector implements it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace egress {

/// One sample of one replicate at one grid time. Pointers are valid during the call only.
struct Sample {
    std::size_t replicate = 0;
    std::size_t index = 0;                    ///< position on the output grid
    double time = 0.0;                        ///< s
    const double* amounts = nullptr;          ///< [species] molecules
    const double* budded = nullptr;           ///< [routes] cumulative buds (expected in ode)
    const double* fused = nullptr;            ///< [routes] cumulative fusions
    const double* in_transit = nullptr;       ///< [routes] vesicles budded, not yet fused
    const double* cargo_in_transit = nullptr; ///< [species] cargo in vesicles, by acceptor species
    const double* membrane_area = nullptr;    ///< [compartments] um^2 (see core/Membrane.hpp)
};

enum class VesicleEventKind : std::uint8_t { Bud = 0, Fuse = 1 };

/// One bud or fusion of one discrete carrier (stochastic methods).
struct VesicleEvent {
    std::size_t replicate = 0;
    double time = 0.0;
    std::size_t route = 0;
    VesicleEventKind kind = VesicleEventKind::Bud;
    std::uint64_t vesicle = 0;       ///< id, unique within a replicate
    const double* load = nullptr;    ///< [species] molecules carried, by acceptor species
};

class TrajectoryObserver {
public:
    virtual ~TrajectoryObserver() = default;
    /// The base parameter values of this replicate (cell), before the run starts.
    virtual void parametersDrawn(std::size_t /*replicate*/, const std::vector<double>& /*values*/) {}
    virtual void sample(const Sample& s) = 0;
    virtual void vesicleEvent(const VesicleEvent&) {}
    /// False when vesicleEvent() would drop every event (no event log): the methods then skip
    /// assembling them, a measurable share of an ssa event (bench/README.md, "Instructions per
    /// event"). Asked once per replicate.
    virtual bool wantsVesicleEvents() const { return true; }
    virtual void replicateFinished(std::size_t /*replicate*/) {}
};

}  // namespace egress
