#include "driver/SweepRunner.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>

#include "core/Error.hpp"
#include "core/Interrupt.hpp"
#include "core/Variability.hpp"
#include "io/ResultSchema.hpp"
#include "io/SweepFile.hpp"
#include "solvers/Ensemble.hpp"
#include "solvers/Simulator.hpp"

namespace egress {

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

SweepLayout layoutOf(const SweepConfig& c) {
    SweepLayout l;
    const Model& m = c.base.model;
    l.sweepId = c.sweepId;
    l.pointsTotal = c.points.count;
    l.replicates = c.base.simulation.replicates;
    for (const auto& a : c.spec.axes) {
        l.axes.push_back(a.name);
        l.axisTargets.push_back(axisTargetName(a.target));
    }
    for (const auto& s : m.species) l.species.push_back(s.name);
    for (const auto& r : m.routes) l.routes.push_back(r.name);
    for (const auto& x : c.metrics) {
        l.metrics.push_back(x.name);
        l.metricDefinitions.push_back(x.definition);
    }
    if (c.trajectories)
        for (std::size_t i = 0; i < c.base.simulation.sampleCount(); ++i) l.times.push_back(c.base.simulation.sampleTime(i));
    l.saltelli = c.spec.saltelli;
    l.design = sweepDesignName(c.spec.design);
    l.method = methodName(c.base.simulation.method);
    l.streams = sweepStreamsName(c.spec.streams);
    l.seed = static_cast<std::int64_t>(c.base.simulation.seed);
    l.sweepText = c.sweepText;
    l.baseText = c.baseResolved;
    return l;
}

/// One point, ready to run: its model (axes applied) and its simulator, which refers to both,
/// so a PreparedPoint is filled in place and never moved.
struct PreparedPoint {
    Model model;
    SimulationSettings settings;
    std::unique_ptr<Simulator> simulator;
};

void preparePoint(PreparedPoint& p, const SweepConfig& c, std::size_t point) {
    p.simulator.reset();
    p.model = c.base.model;
    applySweepPoint(p.model, c.spec, c.points, point);
    p.settings = c.base.simulation;
    p.settings.seed = sweepPointSeed(c.base.simulation.seed, point, c.spec.streams);
    p.simulator = makeSimulator(p.model, p.settings);
}

/// Collects one replicate's samples and writes its summaries into the block's rows.
class SummaryObserver : public TrajectoryObserver {
public:
    SummaryObserver(const SweepConfig& c, SweepRows& rows, std::size_t row, std::size_t replicate)
        : c_(c), row_(row), replicate_(replicate), S_(c.base.model.species.size()),
          V_(c.base.model.routes.size()), T_(c.base.simulation.sampleCount()) {
        times_.reserve(T_);
        // Looked up once with find(): operator[] of a std::map is not safe from several threads.
        auto column = [&](const char* name) {
            const auto it = rows.columns.find(name);
            return it == rows.columns.end() ? nullptr : it->second.data();
        };
        final_ = column(schema::sweep::kFinalAmounts.path);
        budded_ = column(schema::sweep::kBuddedTotal.path);
        fused_ = column(schema::sweep::kFusedTotal.path);
        peakOut_ = column(schema::sweep::kPeakInTransit.path);
        metricsOut_ = column(schema::sweep::kMetricValues.path);
        amounts_ = column(schema::sweep::kAmounts.path);
        if (!c.metrics.empty()) series_.assign(c.metrics.size(), std::vector<double>());
        peak_.assign(V_, 0.0);
    }
    void sample(const Sample& s) override {
        times_.push_back(s.time);
        for (std::size_t m = 0; m < c_.metrics.size(); ++m) {
            double sum = 0.0;
            for (auto i : c_.metrics[m].species) sum += s.amounts[i];
            series_[m].push_back(sum);
        }
        for (std::size_t v = 0; v < V_; ++v) peak_[v] = std::max(peak_[v], s.in_transit[v]);
        if (amounts_) std::copy(s.amounts, s.amounts + S_, amounts_ + ((row_ * R() + replicate_) * T_ + s.index) * S_);
        if (s.index + 1 == T_) {
            std::copy(s.amounts, s.amounts + S_, final_ + (row_ * R() + replicate_) * S_);
            if (V_ > 0) {
                const std::size_t at = (row_ * R() + replicate_) * V_;
                std::copy(s.budded, s.budded + V_, budded_ + at);
                std::copy(s.fused, s.fused + V_, fused_ + at);
                std::copy(peak_.begin(), peak_.end(), peakOut_ + at);
            }
        }
    }
    bool wantsVesicleEvents() const override { return false; }
    void replicateFinished(std::size_t) override {
        const std::size_t M = c_.metrics.size();
        for (std::size_t m = 0; m < M; ++m)
            metricsOut_[(row_ * R() + replicate_) * M + m] = evaluateMetric(c_.metrics[m], times_, series_[m]);
    }

private:
    std::size_t R() const { return c_.base.simulation.replicates; }
    const SweepConfig& c_;
    double *final_ = nullptr, *budded_ = nullptr, *fused_ = nullptr, *peakOut_ = nullptr, *metricsOut_ = nullptr, *amounts_ = nullptr;
    std::size_t row_, replicate_, S_, V_, T_;
    std::vector<double> times_, peak_;
    std::vector<std::vector<double>> series_;
};

/// Rows of a block, every value NaN until a replicate writes it (a failed point stays NaN).
SweepRows emptyRows(const SweepLayout& layout, const std::vector<std::size_t>& points, const SweepPoints& design) {
    SweepRows rows;
    for (auto p : points) rows.point.push_back(static_cast<std::int64_t>(p));
    for (const auto& [name, width] : sweepColumns(layout)) rows.columns[name].assign(points.size() * width, kNaN);
    auto& values = rows.columns[schema::sweep::kPointValues.path];
    for (std::size_t i = 0; i < points.size(); ++i)
        for (std::size_t a = 0; a < design.axes; ++a) values[i * design.axes + a] = design.value(points[i], a);
    if (layout.saltelli)
        for (auto p : points) {
            rows.saltelliBlock.push_back(design.saltelliBlock[p]);
            rows.saltelliRow.push_back(design.saltelliRow[p]);
        }
    return rows;
}

/// Why an existing shard file cannot be kept, or "" when it is this shard, complete and intact.
std::string whyRedo(const std::string& path, const SweepLayout& layout, const SweepShardOptions& o, const std::vector<std::size_t>& points) {
    SweepFileInfo info;
    try {
        info = readSweepFileInfo(path);
    } catch (const IoError& e) {
        return e.what();
    }
    if (!info.complete) return "it is incomplete";
    if (info.layout.sweepId != layout.sweepId) return "it belongs to another sweep (the sweep or its base file changed)";
    if (!info.shard || *info.shard != o.shard || *info.shardCount != o.of) return "it is another shard";
    if (info.points.size() != points.size() || !std::equal(points.begin(), points.end(), info.points.begin(),
                                                           [](std::size_t a, std::int64_t b) { return static_cast<std::int64_t>(a) == b; }))
        return "its points differ";
    try {  // every row must read back: a damaged file is redone, not merged
        constexpr std::size_t kRowsPerRead = 1024;  // bounds memory, whatever the shard's size
        for (std::size_t first = 0; first < info.points.size(); first += kRowsPerRead)
            readSweepRows(info, first, std::min<std::size_t>(kRowsPerRead, info.points.size() - first));
    } catch (const IoError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

std::string shardFileName(std::size_t shard, std::size_t of) {
    char name[64];
    std::snprintf(name, sizeof name, "shard-%04zu-of-%04zu.h5", shard, of);
    return name;
}

void checkSweepPointsForMethod(const SweepConfig& config) {
    const auto& axes = config.spec.axes;
    const auto initialAxis = std::find_if(axes.begin(), axes.end(), [](const SweepAxis& a) { return a.target == AxisTarget::InitialAmount; });
    const std::size_t points = initialAxis != axes.end() ? config.points.count : 1;
    const std::size_t axis = initialAxis != axes.end() ? static_cast<std::size_t>(initialAxis - axes.begin()) : 0;
    for (std::size_t p = 0; p < points; ++p) {
        try {
            PreparedPoint prepared;
            preparePoint(prepared, config, p);
        } catch (const InputError& e) {
            const auto& place = config.axisPlaces.at(axis);
            throw InputError(config.sweepPath, place.line, place.column,
                             "sweep.axes[" + std::to_string(axis) + "]: point " + std::to_string(p) + ": " + e.message());
        }
    }
}

SweepShardOutcome runSweepShard(const SweepConfig& config, const SweepShardOptions& o,
                                const std::function<void(const SweepProgress&)>& progress) {
    if (o.of == 0 || o.shard >= o.of)
        throw InputError("", 0, 0, "shard " + std::to_string(o.shard) + " of " + std::to_string(o.of) + ": the shard index must lie in [0, " +
                                       std::to_string(o.of == 0 ? 0 : o.of - 1) + "]");
    SweepShardOutcome outcome;
    const SweepLayout layout = layoutOf(config);
    const std::vector<std::size_t> points = shardPoints(config.points.count, o.shard, o.of);
    outcome.points = points.size();
    outcome.path = (fs::path(o.directory) / shardFileName(o.shard, o.of)).string();
    if (fs::exists(outcome.path)) {
        outcome.redoneBecause = whyRedo(outcome.path, layout, o, points);
        if (outcome.redoneBecause.empty()) {
            outcome.skipped = true;
            return outcome;
        }
    }

    SweepFileIdentity identity;
    identity.writerCommand = o.command;
    identity.egressVersion = o.egressVersion;
    identity.shard = o.shard;
    identity.shardCount = o.of;
    SweepFileWriter writer(outcome.path, layout, points.size(), identity);

    const int threads = resolveThreads(o.threads);
    const std::size_t R = config.base.simulation.replicates;
    // Points prepared and held at once: enough items for every thread, bounded memory. At least
    // kPointsPerThread points, and at least kReplicatesPerThread replicates, per thread.
    constexpr std::size_t kPointsPerThread = 4, kReplicatesPerThread = 64;
    const auto T = static_cast<std::size_t>(threads);
    const std::size_t blockPoints = std::max<std::size_t>(kPointsPerThread * T, (kReplicatesPerThread * T + R - 1) / R);
    SweepProgress state;
    state.points = points.size();
    std::mutex mutex;
    for (std::size_t first = 0; first < points.size(); first += blockPoints) {
        const std::size_t count = std::min(blockPoints, points.size() - first);
        const std::vector<std::size_t> blockPointIds(points.begin() + static_cast<std::ptrdiff_t>(first),
                                                     points.begin() + static_cast<std::ptrdiff_t>(first + count));
        SweepRows rows = emptyRows(layout, blockPointIds, config.points);
        std::vector<PreparedPoint> prepared(count);
        std::vector<std::string> errors(count);
        std::vector<std::size_t> replicatesLeft(count, R);
        std::exception_ptr failure;
        std::atomic<bool> abort{false};
        const auto items = static_cast<std::int64_t>(count * R);
#pragma omp parallel num_threads(threads)
        {
#pragma omp for schedule(dynamic, 1)
            for (std::int64_t i = 0; i < static_cast<std::int64_t>(count); ++i) {
                try {
                    preparePoint(prepared[static_cast<std::size_t>(i)], config, blockPointIds[static_cast<std::size_t>(i)]);
                } catch (...) {
                    std::lock_guard<std::mutex> lock(mutex);
                    if (!failure) failure = std::current_exception();
                    abort = true;
                }
            }
#pragma omp for schedule(dynamic, 1)
            for (std::int64_t item = 0; item < items; ++item) {
                if (abort.load()) continue;
                const auto row = static_cast<std::size_t>(item) / R;
                const auto replicate = static_cast<std::size_t>(item) % R;
                if (stopRequested()) {
                    abort = true;
                    continue;
                }
                try {
                    const PreparedPoint& p = prepared[row];
                    SummaryObserver observer(config, rows, row, replicate);
                    const auto parameters = drawCellParameters(p.model, p.settings.seed, replicate);
                    const std::uint64_t work = p.simulator->run(replicate, parameters, observer);
                    observer.replicateFinished(replicate);
                    std::lock_guard<std::mutex> lock(mutex);
                    state.work += work;
                    if (--replicatesLeft[row] == 0) {
                        ++state.pointsDone;
                        if (progress) progress(state);
                    }
                } catch (const SolverError& e) {
                    // A numerical failure belongs to the point, not to the sweep: recorded, and the point's values stay NaN.
                    std::lock_guard<std::mutex> lock(mutex);
                    if (errors[row].empty()) errors[row] = "replicate " + std::to_string(replicate) + ": " + e.what();
                    if (--replicatesLeft[row] == 0) ++state.pointsDone;
                } catch (const Interrupted&) {
                    abort = true;
                } catch (...) {
                    std::lock_guard<std::mutex> lock(mutex);
                    if (!failure) failure = std::current_exception();
                    abort = true;
                }
            }
        }
        if (failure) std::rethrow_exception(failure);
        if (abort.load()) {
            outcome.interrupted = true;
            return outcome;  // the writer removes its temporary file
        }
        for (std::size_t row = 0; row < count; ++row) {
            if (errors[row].empty()) continue;
            rows.errors[row] = errors[row];
            ++outcome.failedPoints;
            // Replicates that did finish are not mixed with the failed one: the whole point is NaN.
            for (auto& [name, column] : rows.columns) {
                if (name == schema::sweep::kPointValues.path) continue;
                const std::size_t width = column.size() / count;
                std::fill(column.begin() + static_cast<std::ptrdiff_t>(row * width), column.begin() + static_cast<std::ptrdiff_t>((row + 1) * width), kNaN);
            }
        }
        writer.write(first, rows);
    }
    writer.commit();
    outcome.work = state.work;
    return outcome;
}

}  // namespace egress
