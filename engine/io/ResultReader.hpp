#pragma once
// Reads what a result file holds, for `egress info` (and later `egress merge`). Refuses files
// that are not egress results, with the reason.
#include <cstdint>
#include <string>
#include <vector>

namespace egress {

struct ResultSummary {
    std::string path;
    std::int64_t formatVersion = 0;
    bool complete = false;
    std::string method, egressVersion, created, command, model;
    std::int64_t seed = 0;
    std::string interrupted;              ///< the signal that stopped the run, if any
    std::int64_t replicatesFinished = -1; ///< of an interrupted run
    std::vector<std::string> species;
    std::vector<std::string> routes;
    std::vector<double> times;
    std::size_t replicates = 0;
    std::vector<double> initialAmounts;  ///< replicate 0 at the first time; empty if not complete
    std::vector<double> finalAmounts;    ///< replicate 0 at the last time; empty if not complete
    bool hasEventLog = false;             ///< /events exists
    std::int64_t vesicleEvents = -1;      ///< its rows, when it says (attribute count)
};

/// Throws InputError when the file is not an HDF5 file or not an egress result.
ResultSummary readResultSummary(const std::string& path);

}  // namespace egress
