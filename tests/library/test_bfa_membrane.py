"""Brefeldin A moves the Golgi's membrane, not only its cargo, into the ER (issue 11; V6 in
docs/validation.md), in every method.

params/default.toml (the standard model, models/secretory_core.toml) with
params/scenarios/brefeldin_a.toml: the collapse is on from t1 = 1650 s to t2 = 1680 s at
k_collapse = 0.1 /s (read from the scenario; the numbers below are for these values). The route golgi_collapse buds per um^2 of the Golgi (per_donor_area), so the
Golgi's area A obeys dA/dt = -k A + J, J the net flux of the other routes into the Golgi (during
BFA: endosome_to_Golgi and ERGIC_to_Golgi in, the 45 %-inhibited post-Golgi carriers and COPI out,
about +0.077 um^2/s). Solved over the window T = 30 s:
    A(t2) / A(t1) = e^{-kT} + J (1 - e^{-kT}) / (k A(t1)),   e^{-kT} = e^{-3} = 0.0498,
and the J term adds about 0.0007 (A(t1) ~ 1016 um^2): 5.05 % of the Golgi's area is left.
The tests read J per cell from the vesicle counters (the other routes' net area into the Golgi
over the window, / T). Checks:

1. the books, at every sample: areas + vesicles in transit x their area + degraded = initial +
   k_membrane_syn x t, to 1e-9 relative; the collapse route buds only inside the window;
2. the Golgi fraction A(t2)/A(t1) against the formula. ode: to 1e-6 (J is not exactly constant
   inside the window, and the solver's tolerance; measured 2.4e-8; the J term itself is 7e-4). ssa (16 cells) and hybrid (8 cells), seed 11: one cell's collapse is a
   linear death process of A(t1)/a tubules of a = 1 um^2 each surviving with p = e^{-kT}, so its
   fraction has variance a p (1 - p) / A(t1), plus the other routes' shot noise, bounded by
   sum(events x area^2) / A(t1)^2 from the counters. Statistic: the mean over cells of
   (fraction - formula); tolerance 5 standard deviations of that mean (false failure < 1e-6,
   normal approximation; one cell's sd is ~0.007, the mean's 0.0017 for 16 cells);
3. the ER gains what the Golgi loses: (ER rise + membrane in the collapse tubules at t2) / (Golgi
   fall) within 1 % (mean over cells). The other routes move ~2.5 um^2 of ~965 in the window
   (0.26 %; their shot noise in the mean over 8 cells < 1 um^2, 0.1 %).
Without the membrane route (the model before this change) the Golgi keeps ~100 % of its area and
the ER gains nothing: checks 2 and 3 fail.
"""
from __future__ import annotations

import math
import pathlib
import subprocess
import tomllib

import h5py
import numpy as np
import pytest

from conftest import EGRESS, ROOT

SCENARIO = ROOT / "params/scenarios/brefeldin_a.toml"
# The collapse window and rate, as the scenario sets them (1650-1680 s at 0.1 /s today).
_COLLAPSE = next(p for p in tomllib.loads(SCENARIO.read_text())["perturbations"] if p["target"] == "k_collapse")
T1, T2, K = float(_COLLAPSE["start"]), float(_COLLAPSE["end"]), float(_COLLAPSE["value"])


def run(tmp_path: pathlib.Path, method: str, replicates: int) -> dict:
    params = tmp_path / "bfa.toml"
    text = (ROOT / "params/default.toml").read_text().replace('model = "../models/', f'model = "{ROOT}/models/')
    # 30 min with 30-s samples: the window's ends are samples.
    text = text.replace("t_end = 7200.0", "t_end = 1800.0").replace("output_interval = 60.0", "output_interval = 30.0")
    params.write_text(text)
    out = tmp_path / f"{method}.h5"
    subprocess.run([str(EGRESS), "run", str(params), "--scenario", str(SCENARIO),
                    "-o", str(out), "--quiet", "--method", method, "--replicates", str(replicates), "--seed", "11"],
                   check=True, capture_output=True, text=True)
    with h5py.File(out) as f:
        resolved = tomllib.loads(f["input/resolved"][()].decode())
        values = dict(zip((p.decode() for p in f["parameters/parameter"][()]), f["parameters/value"][()]))
        by_name = {v["name"]: v for v in resolved["model"]["vesicles"]}
        routes = [by_name[r.decode()] for r in f["vesicles/route"][()]]
        return {"t": f["time"][()], "compartments": [c.decode() for c in f["compartment"][()]], "routes": routes,
                "area": f["membrane_area"][()], "in_transit": f["vesicles/in_transit"][()],
                "budded": f["vesicles/budded"][()], "fused": f["vesicles/fused"][()],
                "model": resolved["model"], "values": values}


@pytest.mark.parametrize("method, replicates", [("ode", 1), ("ssa", 16), ("hybrid", 8)])
def test_brefeldin_a_moves_the_golgi_membrane_into_the_er(tmp_path, method, replicates):
    r = run(tmp_path, method, replicates)
    routes, t = r["routes"], r["t"]
    names = [v["name"] for v in routes]
    collapse = names.index("golgi_collapse")
    assert routes[collapse]["budding"].get("per_donor_area") is True
    a = np.array([v.get("vesicle_area", 0.0) for v in routes])
    k = K  # 1/s, k_collapse in the window
    p = math.exp(-k * (T2 - T1))

    # 1. Books, and buds only inside the window.
    degrades = np.array([bool(r["model"]["compartments"][v["to"]].get("degrades_membrane", False)) for v in routes])
    total = r["area"].sum(axis=2) + (r["in_transit"] * a).sum(axis=2) + (r["fused"] * a * degrades).sum(axis=2)
    initial = sum(c.get("area", 0.0) for c in r["model"]["compartments"].values())
    np.testing.assert_allclose(total, np.broadcast_to(initial + r["values"]["k_membrane_syn"] * t, total.shape), rtol=1e-9)
    i1, i2 = int(np.flatnonzero(t == T1)[0]), int(np.flatnonzero(t == T2)[0])
    assert np.all(r["budded"][:, :i1 + 1, collapse] == 0.0)
    after = r["budded"][:, i2:, collapse]
    np.testing.assert_array_equal(after, np.broadcast_to(after[:, :1], after.shape))

    # 2. The Golgi's fraction left, cell by cell, against dA/dt = -k A + J.
    golgi, er = r["compartments"].index("Golgi"), r["compartments"].index("ER")
    A1, A2 = r["area"][:, i1, golgi], r["area"][:, i2, golgi]
    others = [q for q, v in enumerate(routes) if q != collapse and "Golgi" in (v["from"], v["to"])]
    into = sum(a[q] * (r["fused"][:, i2, q] - r["fused"][:, i1, q]) for q in others if routes[q]["to"] == "Golgi")
    out = sum(a[q] * (r["budded"][:, i2, q] - r["budded"][:, i1, q]) for q in others if routes[q]["from"] == "Golgi")
    J = (into - out) / (T2 - T1)
    expected = p + J * (1.0 - p) / (k * A1)
    fraction = A2 / A1
    assert np.all(A1 > 900.0) and abs(np.mean(J)) < 0.2, (A1, J)  # ~1016 um^2 and ~0.077 um^2/s (docstring)
    error = float(np.mean(fraction - expected))
    if method == "ode":
        tolerance = 1e-6
    else:
        events = sum(a[q] ** 2 * ((r["fused"][:, i2, q] - r["fused"][:, i1, q]) if routes[q]["to"] == "Golgi"
                                  else (r["budded"][:, i2, q] - r["budded"][:, i1, q])) for q in others)
        variance = a[collapse] * p * (1.0 - p) / A1 + events / A1 ** 2
        tolerance = 5.0 * math.sqrt(float(np.sum(variance))) / replicates
    assert abs(error) <= tolerance, \
        f"{method}: Golgi keeps {np.mean(fraction):.4f} of its area, expected {np.mean(expected):.4f} (tolerance {tolerance:.2g})"
    assert abs(np.mean(fraction) - p) < 0.01  # a small fraction, e^{-kT}: the other routes add ~0.0007

    # 3. The ER gains it.
    er_rise = r["area"][:, i2, er] - r["area"][:, i1, er] + a[collapse] * r["in_transit"][:, i2, collapse]
    golgi_fall = A1 - A2
    assert np.mean(er_rise) / np.mean(golgi_fall) == pytest.approx(1.0, abs=0.01), (er_rise, golgi_fall)
    print(f"{method}: Golgi fraction {np.mean(fraction):.6f} (expected {np.mean(expected):.6f}, error {error:.2g}, tolerance {tolerance:.2g}), "
          f"ER rise / Golgi fall {np.mean(er_rise) / np.mean(golgi_fall):.5f}")
