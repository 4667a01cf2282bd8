"""Shared helpers of the library tests: run egress on a parameter file (with scenarios) and read
the species curves back, cached per (file, scenarios, method, settings) within the session."""
from __future__ import annotations

import functools
import os
import pathlib
import subprocess
import tempfile

import h5py
import numpy as np

ROOT = pathlib.Path(os.environ.get("EGRESS_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EGRESS = pathlib.Path(os.environ.get("EGRESS_BIN", ROOT / "build" / "release" / "bin" / "egress"))
_TMP = pathlib.Path(tempfile.mkdtemp(prefix="egress-library-"))
# The standard model's Golgi: cis, medial and trans cisternae and the TGN (models/secretory_core.toml).
GOLGI_SPECIES = ("cargo_cis", "cargo_medial", "cargo_trans", "cargo_TGN")


class Result:
    """Amounts by species name (replicate, time), membrane areas by compartment, vesicle counters."""

    def __init__(self, path: pathlib.Path):
        with h5py.File(path, "r") as f:
            self.t = f["time"][()]
            species = [s.decode() for s in f["species"][()]]
            amounts = f["amounts"][()]
            self.amount = {s: amounts[:, :, i] for i, s in enumerate(species)}
            transit = f["vesicles/cargo_in_transit"][()]
            self.transit = {s: transit[:, :, i] for i, s in enumerate(species)}
            compartments = [c.decode() for c in f["compartment"][()]]
            area = f["membrane_area"][()]
            self.area = {c: area[:, :, i] for i, c in enumerate(compartments)}
            routes = [r.decode() for r in f["vesicles/route"][()]]
            in_transit = f["vesicles/in_transit"][()]
            self.vesicles_in_transit = {r: in_transit[:, :, i] for i, r in enumerate(routes)}
            self.values = dict(zip((p.decode() for p in f["parameters/parameter"][()]), f["parameters/value"][()]))
            self.resolved = f["input/resolved"][()].decode()
            self.scenarios = f["input/scenarios"][()].decode()

    def golgi(self) -> np.ndarray:
        """The Golgi stack's cargo (replicate, time): the sum of the standard model's cisternal pools."""
        return sum(self.amount[s] for s in GOLGI_SPECIES)

    def golgi_at(self, minutes: float) -> np.ndarray:
        return sum(self.at(s, minutes) for s in GOLGI_SPECIES)

    def at(self, name: str, minutes: float) -> np.ndarray:
        """Each replicate's amount of `name` at `minutes` (a sample time)."""
        i = int(np.argmin(np.abs(self.t - 60.0 * minutes)))
        assert abs(self.t[i] - 60.0 * minutes) < 1e-9, f"{minutes} min is not a sample time"
        return self.amount[name][:, i]


@functools.lru_cache(maxsize=None)
def run(params: str, scenarios: tuple[str, ...] = (), method: str = "ode", replicates: int = 1, seed: int = 11,
        sets: tuple[str, ...] = ()) -> Result:
    out = _TMP / f"run{len(os.listdir(_TMP))}.h5"
    command = [str(EGRESS), "run", str(ROOT / params), "-o", str(out), "--quiet", "--method", method,
               "--replicates", str(replicates), "--seed", str(seed)]
    for s in scenarios:
        command += ["--scenario", str(ROOT / s)]
    for s in sets:
        command += ["--set", s]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(command)}\n{proc.stderr}"
    return Result(out)
