"""Analysis of egress result files (HDF5, contract section 4).

>>> from egress_analysis import open_result, parameters, plot_compartments
>>> ds = open_result("results/default.h5")        # xarray.Dataset
>>> ds.amounts.sel(species="cargo_ER")             # (replicate, time)
>>> parameters("results/default.h5").loc["k_copii", "value"]
>>> cell_values("results/cell_variability.h5")["k_copii"]   # per replicate, with variability
>>> plot_compartments(ds, "default.png")
"""

from . import schema
from .io import IncompleteResultError, cell_values, open_result, parameters

__all__ = ["schema", "IncompleteResultError", "cell_values", "open_result", "parameters", "plot_compartments"]


def __getattr__(name):
    # plot is imported on first use, not here: importing it eagerly would make
    # `python -m egress_analysis.plot` warn that the module was already imported, and would load
    # matplotlib for users who only read data.
    if name == "plot_compartments":
        from .plot import plot_compartments

        return plot_compartments
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
