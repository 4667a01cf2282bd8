#pragma once
// Rows of the vesicle event log (/events), column by column: one row per bud or fusion, with the
// vesicle's load of each delivered species (`load` is row-major [rows, delivered species]).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace egress {

struct EventRows {
    std::vector<std::int64_t> replicate, route, vesicle;
    std::vector<double> time, load;
    std::vector<std::int8_t> kind;

    std::size_t size() const { return time.size(); }
    /// Memory the buffers hold (their capacity, up to twice their size): what the queue's limit counts.
    std::size_t bytesHeld() const {
        return (replicate.capacity() + route.capacity() + vesicle.capacity()) * sizeof(std::int64_t) +
               (time.capacity() + load.capacity()) * sizeof(double) + kind.capacity() * sizeof(std::int8_t);
    }
    void clear() {
        replicate.clear();
        route.clear();
        vesicle.clear();
        time.clear();
        load.clear();
        kind.clear();
    }
};

}  // namespace egress
