"""``python3 -m egress_analysis report RESULT.h5 -o DIR``: figures and a summary table.

For a run: ``time_courses`` (compartments with bands, secretion flux), ``event_raster`` (when
the file has the vesicle event log), ``metrics.csv`` (every metric per replicate),
``summary.csv`` and ``summary.md`` (mean, sd and confidence interval of each metric over
replicates; rate constants of the ensemble mean; settling times), ``events.csv`` (event
statistics per route); with ``--baseline BASE.h5`` also ``comparison`` and ``comparison.csv``.
For a sweep: ``sweep_table.csv``, a heatmap per metric over the first two axes, and, for a
``sobol`` sweep with Saltelli blocks, ``sobol.csv`` and a ``sobol_<metric>`` bar chart per metric.
Figures are written in every format of ``--format`` (default png and svg).
"""

from __future__ import annotations

import argparse
import math
import pathlib
import sys
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import figures, kinetics
from .compare import compare, sobol_indices, sweep_table
from .io import events, has_events, open_any, open_result


def summarize(metrics: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean, sd (ddof 1), and the t confidence interval of the mean of every metric column."""
    rows = []
    for name in metrics.columns:
        values = metrics[name].dropna().to_numpy(float)
        n = len(values)
        mean = values.mean() if n else np.nan
        sd = values.std(ddof=1) if n > 1 else (0.0 if metrics.attrs.get("deterministic") else np.nan)
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n) if n > 1 else (0.0 if sd == 0 else np.nan)
        rows.append({"metric": name, "mean": mean, "sd": sd, "ci low": mean - half, "ci high": mean + half, "n": n})
    frame = pd.DataFrame(rows).set_index("metric")
    frame.attrs["confidence"] = confidence
    return frame


def markdown(frame: pd.DataFrame, digits: int = 4) -> str:
    """A plain Markdown table (no dependency on tabulate)."""
    def cell(value) -> str:
        if isinstance(value, (float, np.floating)):
            return "" if np.isnan(value) else f"{value:.{digits}g}"
        return str(value)

    header = [frame.index.name or ""] + [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for index, row in frame.iterrows():
        lines.append("| " + " | ".join([str(index)] + [cell(v) for v in row.to_numpy()]) + " |")
    return "\n".join(lines) + "\n"


def _figure_paths(out: pathlib.Path, stem: str, formats: Sequence[str]) -> list[pathlib.Path]:
    return [out / f"{stem}.{suffix}" for suffix in formats]


def _save(figure, out: pathlib.Path, stem: str, formats: Sequence[str], written: list[pathlib.Path]) -> None:
    for path in _figure_paths(out, stem, formats):
        written.append(figures.save(figure, path))


def report_run(path: str, out: pathlib.Path, *, baseline: str | None = None, formats: Sequence[str] = ("png", "svg"),
               confidence: float = 0.95) -> tuple[list[pathlib.Path], pd.DataFrame]:
    """Write the run report into ``out``; returns the files written and the summary table."""
    written: list[pathlib.Path] = []
    out.mkdir(parents=True, exist_ok=True)
    with open_result(path) as ds:
        _save(figures.plot_time_courses(ds), out, "time_courses", formats, written)
        metrics = kinetics.replicate_metrics(ds)
        metrics.to_csv(out / "metrics.csv")
        written.append(out / "metrics.csv")
        summary = summarize(metrics, confidence)
        mean_rates = kinetics.rate_constants(ds, mean=True)
        for _, row in mean_rates.iterrows():
            summary.loc[f"{row['compartment']} exit rate constant, mean curve (%/min)"] = {
                "mean": row["k_percent_per_min"], "sd": np.nan, "ci low": np.nan, "ci high": np.nan,
                "n": ds.sizes["replicate"]}
        for compartment, minutes in kinetics.steady_state(ds).items():
            summary.loc[f"{compartment} steady state, mean curve (min)"] = {
                "mean": minutes, "sd": np.nan, "ci low": np.nan, "ci high": np.nan, "n": ds.sizes["replicate"]}
        summary.to_csv(out / "summary.csv")
        written.append(out / "summary.csv")
        text = [f"# egress report: {path}\n",
                f"model {ds.attrs.get('model')}, method {ds.attrs.get('method')}, {ds.sizes['replicate']} replicate(s), "
                f"t_end {ds.attrs.get('t_end')} s; intervals: {confidence:.0%} t interval of the mean over replicates\n",
                markdown(summary)]
        if has_events(path):
            log = events(path, replicates=list(ds["replicate"].values[:20]))
            _save(figures.plot_event_raster(log), out, "event_raster", formats, written)
            per_route = kinetics.event_statistics(events(path)).groupby("route").mean(numeric_only=True)
            per_route.to_csv(out / "events.csv")
            written.append(out / "events.csv")
            text += ["\n## Vesicle events (fusions, mean over cells)\n", markdown(per_route)]
        if baseline is not None:
            with open_result(baseline) as base:
                table = compare(base, ds, confidence=confidence)
                table.to_csv(out / "comparison.csv")
                written.append(out / "comparison.csv")
                _save(figures.plot_comparison(base, ds, table), out, "comparison", formats, written)
                text += [f"\n## Against the baseline {baseline}\n", markdown(table)]
    (out / "summary.md").write_text("".join(text))
    written.append(out / "summary.md")
    return written, summary


def report_sweep(path: str, out: pathlib.Path, *, formats: Sequence[str] = ("png", "svg")) -> tuple[list[pathlib.Path], pd.DataFrame]:
    """Write the sweep report into ``out``; returns the files written and the sweep table."""
    written: list[pathlib.Path] = []
    out.mkdir(parents=True, exist_ok=True)
    _, ds = open_any(path)
    with ds:
        table = sweep_table(ds)
        table.to_csv(out / "sweep_table.csv")
        written.append(out / "sweep_table.csv")
        metrics = [str(m) for m in ds["metric"].values] or [c for c in table.columns if c.startswith("final ")]
        for metric in metrics:
            safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in metric)
            _save(figures.plot_sweep_heatmap(table, metric), out, f"heatmap_{safe}", formats, written)
        text = [f"# egress sweep report: {path}\n", f"design {ds.attrs.get('design')}, {ds.sizes['point']} points, "
                f"{ds.sizes['replicate']} replicate(s) each, {ds.attrs.get('points_failed', 0)} failed\n"]
        if "saltelli_block" in ds.coords:
            frames = []
            for metric in metrics:
                indices = sobol_indices(ds, metric)
                safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in metric)
                _save(figures.plot_sobol(indices, output=metric), out, f"sobol_{safe}", formats, written)
                frames.append(indices.assign(output=metric).set_index("output", append=True))
            sobol = pd.concat(frames)
            sobol.to_csv(out / "sobol.csv")
            written.append(out / "sobol.csv")
            text += ["\n## Sobol indices (95 % bootstrap intervals)\n", markdown(sobol)]
        text += ["\n## Points (first 20)\n", markdown(table.head(20))]
    (out / "summary.md").write_text("".join(text))
    written.append(out / "summary.md")
    return written, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m egress_analysis report", description=__doc__.split("\n\n")[0])
    parser.add_argument("result", help="a run's result file or a merged sweep file (HDF5)")
    parser.add_argument("-o", "--output", required=True, help="directory to write the report into")
    parser.add_argument("--baseline", help="a baseline run's result file: adds the comparison panels and table")
    parser.add_argument("--format", nargs="+", default=["png", "svg"], choices=["png", "svg", "pdf"],
                        help="figure formats (default: png svg)")
    parser.add_argument("--confidence", type=float, default=0.95, help="confidence level of the intervals")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.output)
    try:
        kind, ds = open_any(args.result)
        ds.close()
        if kind == "sweep":
            written, table = report_sweep(args.result, out, formats=args.format)
            shown = table.head(10)
        else:
            written, shown = report_run(args.result, out, baseline=args.baseline, formats=args.format,
                                        confidence=args.confidence)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    with pd.option_context("display.width", 140, "display.max_columns", 12, "display.precision", 4):
        print(shown)
    print(f"wrote {len(written)} files to {out}: " + ", ".join(p.name for p in written))
    return 0
