"""Ensembles: output does not depend on the thread count or on running replicates in parts.

Each run below uses a fixed seed; the checks are exact equalities of every dataset, so they have
no false-failure rate: any difference is a reproducibility bug.
"""
import os
import pathlib
import subprocess

import h5py
import numpy as np
import pytest

ROOT = pathlib.Path(os.environ.get("EGRESS_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EGRESS = os.environ.get("EGRESS_BIN", str(ROOT / "build/release/bin/egress"))
DEFAULT = ROOT / "params/default.toml"


def run(*args, log=True):
    # log: bit-identity covers the vesicle event log too (ode writes none either way).
    subprocess.run([EGRESS, "run", *map(str, args), "--quiet", "--events" if log else "--no-events"], check=True, cwd=ROOT)


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def variable_params(tmp_path):
    """The default run with cell-to-cell variability of the COPII bud rate."""
    text = DEFAULT.read_text().replace('model = "../models/secretory_core.toml"',
                                       f'model = "{ROOT / "models/secretory_core.toml"}"')
    text = text.replace("[parameters]\n", '[parameters]\nk_copii = { value = 0.467, cv = 0.3, distribution = "lognormal" }\n')
    path = tmp_path / "variable.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("log", [True, False], ids=["event-log", "no-event-log"])
@pytest.mark.parametrize("method", ["ssa", "hybrid"])
def test_bit_identical_for_1_2_and_4_threads(tmp_path, method, log):
    params = variable_params(tmp_path)
    files = []
    for threads in (1, 2, 4):
        out = tmp_path / f"{method}-{threads}.h5"
        run(params, "--method", method, "--replicates", 12, "--seed", 42, "--threads", threads, "-o", out, log=log)
        files.append(datasets(out))
    for other in files[1:]:
        assert sorted(other) == sorted(files[0])
        for name, values in files[0].items():
            assert np.array_equal(values, other[name]), name


@pytest.mark.parametrize("method", ["ssa", "hybrid"])
def test_replicates_run_in_parts_equal_the_full_run(tmp_path, method):
    params = variable_params(tmp_path)
    full, first, second = tmp_path / "full.h5", tmp_path / "a.h5", tmp_path / "b.h5"
    run(params, "--method", method, "--replicates", 10, "--seed", 9, "--threads", 2, "-o", full)
    run(params, "--method", method, "--replicates", 4, "--seed", 9, "--threads", 1, "-o", first)
    run(params, "--method", method, "--replicates", 6, "--first-replicate", 4, "--seed", 9, "-o", second)
    with h5py.File(full) as f, h5py.File(first) as a, h5py.File(second) as b:
        assert list(b["replicate"][:]) == list(range(4, 10))
        for name in ("amounts", "vesicles/budded", "vesicles/fused", "vesicles/cargo_in_transit", "membrane_area",
                     "parameters/cell_value"):
            assert np.array_equal(f[name][:4], a[name][:]), name
            assert np.array_equal(f[name][4:], b[name][:]), name
        for name in ("time", "route", "kind", "vesicle", "load", "replicate"):
            joined = np.concatenate([a["events"][name][:], b["events"][name][:]])
            assert np.array_equal(f["events"][name][:], joined), name


def test_cell_parameters_are_written_per_replicate(tmp_path):
    params = variable_params(tmp_path)
    out = tmp_path / "cells.h5"
    run(params, "--method", "ode", "--replicates", 50, "--seed", 3, "-o", out)
    with h5py.File(out) as f:
        names = [n.decode() for n in f["parameters/parameter"][:]]
        drawn = f["parameters/cell_value"][:]
        i = names.index("k_copii")
        assert drawn.shape == (50, len(names))
        assert len(set(drawn[:, i])) == 50          # every cell its own value
        fixed = [j for j in range(len(names)) if j != i]
        assert np.all(drawn[:, fixed] == f["parameters/value"][:][fixed])
        assert f["parameters/distribution"][i].decode() == "lognormal"
        # ode replicates now differ: each cell runs with its own k_copii
        er = names and [s.decode() for s in f["species"][:]].index("cargo_ER")
        final = f["amounts"][:, -1, er]
        assert np.argsort(final).tolist() == np.argsort(-drawn[:, i]).tolist()


def test_analysis_reads_parameters_of_a_file_with_variability(tmp_path):
    """egress_analysis.parameters() reads a file with /parameters/cell_value [replicate, parameter]
    (it raised on every such file: issue 15, bug 3), and cell_values() gives the draws."""
    import sys
    sys.path.insert(0, str(ROOT / "analysis"))
    import egress_analysis

    out = tmp_path / "cells.h5"
    run(ROOT / "examples/cell_variability.toml", "--replicates", 3, "--first-replicate", 5, "-o", out, log=False)
    frame = egress_analysis.parameters(out)
    assert list(frame.columns) == ["value", "units", "source", "distribution", "cv"]
    assert frame.loc["k_copii", "value"] == 0.467
    assert frame.loc["k_copii", "distribution"] == "lognormal" and frame.loc["k_copii", "cv"] == 0.3
    assert frame.loc["k_pgc", "distribution"] == "fixed" and frame.loc["k_pgc", "cv"] == 0.0
    cells = egress_analysis.cell_values(out)
    assert list(cells.index) == [5, 6, 7]
    with h5py.File(out) as f:
        assert np.array_equal(cells.to_numpy(), f["parameters/cell_value"][:])
    assert cells["k_copii"].nunique() == 3
    assert (cells["k_pgc"] == 0.1).all()
    # A file without variability: the three columns of old, and no cell values.
    plain = tmp_path / "plain.h5"
    run(DEFAULT, "--replicates", 1, "-o", plain, log=False)
    assert list(egress_analysis.parameters(plain).columns) == ["value", "units", "source"]
    with pytest.raises(ValueError, match="no cell-to-cell variability"):
        egress_analysis.cell_values(plain)
