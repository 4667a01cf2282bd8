#pragma once
// Reads the run settings of a parameter file into a RunConfig whose model is read: --set
// overrides, [simulation], [[perturbations]], [[events]] and [output]. io/ only; includes toml++.
#include <string>
#include <vector>

#include "io/LoadState.hpp"
#include "io/RunConfig.hpp"
#include "io/TomlDocument.hpp"

namespace egress {

class RunReader {
public:
    RunReader(RunConfig& config, LoadState& state, const Document& params) : config_(config), state_(state), doc_(params) {}

    /// "NAME=VALUE" strings from --set, applied over the model's and the parameter file's values;
    /// errors have no place in a file.
    void applyOverrides(const std::vector<std::string>& overrides);

    /// [simulation], [[perturbations]], [[events]] and [output] of the parameter file, in that order.
    void read(const toml::table& root);

    /// A scenario file (--scenario): only [[perturbations]] (and `name`, `description`), added
    /// after the parameter file's own; errors point into the scenario file, and a target the
    /// model lacks is named as such.
    void readScenario(const Document& scenario);

private:
    void readSimulation(const toml::table& root);
    void readPerturbations(const Document& doc, const toml::table& root, bool scenario);
    void readEvents(const toml::table& root);
    void readOutput(const toml::table& root);

    RunConfig& config_;
    LoadState& state_;
    const Document& doc_;
};

}  // namespace egress
