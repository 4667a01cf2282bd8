#pragma once
// Everything one `egress run` needs, as read from a parameter file (and its model file).
#include <string>
#include <vector>

#include "core/Model.hpp"

namespace egress {

struct OutputSettings {
    std::string file;          ///< result path; relative paths are relative to the working directory
    bool events = false;       ///< write the per-vesicle event log (stochastic methods): opt-in, see README
    int compression = 0;       ///< gzip level 0..9 for trajectory datasets
};

/// A scenario file given with --scenario: [[perturbations]] added to the parameter file's own.
struct ScenarioInput {
    std::string path;  ///< as given on the command line
    std::string text;  ///< its exact bytes
};

struct RunConfig {
    Model model;
    SimulationSettings simulation;
    OutputSettings output;
    std::string paramsPath;    ///< as given on the command line
    std::string paramsText;    ///< the exact bytes of the parameter file
    std::string modelPath;     ///< resolved model file, empty when inline
    std::string modelText;     ///< the exact bytes of the model file, empty when inline
    std::vector<std::string> overrides;  ///< --set NAME=VALUE, in order
    std::vector<ScenarioInput> scenarios;  ///< --scenario FILE, in order
    std::vector<std::string> warnings;   ///< FILE:LINE:COLUMN: warning: ...
};

}  // namespace egress
