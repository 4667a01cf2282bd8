// The result writer's event queue under failure: replicates hand in their vesicle event logs in
// replicate order, and a thread whose log does not fit the queue waits for its turn. A replicate
// that never finishes (an error or a stop request in its thread) must not leave those threads
// waiting for ever: the run has to end, with the finished replicates kept.
#include <gtest/gtest.h>

#include <hdf5.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <vector>

#include "TestSupport.hpp"
#include "io/Hdf5.hpp"
#include "io/ResultWriter.hpp"

namespace egress {
namespace {

const char* kOneRoute = R"(
[simulation]
method = "ssa"
t_end = 1.0
output_interval = 1.0
replicates = 2

[output]
events = true

[model]
name = "one-route"
[model.compartments]
ER = {}
Golgi = {}
[model.species]
cargo_ER = { compartment = "ER", initial = 10 }
cargo_Golgi = { compartment = "Golgi" }
[[model.vesicles]]
name = "COPII"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 1.0 }
cargo = { cargo_ER = "cargo_Golgi" }
capture = 0.5
fusion_rate = 1.0
)";

/// Reports every sample of one replicate and `events` vesicle events, then finishes it.
void runReplicate(TrajectoryObserver& sink, const RunConfig& config, std::size_t replicate, std::size_t events) {
    const std::vector<double> perSpecies(config.model.species.size(), 1.0), perRoute(config.model.routes.size(), 0.0),
        perCompartment(config.model.compartments.size(), 0.0);
    for (std::size_t t = 0; t < config.simulation.sampleCount(); ++t) {
        Sample s;
        s.replicate = replicate;
        s.index = t;
        s.time = config.simulation.sampleTime(t);
        s.amounts = s.cargo_in_transit = perSpecies.data();
        s.budded = s.fused = s.in_transit = perRoute.data();
        s.membrane_area = perCompartment.data();
        sink.sample(s);
    }
    const std::vector<double> load(config.model.species.size(), 1.0);
    for (std::size_t i = 0; i < events; ++i) {
        VesicleEvent e;
        e.replicate = replicate;
        e.time = 1e-6 * static_cast<double>(i);
        e.kind = i % 2 == 0 ? VesicleEventKind::Bud : VesicleEventKind::Fuse;
        e.vesicle = i / 2;
        e.load = load.data();
        sink.vesicleEvent(e);
    }
    sink.replicateFinished(replicate);
}

TEST(ResultWriter, AReplicateDroppedUnfinishedDoesNotStrandTheOnesWaitingForTheirTurn) {
    const RunConfig config = testing::loadText(kOneRoute);
    const auto path = std::filesystem::path(config.paramsPath).parent_path() / "stranded.h5";
    // 2,000,000 events of 41 bytes hold more than the queue's 64 MiB: replicate 1 may hand them
    // in only once replicate 0's turn is over.
    constexpr std::size_t kEvents = 2'000'000;
    ResultWriter writer(path.string(), config, RunProvenance{"test", "0", "none"});
    auto first = writer.openReplicate(0);
    auto second = writer.openReplicate(1);
    auto handIn = std::async(std::launch::async, [&] { runReplicate(*second, config, 1, kEvents); });
    first.reset();  // replicate 0's thread failed: its sink goes without finishing
    if (handIn.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        std::cerr << "replicate 1 is still waiting for replicate 0's turn 30 s after replicate 0 was dropped\n";
        std::_Exit(1);  // the waiting thread cannot be joined: end the test program here
    }
    handIn.get();
    const std::string kept = writer.keepInterrupted("test");
    ASSERT_TRUE(std::filesystem::exists(kept));
    h5::Handle file(H5Fopen(kept.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(file.get(), 0);
    h5::Handle events(H5Gopen2(file, "events", H5P_DEFAULT), H5Gclose);
    std::int64_t count = -1, finished = -1;
    ASSERT_TRUE(h5::readInt64Attribute(events, "count", count));
    ASSERT_TRUE(h5::readInt64Attribute(file, "replicates_finished", finished));
    EXPECT_EQ(count, static_cast<std::int64_t>(kEvents)) << "replicate 1's events are kept";
    EXPECT_EQ(finished, 1);
    // The kept file is 80 MB: not left in the temporary folder after every run.
    std::filesystem::remove(kept);
}


// Short replicates are written a whole chunk at a time (bytes straight into the chunk, int64 counts
// converted) and the last, partial chunk through the ordinary write: every number must read back
// as reported, in both.
TEST(ResultWriter, ShortReplicatesReadBackExactlyFromWholeAndPartialChunks) {
    std::string text = kOneRoute;
    text.replace(text.find("replicates = 2"), 14, "replicates = 2500");
    text.replace(text.find("events = true"), 13, "events = false");
    const RunConfig config = testing::loadText(text);
    const auto path = std::filesystem::path(config.paramsPath).parent_path() / "chunks.h5";
    const std::size_t R = config.simulation.replicates, T = config.simulation.sampleCount();
    const std::size_t S = config.model.species.size(), V = config.model.routes.size();
    auto amount = [](std::size_t r, std::size_t t, std::size_t s) { return 0.25 + static_cast<double>(r * 100 + t * 10 + s); };
    auto budded = [](std::size_t r, std::size_t t) { return static_cast<double>(3 * r + t); };
    {
        ResultWriter writer(path.string(), config, RunProvenance{"test", "0", "none"});
        std::vector<double> x(S), b(V), zeroRoutes(V, 0.0), zeroSpecies(S, 0.0),
            area(config.model.compartments.size(), 0.0);
        for (std::size_t r = 0; r < R; ++r) {
            auto sink = writer.openReplicate(r);
            for (std::size_t t = 0; t < T; ++t) {
                for (std::size_t s = 0; s < S; ++s) x[s] = amount(r, t, s);
                for (std::size_t v = 0; v < V; ++v) b[v] = budded(r, t);
                Sample sample;
                sample.replicate = r;
                sample.index = t;
                sample.time = config.simulation.sampleTime(t);
                sample.amounts = x.data();
                sample.cargo_in_transit = zeroSpecies.data();
                sample.budded = b.data();
                sample.fused = sample.in_transit = zeroRoutes.data();
                sample.membrane_area = area.data();
                sink->sample(sample);
            }
            sink->replicateFinished(r);
        }
        writer.commit();
    }
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(file.get(), 0);
    std::vector<double> amounts(R * T * S);
    std::vector<std::int64_t> counts(R * T * V);
    h5::Handle amountSet(H5Dopen2(file, "amounts", H5P_DEFAULT), H5Dclose), buddedSet(H5Dopen2(file, "vesicles/budded", H5P_DEFAULT), H5Dclose);
    ASSERT_GE(H5Dread(amountSet, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, amounts.data()), 0);
    ASSERT_GE(H5Dread(buddedSet, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, counts.data()), 0);
    std::size_t wrong = 0;
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t t = 0; t < T; ++t) {
            for (std::size_t s = 0; s < S; ++s) wrong += amounts[(r * T + t) * S + s] != amount(r, t, s);
            for (std::size_t v = 0; v < V; ++v) wrong += counts[(r * T + t) * V + v] != static_cast<std::int64_t>(budded(r, t));
        }
    EXPECT_EQ(wrong, 0u);
}

}  // namespace
}  // namespace egress
