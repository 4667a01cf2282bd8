"""Kinetics of a run: compartment curves, ensemble bands, half-times, rate constants, flux,
steady state and vesicle event statistics.

Every function takes a dataset from :func:`egress_analysis.open_result` (or, for the event
statistics, a frame from :func:`egress_analysis.events`). Times are seconds in the file and
minutes in the numbers biologists quote; each result says its unit in its name.

**Compartments and the pathway.** Species are summed by compartment (``species_compartment``).
The *pathway* is the order in which cargo passes the compartments (``ds.attrs["pathway"]``,
derived from the model's vesicle routes and reactions, e.g. ER, Golgi, extracellular). Cargo in
vesicles in transit belongs to no compartment: it has *left* the route's donor and has not
*arrived* at the acceptor. So, for a compartment ``c`` of the pathway:

* ``arrived(c)`` = cargo in ``c`` and every later compartment, plus cargo in transit from ``c``
  or a later compartment (what has reached ``c`` so far);
* ``left(c)`` = ``arrived(c) - amount(c)`` (what has gone on from ``c``).

**Half-times** use the sweep metrics' definitions (docs/sweeps.md, ``engine/core/Metrics.cpp``),
with linear interpolation between samples: the *exit half-time* of ``c`` is the first time after
its peak that ``amount(c)`` falls to half the peak (``decay_half_time``; for a bolus released at
t = 0 from the ER, the ER exit half-time); the *arrival half-time* of ``c`` is the first time
``arrived(c)`` reaches half its final value (``rise_half_time``); the *secretion half-time* is
the arrival half-time of the last compartment of the pathway.

**First-order rate constants** are fitted the way Hirschberg et al. (1998, J Cell Biol 143:1485)
report them, as the fraction of a compartment's content that leaves it per minute (%/min): if
cargo leaves ``c`` at ``k * amount(c)``, then ``left(c)(t) - left(c)(t0) = k * integral_t0^t
amount(c)``, whatever flows in. ``k`` is the least-squares slope of that line through the origin
(trapezoidal integral on the output grid; error about ``(k dt)^2 / 12``, under 1e-4 for the
default model). The fit uses only transport: degradation in ``c`` (ERAD) does not count as exit.

**Large files.** Functions that take a dataset read it in blocks of at most ``block_bytes``
(default :data:`BLOCK_BYTES`) of replicates or times, so they work on files larger than memory
(open those with :func:`~egress_analysis.open_result`'s default ``cache=None``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from . import schema

#: Largest block of trajectory data (bytes) read at once by the functions of this module.
BLOCK_BYTES = 64 << 20

#: Quantiles of the default ensemble band (5th and 95th percentile).
DEFAULT_BAND = (0.05, 0.95)


# ---- one-dimensional metrics (numpy; vectorised over leading axes) ----------------------------

def _first_crossing(t: np.ndarray, x: np.ndarray, start: np.ndarray, level: np.ndarray, rising: bool) -> np.ndarray:
    """For each row of ``x`` (n, T): the first time at or after sample ``start`` where the row
    reaches ``level`` (from below when rising, from above otherwise), interpolated linearly;
    NaN where it never does. Mirrors ``firstCrossing`` in engine/core/Metrics.cpp."""
    n, T = x.shape
    index = np.arange(T)
    with np.errstate(invalid="ignore"):
        reached = (x >= level[:, None]) if rising else (x <= level[:, None])
    reached &= index[None, :] >= start[:, None]
    found = reached.any(axis=1)
    i = np.argmax(reached, axis=1)
    out = np.full(n, np.nan)
    at_start = found & (i == start)
    out[at_start] = t[i[at_start]]
    between = found & (i > start)
    rows, j = np.nonzero(between)[0], i[between]
    if rows.size:
        x0, x1 = x[rows, j - 1], x[rows, j]
        span = x1 - x0
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(span != 0.0, (level[rows] - x0) / span, 1.0)
        out[rows] = t[j - 1] + np.clip(f, 0.0, 1.0) * (t[j] - t[j - 1])
    return out


def rise_half_time(t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """First time the curve reaches half its final value (s); NaN where the final value is not
    positive. ``x`` is (..., T); the result has its leading shape."""
    x = np.asarray(x, dtype=float)
    flat = x.reshape(-1, x.shape[-1])
    final = flat[:, -1]
    out = _first_crossing(np.asarray(t, float), flat, np.zeros(len(flat), int), 0.5 * final, rising=True)
    out[~(final > 0)] = np.nan
    return out.reshape(x.shape[:-1])


def decay_half_time(t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """First time after the peak the curve falls to half the peak (s); NaN where it never does
    or the peak is not positive. ``x`` is (..., T)."""
    x = np.asarray(x, dtype=float)
    flat = x.reshape(-1, x.shape[-1])
    peak = np.argmax(flat, axis=1)
    top = flat[np.arange(len(flat)), peak]
    out = _first_crossing(np.asarray(t, float), flat, peak, 0.5 * top, rising=False)
    out[~(top > 0)] = np.nan
    return out.reshape(x.shape[:-1])


def _cumulative_integral(t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Trapezoidal integral of x (..., T) from t[0] to each t."""
    steps = 0.5 * (x[..., 1:] + x[..., :-1]) * np.diff(t)
    return np.concatenate([np.zeros(x.shape[:-1] + (1,)), np.cumsum(steps, axis=-1)], axis=-1)


def first_order_exit(t: np.ndarray, amount: np.ndarray, left: np.ndarray,
                     window: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``d left / dt = k * amount`` over ``window`` (s; default the whole run).

    ``amount`` and ``left`` are (..., T): a compartment's content and the cumulative cargo that
    has gone on from it. Returns ``k`` (1/s) and the fit's R^2 (1 - residual / total sum of
    squares about zero), each of the leading shape; NaN where the compartment stayed empty.
    """
    t = np.asarray(t, float)
    lo, hi = (t[0], t[-1]) if window is None else window
    keep = (t >= lo) & (t <= hi)
    if keep.sum() < 2:
        raise ValueError(f"window {window} holds fewer than two samples")
    t, amount, left = t[keep], np.asarray(amount, float)[..., keep], np.asarray(left, float)[..., keep]
    integral = _cumulative_integral(t, amount)
    gone = left - left[..., :1]
    sxx = np.sum(integral * integral, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.sum(integral * gone, axis=-1) / sxx
        residual = np.sum((gone - k[..., None] * integral) ** 2, axis=-1)
        r2 = 1.0 - residual / np.sum(gone * gone, axis=-1)
    k = np.where(sxx > 0, k, np.nan)
    return k, r2


def settling_time(t: np.ndarray, x: np.ndarray, rtol: float = 0.02, tail: float = 0.1) -> float:
    """Steady state of one curve: the time after which it stays within ``rtol`` x (its largest
    absolute value) of its final value (s), interpolated linearly at the last exit from that
    band. NaN when the curve has not settled by ``t_end - tail * (t_end - t0)`` (a steady state
    needs the last ``tail`` of the run inside the band), or when it still drifts: at its mean
    slope over that tail it would move by more than the band in another run of the same length. For ``c (1 - exp(-k t))`` and ``c exp(-k t)`` the 2 % settling time is
    ``ln(50) / k``, the usual control-engineering definition."""
    t, x = np.asarray(t, float), np.asarray(x, float)
    scale = np.max(np.abs(x))
    if not np.isfinite(scale):
        return float("nan")
    band = rtol * scale
    outside = np.abs(x - x[-1]) > band
    if not outside.any():
        return float(t[0])
    i = int(np.nonzero(outside)[0][-1])  # the last sample outside the band; i + 1 is inside
    d0, d1 = x[i] - x[-1], x[i + 1] - x[-1]
    edge = band if d0 > 0 else -band
    f = (d0 - edge) / (d0 - d1) if d0 != d1 else 1.0
    settled = t[i] + np.clip(f, 0.0, 1.0) * (t[i + 1] - t[i])
    if settled > t[-1] - tail * (t[-1] - t[0]):
        return float("nan")
    # Still drifting: at the tail's mean slope the curve would leave the band within one more run.
    start = int(np.searchsorted(t, t[-1] - tail * (t[-1] - t[0])))
    start = min(start, len(t) - 2)
    slope = (x[-1] - x[start]) / (t[-1] - t[start])
    return float(settled) if abs(slope) * (t[-1] - t[0]) <= band else float("nan")


# ---- compartment curves ------------------------------------------------------------------------

def _names(values) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


@dataclass(frozen=True)
class _Layout:
    """How species and cargo in transit map onto the pathway's compartments."""

    pathway: list[str]          # compartments in cargo order
    species: np.ndarray         # indices of the selected species
    to_compartment: np.ndarray  # (S_selected, C) one-hot: species -> compartment of the pathway
    transit_donor: np.ndarray   # (S_selected,) pathway index of the donor of cargo in transit to each species; -1 none


def _layout(ds: xr.Dataset, species: Sequence[str] | str | None) -> _Layout:
    names = _names(ds[schema.SPECIES_DIM].values)
    compartment_of = dict(zip(names, _names(ds[schema.SPECIES_COMPARTMENT].values)))
    if species is None:
        selected = names
    else:
        selected = [species] if isinstance(species, str) else list(species)
        unknown = [s for s in selected if s not in compartment_of]
        if unknown:
            raise ValueError(f"unknown species {unknown}; the result has {names}")
    pathway = [c for c in ds.attrs.get("pathway", []) if c in {compartment_of[s] for s in selected}]
    if not pathway:  # a dataset not opened by open_result: compartments in file order
        pathway = list(dict.fromkeys(compartment_of[s] for s in selected))
    index = [names.index(s) for s in selected]
    onehot = np.zeros((len(selected), len(pathway)))
    for row, s in enumerate(selected):
        if compartment_of[s] in pathway:
            onehot[row, pathway.index(compartment_of[s])] = 1.0
    donors = ds.attrs.get("transit_donor", [""] * len(names))
    transit_donor = np.array([pathway.index(donors[i]) if donors[i] in pathway else -1 for i in index])
    return _Layout(pathway, np.array(index, dtype=int), onehot, transit_donor)


def _blocks(n: int, item_bytes: int, block_bytes: int | None) -> Iterator[slice]:
    step = max(1, int((block_bytes or BLOCK_BYTES) // max(1, item_bytes)))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def _read(ds: xr.Dataset, name: str, replicates: slice = slice(None), times: slice = slice(None)) -> np.ndarray:
    return np.asarray(ds[name].isel({schema.REPLICATE_DIM: replicates, schema.TIME_DIM: times}).values, dtype=float)


@dataclass
class _Curves:
    amount: np.ndarray   # (R, T, C) cargo in each compartment of the pathway
    arrived: np.ndarray  # (R, T, C)
    transit: np.ndarray  # (R, T) cargo in transit, all routes

    @property
    def left(self) -> np.ndarray:
        return self.arrived - self.amount


def _curves(ds: xr.Dataset, layout: _Layout, replicates: slice = slice(None), times: slice = slice(None)) -> _Curves:
    amounts = _read(ds, schema.AMOUNTS, replicates, times)[..., layout.species]
    transit = _read(ds, "cargo_in_transit", replicates, times)[..., layout.species]
    amount = amounts @ layout.to_compartment
    C = len(layout.pathway)
    # downstream[c', c] = 1 when c' >= c: summing over c' >= c gives what is in c or beyond.
    downstream = np.triu(np.ones((C, C))).T
    arrived = amount @ downstream
    donor_at_or_after = (layout.transit_donor[:, None] >= np.arange(C)[None, :]) & (layout.transit_donor[:, None] >= 0)
    arrived += transit @ donor_at_or_after.astype(float)
    return _Curves(amount, arrived, transit.sum(axis=-1))


def compartment_amounts(ds: xr.Dataset, *, species: Sequence[str] | str | None = None,
                        in_transit: bool = False) -> xr.DataArray:
    """Cargo per compartment: species summed by compartment, dims (replicate, time, compartment),
    compartments in pathway order (molecules). ``species`` restricts the sum (default: all);
    ``in_transit=True`` adds the label ``in transit`` (cargo inside vesicles of every route).

    Reads the whole selection into memory: for files larger than memory select replicates first
    (``ds.isel(replicate=slice(0, 100))``) or use :func:`ensemble`, which reads in blocks."""
    layout = _layout(ds, species)
    curves = _curves(ds, layout)
    data, labels = curves.amount, list(layout.pathway)
    if in_transit:
        data = np.concatenate([data, curves.transit[..., None]], axis=-1)
        labels.append("in transit")
    return xr.DataArray(data, dims=(schema.REPLICATE_DIM, schema.TIME_DIM, schema.COMPARTMENT_DIM),
                        coords={schema.REPLICATE_DIM: ds[schema.REPLICATE_DIM].values,
                                schema.TIME_DIM: ds[schema.TIME_DIM].values, schema.COMPARTMENT_DIM: labels},
                        name="cargo", attrs={"units": "molecules"})


def ensemble(ds: xr.Dataset, *, quantiles: Sequence[float] = DEFAULT_BAND, species: Sequence[str] | str | None = None,
             in_transit: bool = True, block_bytes: int | None = None) -> xr.Dataset:
    """Ensemble statistics of the compartment curves over replicates, read in blocks of times.

    Returns a Dataset over (time, compartment) with ``mean``, ``std`` (ddof 1; 0 for one
    replicate) and ``band`` (quantile, time, compartment) at ``quantiles`` (default 5th and 95th
    percentile; numpy's linear interpolation), in molecules; with ``in_transit`` (default) the
    compartment ``in transit`` holds the cargo inside vesicles. Attribute ``replicates``: the
    sample size."""
    layout = _layout(ds, species)
    R, T = ds.sizes[schema.REPLICATE_DIM], ds.sizes[schema.TIME_DIM]
    labels = list(layout.pathway) + (["in transit"] if in_transit else [])
    C = len(labels)
    mean, std = np.empty((T, C)), np.empty((T, C))
    band = np.empty((len(quantiles), T, C))
    item = R * len(_names(ds[schema.SPECIES_DIM].values)) * 8 * 2
    for times in _blocks(T, item, block_bytes):
        curves = _curves(ds, layout, times=times)
        data = curves.amount
        if in_transit:
            data = np.concatenate([data, curves.transit[..., None]], axis=-1)
        mean[times] = data.mean(axis=0)
        std[times] = data.std(axis=0, ddof=1) if R > 1 else 0.0
        band[:, times] = np.quantile(data, quantiles, axis=0)
    coords = {schema.TIME_DIM: ds[schema.TIME_DIM].values, schema.COMPARTMENT_DIM: labels, "quantile": list(quantiles)}
    dims = (schema.TIME_DIM, schema.COMPARTMENT_DIM)
    return xr.Dataset({"mean": (dims, mean, {"units": "molecules"}), "std": (dims, std, {"units": "molecules"}),
                       "band": (("quantile",) + dims, band, {"units": "molecules"})},
                      coords=coords, attrs={"replicates": R})


def secretion_flux(ds: xr.Dataset, *, compartment: str | None = None, species: Sequence[str] | str | None = None,
                   block_bytes: int | None = None) -> xr.DataArray:
    """Rate at which cargo arrives in ``compartment`` (default: the last of the pathway, where
    secreted cargo goes), molecules/min, dims (replicate, time): the time derivative of
    ``arrived(compartment)`` by central differences on the output grid (one-sided at the ends;
    ``numpy.gradient``). For ``A0 exp(-k t)`` leaving into it the error is about ``(k dt)^2 / 6``
    relative. A stochastic run's flux is as noisy as its counts: average over replicates
    (``.mean("replicate")``) or coarsen the grid for a smooth curve."""
    layout = _layout(ds, species)
    target = compartment or layout.pathway[-1]
    if target not in layout.pathway:
        raise ValueError(f"no compartment {target!r} with cargo; the pathway is {layout.pathway}")
    c = layout.pathway.index(target)
    t = ds[schema.TIME_DIM].values.astype(float)
    R = ds.sizes[schema.REPLICATE_DIM]
    out = np.empty((R, len(t)))
    for reps in _blocks(R, len(t) * len(_names(ds[schema.SPECIES_DIM].values)) * 16, block_bytes):
        arrived = _curves(ds, layout, replicates=reps).arrived[..., c]
        out[reps] = np.gradient(arrived, t, axis=-1) * 60.0 if len(t) > 1 else np.nan
    return xr.DataArray(out, dims=(schema.REPLICATE_DIM, schema.TIME_DIM),
                        coords={schema.REPLICATE_DIM: ds[schema.REPLICATE_DIM].values, schema.TIME_DIM: t},
                        name=f"flux into {target}", attrs={"units": "molecules/min"})


def half_times(ds: xr.Dataset, *, species: Sequence[str] | str | None = None,
               block_bytes: int | None = None) -> pd.DataFrame:
    """Half-times per replicate (min): ``<c> exit`` for every compartment but the last,
    ``<c> arrival`` for every compartment between the first and the last, and ``secretion``
    (arrival in the last compartment). Definitions in the module's doc. Index: replicate."""
    layout = _layout(ds, species)
    t = ds[schema.TIME_DIM].values.astype(float)
    rows = []
    R = ds.sizes[schema.REPLICATE_DIM]
    for reps in _blocks(R, len(t) * len(_names(ds[schema.SPECIES_DIM].values)) * 16, block_bytes):
        curves = _curves(ds, layout, replicates=reps)
        block = {}
        for c, name in enumerate(layout.pathway):
            if c < len(layout.pathway) - 1:
                block[f"{name} exit"] = decay_half_time(t, curves.amount[..., c]) / 60.0
            if c > 0:
                label = "secretion" if c == len(layout.pathway) - 1 else f"{name} arrival"
                block[label] = rise_half_time(t, curves.arrived[..., c]) / 60.0
        rows.append(pd.DataFrame(block, index=ds[schema.REPLICATE_DIM].values[reps]))
    frame = pd.concat(rows)
    frame.index.name = schema.REPLICATE_DIM
    return frame


def rate_constants(ds: xr.Dataset, *, window: tuple[float, float] | None = None, mean: bool = False,
                   species: Sequence[str] | str | None = None, block_bytes: int | None = None) -> pd.DataFrame:
    """First-order exit rate constants of every compartment of the pathway but the last, fitted
    per replicate (or, with ``mean=True``, to the ensemble-mean curves) over ``window`` (s).

    Returns a long frame, one row per (replicate, compartment): ``k_per_s`` (1/s),
    ``k_percent_per_min`` (100 x 60 x k, as Hirschberg et al. 1998 quote them) and ``r2``. A
    perturbation that changes the rate inside the window gives an average; fit its window alone
    for the rate during it. Replicate -1 stands for the mean curve."""
    layout = _layout(ds, species)
    t = ds[schema.TIME_DIM].values.astype(float)
    R = ds.sizes[schema.REPLICATE_DIM]
    amounts, lefts, replicates = [], [], []
    for reps in _blocks(R, len(t) * len(_names(ds[schema.SPECIES_DIM].values)) * 16, block_bytes):
        curves = _curves(ds, layout, replicates=reps)
        if mean:
            amounts.append(curves.amount.sum(axis=0, keepdims=True))
            lefts.append(curves.left.sum(axis=0, keepdims=True))
        else:
            k, r2 = first_order_exit(t, np.moveaxis(curves.amount, 1, -1), np.moveaxis(curves.left, 1, -1), window)
            amounts.append((k, r2))
            replicates.append(ds[schema.REPLICATE_DIM].values[reps])
    if mean:
        amount = np.sum(amounts, axis=0) / R
        left = np.sum(lefts, axis=0) / R
        k, r2 = first_order_exit(t, np.moveaxis(amount, 1, -1), np.moveaxis(left, 1, -1), window)
        results, replicate_ids = [(k, r2)], [np.array([-1])]
    else:
        results, replicate_ids = amounts, replicates
    rows = []
    for (k, r2), ids in zip(results, replicate_ids):
        for i, replicate in enumerate(ids):
            for c, name in enumerate(layout.pathway[:-1]):
                rows.append((int(replicate), name, k[i, c], 6000.0 * k[i, c], r2[i, c]))
    return pd.DataFrame(rows, columns=[schema.REPLICATE_DIM, "compartment", "k_per_s", "k_percent_per_min", "r2"])


def steady_state(ds: xr.Dataset, *, rtol: float = 0.02, tail: float = 0.1, species: Sequence[str] | str | None = None,
                 block_bytes: int | None = None) -> pd.Series:
    """Settling time (min) of each compartment's ensemble-mean curve (:func:`settling_time`):
    when it stays within ``rtol`` of its final value; NaN when it has not settled before the
    last ``tail`` of the run. Single stochastic trajectories fluctuate by more than 2 % of
    small amounts forever, hence the ensemble mean."""
    stats = ensemble(ds, quantiles=(0.5,), species=species, in_transit=False, block_bytes=block_bytes)
    t = stats[schema.TIME_DIM].values
    return pd.Series({str(c): settling_time(t, stats["mean"].sel(compartment=c).values, rtol, tail) / 60.0
                      for c in stats[schema.COMPARTMENT_DIM].values}, name="steady state (min)")


def replicate_metrics(ds: xr.Dataset, *, species: Sequence[str] | str | None = None,
                      block_bytes: int | None = None) -> pd.DataFrame:
    """The numbers biologists quote, one row per replicate (index ``replicate``), one column per
    metric, each named with its unit:

    * ``<c> exit half-time (min)``, ``<c> arrival half-time (min)``, ``secretion half-time (min)``;
    * ``<c> exit rate constant (%/min)`` (whole run);
    * ``<c> peak (molecules)`` and ``<c> peak time (min)`` for compartments between the first and
      the last (the Golgi wave);
    * ``secreted at end (molecules)`` and ``peak secretion flux (molecules/min)``;
    * ``<route> fusions (/min)``: fusions over the run per minute, from the vesicle counters.

    ``frame.attrs["deterministic"]`` is True for an ``ode`` run without cell-to-cell variability
    (its replicates are identical), which :func:`egress_analysis.compare` uses."""
    layout = _layout(ds, species)
    t = ds[schema.TIME_DIM].values.astype(float)
    halves = half_times(ds, species=species, block_bytes=block_bytes)
    frame = pd.DataFrame(index=halves.index)
    for column in halves.columns:
        label = "secretion half-time (min)" if column == "secretion" else f"{column} half-time (min)"
        frame[label] = halves[column]
    rates = rate_constants(ds, species=species, block_bytes=block_bytes)
    for name, group in rates.groupby("compartment", sort=False):
        frame[f"{name} exit rate constant (%/min)"] = group.set_index(schema.REPLICATE_DIM)["k_percent_per_min"]
    R = ds.sizes[schema.REPLICATE_DIM]
    middle = layout.pathway[1:-1]
    peaks = {c: [] for c in middle}
    peak_times = {c: [] for c in middle}
    secreted, flux = [], []
    for reps in _blocks(R, len(t) * len(_names(ds[schema.SPECIES_DIM].values)) * 16, block_bytes):
        curves = _curves(ds, layout, replicates=reps)
        for c in middle:
            x = curves.amount[..., layout.pathway.index(c)]
            peaks[c].append(x.max(axis=-1))
            peak_times[c].append(t[np.argmax(x, axis=-1)] / 60.0)
        last = curves.arrived[..., -1]
        secreted.append(last[..., -1].copy())  # a copy: a view would keep the whole block alive
        flux.append(np.gradient(last, t, axis=-1).max(axis=-1) * 60.0 if len(t) > 1 else np.full(len(last), np.nan))
    for c in middle:
        frame[f"{c} peak (molecules)"] = np.concatenate(peaks[c])
        frame[f"{c} peak time (min)"] = np.concatenate(peak_times[c])
    frame["secreted at end (molecules)"] = np.concatenate(secreted)
    frame["peak secretion flux (molecules/min)"] = np.concatenate(flux)
    if "fused" in ds and ds.sizes.get(schema.ROUTE_DIM, 0) > 0 and t[-1] > t[0]:
        fused = np.asarray(ds["fused"].isel({schema.TIME_DIM: -1}).values, dtype=float)  # (R, V)
        for v, route in enumerate(_names(ds[schema.ROUTE_DIM].values)):
            frame[f"{route} fusions (/min)"] = fused[:, v] / ((t[-1] - t[0]) / 60.0)
    frame.attrs["deterministic"] = ds.attrs.get("method") == "ode" and "cell_value" not in ds
    frame.attrs["method"] = ds.attrs.get("method")
    return frame


# ---- vesicle events ------------------------------------------------------------------------

def _select_events(events: pd.DataFrame, kind: str | None, route: str | Sequence[str] | None,
                   window: tuple[float, float] | None, min_load: float) -> tuple[pd.DataFrame, float, float]:
    if kind is not None and kind not in schema.EVENT_KINDS:
        raise ValueError(f"kind must be one of {schema.EVENT_KINDS} or None, not {kind!r}")
    lo, hi = window if window is not None else (0.0, float(events.attrs.get("t_end", events["time"].max())))
    keep = (events["time"] >= lo) & (events["time"] <= hi) & (events["load"] >= min_load)
    if kind is not None:
        keep &= events["kind"] == kind
    if route is not None:
        routes = [route] if isinstance(route, str) else list(route)
        unknown = set(routes) - set(events["route"].cat.categories)
        if unknown:
            raise ValueError(f"unknown route(s) {sorted(unknown)}; the log has {list(events['route'].cat.categories)}")
        keep &= events["route"].isin(routes)
    return events[keep], lo, hi


def event_intervals(events: pd.DataFrame, *, kind: str = "fuse", route: str | Sequence[str] | None = None,
                    window: tuple[float, float] | None = None, min_load: float = 0.0) -> pd.Series:
    """Intervals (s) between consecutive events of one cell (replicate), of the routes selected
    taken together, as a Series indexed by replicate. For a Poisson stream at rate r they are
    exponential with mean 1/r. ``min_load`` (molecules) drops vesicles too dim to be seen."""
    chosen, _, _ = _select_events(events, kind, route, window, min_load)
    ordered = chosen.sort_values([schema.REPLICATE_DIM, "time"], kind="stable")
    gaps = ordered.groupby(schema.REPLICATE_DIM, sort=False)["time"].diff().dropna()
    out = pd.Series(gaps.to_numpy(), index=ordered.loc[gaps.index, schema.REPLICATE_DIM].to_numpy(), name="interval (s)")
    out.index.name = schema.REPLICATE_DIM
    return out


def event_rate(events: pd.DataFrame, *, kind: str = "fuse", route: str | Sequence[str] | None = None,
               bin_s: float = 60.0, window: tuple[float, float] | None = None, min_load: float = 0.0) -> pd.DataFrame:
    """Events per minute in bins of ``bin_s`` seconds, per cell: what TIRF microscopy counts
    when it scores fusions at the plasma membrane frame by frame (choose the route that fuses
    there, e.g. ``post_Golgi``, and a ``min_load`` detection threshold in molecules). Rows: bin
    start times (s); columns: replicates (every replicate of the log, zero where none fused)."""
    chosen, lo, hi = _select_events(events, kind, route, window, min_load)
    edges = np.arange(lo, hi + 1e-9 * max(1.0, abs(hi)), bin_s)
    if len(edges) < 2 or edges[-1] < hi - 1e-9 * max(1.0, abs(hi)):
        edges = np.append(edges, hi)
    replicates = events.attrs.get("replicates") or sorted(events[schema.REPLICATE_DIM].unique())
    counts = np.zeros((len(edges) - 1, len(replicates)))
    position = {r: i for i, r in enumerate(replicates)}
    for replicate, group in chosen.groupby(schema.REPLICATE_DIM):
        if replicate in position:
            counts[:, position[replicate]] = np.histogram(group["time"].to_numpy(), bins=edges)[0]
    frame = pd.DataFrame(counts / (np.diff(edges)[:, None] / 60.0), index=pd.Index(edges[:-1], name="time (s)"),
                         columns=pd.Index(replicates, name=schema.REPLICATE_DIM))
    return frame


def event_statistics(events: pd.DataFrame, *, kind: str = "fuse", window: tuple[float, float] | None = None,
                     min_load: float = 0.0) -> pd.DataFrame:
    """Per replicate and route: ``count``, ``rate (/min)`` over the window, ``mean interval
    (s)`` and ``interval cv`` (1 for a Poisson stream), ``mean load`` and ``median load``
    (molecules). Replicates without events have count 0 and NaN intervals and loads."""
    chosen, lo, hi = _select_events(events, kind, None, window, min_load)
    minutes = (hi - lo) / 60.0
    replicates = events.attrs.get("replicates") or sorted(events[schema.REPLICATE_DIM].unique())
    rows = []
    for route in events["route"].cat.categories:
        of_route = chosen[chosen["route"] == route]
        groups = dict(tuple(of_route.groupby(schema.REPLICATE_DIM)))
        for replicate in replicates:
            group = groups.get(replicate)
            times = np.sort(group["time"].to_numpy()) if group is not None else np.empty(0)
            loads = group["load"].to_numpy() if group is not None else np.empty(0)
            gaps = np.diff(times)
            rows.append({
                schema.REPLICATE_DIM: replicate, "route": route, "count": len(times),
                "rate (/min)": len(times) / minutes if minutes > 0 else np.nan,
                "mean interval (s)": gaps.mean() if len(gaps) else np.nan,
                "interval cv": gaps.std(ddof=1) / gaps.mean() if len(gaps) > 1 and gaps.mean() > 0 else np.nan,
                "mean load": loads.mean() if len(loads) else np.nan,
                "median load": float(np.median(loads)) if len(loads) else np.nan,
            })
    return pd.DataFrame(rows).set_index([schema.REPLICATE_DIM, "route"])
