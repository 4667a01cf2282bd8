#pragma once
// Where a run's result came from, beyond its input files: written as root attributes.
#include <string>

namespace egress {

struct RunProvenance {
    std::string command;         ///< the command line, as typed
    std::string egressVersion;
    std::string algorithm;       ///< what the method ran: stepper, SSA variant, ...
};

}  // namespace egress
