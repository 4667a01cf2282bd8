// A program built against the installed egress package (tests/install/test_install.sh).
//  1. Builds the model A -> 0 in code (mass action, k = 0.1 /s, A(0) = 100 molecules), solves it
//     with the ode method over 10 s and checks A(10 s) = 100 exp(-1) to a relative 1e-4 (the
//     solver's rtol is 1e-6). A Timeline of a model without perturbations has no breakpoints.
//  2. Loads a parameter file that names the built-in model "secretory_core", found through
//     EGRESS_MODEL_PATH = the package's egress_MODEL_DIR.
// Exit 0 when both hold; prints what failed otherwise.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/Model.hpp"
#include "core/Observer.hpp"
#include "core/Timeline.hpp"
#include "io/ConfigLoader.hpp"
#include "solvers/Simulator.hpp"

namespace {

class LastSample : public egress::TrajectoryObserver {
public:
    void sample(const egress::Sample& s) override { last = s.amounts[0]; }
    double last = -1.0;
};

egress::Model decay() {
    egress::Model m;
    m.name = "decay";
    m.compartments.push_back({"cell", std::nullopt});
    m.species.push_back({"A", 0, 100.0});
    m.parameters.push_back({"k", 0.1, "1/s", "", egress::Distribution::Fixed, 0.0});
    egress::Reaction r;
    r.name = "degradation";
    r.reactants.push_back({0, 1});
    r.law.kind = egress::RateLawKind::MassAction;
    r.law.k = egress::ValueRef::ofParameter(0);
    r.law.order = r.reactants;
    m.reactions.push_back(r);
    return m;
}

}  // namespace

int main() {
    const egress::Model model = decay();
    egress::SimulationSettings settings;
    settings.method = egress::Method::Ode;
    settings.t_end = 10.0;
    settings.output_interval = 10.0;

    const egress::Timeline timeline(model, settings.t_end);
    if (!timeline.breakpoints().empty()) {
        std::printf("FAIL: a model without perturbations or events has %zu breakpoints\n", timeline.breakpoints().size());
        return 1;
    }

    const std::unique_ptr<egress::Simulator> simulator = egress::makeSimulator(model, settings);
    LastSample observer;
    simulator->run(0, model.baseParameterValues(), observer);
    const double expected = 100.0 * std::exp(-1.0);
    if (std::abs(observer.last - expected) > 1e-4 * expected) {
        std::printf("FAIL: A(10 s) = %.9g, expected %.9g\n", observer.last, expected);
        return 1;
    }
    std::printf("decay: A(10 s) = %.9g (expected %.9g), %s\n", observer.last, expected, simulator->algorithm().c_str());

    setenv("EGRESS_MODEL_PATH", EGRESS_INSTALLED_MODEL_DIR, 1);
    const egress::RunConfig config = egress::loadRunConfigFromText(
        "model = \"secretory_core\"\n[simulation]\nt_end = 60.0\noutput_interval = 60.0\n", "downstream.toml");
    if (config.model.species.empty()) {
        std::printf("FAIL: the built-in model secretory_core has no species\n");
        return 1;
    }
    std::printf("secretory_core: %zu species, from %s\n", config.model.species.size(), config.modelPath.c_str());
    return 0;
}
