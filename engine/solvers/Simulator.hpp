#pragma once
// One interface for every method: simulate one replicate and report it to an observer.
#include <cstddef>
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
    /// perturbations). Must be callable concurrently for different replicates.
    virtual void run(std::size_t replicate, const std::vector<double>& baseParameters,
                     TrajectoryObserver& observer) const = 0;
    /// A short description for the result file ("dopri5", "direct method", ...).
    virtual std::string algorithm() const = 0;
};

/// The simulator of `settings.method` for `model`.
std::unique_ptr<Simulator> makeSimulator(const Model& model, const SimulationSettings& settings);

}  // namespace egress
