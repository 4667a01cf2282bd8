#include "core/Metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/NameTable.hpp"

namespace egress {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// The first time at or after sample `from` where the series crosses `level` (reaching it from
/// below when `rising`, from above otherwise), interpolated linearly within the interval.
double firstCrossing(const std::vector<double>& t, const std::vector<double>& x, std::size_t from, double level, bool rising) {
    auto reached = [&](double v) { return rising ? v >= level : v <= level; };
    if (from < x.size() && reached(x[from])) return t[from];
    for (std::size_t i = from + 1; i < x.size(); ++i) {
        if (!reached(x[i])) continue;
        const double span = x[i] - x[i - 1];
        const double f = span != 0.0 ? (level - x[i - 1]) / span : 1.0;
        return t[i - 1] + std::clamp(f, 0.0, 1.0) * (t[i] - t[i - 1]);
    }
    return kNaN;
}

}  // namespace

double evaluateMetric(const MetricSpec& spec, const std::vector<double>& t, const std::vector<double>& x) {
    const std::size_t n = x.size();
    if (n == 0) return kNaN;
    const std::size_t peak = static_cast<std::size_t>(std::max_element(x.begin(), x.end()) - x.begin());
    switch (spec.kind) {
        case MetricKind::Final: return x.back();
        case MetricKind::Peak: return x[peak];
        case MetricKind::TimeOfPeak: return t[peak];
        case MetricKind::RiseHalfTime:
            if (!(x.back() > 0.0)) return kNaN;
            return firstCrossing(t, x, 0, 0.5 * x.back(), true);
        case MetricKind::DecayHalfTime:
            if (!(x[peak] > 0.0)) return kNaN;
            return firstCrossing(t, x, peak, 0.5 * x[peak], false);
        case MetricKind::RateAtEnd:
            if (n < 2) return kNaN;
            return (x[n - 1] - x[n - 2]) / (t[n - 1] - t[n - 2]);
        case MetricKind::Mean: {
            if (n < 2) return x[0];
            double area = 0.0;
            for (std::size_t i = 1; i < n; ++i) area += 0.5 * (x[i] + x[i - 1]) * (t[i] - t[i - 1]);
            return area / (t[n - 1] - t[0]);
        }
        case MetricKind::At: {
            if (spec.at <= t.front()) return x.front();
            for (std::size_t i = 1; i < n; ++i)
                if (t[i] >= spec.at) return x[i - 1] + (spec.at - t[i - 1]) / (t[i] - t[i - 1]) * (x[i] - x[i - 1]);
            return x.back();
        }
    }
    return kNaN;
}

namespace {
constexpr NamedValue<MetricKind> kMetricNames[] = {
    {MetricKind::Final, "final"},
    {MetricKind::Peak, "peak"},
    {MetricKind::TimeOfPeak, "time_of_peak"},
    {MetricKind::RiseHalfTime, "rise_half_time"},
    {MetricKind::DecayHalfTime, "decay_half_time"},
    {MetricKind::RateAtEnd, "rate_at_end"},
    {MetricKind::Mean, "mean"},
    {MetricKind::At, "at"},
};
}  // namespace

const char* metricKindName(MetricKind k) { return nameOf(kMetricNames, k); }
std::optional<MetricKind> metricKindFromName(std::string_view name) { return valueNamed(kMetricNames, name); }
std::vector<std::string> metricKindNames() { return namesOf(kMetricNames); }

}  // namespace egress
