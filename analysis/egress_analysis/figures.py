"""Publication figures: compartment time courses with bands, vesicle event rasters,
baseline-against-perturbation panels, sweep heatmaps and Sobol indices.

Every function returns a :class:`matplotlib.figure.Figure` (drawn without pyplot, so no GUI
backend is needed and the caller's backend is untouched) and, given ``path``, saves it: the
suffix picks the format (``.png`` at 300 dpi, ``.svg`` with editable text, ``.pdf``). Sizes are
journal column widths in inches (single 3.5, double 7.2); fonts 8 pt; colours from the Okabe-Ito
palette, which stays distinct for colour-blind readers and in greyscale.
"""

from __future__ import annotations

import functools
import os
import pathlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from cycler import cycler
from matplotlib import rc_context
from matplotlib.figure import Figure

from . import schema
from .kinetics import DEFAULT_BAND, ensemble, secretion_flux

#: Okabe & Ito (2008) colour-blind safe palette (black last: it is kept for baselines).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
SINGLE_COLUMN_IN = 3.5
DOUBLE_COLUMN_IN = 7.2

STYLE = {
    "font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "legend.fontsize": 7,
    "xtick.labelsize": 7, "ytick.labelsize": 7, "axes.linewidth": 0.6, "lines.linewidth": 1.2,
    "xtick.major.width": 0.6, "ytick.major.width": 0.6, "axes.spines.top": False, "axes.spines.right": False,
    "legend.frameon": False, "savefig.dpi": 300, "savefig.bbox": "tight", "savefig.pad_inches": 0.02,
    "svg.fonttype": "none", "pdf.fonttype": 42, "axes.prop_cycle": cycler(color=PALETTE),
}


def _figure(width: float, height: float, **kwargs) -> Figure:
    return Figure(figsize=(width, height), layout="constrained", **kwargs)


def _styled(function):
    """Run a plotting function inside the house style: matplotlib reads rcParams when each artist
    is made, so the whole figure must be built within the style's context."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with rc_context(STYLE):
            return function(*args, **kwargs)

    return wrapper


def save(figure: Figure, path: str | os.PathLike) -> pathlib.Path:
    """Save ``figure`` to ``path`` (format from the suffix) with the house style; returns it."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with rc_context(STYLE):
        figure.savefig(path, metadata={"Date": None} if path.suffix == ".svg" else None)
    return path


def _finish(figure: Figure, path: str | os.PathLike | None) -> Figure:
    if path is not None:
        save(figure, path)
    return figure


def _shade_perturbations(axes, ds: xr.Dataset) -> None:
    """Grey spans over the windows of the run's perturbations, labelled with their names."""
    if "perturbation_name" not in ds:
        return
    t_end = float(ds[schema.TIME_DIM].values[-1])
    for name, start, end in zip(ds["perturbation_name"].values, ds["perturbation_start"].values,
                                ds["perturbation_end"].values):
        start = 0.0 if not np.isfinite(start) else float(start)
        end = t_end if not np.isfinite(end) else min(float(end), t_end)
        axes.axvspan(start / 60.0, end / 60.0, color="0.85", zorder=0, linewidth=0)
        axes.text((start + end) / 120.0, 0.98, str(name), transform=axes.get_xaxis_transform(), ha="center",
                  va="top", fontsize=6, color="0.35")


def _band_lines(axes, minutes: np.ndarray, stats: xr.Dataset, labels: Sequence[str], colors: Sequence[str],
                linestyle: str = "-", suffix: str = "") -> None:
    for label, color in zip(labels, colors):
        mean = stats["mean"].sel(compartment=label).values
        axes.plot(minutes, mean, color=color, linestyle=linestyle, label=f"{label}{suffix}")
        if stats.attrs.get("replicates", 1) > 1:
            band = stats["band"].sel(compartment=label)
            axes.fill_between(minutes, band.isel(quantile=0).values, band.isel(quantile=-1).values, color=color,
                              alpha=0.2, linewidth=0)


def _band_text(stats: xr.Dataset) -> str:
    n = stats.attrs.get("replicates", 1)
    if n <= 1:
        return "1 replicate"
    q = stats["quantile"].values
    return f"mean of {n} replicates, {q[0]:.0%}-{q[-1]:.0%} band"


@_styled
def plot_time_courses(ds: xr.Dataset, path: str | os.PathLike | None = None, *,
                      quantiles: Sequence[float] = DEFAULT_BAND, species: Sequence[str] | str | None = None,
                      title: str | None = None) -> Figure:
    """Cargo per compartment against time (min), ensemble mean with a quantile band, cargo in
    vesicles in transit dotted; below, the secretion flux (molecules/min) with its band.
    Perturbation windows are shaded and named."""
    stats = ensemble(ds, quantiles=quantiles, species=species)
    flux = secretion_flux(ds, species=species)
    minutes = ds[schema.TIME_DIM].values / 60.0
    figure = _figure(SINGLE_COLUMN_IN * 1.4, 4.0)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(2.2, 1))
    compartments = [str(c) for c in stats[schema.COMPARTMENT_DIM].values if c != "in transit"]
    _band_lines(top, minutes, stats, compartments, PALETTE)
    if "in transit" in stats[schema.COMPARTMENT_DIM].values and np.any(stats["mean"].sel(compartment="in transit").values):
        _band_lines(top, minutes, stats, ["in transit"], ["0.4"], linestyle=":")
    _shade_perturbations(top, ds)
    top.set_ylabel("cargo (molecules)")
    top.set_ylim(bottom=0)
    top.legend(loc="center right")
    top.set_title(title or f"{ds.attrs.get('model', 'egress')}: {ds.attrs.get('method', '?')}, {_band_text(stats)}",
                  loc="left", pad=10)

    mean = flux.mean(schema.REPLICATE_DIM).values
    bottom.plot(minutes, mean, color=PALETTE[2])
    if flux.sizes[schema.REPLICATE_DIM] > 1:
        low, high = np.quantile(flux.values, [quantiles[0], quantiles[-1]], axis=0)
        bottom.fill_between(minutes, low, high, color=PALETTE[2], alpha=0.2, linewidth=0)
    _shade_perturbations(bottom, ds)
    bottom.set_ylabel(f"flux into {compartments[-1]}\n(molecules/min)")
    bottom.set_xlabel("time (min)")
    bottom.set_xlim(minutes[0], minutes[-1])
    return _finish(figure, path)


@_styled
def plot_event_raster(events: pd.DataFrame, path: str | os.PathLike | None = None, *, replicates: int = 10,
                      window: tuple[float, float] | None = None) -> Figure:
    """Vesicle events of the first ``replicates`` cells as a raster, as a TIRF movie would show
    them: one row per cell, one tick per event at its time (min), coloured by route; buds above,
    fusions below. ``window`` (s) defaults to the first 10 minutes (the whole run if shorter):
    over hours, tens of events a minute merge into a solid bar."""
    from matplotlib.lines import Line2D

    chosen = sorted(events[schema.REPLICATE_DIM].unique())[:replicates] if len(events) else []
    routes = list(events["route"].cat.categories)
    t_end = float(events.attrs.get("t_end", events["time"].max() if len(events) else 600.0))
    lo, hi = window or (0.0, min(600.0, t_end))
    figure = _figure(DOUBLE_COLUMN_IN, 1.0 + 0.14 * max(1, len(chosen)) * 2)
    panels = figure.subplots(2, 1, sharex=True)
    for axes, kind in zip(panels, schema.EVENT_KINDS):
        of_kind = events[(events["kind"] == kind) & (events["time"] >= lo) & (events["time"] <= hi)]
        for r, color in zip(routes, PALETTE):
            of_route = of_kind[of_kind["route"] == r]
            by_cell = dict(tuple(of_route.groupby(schema.REPLICATE_DIM)))
            rows = [by_cell[c]["time"].to_numpy() / 60.0 if c in by_cell else np.empty(0) for c in chosen]
            if rows:
                # Thousands of ticks per cell: rasterized, so an SVG or PDF stays small.
                for collection in axes.eventplot(rows, lineoffsets=np.arange(len(chosen)), linelengths=0.8,
                                                 linewidths=0.6, colors=color):
                    collection.set_rasterized(True)
        axes.set_ylabel(f"{'buds' if kind == 'bud' else 'fusions'}\ncell")
        axes.set_ylim(-0.6, max(1, len(chosen)) - 0.4)
        axes.invert_yaxis()
        step = max(1, len(chosen) // 5)
        axes.set_yticks(range(0, len(chosen), step), [str(c) for c in chosen[::step]])
    handles = [Line2D([], [], color=color, linewidth=1.2, label=r) for r, color in zip(routes, PALETTE)]
    panels[0].legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(routes))
    panels[0].set_title(f"vesicle events, {len(chosen)} cell(s), {lo / 60:g}-{hi / 60:g} min", loc="left")
    panels[-1].set_xlabel("time (min)")
    panels[-1].set_xlim(lo / 60.0, hi / 60.0)
    return _finish(figure, path)


@_styled
def plot_comparison(baseline: xr.Dataset, perturbed: xr.Dataset, comparison: pd.DataFrame | None = None,
                    path: str | os.PathLike | None = None, *, labels: tuple[str, str] = ("baseline", "perturbed"),
                    quantiles: Sequence[float] = DEFAULT_BAND) -> Figure:
    """Baseline against perturbation: left, each compartment's mean and band (baseline solid,
    perturbed dashed, perturbation windows shaded); right, the relative effect on each metric
    (%, perturbed against baseline) with its confidence interval (from :func:`compare`)."""
    from .compare import compare

    comparison = compare(baseline, perturbed) if comparison is None else comparison
    figure = _figure(DOUBLE_COLUMN_IN, 3.2)
    left, right = figure.subplots(1, 2, width_ratios=(1.1, 1))
    a, b = ensemble(baseline, quantiles=quantiles), ensemble(perturbed, quantiles=quantiles)
    compartments = [str(c) for c in a[schema.COMPARTMENT_DIM].values if c != "in transit"]
    _band_lines(left, baseline[schema.TIME_DIM].values / 60.0, a, compartments, PALETTE, "-", f" ({labels[0]})")
    _band_lines(left, perturbed[schema.TIME_DIM].values / 60.0, b, compartments, PALETTE, "--", f" ({labels[1]})")
    _shade_perturbations(left, perturbed)
    left.set_xlabel("time (min)")
    left.set_ylabel("cargo (molecules)")
    left.set_ylim(bottom=0)
    left.legend(loc="center right", fontsize=6)
    left.set_title(f"{labels[0]}: {_band_text(a)}; {labels[1]}: {_band_text(b)}", loc="left", fontsize=7)

    shown = comparison[np.isfinite(comparison["relative (%)"])]
    y = np.arange(len(shown))
    value = shown["relative (%)"].to_numpy()
    low = np.nan_to_num(value - shown["relative low"].to_numpy())
    high = np.nan_to_num(shown["relative high"].to_numpy() - value)
    right.errorbar(value, y, xerr=[low, high], fmt="o", color=PALETTE[3], markersize=3, elinewidth=0.8, capsize=2)
    right.axvline(0.0, color="0.5", linewidth=0.6)
    right.set_yticks(y, list(shown.index))
    right.invert_yaxis()
    confidence = comparison.attrs.get("confidence", 0.95)
    right.set_xlabel(f"{labels[1]} vs {labels[0]} (%), {confidence:.0%} CI")
    return _finish(figure, path)


def _is_log_spaced(values: np.ndarray) -> bool:
    values = np.unique(values)
    if len(values) < 3 or np.any(values <= 0):
        return False
    ratios = values[1:] / values[:-1]
    return bool(np.allclose(ratios, ratios[0], rtol=1e-6) and not np.allclose(np.diff(values), np.diff(values)[0], rtol=1e-6))


@_styled
def plot_sweep_heatmap(sweep, metric: str, path: str | os.PathLike | None = None, *, x: str | None = None,
                       y: str | None = None, bins: int = 12) -> Figure:
    """A sweep's metric (mean over replicates, and over the other axes) over two axes.

    ``sweep`` is a sweep file, a dataset from :func:`open_sweep` or a frame from
    :func:`sweep_table`; ``metric`` a column of that table. ``x`` and ``y`` default to the first
    two axes. A grid is drawn cell by cell (log axes where its values are log-spaced); sampled
    designs (Latin hypercube, Sobol) are binned into ``bins`` x ``bins`` cells, each the mean of
    its points. A sweep with one axis gives a line."""
    from .compare import sweep_table

    table = sweep if isinstance(sweep, pd.DataFrame) else sweep_table(sweep)
    axes_names = table.attrs.get("axes") or [c for c in table.columns][:2]
    if metric not in table.columns:
        raise ValueError(f"unknown metric {metric!r}; the sweep table has {list(table.columns)}")
    x = x or axes_names[0]
    figure = _figure(SINGLE_COLUMN_IN * 1.3, 2.8)
    axes = figure.subplots()
    ok = table[~table["failed"].astype(bool)] if "failed" in table else table
    if len(axes_names) < 2 and y is None:
        means = ok.groupby(x)[metric].mean()
        axes.plot(means.index, means.values, marker="o", markersize=3, color=PALETTE[0])
        axes.set_xlabel(x)
        axes.set_ylabel(metric)
        if _is_log_spaced(means.index.to_numpy()):
            axes.set_xscale("log")
        return _finish(figure, path)
    y = y or axes_names[1]
    grid = table.attrs.get("design") in ("grid", "list") or ok.groupby([x, y]).ngroups <= bins * bins
    if grid:
        pivot = ok.groupby([y, x])[metric].mean().unstack(x)
        xs, ys = pivot.columns.to_numpy(float), pivot.index.to_numpy(float)
        log_x, log_y = _is_log_spaced(xs), _is_log_spaced(ys)

        def edges(v: np.ndarray, log: bool) -> np.ndarray:
            if len(v) == 1:
                return np.array([v[0] * 0.9, v[0] * 1.1]) if v[0] else np.array([-0.5, 0.5])
            w = np.log10(v) if log else v
            mid = (w[1:] + w[:-1]) / 2
            e = np.concatenate([[w[0] - (mid[0] - w[0])], mid, [w[-1] + (w[-1] - mid[-1])]])
            return 10 ** e if log else e

        mesh = axes.pcolormesh(edges(xs, log_x), edges(ys, log_y), pivot.to_numpy(float), cmap="viridis",
                               shading="flat")
        if log_x:
            axes.set_xscale("log")
        if log_y:
            axes.set_yscale("log")
        if pivot.size <= 64:
            values = pivot.to_numpy(float)
            finite = values[np.isfinite(values)]
            middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
            for i, yv in enumerate(ys):
                for j, xv in enumerate(xs):
                    if np.isfinite(values[i, j]):
                        axes.text(xv, yv, f"{values[i, j]:.3g}", ha="center", va="center", fontsize=6,
                                  color="white" if values[i, j] < middle else "black")
    else:
        xv, yv, mv = ok[x].to_numpy(float), ok[y].to_numpy(float), ok[metric].to_numpy(float)
        keep = np.isfinite(mv)
        log_x = np.all(xv > 0) and xv.max() / xv.min() > 100
        log_y = np.all(yv > 0) and yv.max() / yv.min() > 100
        bx = np.geomspace(xv.min(), xv.max(), bins + 1) if log_x else np.linspace(xv.min(), xv.max(), bins + 1)
        by = np.geomspace(yv.min(), yv.max(), bins + 1) if log_y else np.linspace(yv.min(), yv.max(), bins + 1)
        total, _, _ = np.histogram2d(xv[keep], yv[keep], bins=[bx, by], weights=mv[keep])
        count, _, _ = np.histogram2d(xv[keep], yv[keep], bins=[bx, by])
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / count, np.nan)
        mesh = axes.pcolormesh(bx, by, mean.T, cmap="viridis", shading="flat")
        if log_x:
            axes.set_xscale("log")
        if log_y:
            axes.set_yscale("log")
    bar = figure.colorbar(mesh, ax=axes)
    bar.set_label(metric)
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    others = [a for a in axes_names if a not in (x, y)]
    note = f"{table.attrs.get('design', 'sweep')}, {len(ok)} points"
    if others:
        note += f"; mean over {', '.join(others)}"
    axes.set_title(note, loc="left", fontsize=7)
    return _finish(figure, path)


@_styled
def plot_sobol(indices: pd.DataFrame, path: str | os.PathLike | None = None, *, output: str = "") -> Figure:
    """First-order (S1) and total (ST) Sobol indices per axis with their intervals, as bars."""
    figure = _figure(SINGLE_COLUMN_IN, 2.4)
    axes = figure.subplots()
    x = np.arange(len(indices))
    for offset, key, color in ((-0.18, "S1", PALETTE[0]), (0.18, "ST", PALETTE[1])):
        value = indices[key].to_numpy()
        err = [np.nan_to_num(value - indices[f"{key} low"].to_numpy()),
               np.nan_to_num(indices[f"{key} high"].to_numpy() - value)]
        axes.bar(x + offset, value, width=0.34, color=color, label={"S1": "first order", "ST": "total"}[key],
                 yerr=np.clip(err, 0, None), error_kw={"elinewidth": 0.6, "capsize": 2})
    axes.set_xticks(x, list(indices.index), rotation=20, ha="right")
    axes.set_ylabel("Sobol index")
    axes.axhline(0.0, color="0.5", linewidth=0.6)
    axes.legend()
    if output:
        axes.set_title(f"sensitivity of {output} ({indices.attrs.get('rows', '?')} rows)", loc="left")
    return _finish(figure, path)
