"""Comparisons: a perturbation against its baseline, a sweep's metrics, Sobol sensitivity indices.

* :func:`compare` gives the effect of a perturbation on every metric of
  :func:`~egress_analysis.kinetics.replicate_metrics`, with a confidence interval over replicates
  (Welch's t interval for independent runs; a paired t interval for runs with common random
  numbers, i.e. the same seed and replicates).
* :func:`sweep_table` gives one row per sweep point: the axis values and each metric's mean
  (and standard deviation) over replicates.
* :func:`sobol_indices` estimates first-order and total Sobol indices from a ``sobol`` sweep
  run with ``saltelli = true`` (Saltelli et al. 2010, Comput Phys Commun 181:259: first order
  from their table 2 (b); total from Jansen 1999, their table 2 (f)), with bootstrap intervals;
  :func:`saltelli_indices` is the estimator on plain arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from . import schema


def _metrics(source, species) -> pd.DataFrame:
    from .io import open_result
    from .kinetics import replicate_metrics

    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, xr.Dataset):
        return replicate_metrics(source, species=species)
    with open_result(source) as ds:
        return replicate_metrics(ds, species=species)


def _spread(values: np.ndarray, deterministic: bool) -> float:
    """Variance of the mean's sample (ddof 1); 0 for one replicate of a deterministic run."""
    if len(values) > 1:
        return float(np.var(values, ddof=1))
    return 0.0 if deterministic else float("nan")


def compare(baseline, perturbed, *, confidence: float = 0.95, paired: bool = False,
            metrics: Sequence[str] | None = None, species: Sequence[str] | str | None = None) -> pd.DataFrame:
    """Effect of a perturbation on each metric, with a confidence interval over replicates.

    ``baseline`` and ``perturbed`` are result files, datasets from
    :func:`~egress_analysis.open_result`, or frames from
    :func:`~egress_analysis.kinetics.replicate_metrics`. Returns one row per metric (the metrics
    both share, or ``metrics``): ``baseline`` and ``perturbed`` means, ``effect`` (perturbed -
    baseline) with ``effect low`` / ``effect high``, ``relative (%)`` (100 x effect / baseline)
    with ``relative low`` / ``relative high``, and ``n baseline`` / ``n perturbed``.
    ``species`` restricts the compartment sums to those species (the cargo, say).

    Intervals: Welch's t interval on the difference of means (independent replicates: different
    seeds, or independent sweep points); with ``paired=True``, a t interval on the per-replicate
    differences (both runs with the same seed and replicate indices, so replicate r shares its
    random numbers: common random numbers). The relative effect's interval is the delta method's
    on the same degrees of freedom. A deterministic run (``ode`` without cell-to-cell
    variability) has no spread: one replicate is exact, and two deterministic runs give an
    interval of zero width. NaN where a stochastic group has fewer than two replicates.
    """
    a, b = _metrics(baseline, species), _metrics(perturbed, species)
    names = list(metrics) if metrics is not None else [m for m in a.columns if m in b.columns]
    quantile = 0.5 + confidence / 2.0
    rows = []
    for name in names:
        x_all, y_all = a[name], b[name]
        if paired:
            common = x_all.index.intersection(y_all.index)
            if len(common) == 0:
                raise ValueError("paired comparison: the runs share no replicate indices")
            both = pd.DataFrame({"x": x_all.loc[common], "y": y_all.loc[common]}).dropna()
            x, y = both["x"].to_numpy(float), both["y"].to_numpy(float)
        else:
            x, y = x_all.dropna().to_numpy(float), y_all.dropna().to_numpy(float)
        n1, n2 = len(x), len(y)
        m1 = float(np.mean(x)) if n1 else np.nan
        m2 = float(np.mean(y)) if n2 else np.nan
        effect = m2 - m1
        if paired:
            d = y - x
            var_effect = _spread(d, a.attrs.get("deterministic", False) and b.attrs.get("deterministic", False)) / max(n1, 1)
            df = n1 - 1
            cov = float(np.cov(x, y, ddof=1)[0, 1]) if n1 > 1 else 0.0
            v1, v2 = _spread(x, True), _spread(y, True)
            ratio = m2 / m1 if m1 else np.nan
            var_relative = (v2 - 2 * ratio * cov + ratio ** 2 * v1) / (n1 * m1 ** 2) if n1 and m1 else np.nan
        else:
            v1 = _spread(x, a.attrs.get("deterministic", False)) / max(n1, 1)
            v2 = _spread(y, b.attrs.get("deterministic", False)) / max(n2, 1)
            var_effect = v1 + v2
            # Welch-Satterthwaite degrees of freedom (a group without spread contributes none).
            parts = [(v, n) for v, n in ((v1, n1), (v2, n2)) if v > 0]
            denominator = sum(v * v / (n - 1) for v, n in parts)
            df = var_effect ** 2 / denominator if denominator > 0 else np.inf
            var_relative = (v2 / m1 ** 2 + m2 ** 2 * v1 / m1 ** 4) if m1 else np.nan
        if np.isfinite(var_effect) and var_effect == 0:
            half, half_relative = 0.0, 0.0
        else:
            t = stats.t.ppf(quantile, df) if df > 0 else np.nan
            half = t * np.sqrt(var_effect)
            half_relative = t * np.sqrt(var_relative) if np.isfinite(var_relative) else np.nan
        relative = 100.0 * effect / m1 if m1 else np.nan
        rows.append({"metric": name, "baseline": m1, "perturbed": m2, "effect": effect,
                     "effect low": effect - half, "effect high": effect + half,
                     "relative (%)": relative, "relative low": relative - 100.0 * half_relative,
                     "relative high": relative + 100.0 * half_relative, "n baseline": n1, "n perturbed": n2})
    frame = pd.DataFrame(rows).set_index("metric")
    frame.attrs.update({"confidence": confidence, "paired": paired})
    return frame


# ---- sweeps ------------------------------------------------------------------------------------

def _sweep(source) -> tuple[xr.Dataset, bool]:
    from .io import open_sweep

    if isinstance(source, xr.Dataset):
        return source, False
    return open_sweep(source), True


def _names(values) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def sweep_table(sweep, *, spread: bool = True) -> pd.DataFrame:
    """One row per point (index ``point``): each axis's value, then the mean over replicates of
    every metric of ``[[sweep.metrics]]``, of the final amount of every species (``final
    <species>``) and of the fusions of every route (``fused <route>``); with ``spread`` and more
    than one replicate, each metric's standard deviation too (``<metric> sd``). Failed points
    have NaN values and ``failed`` True. ``sweep`` is a merged sweep file or a dataset from
    :func:`~egress_analysis.open_sweep`."""
    ds, opened = _sweep(sweep)
    try:
        axes = _names(ds[schema.AXIS_DIM].values)
        values = np.asarray(ds[schema.SWEEP_POINT_VALUES].values, float)
        table = pd.DataFrame(values, columns=axes, index=pd.Index(ds[schema.POINT_DIM].values, name=schema.POINT_DIM))
        replicates = ds.sizes[schema.REPLICATE_DIM]
        with np.errstate(invalid="ignore"):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows of failed points
                metric_values = np.asarray(ds[schema.SWEEP_METRIC_VALUES].values, float)
                for m, name in enumerate(_names(ds[schema.METRIC_DIM].values)):
                    table[name] = np.nanmean(metric_values[:, :, m], axis=1)
                    if spread and replicates > 1:
                        table[f"{name} sd"] = np.nanstd(metric_values[:, :, m], axis=1, ddof=1)
                final = np.asarray(ds[schema.SWEEP_FINAL_AMOUNTS].values, float)
                for s, name in enumerate(_names(ds[schema.SPECIES_DIM].values)):
                    table[f"final {name}"] = np.nanmean(final[:, :, s], axis=1)
                if ds.sizes.get(schema.ROUTE_DIM, 0):
                    fused = np.asarray(ds[schema.SWEEP_FUSED_TOTAL].values, float)
                    for v, name in enumerate(_names(ds[schema.ROUTE_DIM].values)):
                        table[f"fused {name}"] = np.nanmean(fused[:, :, v], axis=1)
        table["failed"] = ds["failed"].values if "failed" in ds.coords else False
        table.attrs.update({"axes": axes, "design": ds.attrs.get("design"), "replicates": replicates})
        return table
    finally:
        if opened:
            ds.close()


def saltelli_indices(y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-order and total Sobol indices from Saltelli's design.

    ``y_a`` and ``y_b`` (N,) are the model at the rows of matrices A and B; ``y_ab`` (d, N) at
    A with column i taken from B. With V the variance of the outputs of A and B together:
    ``S_i = mean(y_b * (y_ab_i - y_a)) / V`` (Saltelli et al. 2010) and
    ``ST_i = mean((y_a - y_ab_i)^2) / (2 V)`` (Jansen 1999). Returns (S, ST), each (d,)."""
    y_a, y_b, y_ab = np.asarray(y_a, float), np.asarray(y_b, float), np.asarray(y_ab, float)
    variance = np.var(np.concatenate([y_a, y_b]), ddof=1)
    first = np.mean(y_b * (y_ab - y_a), axis=-1) / variance
    total = 0.5 * np.mean((y_a - y_ab) ** 2, axis=-1) / variance
    return first, total


def sobol_from_blocks(y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray, names: Sequence[str], *,
                      bootstrap: int = 1000, confidence: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """:func:`saltelli_indices` with percentile bootstrap intervals over the N rows (resampled
    together in A, B and every AB_i; ``numpy.random.default_rng(seed)``). Returns one row per
    input: ``S1``, ``S1 low``, ``S1 high``, ``ST``, ``ST low``, ``ST high``."""
    y_a, y_b, y_ab = np.asarray(y_a, float), np.asarray(y_b, float), np.asarray(y_ab, float)
    first, total = saltelli_indices(y_a, y_b, y_ab)
    rng = np.random.default_rng(seed)
    n = len(y_a)
    draws_first, draws_total = np.empty((bootstrap, len(names))), np.empty((bootstrap, len(names)))
    for i in range(bootstrap):
        rows = rng.integers(0, n, n)
        draws_first[i], draws_total[i] = saltelli_indices(y_a[rows], y_b[rows], y_ab[:, rows])
    tail = 100.0 * (1.0 - confidence) / 2.0
    low_first, high_first = np.percentile(draws_first, [tail, 100.0 - tail], axis=0) if bootstrap else (first * np.nan,) * 2
    low_total, high_total = np.percentile(draws_total, [tail, 100.0 - tail], axis=0) if bootstrap else (total * np.nan,) * 2
    frame = pd.DataFrame({"S1": first, "S1 low": low_first, "S1 high": high_first,
                          "ST": total, "ST low": low_total, "ST high": high_total},
                         index=pd.Index(list(names), name=schema.AXIS_DIM))
    frame.attrs.update({"rows": n, "bootstrap": bootstrap, "confidence": confidence})
    return frame


def sobol_indices(sweep, output: str | np.ndarray, *, bootstrap: int = 1000, confidence: float = 0.95,
                  seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices of one output of a ``sobol`` sweep with
    ``saltelli = true``, one row per axis (see :func:`sobol_from_blocks`).

    ``output`` names a metric of ``[[sweep.metrics]]``, or ``final <species>`` (the final amount),
    or is an array with one value per point. The output of a point is its mean over replicates
    (so replicate noise adds to the variance: use enough replicates, or common streams, for
    small indices to mean something). Rows of the design where any block's point failed are
    left out; ``frame.attrs["rows"]`` says how many were used."""
    ds, opened = _sweep(sweep)
    try:
        if schema.SWEEP_SALTELLI_BLOCK not in ds.coords:
            raise ValueError(f"{ds.attrs.get('path', 'sweep')}: no Saltelli blocks; Sobol indices need a sweep with "
                             "design = \"sobol\" and saltelli = true")
        axes = _names(ds[schema.AXIS_DIM].values)
        if isinstance(output, str):
            metrics = _names(ds[schema.METRIC_DIM].values)
            species = _names(ds[schema.SPECIES_DIM].values)
            if output in metrics:
                values = ds[schema.SWEEP_METRIC_VALUES].sel({schema.METRIC_DIM: output}).values
            elif output.startswith("final ") and output[len("final "):] in species:
                values = ds[schema.SWEEP_FINAL_AMOUNTS].sel({schema.SPECIES_DIM: output[len("final "):]}).values
            else:
                raise ValueError(f"unknown output {output!r}: name a metric ({metrics}) or 'final <species>' "
                                 f"({species})")
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                y = np.nanmean(np.asarray(values, float), axis=1)
        else:
            y = np.asarray(output, float)
            if y.shape != (ds.sizes[schema.POINT_DIM],):
                raise ValueError(f"output has shape {y.shape}; expected one value per point ({ds.sizes[schema.POINT_DIM]})")
        block = ds[schema.SWEEP_SALTELLI_BLOCK].values
        row = ds[schema.SWEEP_SALTELLI_ROW].values
        rows = int(row.max()) + 1
        grid = np.full((len(axes) + 2, rows), np.nan)
        grid[block, row] = y
        usable = np.all(np.isfinite(grid), axis=0)
        if usable.sum() < 2:
            raise ValueError("fewer than two complete rows of the Saltelli design")
        grid = grid[:, usable]
        return sobol_from_blocks(grid[0], grid[1], grid[2:], axes, bootstrap=bootstrap, confidence=confidence,
                                 seed=seed)
    finally:
        if opened:
            ds.close()

