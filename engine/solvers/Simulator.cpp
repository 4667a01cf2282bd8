#include "solvers/Simulator.hpp"

#include "solvers/HybridSolver.hpp"
#include "solvers/OdeSolver.hpp"
#include "solvers/SsaSolver.hpp"

namespace egress {

std::unique_ptr<Simulator> makeSimulator(const Model& model, const SimulationSettings& settings) {
    switch (settings.method) {
        case Method::Ode: return std::make_unique<OdeSolver>(model, settings);
        case Method::Ssa: return std::make_unique<SsaSolver>(model, settings);
        case Method::Hybrid: return std::make_unique<HybridSolver>(model, settings);
    }
    return nullptr;
}

}  // namespace egress
