"""The books of a run: every cargo molecule is accounted for (issue 15, bug 5).

Environment: EGRESS_BIN (the egress program; default build/release/bin/egress in the source tree),
EGRESS_SOURCE_DIR (the repository root; default two levels above this file). Fixed seeds; every
check is an identity of the run's own numbers (no statistical test, no false-failure rate).
"""

from __future__ import annotations

import os
import pathlib
import subprocess

import h5py
import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("EGRESS_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EGRESS_BIN = pathlib.Path(os.environ.get("EGRESS_BIN", SOURCE_DIR / "build" / "release" / "bin" / "egress"))
DEFAULT_PARAMS = SOURCE_DIR / "params" / "default.toml"

# params/default.toml releases this many molecules into the ER at t = 0; synthesis is off.
RELEASED = 10000.0
# ERAD at 2e-4 /s beside ER exit at 4.67e-4 /s: about a third of the cargo is degraded.
K_ERAD = "k_erad=2e-4"


def egress(*args: str | os.PathLike) -> subprocess.CompletedProcess:
    result = subprocess.run([str(EGRESS_BIN), *map(str, args)], cwd=SOURCE_DIR, capture_output=True, text=True,
                            timeout=300)
    if result.returncode != 0:
        pytest.fail(f"egress {' '.join(map(str, args))} exited {result.returncode}:\n{result.stderr}")
    return result


def names(dataset: h5py.Dataset) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in dataset[()]]


@pytest.mark.parametrize("method, replicates, tolerance",
                         [("ode", 1, 1e-6), ("ssa", 3, 0.0), ("hybrid", 3, 1e-6)])
def test_total_cargo_is_what_was_added(tmp_path, method, replicates, tolerance):
    """Species + cargo in vesicles in transit = the molecules released, at every sample, with ERAD
    on: degraded cargo goes to the sink species cargo_degraded instead of leaving the books."""
    out = tmp_path / f"{method}.h5"
    egress("run", DEFAULT_PARAMS, "-o", out, "--quiet", "--method", method, "--replicates", replicates,
           "--set", K_ERAD)
    with h5py.File(out, "r") as f:
        species = names(f["species"])
        amounts = f["amounts"][()]
        in_transit = f["vesicles/cargo_in_transit"][()]
    total = amounts.sum(axis=2) + in_transit.sum(axis=2)
    drift = np.abs(total - RELEASED).max() / RELEASED
    assert drift <= tolerance, f"{method}: total cargo off what was released by {drift:.3g} (relative)"
    degraded = amounts[:, -1, species.index("cargo_degraded")]
    secreted = amounts[:, -1, species.index("cargo_secreted")]
    assert np.all(degraded > 0.1 * RELEASED), f"{method}: ERAD degraded too little to test the books: {degraded}"
    assert np.all(secreted > 0.1 * RELEASED), f"{method}: too little secreted: {secreted}"
