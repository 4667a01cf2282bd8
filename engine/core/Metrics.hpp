#pragma once
// Summary metrics of one trajectory, as biologists quote them: a half-time, a peak, a rate at
// the end. Each is computed from the samples on the output grid of a sum of species (a
// compartment's cargo, say), with linear interpolation between samples where a time is asked.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace egress {

enum class MetricKind {
    Final,          ///< the amount at t_end (molecules)
    Peak,           ///< the largest sampled amount
    TimeOfPeak,     ///< the first sample time of the peak (s)
    RiseHalfTime,   ///< the first time the amount reaches half of its final value (s): secretion half-time
    DecayHalfTime,  ///< the first time after the peak the amount falls to half of the peak (s): exit half-time
    RateAtEnd,      ///< (x(t_end) - x(t_end - dt)) / dt over the last output interval (molecules/s)
    Mean,           ///< the time average over [0, t_end] (trapezoids)
    At,             ///< the amount at time `at` (s)
};

struct MetricSpec {
    std::string name;
    MetricKind kind = MetricKind::Final;
    std::vector<std::size_t> species;  ///< summed
    double at = 0.0;                   ///< MetricKind::At only, s
    std::string definition;            ///< human-readable, for result files ("decay_half_time of cargo_ER")
};

/// `series[i]` is the summed amount at `times[i]` (increasing, at least one sample). Returns NaN
/// where the metric does not exist (a half-time never reached, a rise to a final value of 0).
double evaluateMetric(const MetricSpec& spec, const std::vector<double>& times, const std::vector<double>& series);

// Names as written in sweep files and results (core/NameTable.hpp).
const char* metricKindName(MetricKind k);
std::optional<MetricKind> metricKindFromName(std::string_view name);
std::vector<std::string> metricKindNames();

}  // namespace egress
