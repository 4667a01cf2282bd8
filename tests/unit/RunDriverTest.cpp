// The run driver (driver/RunDriver.hpp) with its injected callbacks: progress is reported for
// every replicate, and a stop request keeps the finished replicates in PATH.interrupted, marked
// incomplete, with no file at the final name.
#include <gtest/gtest.h>

#include <filesystem>

#include "TestSupport.hpp"
#include "driver/RunDriver.hpp"
#include "io/ResultReader.hpp"

namespace egress {
namespace {

const char* kChain = R"(
[simulation]
method = "ssa"
t_end = 10.0
output_interval = 1.0
replicates = 40
seed = 3
[model]
name = "chain"
[model.compartments]
ER = {}
[model.species]
A = { compartment = "ER", initial = 50 }
[[model.reactions]]
name = "decay"
equation = "A ->"
k = 0.1
)";

TEST(RunDriver, ReportsProgressAndWritesACompleteFile) {
    const auto dir = std::filesystem::temp_directory_path() / "egress-run-driver-complete";
    std::filesystem::create_directories(dir);
    RunJob job;
    job.output = (dir / "out.h5").string();
    job.threads = 2;
    std::size_t calls = 0, lastDone = 0;
    const RunOutcome outcome = runToFile(testing::loadText(kChain), job, [&](const EnsembleProgress& p) {
        ++calls;
        EXPECT_EQ(p.done, lastDone + 1);  // one call per finished replicate, in order of finishing
        lastDone = p.done;
    });
    EXPECT_FALSE(outcome.interrupted);
    EXPECT_EQ(calls, 40u);
    EXPECT_EQ(outcome.path, job.output);
    const ResultSummary s = readResultSummary(job.output);
    EXPECT_TRUE(s.complete);
    EXPECT_EQ(s.replicates, 40u);
    std::filesystem::remove_all(dir);
}

TEST(RunDriver, AStopRequestKeepsTheFinishedReplicatesInAnIncompleteFile) {
    const auto dir = std::filesystem::temp_directory_path() / "egress-run-driver-stop";
    std::filesystem::create_directories(dir);
    RunJob job;
    job.output = (dir / "out.h5").string();
    job.threads = 1;
    std::size_t done = 0;
    const RunOutcome outcome = runToFile(
        testing::loadText(kChain), job, [&](const EnsembleProgress& p) { done = p.done; }, [&] { return done >= 5; });
    EXPECT_TRUE(outcome.interrupted);
    EXPECT_EQ(outcome.progress.done, 5u);
    EXPECT_EQ(outcome.path, job.output + ".interrupted");
    EXPECT_FALSE(std::filesystem::exists(job.output));
    const ResultSummary s = readResultSummary(outcome.path);
    EXPECT_FALSE(s.complete);
    EXPECT_EQ(s.replicatesFinished, 5);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace egress
