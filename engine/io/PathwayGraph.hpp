#pragma once
// The pathway as a Graphviz diagram (`egress graph`): compartments as clusters, species as
// nodes, reactions as edges labelled with their law, vesicle routes as dashed edges from each
// donor to its acceptor, perturbation targets noted on the edges they act on.
#include <string>

#include "core/Model.hpp"

namespace egress {

std::string pathwayDot(const Model& model);

}  // namespace egress
