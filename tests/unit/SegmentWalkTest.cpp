// walkSegments (engine/solvers/SegmentWalk.hpp), the walk all three methods make through a run:
// at 0 and at every segment end, events first, then the parameter values in force, then the samples
// due at that time; the method advances in between, to each breakpoint and then to t_end.
#include <sstream>
#include <string>
#include <vector>

#include "TestSupport.hpp"
#include "core/Timeline.hpp"
#include "solvers/SampleGrid.hpp"
#include "solvers/SegmentWalk.hpp"

using namespace egress;
using egress::testing::loadText;

namespace {

// Breakpoints at 1 (k scaled by 4 until 4), 2.5 (A set to 7) and 4; samples at 0, 1, ..., 5.
const char* kParams = R"(
[model]
name = "walk"
compartments = { ER = {} }
species = { A = { compartment = "ER", initial = 1 } }
parameters = { k = 1.0 }
reactions = [ { name = "out", equation = "A ->", k = "k" } ]
[simulation]
method = "ode"
t_end = 5.0
output_interval = 1.0
[[perturbations]]
target = "k"
scale = 4.0
start = 1.0
end = 4.0
[[events]]
at = 0.0
add = { A = 5 }
[[events]]
at = 2.5
set = { A = 7 }
)";

}  // namespace

TEST(SegmentWalk, EventsThenParametersThenSamplesAtEveryBreakpoint) {
    const RunConfig c = loadText(kParams);
    const Timeline timeline(c.model, c.simulation.t_end);
    egress::testing::Trajectory observer;
    observer.species = 1;
    SampleGrid grid(c.model, c.simulation, 0);
    double amounts[1] = {c.model.species[0].initial};
    const double zero[1] = {0.0};
    std::vector<std::string> log;
    auto emitSample = [&] {
        std::ostringstream s;
        s << "sample " << grid.nextTime() << " A=" << amounts[0];
        log.push_back(s.str());
        grid.emit(observer, amounts, zero, zero, zero, zero);
    };
    walkSegments(
        timeline, c.simulation.t_end, c.model.baseParameterValues(), grid, [&] { return amounts; },
        [&](std::vector<double> p) { log.push_back("k=" + std::to_string(static_cast<int>(p[0]))); },
        [&](double end) {
            while (grid.nextTime() < end) emitSample();  // a method reports the samples before `end`
            std::ostringstream s;
            s << "at " << end;
            log.push_back(s.str());
        },
        emitSample);
    const std::vector<std::string> expected = {
        "k=1", "sample 0 A=6",                   // the event at 0 is in the first sample
        "at 1", "k=4", "sample 1 A=6",           // the perturbation starts at 1
        "sample 2 A=6", "at 2.5", "k=4",         // set A = 7 at 2.5, no sample there
        "sample 3 A=7", "at 4", "k=1", "sample 4 A=7",
        "at 5", "k=1", "sample 5 A=7"};
    EXPECT_EQ(log, expected);
    EXPECT_TRUE(grid.done());
    EXPECT_EQ(observer.times.size(), 6u);
}
