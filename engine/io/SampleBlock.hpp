#pragma once
// Consecutive samples of one replicate, as a ReplicateSink buffers them before they go to the
// trajectories of the result file: `rows` output times from time index `start`, each field
// row-major [rows, width] (width: species, routes or compartments).
#include <cstddef>
#include <vector>

namespace egress {

struct SampleBlock {
    std::size_t start = 0;  ///< first time index
    std::size_t rows = 0;
    std::vector<double> amounts, budded, fused, inTransit, cargo, area;

    void clear() {
        rows = 0;
        for (auto* v : {&amounts, &budded, &fused, &inTransit, &cargo, &area}) v->clear();
    }
};

}  // namespace egress
