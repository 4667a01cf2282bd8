"""Shared helpers of the sweep tests: the program, a tiny base model, and dataset comparison."""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EGRESS = Path(os.environ.get("EGRESS_BIN", ROOT / "build" / "release" / "bin" / "egress"))
TIMEOUT_S = 300

# A reversible chain A <-> B: cheap, and every method runs it.
BASE = """\
[model]
name = "chain"
[model.compartments]
ER = {}
PM = {}
[model.species]
A = { compartment = "ER", initial = 100 }
B = { compartment = "PM", initial = 0 }
[model.parameters]
k = 0.05
k2 = 0.5
km = 50.0
[[model.reactions]]
name = "exit"
equation = "A -> B"
k = "k"
[[model.reactions]]
name = "back"
equation = "B -> A"
law = "michaelis_menten"
vmax = "k2"
km = "km"
[simulation]
method = "ssa"
t_end = 100.0
output_interval = 10.0
replicates = 5
seed = 7
"""

GRID = """\
base = "base.toml"
[sweep]
design = "grid"
[[sweep.axes]]
parameter = "k"
values = [0.01, 0.02, 0.05, 0.1]
[[sweep.axes]]
parameter = "k2"
min = 0.1
max = 1.0
points = 3
log = true
[[sweep.metrics]]
name = "A_half"
kind = "decay_half_time"
species = "A"
[[sweep.metrics]]
name = "B_rise"
kind = "rise_half_time"
compartment = "PM"
"""


def egress(*args, cwd=None, env=None, check=None):
    if not EGRESS.is_file():
        pytest.fail(f"egress binary not found at {EGRESS} (build it, or set EGRESS_BIN)")
    proc = subprocess.run([str(EGRESS), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT_S, env={**os.environ, "LC_ALL": "C", **(env or {})})
    assert proc.returncode >= 0, f"egress {' '.join(map(str, args))} was killed by signal {-proc.returncode}\n{proc.stderr}"
    if check is not None:
        assert proc.returncode == check, f"egress {' '.join(map(str, args))}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture
def sweep_dir(tmp_path):
    (tmp_path / "base.toml").write_text(BASE)
    (tmp_path / "sweep.toml").write_text(GRID)
    return tmp_path


def datasets(path):
    """Every dataset of an HDF5 file, by name, as numpy values."""
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def assert_same_datasets(a, b):
    da, db = datasets(a), datasets(b)
    assert sorted(da) == sorted(db), f"{a} and {b} hold different datasets"
    for name in da:
        x, y = np.asarray(da[name]), np.asarray(db[name])
        assert x.shape == y.shape and x.dtype == y.dtype, f"/{name}: {x.shape} {x.dtype} vs {y.shape} {y.dtype}"
        same = np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else np.array_equal(x, y)
        assert same, f"/{name} differs between {a} and {b}"
