#pragma once
// SBML in and out (libSBML). Import turns an SBML Level 2 or 3 core model into egress model-file
// TOML text, which the ordinary model reader then reads: one reader of models, one set of checks.
// Export writes a run's model as SBML Level 3 Version 2. What each direction keeps, changes and
// refuses is in docs/sbml.md. libSBML stays behind these two functions (not installed headers).
#include <string>

#include "io/RunConfig.hpp"

namespace egress {

/// The egress model file (TOML) for the SBML model in `path`. Anything egress cannot represent
/// exactly is refused with an InputError naming `path`, the SBML element's line and column, the
/// element and its id: never approximated.
std::string importSbmlFile(const std::string& path);

/// The same for SBML text already in memory; `path` names it in messages.
std::string importSbmlText(const std::string& text, const std::string& path);

/// The model of `config` as SBML L3V2 text: reactions with their deterministic rate laws, each
/// vesicle route as the reactions of its mean flux (the ode form, docs/methods.md) with an
/// annotation that says so. libSBML's consistency check must pass, else an Error.
std::string exportSbml(const RunConfig& config);

}  // namespace egress
