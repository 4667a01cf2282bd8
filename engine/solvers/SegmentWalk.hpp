#pragma once
// The walk every method makes through one replicate, written once: the Timeline splits [0, t_end]
// into segments at its breakpoints (perturbation starts and ends, event times). At t = 0 and at
// the end of every segment the same three things happen in the same order:
//   1. the events due at that time are applied (in file order) to the species amounts,
//   2. the parameter values in force from that time on are handed to the method,
//   3. the samples due at that time are reported (so a sample sees the events at its time, the
//      DSMTS convention of docs/methods.md).
// Between two breakpoints the method advances by itself (steps, events, stops) and reports every
// sample strictly before the segment's end; nothing steps across a breakpoint.
#include <vector>

#include "core/Timeline.hpp"
#include "solvers/SampleGrid.hpp"

namespace egress {

/// Walks [0, tEnd] segment by segment, calling back the method:
///  - `amounts()`: the species amounts now (double*, first entries of the state), for events;
///  - `setParameters(values)`: the parameter values in force from now (a std::vector<double> of
///    its own, which the method may keep: `baseParameters` with the active perturbations applied);
///  - `advanceTo(end)`: simulate from now to `end` (s), reporting every sample before `end`;
///  - `emitSample()`: report the state now as the grid's next sample (its time is now).
/// Always inline, as is the ssa's `advanceTo`: its event loop then runs in the method's own frame,
/// on its locals (5% more instructions per ssa event otherwise). One call site per callback.
template <class AmountsFn, class SetParametersFn, class AdvanceToFn, class EmitSampleFn>
[[gnu::always_inline]] inline void walkSegments(const Timeline& timeline, double tEnd, const std::vector<double>& baseParameters,
                                                SampleGrid& grid, AmountsFn&& amounts, SetParametersFn&& setParameters,
                                                AdvanceToFn&& advanceTo, EmitSampleFn&& emitSample) {
    const std::vector<double>& breakpoints = timeline.breakpoints();  // in (0, tEnd), sorted
    double now = 0.0;
    for (std::size_t next = 0;; ++next) {
        for (const TimedEvent* e : timeline.eventsAt(now)) Timeline::apply(*e, amounts());
        std::vector<double> values = timeline.parametersAt(now, baseParameters);
        grid.setParameters(values);
        setParameters(std::move(values));
        while (!grid.done() && grid.nextTime() <= now) emitSample();
        if (next > breakpoints.size()) return;  // now == tEnd
        now = next < breakpoints.size() ? breakpoints[next] : tEnd;
        advanceTo(now);
    }
}

}  // namespace egress
