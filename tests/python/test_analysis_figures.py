"""Figures, the report command and the worked example, on files of the egress program.

A figure passes when its PNG is not blank by pixel statistics: between 2 % and 70 % of its pixels
differ from the white background, at least 0.5 % are in colour (data drawn in the palette: axes,
ticks and labels are grey), and its luminance varies. A blank figure and a figure with one empty
axes both fail the same check (tested), so the check can fail. SVGs must parse as XML, keep their text as text and draw paths.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from analysis_models import CHAIN, DEFAULT_PARAMS, EGRESS_BIN, SOURCE_DIR, egress, write

import egress_analysis as ea  # noqa: E402


def pixel_statistics(path: pathlib.Path) -> dict:
    image = imread(path)[..., :3]
    if image.dtype != np.float32 and image.max() > 1:
        image = image / 255.0
    ink = np.any(image < 0.95, axis=-1)
    chroma = image.max(axis=-1) - image.min(axis=-1)
    luminance = image @ np.array([0.299, 0.587, 0.114])
    return {"ink": float(ink.mean()), "colour": float((chroma > 0.2).mean()), "luminance_sd": float(luminance.std()),
            "shape": image.shape}


def assert_not_blank(path: pathlib.Path) -> None:
    assert path.is_file() and path.stat().st_size > 0, f"{path} missing or empty"
    s = pixel_statistics(path)
    assert 0.02 < s["ink"] < 0.70, f"{path.name}: {s['ink']:.1%} of pixels drawn"
    assert s["colour"] > 0.005, f"{path.name}: only {s['colour']:.2%} of pixels in colour"
    assert s["luminance_sd"] > 0.05, f"{path.name}: luminance sd {s['luminance_sd']:.3f}"


def assert_svg(path: pathlib.Path) -> None:
    root = ET.parse(path).getroot()
    tags = [element.tag.rsplit("}", 1)[-1] for element in root.iter()]
    assert tags.count("path") > 10, f"{path.name}: {tags.count('path')} paths"
    assert "text" in tags, f"{path.name}: text was not kept as text"


def test_the_blankness_check_can_fail(tmp_path):
    blank = Figure(figsize=(3, 2))
    blank.savefig(tmp_path / "blank.png")
    empty = Figure(figsize=(3, 2))
    empty.subplots()
    empty.savefig(tmp_path / "empty.png")
    for name in ("blank.png", "empty.png"):
        with pytest.raises(AssertionError):
            assert_not_blank(tmp_path / name)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The default model: hybrid with the event log, 8 cells; and the same with the Sec23A block."""
    d = tmp_path_factory.mktemp("runs")
    base, blocked = d / "base.h5", d / "blocked.h5"
    egress("run", DEFAULT_PARAMS, "-o", base, "--method", "hybrid", "--replicates", "8", "--seed", "1", "--events",
           "--quiet")
    egress("run", SOURCE_DIR / "examples" / "sec23a_copii_defect.toml", "-o", blocked, "--replicates", "8", "--seed", "2",
           "--events", "--quiet")
    return base, blocked


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    d = tmp_path_factory.mktemp("grid")
    write(d, "base.toml", CHAIN)
    write(d, "sweep.toml", 'base = "base.toml"\n[sweep]\ndesign = "grid"\n[[sweep.axes]]\nparameter = "k"\n'
                           'min = 0.001\nmax = 0.1\npoints = 5\nlog = true\n[[sweep.axes]]\ninitial = "A"\n'
                           'values = [1000.0, 2000.0, 4000.0]\n[[sweep.metrics]]\nname = "B_half"\n'
                           'kind = "rise_half_time"\nspecies = "B"\n')
    egress("sweep", d / "sweep.toml", "-o", d / "s", "-q")
    egress("merge", d / "s", "-o", d / "grid.h5", "-q")
    return d / "grid.h5"


def test_time_courses_raster_and_comparison_are_drawn(runs, tmp_path):
    base, blocked = runs
    with ea.open_result(base) as a, ea.open_result(blocked) as b:
        for suffix in ("png", "svg"):
            ea.plot_time_courses(b, tmp_path / f"time.{suffix}")
            ea.plot_comparison(a, b, path=tmp_path / f"comparison.{suffix}")
    ea.plot_event_raster(ea.events(blocked, replicates=range(5)), tmp_path / "raster.png")
    ea.plot_event_raster(ea.events(blocked, replicates=range(5)), tmp_path / "raster.svg")
    for name in ("time", "comparison", "raster"):
        assert_not_blank(tmp_path / f"{name}.png")
        assert_svg(tmp_path / f"{name}.svg")
    # publication resolution: 300 dpi
    assert pixel_statistics(tmp_path / "time.png")["shape"][1] > 1200


def test_sweep_heatmaps_and_sobol_bars_are_drawn(grid_sweep, tmp_path):
    ea.plot_sweep_heatmap(grid_sweep, "B_half", tmp_path / "grid.png")
    assert_not_blank(tmp_path / "grid.png")
    # a sampled design is binned: 200 random points of the same function of two axes
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x": rng.uniform(0, 1, 200), "y": rng.uniform(0, 1, 200)})
    table["m"] = table["x"] + 2 * table["y"]
    table.attrs.update({"axes": ["x", "y"], "design": "latin_hypercube"})
    ea.plot_sweep_heatmap(table, "m", tmp_path / "binned.png", bins=6)
    assert_not_blank(tmp_path / "binned.png")
    indices = pd.DataFrame({"S1": [0.7, 0.2], "S1 low": [0.6, 0.1], "S1 high": [0.8, 0.3], "ST": [0.8, 0.3],
                            "ST low": [0.7, 0.2], "ST high": [0.9, 0.4]}, index=["k", "A0"])
    ea.plot_sobol(indices, tmp_path / "sobol.png", output="A_end")
    assert_not_blank(tmp_path / "sobol.png")
    with pytest.raises(ValueError, match="unknown metric"):
        ea.plot_sweep_heatmap(grid_sweep, "nope")


def report(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SOURCE_DIR / "analysis")}
    return subprocess.run([sys.executable, "-m", "egress_analysis", "report", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=300)


def test_report_command_writes_figures_and_summary(runs, tmp_path):
    base, blocked = runs
    out = tmp_path / "report"
    proc = report(blocked, "-o", out, "--baseline", base)
    assert proc.returncode == 0, proc.stderr
    for name in ("time_courses", "event_raster", "comparison"):
        assert_not_blank(out / f"{name}.png")
        assert_svg(out / f"{name}.svg")
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert summary.loc["ER exit rate constant (%/min)", "n"] == 8
    assert 1.5 < summary.loc["ER exit rate constant (%/min)", "mean"] < 2.5   # 2.8 outside, 0.84 inside the block
    comparison = pd.read_csv(out / "comparison.csv", index_col=0)
    assert comparison.loc["COPII fusions (/min)", "effect high"] < 0
    assert "secretion half-time" in (out / "summary.md").read_text()
    assert "wrote" in proc.stdout


def test_report_command_on_a_sweep_and_on_bad_input(grid_sweep, tmp_path):
    proc = report(grid_sweep, "-o", tmp_path / "sweep", "--format", "png")
    assert proc.returncode == 0, proc.stderr
    assert_not_blank(tmp_path / "sweep" / "heatmap_B_half.png")
    assert len(pd.read_csv(tmp_path / "sweep" / "sweep_table.csv")) == 15
    bad = tmp_path / "not.h5"
    bad.write_text("not hdf5")
    proc = report(bad, "-o", tmp_path / "bad")
    assert proc.returncode == 1 and "cannot open as an HDF5 file" in proc.stderr


def test_worked_example_runs_and_finds_the_block(tmp_path):
    """examples/secretion_analysis.py with 4 cells per arm (the README runs 20)."""
    env = {**os.environ, "EGRESS_BIN": str(EGRESS_BIN)}
    proc = subprocess.run([sys.executable, str(SOURCE_DIR / "examples" / "secretion_analysis.py"), "--replicates", "4",
                           "--out", str(tmp_path), "--quiet"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for name in ("sec23a_time_courses.png", "comparison.png", "sec23a_events.png"):
        assert_not_blank(tmp_path / name)
    effects = pd.read_csv(tmp_path / "effects.csv", index_col=0)
    # the block slows ER exit: 4 cells per arm already put the whole interval below zero
    assert effects.loc["ER exit rate constant (%/min)", "effect high"] < 0
