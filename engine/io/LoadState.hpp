#pragma once
// What the model reader and the run reader of one parameter file share (io/ConfigLoader.cpp
// orchestrates them): where each parameter and each checked value was written, which
// parameters the model uses, and which --set gave. The cross-checks after both readers
// (io/CrossChecks.hpp, io/Units.hpp) place their messages with it. io/ only; includes toml++.
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/Model.hpp"
#include "io/TomlDocument.hpp"

namespace egress {

/// A parameter definition with the place it came from, for "unused" and units diagnostics.
struct ParameterSite {
    const Document* document = nullptr;
    toml::source_region key;
    bool fromParamsFile = false;
    const Document* unitsDocument = nullptr;  ///< where the units in force were written, if any
    toml::source_region units;
    const Document* valueDocument = nullptr;  ///< where the value in force was written (a parameter file may override)
    toml::source_region value;
    std::string valueField;  ///< "model.parameters.k_exit", "parameters.k_exit"
};

/// Where a value that core/ModelValidator checks was written.
struct UseSite {
    const Document* document;
    toml::source_region at;
    std::string field;
};

struct LoadState {
    std::vector<ParameterSite> parameterSites;  ///< parallel to Model::parameters
    std::set<std::size_t> usedParameters;       ///< referred to by a law, a run constant or a perturbation
    std::map<std::string, UseSite> useSites;    ///< by ValueUse::key (core/ModelValidator.hpp)
    std::set<std::size_t> overridden;           ///< parameters given by --set
    /// Where each perturbation was written (the parameter file or a scenario file), parallel to
    /// Model::perturbations; `field` is its place in that file ("perturbations[0]").
    struct PerturbationSite {
        const Document* document;
        const toml::table* table;
        std::string field;
    };
    std::vector<PerturbationSite> perturbationTables;

    /// A constant of the run (an initial amount, a delay, a vesicle area, an event amount): a
    /// number, or the name of a parameter of `m` whose value Model::resolveRunConstants copies in.
    void runConstant(const Document& doc, const Model& m, const toml::node& n, const std::string& field, double& value,
                     std::optional<std::size_t>& parameter);
};

}  // namespace egress
