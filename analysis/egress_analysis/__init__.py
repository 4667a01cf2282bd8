"""Analysis of egress results: open a run or a sweep, read off kinetics, compare, draw, report.

>>> import egress_analysis as ea
>>> ds = ea.open_result("results/default.h5")           # xarray.Dataset (replicate, time, species)
>>> ea.replicate_metrics(ds)                             # half-times, rate constants (%/min), flux
>>> ea.ensemble(ds)                                      # mean and 5-95 % band per compartment
>>> ea.compare("results/default.h5", "results/sec23a.h5")  # effects with confidence intervals
>>> ea.plot_time_courses(ds, "time_courses.png")
>>> ds = ea.run("params/default.toml", method="ssa", replicates=20)   # runs the egress program

Command line: ``python3 -m egress_analysis report RESULT.h5 -o DIR``.
"""

from . import schema
from .compare import compare, saltelli_indices, sobol_from_blocks, sobol_indices, sweep_table
from .io import (IncompleteResultError, UnsupportedFormatError, cell_values, events, has_events, open_any, open_result, open_sweep,
                 parameters, perturbations)
from .kinetics import (compartment_amounts, decay_half_time, ensemble, event_intervals, event_rate, event_statistics,
                       half_times, rate_constants, replicate_metrics, rise_half_time, secretion_flux, settling_time,
                       steady_state)
from .runner import EgressError, EgressInputError, find_egress, run

__version__ = "0.2.0"

_FIGURES = ("plot_time_courses", "plot_event_raster", "plot_comparison", "plot_sweep_heatmap", "plot_sobol")

__all__ = [
    "schema", "IncompleteResultError", "UnsupportedFormatError", "open_result", "open_sweep", "open_any", "events",
    "has_events", "cell_values", "parameters", "perturbations", "compartment_amounts", "ensemble", "secretion_flux", "half_times",
    "rate_constants", "steady_state", "replicate_metrics", "rise_half_time", "decay_half_time", "settling_time",
    "event_intervals", "event_rate", "event_statistics", "compare", "sweep_table", "sobol_indices",
    "saltelli_indices", "sobol_from_blocks", "run", "find_egress", "EgressError", "EgressInputError",
    "plot_compartments", *_FIGURES,
]


def __getattr__(name):
    # Figures are imported on first use, not here: importing them eagerly would load matplotlib
    # for users who only read data, and make `python -m egress_analysis.plot` warn that the
    # module was already imported.
    if name == "plot_compartments":
        from .plot import plot_compartments

        return plot_compartments
    if name in _FIGURES:
        from . import figures

        return getattr(figures, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
