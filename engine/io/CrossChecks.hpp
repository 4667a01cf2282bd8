#pragma once
// The checks of a whole loaded run, after the model reader and the run reader: each needs the
// model, the run settings and where things were written (io/LoadState.hpp). io/ only; includes toml++.
#include "io/LoadState.hpp"
#include "io/RunConfig.hpp"
#include "io/TomlDocument.hpp"

namespace egress {

/// The semantic checks of every value (core/ModelValidator.hpp), placed where the value that
/// breaks them was written: a perturbation's key, the use of a value, or a parameter; else the
/// parameter file `params` without a line.
void checkValues(const RunConfig& config, const LoadState& state, const Document& params);

/// A parameter that nothing uses: an error in the parameter file (a misspelt name), a warning
/// in config.warnings when the model defines it.
void checkUnused(RunConfig& config, const LoadState& state);

/// Legal but suspicious models, added to config.warnings: said once, before anything runs.
/// `model` is the model's document (the parameter file when the model is inline).
void semanticWarnings(RunConfig& config, const Document& model, const Document& params);

}  // namespace egress
