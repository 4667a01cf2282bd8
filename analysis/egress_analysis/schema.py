"""Names, dimensions and units of egress result files: runs (format "egress", versions 1 and 2)
and sweeps (format "egress-sweep", version 1).

This module mirrors ``engine/io/ResultSchema.hpp`` and section 4 of the user contract
(``docs/contract.md``; the full layout is ``docs/file-format.md``), so that
the analysis code and the C++ writer agree on one table of names. When the writer changes a
name, this file changes with it and ``FORMAT_VERSION`` says which layout a reader can expect.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMAT = "egress"
#: 2 changed only the vesicle event log (/events): the trajectories read the same since version 1.
FORMAT_VERSION = 2
OLDEST_FORMAT_VERSION = 1

#: Root attribute set to 1 as the writer's last act before the file gets its final name; a file
#: without it (or with 0) was interrupted and its trajectories may be partly unwritten.
COMPLETE_ATTRIBUTE = "complete"

#: Root attributes every result file carries (contract section 4), besides ``complete``.
ROOT_ATTRIBUTES = ("format", "format_version", "egress_version", "method", "seed", "created", "command")

# Dimension names as xarray sees them (the names of the HDF5 dimension scales).
REPLICATE_DIM = "replicate"
TIME_DIM = "time"
SPECIES_DIM = "species"
ROUTE_DIM = "route"
PARAMETER_DIM = "parameter"
COMPARTMENT_DIM = "compartment"
EVENT_DIM = "event"
CARGO_DIM = "cargo"

# HDF5 groups.
VESICLES_GROUP = "vesicles"
PARAMETERS_GROUP = "parameters"
INPUT_GROUP = "input"
EVENTS_GROUP = "events"

# Dataset paths inside the file.
TIME = "time"
SPECIES = "species"
REPLICATE = "replicate"
ROUTE = "vesicles/route"
AMOUNTS = "amounts"
COMPARTMENT = "compartment"
SPECIES_COMPARTMENT = "species_compartment"
MEMBRANE_AREA = "membrane_area"
BUDDED = "vesicles/budded"
FUSED = "vesicles/fused"
IN_TRANSIT = "vesicles/in_transit"
CARGO_IN_TRANSIT = "vesicles/cargo_in_transit"
COMPARTMENT = "compartment"
MEMBRANE_AREA = "membrane_area"
#: Attributes of ``membrane_area``, one value per compartment: replicates whose area was negative
#: at some sample (int64), and the lowest area of any replicate at any sample (float64, um^2).
NEGATIVE_AREA_REPLICATES_ATTRIBUTE = "negative_replicates"
LOWEST_AREA_ATTRIBUTE = "lowest_area"
PARAMETER_NAMES = "parameters/parameter"
PARAMETER_VALUES = "parameters/value"
PARAMETER_UNITS = "parameters/units"
PARAMETER_SOURCES = "parameters/source"
#: Only with cell-to-cell variability: cell_value [replicate, parameter], distribution and cv [parameter].
PARAMETER_CELL_VALUES = "parameters/cell_value"
PARAMETER_DISTRIBUTIONS = "parameters/distribution"
PARAMETER_CVS = "parameters/cv"
#: The same three by their names inside the ``parameters`` group.
PARAMETER_CELL_VALUE_NAME = "cell_value"
PARAMETER_DISTRIBUTION_NAME = "distribution"
PARAMETER_CV_NAME = "cv"
INPUT_PARAMS = "input/params"
INPUT_RESOLVED = "input/resolved"
INPUT_MODEL = "input/model"
INPUT_OVERRIDES = "input/overrides"

# The vesicle event log (stochastic methods with ``--events``): one row per bud or fusion, ordered
# by replicate, then time. Version 1 stored the row number in /events/event and the load over
# /species; version 2 stores no values for /events/event and the load over /events/cargo.
EVENT_REPLICATE = "events/replicate"
EVENT_TIME = "events/time"
EVENT_ROUTE = "events/route"
EVENT_KIND = "events/kind"
EVENT_VESICLE = "events/vesicle"
EVENT_LOAD = "events/load"
EVENT_CARGO = "events/cargo"
EVENT_COUNT_ATTRIBUTE = "count"
#: Values of /events/kind, in order (its ``flag_meanings``).
EVENT_KINDS = ("bud", "fuse")
#: The first format version whose /events/load is over /events/cargo (earlier: over /species).
EVENT_CARGO_SINCE_VERSION = 2

#: Variables of the ``vesicles`` group that :func:`egress_analysis.open_result` merges into the
#: root dataset (their dataset names, i.e. the path below the group).
VESICLE_VARIABLES = ("budded", "fused", "in_transit", "cargo_in_transit")


@dataclass(frozen=True)
class Variable:
    """One dataset of the result file."""

    path: str
    dims: tuple[str, ...]
    dtype: str  # "float64", "int64", "string"; "count" is int64, or float64 for method "ode"
    units: str | None


#: The datasets of format version 2 (the same in version 1), keyed by path. ``units`` is the
#: value of the dataset's ``units`` attribute where the writer sets one.
VARIABLES: dict[str, Variable] = {
    v.path: v
    for v in (
        Variable(TIME, (TIME_DIM,), "float64", "s"),
        Variable(SPECIES, (SPECIES_DIM,), "string", None),
        Variable(REPLICATE, (REPLICATE_DIM,), "int64", None),
        Variable(AMOUNTS, (REPLICATE_DIM, TIME_DIM, SPECIES_DIM), "float64", "molecules"),
        Variable(ROUTE, (ROUTE_DIM,), "string", None),
        Variable(BUDDED, (REPLICATE_DIM, TIME_DIM, ROUTE_DIM), "count", "vesicles (cumulative)"),
        Variable(FUSED, (REPLICATE_DIM, TIME_DIM, ROUTE_DIM), "count", "vesicles (cumulative)"),
        Variable(IN_TRANSIT, (REPLICATE_DIM, TIME_DIM, ROUTE_DIM), "count", "vesicles"),
        Variable(CARGO_IN_TRANSIT, (REPLICATE_DIM, TIME_DIM, SPECIES_DIM), "float64",
                 "molecules, by acceptor species"),
        Variable(PARAMETER_NAMES, (PARAMETER_DIM,), "string", None),
        Variable(PARAMETER_VALUES, (PARAMETER_DIM,), "float64", None),
        Variable(PARAMETER_UNITS, (PARAMETER_DIM,), "string", None),
        Variable(PARAMETER_SOURCES, (PARAMETER_DIM,), "string", None),
        Variable(INPUT_PARAMS, (), "string", None),
        Variable(INPUT_RESOLVED, (), "string", None),
    )
}


# ---- sweep files (docs/sweeps.md) -----------------------------------------------------------------

SWEEP_FORMAT = "egress-sweep"
SWEEP_FORMAT_VERSION = 1
OLDEST_SWEEP_FORMAT_VERSION = 1

POINT_DIM = "point"
AXIS_DIM = "axis"
METRIC_DIM = "metric"

SWEEP_POINT_VALUES = "point_values"          # float64 [point, axis]
SWEEP_AXIS_TARGET = "axis_target"            # string [axis]
SWEEP_FINAL_AMOUNTS = "final_amounts"        # float64 [point, replicate, species], molecules
SWEEP_BUDDED_TOTAL = "budded_total"          # float64 [point, replicate, route], vesicles
SWEEP_FUSED_TOTAL = "fused_total"            # float64 [point, replicate, route], vesicles
SWEEP_PEAK_IN_TRANSIT = "peak_in_transit"    # float64 [point, replicate, route], vesicles
SWEEP_METRIC_VALUES = "metric_values"        # float64 [point, replicate, metric]
SWEEP_METRIC_DEFINITION = "metric_definition"  # string [metric]
SWEEP_POINT_ERROR = "point_error"            # string [point], "" where the point ran
SWEEP_SALTELLI_BLOCK = "saltelli_block"      # int32 [point]: 0 = A, 1 = B, 2 + i = AB_i
SWEEP_SALTELLI_ROW = "saltelli_row"          # int32 [point]
#: Root attributes every sweep file carries.
SWEEP_ROOT_ATTRIBUTES = ("format", "format_version", "egress_version", "command", "created", "sweep_id",
                         "points_total", "replicates", "design", "method", "streams", "seed", "saltelli",
                         "points_failed", "complete")
