#pragma once
// The semantic checks of a typed model's values, in one place: every value a parameter takes
// during a run (its base value, its cell-to-cell range, and its value in every perturbation
// window) must fit every use of it. The TOML loader, --set, sweeps (once per point) and any
// future importer produce a Model and call this; each maps a problem back to its own place
// (a file position, a command-line option, a sweep axis).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/Model.hpp"

namespace egress {

/// Where a checked value is used, as a stable key the caller can map to a location:
/// "reaction:3:km", "route:1:budding.km", "route:1:capture" (index into Model::reactions / routes).
struct ValueUse {
    std::string key;
    std::string description;  ///< "km of reaction 'er_exit'"
};

struct ValueProblem {
    ValueUse use;                              ///< empty key when the problem is not a use (a bad parameter, species, ...)
    std::optional<std::size_t> parameter;      ///< the parameter whose value is out of range, if any
    std::optional<std::size_t> perturbation;   ///< the window in which it is out of range; none: its base value
    std::optional<std::size_t> species;        ///< a species whose initial amount is out of range
    std::string message;                       ///< complete sentence without location
};

/// All problems of the model's values for a run ending at t_end (s); empty when it is valid.
std::vector<ValueProblem> checkModelValues(const Model& model, double t_end);

}  // namespace egress
