#pragma once
// One interface for every method: simulate one replicate and report it to an observer.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/Model.hpp"
#include "core/Observer.hpp"

namespace egress {

class Simulator {
public:
    virtual ~Simulator() = default;
    /// Simulate replicate `replicate` with the given base parameter values (before
    /// perturbations). Must be callable concurrently for different replicates. Returns the work
    /// done, for progress reports: events fired (ssa: reactions and vesicle events; hybrid:
    /// vesicle events), or integration steps (ode).
    virtual std::uint64_t run(std::size_t replicate, const std::vector<double>& baseParameters,
                     TrajectoryObserver& observer) const = 0;
    /// A short description for the result file ("dopri5", "direct method", ...).
    virtual std::string algorithm() const = 0;
};

/// The simulator of `settings.method` for `model`.
std::unique_ptr<Simulator> makeSimulator(const Model& model, const SimulationSettings& settings);

}  // namespace egress
