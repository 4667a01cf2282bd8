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
}

}  // namespace
}  // namespace egress
