"""Figures of egress results.

Command line::

    PYTHONPATH=analysis /usr/bin/python3 -m egress_analysis.plot RESULT.h5 -o OUT.png
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys

import numpy as np
import xarray as xr
# A bare Figure renders through Agg when saved, without pyplot: no GUI backend is needed on a
# cluster node, and importing this module does not change the backend of the caller's session.
from matplotlib.figure import Figure

from . import schema

#: Quantiles of the shaded band across replicates.
BAND = (0.05, 0.95)


def _draw_series(axes, minutes: np.ndarray, data: xr.DataArray, label_dim: str) -> None:
    """One line per label (mean over replicates), with a quantile band when there is a spread."""
    replicates = data.sizes[schema.REPLICATE_DIM]
    mean = data.mean(schema.REPLICATE_DIM)
    if replicates > 1:
        band = data.quantile(list(BAND), dim=schema.REPLICATE_DIM)
    for label in data[label_dim].values:
        (line,) = axes.plot(minutes, mean.sel({label_dim: label}).values, label=str(label))
        if replicates > 1:
            selected = band.sel({label_dim: label})
            axes.fill_between(minutes, selected.isel(quantile=0).values, selected.isel(quantile=1).values,
                              color=line.get_color(), alpha=0.25, linewidth=0)


def plot_compartments(ds: xr.Dataset, path: str | os.PathLike) -> pathlib.Path:
    """Save a PNG of a result opened with :func:`egress_analysis.open_result`.

    Top panel: amount of each species against time in minutes (mean over replicates; with more
    than one replicate a shaded band from the 5th to the 95th percentile). Bottom panel: vesicles
    in transit per route, drawn the same way. Returns the path written.
    """
    path = pathlib.Path(path)
    minutes = ds[schema.TIME_DIM].values / 60.0
    replicates = ds.sizes[schema.REPLICATE_DIM]

    figure = Figure(figsize=(8, 7), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(2, 1))

    _draw_series(top, minutes, ds[schema.AMOUNTS], schema.SPECIES_DIM)
    top.set_ylabel("amount (molecules)")
    top.legend(loc="best", fontsize="small")
    counted = f"{replicates} replicate" + ("s" if replicates != 1 else "")
    spread = f", mean and {BAND[0]:.0%}-{BAND[1]:.0%} band" if replicates > 1 else ""
    title = f"{ds.attrs.get('model', 'egress')} ({ds.attrs.get('method', '?')}, {counted}{spread})"
    top.set_title(title)

    in_transit = ds["in_transit"]
    if in_transit.sizes.get(schema.ROUTE_DIM, 0) > 0:
        _draw_series(bottom, minutes, in_transit, schema.ROUTE_DIM)
        bottom.legend(loc="best", fontsize="small")
    else:
        bottom.text(0.5, 0.5, "no vesicle routes", ha="center", va="center", transform=bottom.transAxes)
    bottom.set_ylabel("vesicles in transit")
    bottom.set_xlabel("time (min)")

    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=120)
    return path


def main(argv: list[str] | None = None) -> int:
    from .io import open_result

    parser = argparse.ArgumentParser(prog="python -m egress_analysis.plot",
                                     description="Plot compartment amounts and vesicles in transit of an egress result.")
    parser.add_argument("result", help="result file (HDF5) written by `egress run`")
    parser.add_argument("-o", "--output", help="PNG to write (default: RESULT with suffix .png)")
    args = parser.parse_args(argv)
    output = args.output or str(pathlib.Path(args.result).with_suffix(".png"))
    try:
        with open_result(args.result) as ds:
            written = plot_compartments(ds, output)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
