#pragma once
// Shared machinery of the statistical tests of the stochastic methods (docs/validation.md A.5, E).
//
// Every check is a *family* of test points (one statistic per species and grid time) with a
// family-wise false-failure rate alpha = 1e-4: each point must satisfy |stat| < z* with the
// Bonferroni threshold z* = Phi^-1(1 - alpha / (2 m)) for the m points of the family
// (docs/validation.md E: m = 50 -> 4.75, m = 100 -> 4.89, m = 300 -> 5.10). Seeds are fixed, so the
// tests are deterministic; alpha is the chance that a correct engine would have failed had the
// seed been chosen at random, which is what keeps a re-seed from turning them red.
//
// Statistics, for n independent replicates X_i of one quantity at one time, with exact mean mu,
// variance sigma^2 and fourth central moment mu4:
//   mean:     Z  = sqrt(n) (mean(X) - mu) / sigma                              ~ N(0, 1)
//   variance: Y' = (S^2 - sigma^2) / sqrt((mu4 - sigma^4) / n),
//             S^2 = (1/n) sum (X_i - mu)^2 about the *exact* mean               ~ N(0, 1)
// Y' is the kurtosis-corrected variance statistic of docs/validation.md A.5. Where mu4 is known
// exactly (Poisson: mu4 = lambda + 3 lambda^2; compound Poisson, binomial, CME: from cumulants or
// the distribution) it is used; otherwise the sample fourth moment about mu (A.5 as written).
// Both are normal approximations of a sum of n iid terms. The skewness of (X - mu)^2 moves mass
// between the tails of Y': by a first-order Edgeworth expansion at n = 1e4 and z* = 4.75, for the
// most skewed points tested here (001-04 at t = 50, skew 8.6; Poisson means 0.2-1, skew 6-8) the
// upper tail grows by up to 2.5x and the lower one shrinks, so the two-sided rate of such a point
// is at most ~1.3x nominal. The rates stated in the tests are the nominal ones.
#include <gtest/gtest.h>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "TestSupport.hpp"

namespace egress::stat {

/// A number as a short string ("60", "37.3").
inline std::string format(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

/// A name usable as an XML attribute name in gtest's report (letters, digits, '_').
inline std::string propertyKey(std::string name) {
    for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
}

/// Bonferroni threshold for m two-sided normal tests at family-wise rate alpha.
inline double zCritical(std::size_t m, double alpha = 1e-4) {
    return boost::math::quantile(boost::math::complement(boost::math::normal(), alpha / (2.0 * static_cast<double>(m))));
}

/// Upper alpha critical value of chi-square with df degrees of freedom.
inline double chiSquareCritical(double df, double alpha) {
    return boost::math::quantile(boost::math::complement(boost::math::chi_squared(df), alpha));
}

/// A family of m test points checked at family-wise rate alpha; reports max |stat| on destruction.
class Family {
public:
    Family(std::string name, std::size_t points, double alpha = 1e-4)
        : name_(std::move(name)), points_(points), alpha_(alpha), zStar_(zCritical(points, alpha)) {}
    Family(const Family&) = delete;
    Family& operator=(const Family&) = delete;
    ~Family() { report(); }

    double threshold() const { return zStar_; }

    void add(double stat, const std::string& where) {
        ++count_;
        EXPECT_TRUE(std::isfinite(stat)) << name_ << " at " << where << ": statistic is " << stat;
        EXPECT_LT(std::abs(stat), zStar_) << name_ << " at " << where << ": |stat| = " << std::abs(stat)
                                          << " >= z* = " << zStar_ << " (" << points_ << " points, family-wise rate "
                                          << alpha_ << ")";
        if (std::abs(stat) > maxAbs_) {
            maxAbs_ = std::abs(stat);
            maxWhere_ = where;
        }
    }

    double maxAbs() const { return maxAbs_; }

    void report() {
        if (reported_) return;
        reported_ = true;
        EXPECT_EQ(count_, points_) << name_ << ": the threshold was set for " << points_ << " points";
        std::printf("  [stat] %-44s m=%4zu z*=%.3f max|stat|=%.3f at %s\n", name_.c_str(), points_, zStar_, maxAbs_,
                    maxWhere_.c_str());
        std::fflush(stdout);
        ::testing::Test::RecordProperty(propertyKey(name_ + " max abs"), std::to_string(maxAbs_));
    }

private:
    std::string name_;
    std::size_t points_;
    double alpha_, zStar_;
    std::size_t count_ = 0;
    double maxAbs_ = 0.0;
    std::string maxWhere_ = "-";
    bool reported_ = false;
};

/// Exact moments of a quantity at one time; mu4 = NaN: use the sample fourth moment.
struct Moments {
    double mean = 0.0;
    double var = 0.0;
    double mu4 = std::numeric_limits<double>::quiet_NaN();
};

inline Moments poissonMoments(double lambda) { return {lambda, lambda, lambda + 3.0 * lambda * lambda}; }

/// Moments from cumulants k1..k4 (mu4 = k4 + 3 k2^2).
inline Moments fromCumulants(double k1, double k2, double k4) { return {k1, k2, k4 + 3.0 * k2 * k2}; }

/// Mean, variance and fourth central moment of a distribution on values[i] with pmf[i].
inline Moments fromPmf(const std::vector<double>& values, const std::vector<double>& pmf) {
    double m = 0.0;
    for (std::size_t i = 0; i < pmf.size(); ++i) m += values[i] * pmf[i];
    double v = 0.0, m4 = 0.0;
    for (std::size_t i = 0; i < pmf.size(); ++i) {
        const double d = values[i] - m;
        v += d * d * pmf[i];
        m4 += d * d * d * d * pmf[i];
    }
    return {m, v, m4};
}

/// Pearson chi-square goodness of fit of integer data against a pmf on 0..kmax.
struct ChiSquare {
    double statistic = 0.0;
    std::size_t bins = 0;
    double df() const { return static_cast<double>(bins) - 1.0; }
};

/// Bins: consecutive values are pooled from 0 upwards until a bin's expected count n p is >= 5;
/// when what is left above a closed bin would expect fewer than 5, that bin takes the whole upper
/// tail instead. So every bin expects >= 5 and both tails are pooled. Nothing is estimated from
/// the data, so df = bins - 1.
inline ChiSquare pearsonChiSquare(const std::vector<double>& x, const std::function<double(long)>& pmf, long kmax) {
    const double n = static_cast<double>(x.size());
    std::vector<long> lower;  // first value of each bin; the last bin is open above
    std::vector<double> expected;
    double used = 0.0;
    long k = 0;
    for (;;) {
        const long start = k;
        double p = 0.0;
        while (n * p < 5.0 && k <= kmax) p += pmf(k++);
        const double tail = 1.0 - used - p;
        lower.push_back(start);
        if (n * tail < 5.0 || k > kmax) {  // the rest is too small for a bin of its own
            expected.push_back(n * (1.0 - used));
            break;
        }
        expected.push_back(n * p);
        used += p;
    }
    std::vector<double> observed(lower.size(), 0.0);
    for (double v : x) {
        const auto it = std::upper_bound(lower.begin(), lower.end(), static_cast<long>(v));
        observed[static_cast<std::size_t>(it - lower.begin()) - 1] += 1.0;
    }
    ChiSquare out;
    out.bins = lower.size();
    for (std::size_t b = 0; b < lower.size(); ++b)
        out.statistic += (observed[b] - expected[b]) * (observed[b] - expected[b]) / expected[b];
    return out;
}

inline double poissonPmf(double lambda, long k) {
    return std::exp(static_cast<double>(k) * std::log(lambda) - lambda - std::lgamma(static_cast<double>(k) + 1.0));
}

inline double binomialPmf(long n, double p, long k) {
    if (k < 0 || k > n) return 0.0;
    const double nd = static_cast<double>(n), kd = static_cast<double>(k);
    return std::exp(std::lgamma(nd + 1) - std::lgamma(kd + 1) - std::lgamma(nd - kd + 1) + kd * std::log(p) +
                    (nd - kd) * std::log1p(-p));
}

/// Values of every replicate for each sample and column, kept in memory.
struct Ensemble {
    std::size_t replicates = 0, samples = 0, columns = 0;
    std::vector<double> times;
    std::vector<double> data;  ///< [replicate][sample][column]
    double seconds = 0.0;      ///< wall time of the simulation

    double at(std::size_t r, std::size_t s, std::size_t c) const { return data[(r * samples + s) * columns + c]; }
    std::vector<double> values(std::size_t s, std::size_t c) const {
        std::vector<double> v(replicates);
        for (std::size_t r = 0; r < replicates; ++r) v[r] = at(r, s, c);
        return v;
    }
};

using Extractor = std::function<void(const Sample&, double* row)>;

/// Observer that records `columns` values per sample through `extract`, and optionally forwards
/// every sample and vesicle event to checking callbacks.
class Recorder : public TrajectoryObserver {
public:
    Recorder(std::size_t columns, Extractor extract) : columns_(columns), extract_(std::move(extract)) {}
    std::function<void(const Sample&)> onSample;
    std::function<void(const VesicleEvent&)> onEvent;
    std::function<void(std::size_t)> onFinished;
    Ensemble* target = nullptr;

    void sample(const Sample& s) override {
        if (onSample) onSample(s);
        auto& e = *target;
        if (s.replicate == 0) e.times.push_back(s.time);
        const std::size_t offset = (s.replicate * e.samples + s.index) * columns_;
        extract_(s, e.data.data() + offset);
        ++seen_;
    }
    void vesicleEvent(const VesicleEvent& ev) override {
        if (onEvent) onEvent(ev);
    }
    bool wantsVesicleEvents() const override { return static_cast<bool>(onEvent); }  // asked as a run starts
    void replicateFinished(std::size_t r) override {
        if (onFinished) onFinished(r);
    }
    std::size_t seen() const { return seen_; }

private:
    std::size_t columns_;
    Extractor extract_;
    std::size_t seen_ = 0;
};

/// Runs replicates 0..n-1 of config.simulation.method with one simulator and records `columns`
/// values per sample with `extract`; `setup` may install checking callbacks on the recorder.
inline Ensemble simulate(const RunConfig& config, std::size_t n, std::size_t columns, Extractor extract,
                         const std::function<void(Recorder&)>& setup = {}) {
    Ensemble e;
    e.replicates = n;
    e.samples = config.simulation.sampleCount();
    e.columns = columns;
    e.data.assign(n * e.samples * columns, std::numeric_limits<double>::quiet_NaN());
    Recorder recorder(columns, std::move(extract));
    recorder.target = &e;
    if (setup) setup(recorder);
    const auto simulator = makeSimulator(config.model, config.simulation);
    const auto base = config.model.baseParameterValues();
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t r = 0; r < n; ++r) simulator->run(r, base, recorder);
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(recorder.seen(), n * e.samples) << "every replicate reports every grid sample once";
    return e;
}

/// Records the amounts of the named species (in the given order).
inline Ensemble simulateSpecies(const RunConfig& config, std::size_t n, const std::vector<std::string>& names) {
    std::vector<std::size_t> idx;
    for (const auto& name : names) idx.push_back(testing::speciesIndex(config, name));
    return simulate(config, n, idx.size(), [idx](const Sample& s, double* row) {
        for (std::size_t k = 0; k < idx.size(); ++k) row[k] = s.amounts[idx[k]];
    });
}

/// Z = sqrt(n) (mean - mu) / sigma.
inline double meanZ(const std::vector<double>& x, double mu, double sigma) {
    double sum = 0.0;
    for (double v : x) sum += v - mu;
    const double n = static_cast<double>(x.size());
    return std::sqrt(n) * (sum / n) / sigma;
}

/// Y' = (S^2 - sigma^2) / sqrt((mu4 - sigma^4) / n), S^2 about the exact mean; mu4 = NaN: sample m4.
inline double varianceY(const std::vector<double>& x, const Moments& m) {
    const double n = static_cast<double>(x.size());
    double s2 = 0.0, m4 = 0.0;
    for (double v : x) {
        const double d = (v - m.mean) * (v - m.mean);
        s2 += d;
        m4 += d * d;
    }
    s2 /= n;
    m4 /= n;
    const double mu4 = std::isnan(m.mu4) ? m4 : m.mu4;
    return (s2 - m.var) / std::sqrt((mu4 - m.var * m.var) / n);
}

/// Requires every replicate to equal `value` exactly (points with sd 0).
inline void expectAllEqual(const std::vector<double>& x, double value, const std::string& where) {
    std::size_t bad = 0;
    double first = value;
    for (double v : x)
        if (v != value) {
            if (bad == 0) first = v;
            ++bad;
        }
    EXPECT_EQ(bad, 0u) << where << ": " << bad << " replicates differ from the exact value " << value << " (e.g. " << first
                       << ")";
}

/// Mean and variance families over every (sample, column) of an ensemble. `expected(t, column)`
/// gives the exact moments; points with variance 0 are checked for exact equality and left out
/// of both families (their count must be excluded from `points` by the caller).
inline void checkMoments(const Ensemble& e, const std::vector<std::string>& columnNames,
                         const std::function<Moments(double, std::size_t)>& expected, Family& meanFamily,
                         Family& varFamily, std::size_t firstSample = 0) {
    for (std::size_t s = firstSample; s < e.samples; ++s) {
        for (std::size_t c = 0; c < e.columns; ++c) {
            const double t = e.times[s];
            const Moments m = expected(t, c);
            const auto x = e.values(s, c);
            std::ostringstream where;
            where << columnNames[c] << " t=" << t;
            if (m.var <= 0.0) {
                expectAllEqual(x, m.mean, where.str());
                continue;
            }
            meanFamily.add(meanZ(x, m.mean, std::sqrt(m.var)), where.str());
            varFamily.add(varianceY(x, m), where.str());
        }
    }
}

/// Count of (sample, column) points with positive variance: the family size for checkMoments.
inline std::size_t testedPoints(const Ensemble& e, const std::function<Moments(double, std::size_t)>& expected,
                                std::size_t firstSample = 0) {
    std::size_t m = 0;
    for (std::size_t s = firstSample; s < e.samples; ++s)
        for (std::size_t c = 0; c < e.columns; ++c)
            if (expected(e.times[s], c).var > 0.0) ++m;
    return m;
}

}  // namespace egress::stat
