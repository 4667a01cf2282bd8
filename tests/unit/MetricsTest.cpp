// Summary metrics on hand-made series with known answers (core/Metrics.hpp).
#include <gtest/gtest.h>

#include <cmath>

#include "core/Metrics.hpp"

using namespace egress;

namespace {
MetricSpec spec(MetricKind k, double at = 0.0) {
    MetricSpec s;
    s.kind = k;
    s.at = at;
    return s;
}
const std::vector<double> t{0, 10, 20, 30, 40};
}  // namespace

TEST(Metrics, FinalPeakAndTimeOfPeak) {
    const std::vector<double> x{0, 4, 8, 8, 2};
    EXPECT_EQ(evaluateMetric(spec(MetricKind::Final), t, x), 2);
    EXPECT_EQ(evaluateMetric(spec(MetricKind::Peak), t, x), 8);
    EXPECT_EQ(evaluateMetric(spec(MetricKind::TimeOfPeak), t, x), 20);  // the first time of the peak
}

TEST(Metrics, HalfTimesInterpolateBetweenSamples) {
    // rises to 10: half (5) is reached a quarter of the way from 4 (t = 10) to 8 (t = 20)
    const std::vector<double> rise{0, 4, 8, 9, 10};
    EXPECT_DOUBLE_EQ(evaluateMetric(spec(MetricKind::RiseHalfTime), t, rise), 12.5);
    // decays from its peak 8 at t = 10 to half (4) half way between t = 20 (6) and t = 30 (2)
    const std::vector<double> decay{2, 8, 6, 2, 1};
    EXPECT_DOUBLE_EQ(evaluateMetric(spec(MetricKind::DecayHalfTime), t, decay), 25.0);
}

TEST(Metrics, HalfTimesThatDoNotExistAreNaN) {
    EXPECT_TRUE(std::isnan(evaluateMetric(spec(MetricKind::RiseHalfTime), t, {0, 0, 0, 0, 0})));
    EXPECT_TRUE(std::isnan(evaluateMetric(spec(MetricKind::DecayHalfTime), t, {10, 9, 8, 7, 6})));
}

TEST(Metrics, RateMeanAndValueAtATime) {
    const std::vector<double> x{0, 10, 20, 30, 50};
    EXPECT_DOUBLE_EQ(evaluateMetric(spec(MetricKind::RateAtEnd), t, x), 2.0);
    // trapezoids: (5 + 15 + 25 + 40) * 10 / 40
    EXPECT_DOUBLE_EQ(evaluateMetric(spec(MetricKind::Mean), t, x), 21.25);
    EXPECT_DOUBLE_EQ(evaluateMetric(spec(MetricKind::At, 35.0), t, x), 40.0);
    EXPECT_DOUBLE_EQ(evaluateMetric(spec(MetricKind::At, 0.0), t, x), 0.0);
}
