"""Post-Golgi carriers of two sizes in the standard model (models/secretory_core.toml): large
tubular carriers (post_Golgi: 1.0 um^2 at k_pgc = 0.1 /s) and small vesicles (post_Golgi_vesicles:
0.04 um^2 at k_pgv = 1.0 /s), which together keep the Golgi exit at 5.0e-4 /s (Hirschberg et al.
1998) and split it 80/20 (an assumption: tubules are the main vehicle, Polishchuk et al. 2000).

1. ode: the budded counts are k x t exactly (zero-order budding), so the vesicles bud 10x as often
   as the tubules but move 0.04 / 0.1 = 40 % of their membrane; the capture-weighted exit
   constants add up to 5.0e-4 /s (1e-9).
2. ssa (8 cells, seed 11, the default 2-h wave, event log on): the share of the budded cargo that
   left in tubules is k_pgc capture_pgc / (k_pgc capture_pgc + k_pgv capture_pgv) = 0.8, and a
   tubule carries capture_pgc / capture_pgv = 40x a vesicle's mean load. A cell's tubule share
   has sd 0.0065 (measured over these 8 cells: ~8,600 molecules in ~720 tubules whose loads
   vary), so the mean of 8 has sd 0.0023 and 0.02 is > 8 sd; the load ratio's sd is ~2 % (5,800
   tubules, 57,000 vesicles over the 8 cells; measured 39.8), and 10 % is ~5 sd (false failure
   < 1e-5 per check).
"""
from __future__ import annotations

import pathlib
import subprocess

import h5py
import numpy as np
import pytest

from conftest import EGRESS, ROOT, _TMP


def run_with_events(method: str, replicates: int) -> pathlib.Path:
    out = _TMP / f"post_golgi_{method}.h5"
    subprocess.run([str(EGRESS), "run", str(ROOT / "params/default.toml"), "-o", str(out), "--quiet", "--method",
                    method, "--replicates", str(replicates), "--seed", "11", "--events"], check=True)
    return out


def test_ode_bud_counts_and_membrane():
    out = run_with_events("ode", 1)
    with h5py.File(out) as f:
        routes = [r.decode() for r in f["vesicles/route"][()]]
        values = dict(zip((p.decode() for p in f["parameters/parameter"][()]), f["parameters/value"][()]))
        budded = f["vesicles/budded"][0, -1, :]
        t_end = f["time"][-1]
    tubules, vesicles = budded[routes.index("post_Golgi")], budded[routes.index("post_Golgi_vesicles")]
    assert tubules == pytest.approx(values["k_pgc"] * t_end, rel=1e-9)
    assert vesicles == pytest.approx(values["k_pgv"] * t_end, rel=1e-9)
    assert vesicles / tubules == pytest.approx(10.0, rel=1e-9)
    assert (vesicles * 0.04) / (tubules * 1.0) == pytest.approx(0.4, rel=1e-9)
    exit_constant = values["k_pgc"] * values["capture_pgc"] + values["k_pgv"] * values["capture_pgv"]
    assert exit_constant == pytest.approx(5.0e-4, rel=1e-9)


def test_ssa_cargo_split_and_loads():
    out = run_with_events("ssa", 8)
    with h5py.File(out) as f:
        routes = [r.decode() for r in f["vesicles/route"][()]]
        values = dict(zip((p.decode() for p in f["parameters/parameter"][()]), f["parameters/value"][()]))
        ev = f["events"]
        route, kind, load = ev["route"][()], ev["kind"][()], ev["load"][()].sum(axis=1)
        replicate = ev["replicate"][()]
    bud = kind == 0
    tub, ves = routes.index("post_Golgi"), routes.index("post_Golgi_vesicles")
    share = []
    for r in range(8):
        mine = bud & (replicate == r)
        t_load, v_load = load[mine & (route == tub)].sum(), load[mine & (route == ves)].sum()
        share.append(t_load / (t_load + v_load))
    expected = values["k_pgc"] * values["capture_pgc"] / (values["k_pgc"] * values["capture_pgc"]
                                                           + values["k_pgv"] * values["capture_pgv"])
    assert expected == pytest.approx(0.8, rel=1e-9)
    assert np.mean(share) == pytest.approx(expected, abs=0.02)
    ratio = load[bud & (route == tub)].mean() / load[bud & (route == ves)].mean()
    assert ratio == pytest.approx(values["capture_pgc"] / values["capture_pgv"], rel=0.1)
