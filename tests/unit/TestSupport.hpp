#pragma once
// Helpers shared by the C++ tests: load a parameter file from a string, run the ode method
// and keep every sample in memory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "core/Observer.hpp"
#include "io/ConfigLoader.hpp"
#include "solvers/OdeSolver.hpp"
#include "solvers/Simulator.hpp"

namespace egress::testing {

/// Writes `text` to a fresh file in the test's temporary directory and loads it.
inline RunConfig loadText(const std::string& text, const std::string& name = "params.toml",
                          const std::vector<std::string>& overrides = {}) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("egress-test-" + std::to_string(::getpid()) + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
    const auto path = dir / name;
    std::ofstream(path) << text;
    return loadRunConfig(path.string(), overrides);
}

struct Trajectory : TrajectoryObserver {
    std::size_t species = 0, routes = 0;
    std::vector<double> times;
    std::size_t compartments = 0;
    std::vector<std::vector<double>> amounts, budded, fused, inTransit, cargo, area;
    std::vector<VesicleEvent> events;            ///< load pointers are cleared (not kept)
    std::vector<std::vector<double>> eventLoads; ///< [species] per event
    bool keepEvents = false;
    std::size_t finished = 0;
    void sample(const Sample& s) override {
        times.push_back(s.time);
        amounts.emplace_back(s.amounts, s.amounts + species);
        cargo.emplace_back(s.cargo_in_transit, s.cargo_in_transit + species);
        budded.emplace_back(s.budded, s.budded + routes);
        fused.emplace_back(s.fused, s.fused + routes);
        inTransit.emplace_back(s.in_transit, s.in_transit + routes);
        if (s.membrane_area) area.emplace_back(s.membrane_area, s.membrane_area + compartments);
    }
    std::size_t eventCalls = 0;                  ///< vesicleEvent() calls, kept or not
    void vesicleEvent(const VesicleEvent& e) override {
        ++eventCalls;
        if (!keepEvents) return;
        events.push_back(e);
        events.back().load = nullptr;
        eventLoads.emplace_back(e.load, e.load + species);
    }
    bool wantsVesicleEvents() const override { return keepEvents; }
    void replicateFinished(std::size_t) override { ++finished; }
};

/// The InputError that loading `text` raises (a test failure when it loads).
inline InputError loadError(const std::string& text) {
    try {
        loadText(text);
    } catch (const InputError& e) {
        return e;
    }
    ADD_FAILURE() << "expected an InputError";
    return InputError("", 0, 0, "");
}

/// One replicate of the configured method (config.simulation.method), in memory.
inline Trajectory runReplicate(const RunConfig& config, std::size_t replicate, bool keepEvents = false) {
    Trajectory t;
    t.species = config.model.species.size();
    t.routes = config.model.routes.size();
    t.compartments = config.model.compartments.size();
    t.keepEvents = keepEvents;
    const auto simulator = makeSimulator(config.model, config.simulation);
    simulator->run(replicate, config.model.baseParameterValues(), t);
    return t;
}

inline Trajectory runOde(const RunConfig& config) {
    Trajectory t;
    t.species = config.model.species.size();
    t.routes = config.model.routes.size();
    t.compartments = config.model.compartments.size();
    OdeSolver solver(config.model, config.simulation);
    solver.run(0, config.model.baseParameterValues(), t);
    return t;
}

inline std::size_t speciesIndex(const RunConfig& c, const std::string& name) {
    const auto i = c.model.findSpecies(name);
    EXPECT_TRUE(i.has_value()) << name;
    return i.value_or(0);
}

}  // namespace egress::testing
