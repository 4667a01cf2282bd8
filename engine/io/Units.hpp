#pragma once
// The units written beside a parameter against every use of it. egress takes amounts in
// molecules and times in s; units are checked, never converted. io/ only.
#include <string>

#include "core/Model.hpp"

namespace egress {

struct LoadState;

/// What a value means where it is used.
enum class Dimension { FirstOrderRate, Rate, Amount, Dimensionless };

/// Why `units` cannot be the units of a value of dimension `d`, or "" (also for no units).
std::string unitsProblem(const std::string& units, Dimension d);

/// Each parameter with units must fit every law or route value that uses it (at least time and
/// first-order rates): an InputError at the units' place, naming the use. Parameters read
/// without units are not checked.
void checkUnits(const Model& m, const LoadState& state);

}  // namespace egress
