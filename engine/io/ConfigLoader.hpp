#pragma once
// Reads a parameter file (TOML, contract section 3) and its model into a RunConfig. Every
// mistake becomes an InputError naming file, line, column and field, before anything runs.
#include <string>
#include <vector>

#include "io/RunConfig.hpp"

namespace egress {

/// `overrides` are "NAME=VALUE" strings from --set, applied after the file's own values;
/// `scenarios` are scenario files (--scenario) whose [[perturbations]] follow the file's own.
RunConfig loadRunConfig(const std::string& paramsPath, const std::vector<std::string>& overrides = {},
                        const std::vector<std::string>& scenarios = {});

/// The same for text already in memory; `paramsPath` names it in messages and anchors a
/// relative model path.
RunConfig loadRunConfigFromText(const std::string& text, const std::string& paramsPath,
                                const std::vector<std::string>& overrides = {});

/// The parameter file of a run with its model inline and every override applied: running it
/// again gives the same simulation. Written to /input/resolved in result files.
std::string resolvedParamsToml(const RunConfig& config);

}  // namespace egress
