#pragma once
// Reads a sweep file (TOML, contract section 5; docs/sweeps.md) and its base parameter file into
// a SweepConfig, and checks every point of the design before anything runs: an axis value that
// makes a model invalid (km = 0, a probability above 1) is an InputError at the axis.
#include <string>
#include <vector>

#include "core/Metrics.hpp"
#include "core/Sweep.hpp"
#include "io/RunConfig.hpp"

namespace egress {

struct SweepConfig {
    std::string sweepPath;
    std::string sweepText;       ///< the exact bytes of the sweep file
    RunConfig base;              ///< the base run, with [sweep] method and replicates applied
    std::string baseResolved;    ///< the base run as a resolved parameter file (model inline)
    SweepSpec spec;
    SweepPoints points;
    std::vector<MetricSpec> metrics;
    bool trajectories = false;   ///< keep every point's trajectories, not only its metrics
    std::string sweepId;         ///< 16 hex digits over the sweep and the resolved base: shards of one sweep share it
    std::vector<std::string> warnings;
    struct Place { int line = 0, column = 0; };
    std::vector<Place> axisPlaces;  ///< where each [[sweep.axes]] table starts, for errors found later
};

SweepConfig loadSweepConfig(const std::string& path);

/// True when the file is a TOML document with a [sweep] table (egress check takes both kinds).
bool isSweepFile(const std::string& path);

}  // namespace egress
