#pragma once
// Cell-to-cell variability: the parameter values of one replicate (cell). Drawn from the
// replicate's own stream (StreamPurpose::CellVariability), so a cell's values do not depend on
// threads or on which other cells run. Each distribution has mean `value` and sd `cv * value`:
//   normal     N(value, (cv value)^2), truncated to >= 0 by redrawing (the mean shifts when cv > ~0.3)
//   lognormal  exp(N(mu, s^2)) with s^2 = ln(1 + cv^2), mu = ln(value) - s^2/2
//   uniform    U(value (1 - sqrt(3) cv), value (1 + sqrt(3) cv)), needs cv <= 1/sqrt(3)
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/Model.hpp"

namespace egress {

// Names as written in parameter files and results (core/NameTable.hpp).
const char* distributionName(Distribution d);
std::optional<Distribution> distributionFromName(std::string_view name);
std::vector<std::string> distributionNames();  ///< "fixed", "normal", "lognormal", "uniform"

/// True when any parameter varies from cell to cell.
bool hasVariability(const Model& model);

/// The base parameter values of one replicate: the model's values, with every varying
/// parameter drawn in the order of Model::parameters.
std::vector<double> drawCellParameters(const Model& model, std::uint64_t seed, std::uint64_t replicate);

}  // namespace egress
