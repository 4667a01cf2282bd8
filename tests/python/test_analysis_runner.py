"""egress_analysis.run: the egress program called from Python (deterministic checks: every run
has a fixed seed, and results are compared byte for byte with the command line's), and the
package installed with pip from the checkout."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

from analysis_models import DEFAULT_PARAMS, EGRESS_BIN, SOURCE_DIR, egress

import egress_analysis as ea  # noqa: E402

SCENARIO = SOURCE_DIR / "examples" / "scenarios" / "sec23a_block.toml"


def same_trajectories(a: pathlib.Path, b: pathlib.Path) -> None:
    with h5py.File(a) as f, h5py.File(b) as g:
        for name in ("amounts", "vesicles/budded", "vesicles/fused", "vesicles/cargo_in_transit"):
            np.testing.assert_array_equal(f[name][()], g[name][()], err_msg=name)


def test_run_returns_the_opened_result_of_the_command_line_run(tmp_path):
    cli = tmp_path / "cli.h5"
    egress("run", DEFAULT_PARAMS, "-o", cli, "--method", "ssa", "--replicates", "3", "--seed", "9",
           "--set", "k_pgc=0.4", "--events", "--quiet")
    shown: list[str] = []
    with ea.run(DEFAULT_PARAMS, method="ssa", replicates=3, seed=9, set={"k_pgc": 0.4}, events=True,
                output=tmp_path / "py.h5", progress=shown.append, egress=EGRESS_BIN) as ds:
        assert ds.attrs["method"] == "ssa" and ds.sizes["replicate"] == 3
        assert float(ds.parameter_value.sel(parameter="k_pgc")) == 0.4
        path = pathlib.Path(ds.attrs["path"])
    same_trajectories(cli, path)
    text = "".join(shown)
    assert "3/3 replicates" in text, text      # the progress line, drawn because stderr is a terminal
    assert "wrote " in text                      # and the summary


def test_default_output_and_program_found_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EGRESS_BIN", str(EGRESS_BIN))
    assert ea.find_egress() == EGRESS_BIN
    with ea.run(DEFAULT_PARAMS, progress=False) as ds:
        path = pathlib.Path(ds.attrs["path"])
        assert path.is_file() and path.name == "default.h5"
    shutil.rmtree(path.parent)
    monkeypatch.setenv("EGRESS_BIN", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="egress program not found"):
        ea.find_egress()


def test_bad_input_raises_with_the_programs_location(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(absolute_default().replace("t_end = 7200.0", "t_end = -1.0"))
    with pytest.raises(ea.EgressInputError) as caught:
        ea.run(bad, progress=False, egress=EGRESS_BIN, output=tmp_path / "x.h5")
    error = caught.value
    line = next(i for i, text in enumerate(bad.read_text().splitlines(), 1) if "t_end = -1.0" in text)
    assert (error.file, error.line) == (str(bad), line)
    assert str(error).startswith(f"{bad}:{line}:{error.column}: error: simulation.t_end")
    assert error.returncode == 2 and isinstance(error, ValueError)
    with pytest.raises(ea.EgressInputError, match="unknown parameter") as caught:
        ea.run(DEFAULT_PARAMS, set={"k_nope": 1.0}, progress=False, egress=EGRESS_BIN, output=tmp_path / "y.h5")
    assert caught.value.file is None
    # a failure at run time (exit status 1): the output path is a directory
    (tmp_path / "a_directory").mkdir()
    with pytest.raises(ea.EgressError, match="exit status 1.*Is a directory") as caught:
        ea.run(DEFAULT_PARAMS, progress=False, egress=EGRESS_BIN, output=tmp_path / "a_directory")
    assert not isinstance(caught.value, ea.EgressInputError)


def absolute_default(text: str | None = None) -> str:
    """params/default.toml with its model path made absolute, to be written anywhere."""
    return (text or DEFAULT_PARAMS.read_text()).replace('model = "../models/secretory_core.toml"',
                                                         f'model = "{SOURCE_DIR / "models/secretory_core.toml"}"')


def test_scenario_adds_its_perturbations(tmp_path):
    """A scenario run equals `egress run --scenario` and the run of a parameter file that holds
    the same perturbation, and writes nothing beside the base file."""
    before = sorted(p.name for p in DEFAULT_PARAMS.parent.iterdir())
    with ea.run(DEFAULT_PARAMS, scenario=SCENARIO, progress=False, egress=EGRESS_BIN,
                output=tmp_path / "scenario.h5") as ds:
        assert list(ds.perturbation_name.values) == ["Sec23A loss of function"]
    assert sorted(p.name for p in DEFAULT_PARAMS.parent.iterdir()) == before
    written = tmp_path / "written.toml"
    written.write_text(absolute_default() + "\n" + SCENARIO.read_text())
    egress("run", written, "-o", tmp_path / "written.h5", "--quiet")
    same_trajectories(tmp_path / "scenario.h5", tmp_path / "written.h5")
    egress("run", DEFAULT_PARAMS, "--scenario", SCENARIO, "-o", tmp_path / "cli.h5", "--quiet")
    same_trajectories(tmp_path / "scenario.h5", tmp_path / "cli.h5")
    with h5py.File(tmp_path / "scenario.h5") as f:
        assert "Sec23A" in f["input/scenarios"][()].decode()


def test_library_scenarios_combine_in_order(tmp_path):
    """The library's scenario files (with their `name`) run from Python, several at once, as on the
    command line: a 15 C block then Brefeldin A lists both files' perturbations in that order."""
    library = SOURCE_DIR / "params" / "scenarios"
    files = [library / "temperature_15C.toml", library / "brefeldin_a.toml"]
    with ea.run(DEFAULT_PARAMS, scenario=files, progress=False, egress=EGRESS_BIN, output=tmp_path / "two.h5") as ds:
        names = list(ds.perturbation_name.values)
    egress("run", DEFAULT_PARAMS, "--scenario", files[0], "--scenario", files[1], "-o", tmp_path / "cli.h5", "--quiet")
    with ea.open_result(tmp_path / "cli.h5") as cli:
        assert names == list(cli.perturbation_name.values)
    assert names[0].startswith("15 C") and any("Brefeldin" in n or "BFA" in n for n in names[1:])
    same_trajectories(tmp_path / "two.h5", tmp_path / "cli.h5")


def test_scenario_errors_point_into_the_scenario_or_the_base(tmp_path):
    scenario = tmp_path / "typo.toml"
    scenario.write_text("# a typo\n[[perturbations]]\ntarget = \"k_coppii\"\nscale = 0.5\n")
    with pytest.raises(ea.EgressInputError, match="did you mean 'k_copii'") as caught:
        ea.run(DEFAULT_PARAMS, scenario=scenario, progress=False, egress=EGRESS_BIN, output=tmp_path / "z.h5")
    assert (caught.value.file, caught.value.line) == (str(scenario), 3)
    assert str(caught.value).startswith(f"{scenario}:3:")
    base = tmp_path / "base.toml"
    base.write_text(DEFAULT_PARAMS.read_text().replace("t_end = 7200.0", "t_end = -1.0"))
    shutil.copytree(SOURCE_DIR / "models", tmp_path.parent / "models", dirs_exist_ok=True)  # ../models from base
    line = next(i for i, text in enumerate(base.read_text().splitlines(), 1) if "t_end = -1.0" in text)
    with pytest.raises(ea.EgressInputError, match="simulation.t_end") as caught:
        ea.run(base, scenario=SCENARIO, progress=False, egress=EGRESS_BIN, output=tmp_path / "w.h5")
    assert (caught.value.file, caught.value.line) == (str(base), line)
    other = tmp_path / "other.toml"
    other.write_text("[simulation]\nreplicates = 3\n")
    with pytest.raises(ea.EgressInputError) as caught:
        ea.run(DEFAULT_PARAMS, scenario=other, progress=False, egress=EGRESS_BIN, output=tmp_path / "o.h5")
    assert caught.value.file == str(other)
    with pytest.raises(FileNotFoundError, match="scenario file"):
        ea.run(DEFAULT_PARAMS, scenario=tmp_path / "missing.toml", progress=False, egress=EGRESS_BIN)


def test_pip_installs_the_package(tmp_path):
    """`pip install --no-deps --no-build-isolation` from a copy of analysis/ (pip writes a build
    directory into the source), then the installed package is imported from a clean path."""
    source = tmp_path / "analysis"
    shutil.copytree(SOURCE_DIR / "analysis", source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
                           "--quiet", "--target", str(target), str(source)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    check = subprocess.run([sys.executable, "-c", "import egress_analysis, sys; print(egress_analysis.__file__); "
                            "print(egress_analysis.__version__)"], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "PYTHONPATH": str(target)}, cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith(str(target)) and "0.2.0" in check.stdout
