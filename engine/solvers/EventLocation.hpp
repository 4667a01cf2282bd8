#pragma once
// Locating the time at which a state event's trigger changes (core/StateEvents.hpp), shared by
// the methods. A trigger is a truth value, not a smooth function, so the change is bracketed and
// bisected down to adjacent doubles: the located time is the first double at which the change
// holds, so a trigger `t >= 25` executes at exactly 25, and a smooth crossing is found to the
// accuracy of the state at the probed times (ode, hybrid: the stepper's dense output, whose
// error is of the order of the step's, not of the root solve).
#include <vector>

#include "core/StateEvents.hpp"

namespace egress {

/// The earliest time in (lo, hi] at which `changedAt(t)` holds, given that it holds at `hi` and not
/// at `lo`; `changedAt` is assumed to switch once in between (a trigger that turns true and false
/// again within one bracket is not seen: docs/methods.md).
template <class ChangedAt>
double locateChange(double lo, double hi, ChangedAt&& changedAt) {
    for (;;) {
        const double mid = lo + 0.5 * (hi - lo);
        if (mid <= lo || mid >= hi) return hi;
        if (changedAt(mid)) hi = mid;
        else lo = mid;
    }
}

}  // namespace egress
