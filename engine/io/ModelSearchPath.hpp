#pragma once
// Where a built-in model name (`model = "secretory_core"` in a parameter file) is looked up.
#include <string>
#include <vector>

namespace egress {

/// The directories searched for a built-in model name, first match wins:
///   1. $EGRESS_MODEL_PATH, colon-separated;
///   2. an installed program's own models: share/egress/models beside the bin/ directory that
///      holds the running program (found from /proc/self/exe, so the install may be moved);
///   3. only when (2) does not exist (an uninstalled build): the models/ directory of the
///      source tree this library was built from.
/// An installed program therefore never reads the source tree it was built from.
std::vector<std::string> modelSearchPath();

/// Directory (2) of modelSearchPath() for the running program, whether or not it exists;
/// empty when /proc/self/exe cannot be read.
std::string installedModelDirectory();

}  // namespace egress
