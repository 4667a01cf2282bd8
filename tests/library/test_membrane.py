"""Membrane steady state of the standard model (models/secretory_core.toml), in every method.

The model's membrane goes round a cycle (ER -COPII-> ERGIC -ERGIC_to_Golgi-> Golgi -post_Golgi->
PM -endocytosis-> endosome -endosome_to_Golgi-> Golgi -COPI-> ER), is made in the ER
(membrane_synthesis = k_membrane_syn) and leaves it through endosome -endosome_to_lysosome->
lysosome, which degrades what fuses with it; the fluxes balance compartment by compartment.
A 4 h run of params/default.toml (the Hirschberg wave) checks:

1. the books: compartment areas + vesicles in transit x their area + degraded membrane (what fused
   with the lysosome) = the initial total + k_membrane_syn x t, at every sample, to 1e-9
   relative, and membrane is really made and degraded (> 30 um^2 of each by 4 h);
2. no drift: the replicate-mean area of each compartment over 150-195 min equals that over
   195-240 min. ode: to 1e-6 relative. ssa (16 cells) and hybrid (8 cells), seed 11: a single
   cell's areas do a random walk (constant bud rates, no feedback on area), whose variance grows
   by sum_r rate_r x area_r^2 per second; the tolerance is 5 standard deviations of the mean of
   the cells' changes over the 45 min between the windows' centres (false failure < 1e-6 per
   compartment, normal approximation);
3. in = out: in ode, the membrane fused into each compartment per second plus what it makes
   equals what buds from it, over the late window, to 1e-6 relative; the lysosome's intake
   equals the ER's synthesis (it degrades it all);
4. the check can fail: without the endosome-to-Golgi return (k_retro = 0) the Golgi drifts, and
   without synthesis (k_membrane_syn = 0) the ER shrinks by what the lysosome degrades.
"""
from __future__ import annotations

import pathlib
import subprocess
import tomllib

import h5py
import numpy as np
import pytest

from conftest import EGRESS, ROOT

T_END_MIN = 240
EARLY, LATE = (150, 195), (195, 240)


def run(tmp_path: pathlib.Path, method: str, replicates: int, *sets: str) -> dict:
    params = tmp_path / "four_hours.toml"
    text = (ROOT / "params/default.toml").read_text().replace('model = "../models/', f'model = "{ROOT}/models/')
    params.write_text(text.replace("t_end = 7200.0", f"t_end = {60.0 * T_END_MIN}"))
    out = tmp_path / f"{method}.h5"
    command = [str(EGRESS), "run", str(params), "-o", str(out), "--quiet", "--method", method,
               "--replicates", str(replicates), "--seed", "11"]
    for s in sets:
        command += ["--set", s]
    subprocess.run(command, check=True, capture_output=True, text=True)
    with h5py.File(out) as f:
        resolved = tomllib.loads(f["input/resolved"][()].decode())
        values = dict(zip((p.decode() for p in f["parameters/parameter"][()]), f["parameters/value"][()]))
        return {"t": f["time"][()] / 60.0, "compartments": [c.decode() for c in f["compartment"][()]],
                "routes": [r.decode() for r in f["vesicles/route"][()]], "area": f["membrane_area"][()],
                "in_transit": f["vesicles/in_transit"][()], "budded": f["vesicles/budded"][()],
                "fused": f["vesicles/fused"][()], "model": resolved["model"], "values": values}


def route_table(r: dict) -> list[dict]:
    by_name = {v["name"]: v for v in r["model"]["vesicles"]}
    return [by_name[name] for name in r["routes"]]


def window_mean(r: dict, window: tuple[float, float]) -> np.ndarray:
    """Replicate-mean area of each compartment over the window's samples."""
    inside = (r["t"] >= window[0]) & (r["t"] <= window[1])
    return r["area"][:, inside, :].mean(axis=(0, 1))


@pytest.mark.parametrize("method, replicates", [("ode", 1), ("ssa", 16), ("hybrid", 8)])
def test_membrane_is_conserved_and_reaches_a_steady_state(tmp_path, method, replicates):
    r = run(tmp_path, method, replicates)
    routes = route_table(r)
    vesicle_area = np.array([v.get("vesicle_area", 0.0) for v in routes])
    degrades = np.array([bool(r["model"]["compartments"][v["to"]].get("degrades_membrane", False)) for v in routes])
    degraded = (r["fused"] * vesicle_area * degrades).sum(axis=2)
    synthesised = r["values"]["k_membrane_syn"] * 60.0 * r["t"]
    assert r["model"]["compartments"]["ER"]["membrane_synthesis"] == "k_membrane_syn"
    initial = sum(c.get("area", 0.0) for c in r["model"]["compartments"].values())
    total = r["area"].sum(axis=2) + (r["in_transit"] * vesicle_area).sum(axis=2) + degraded
    np.testing.assert_allclose(total, np.broadcast_to(initial + synthesised, total.shape), rtol=1e-9)
    assert synthesised[-1] > 30.0 and degraded[:, -1].min() > 30.0

    early, late = window_mean(r, EARLY), window_mean(r, LATE)
    for c, name in enumerate(r["compartments"]):
        if method == "ode":
            tolerance = 1e-6 * max(abs(early[c]), 1.0)
        else:
            # Random-walk variance of one cell's area per second: sum over the routes touching c.
            rate = sum(r["values"][v["budding"]["k"]] * v.get("vesicle_area", 0.0) ** 2
                       for v in routes if name in (v["from"], v["to"]))
            seconds = 60.0 * (np.mean(LATE) - np.mean(EARLY))
            tolerance = 5.0 * np.sqrt(rate * seconds / replicates) + 1e-9
        assert abs(late[c] - early[c]) <= tolerance, \
            f"{method}: {name} drifts from {early[c]:.2f} to {late[c]:.2f} um^2 (tolerance {tolerance:.3g})"


def test_membrane_in_equals_out_in_ode(tmp_path):
    r = run(tmp_path, "ode", 1)
    routes = route_table(r)
    inside = np.flatnonzero((r["t"] >= LATE[0]) & (r["t"] <= LATE[1]))
    i, j = inside[0], inside[-1]
    seconds = 60.0 * (r["t"][j] - r["t"][i])
    made = {c: (r["values"][t["membrane_synthesis"]] if "membrane_synthesis" in t else 0.0)
            for c, t in r["model"]["compartments"].items()}
    for name in r["compartments"]:
        into = sum(v.get("vesicle_area", 0.0) * (r["fused"][0, j, k] - r["fused"][0, i, k])
                   for k, v in enumerate(routes) if v["to"] == name) / seconds
        out = sum(v.get("vesicle_area", 0.0) * (r["budded"][0, j, k] - r["budded"][0, i, k])
                  for k, v in enumerate(routes) if v["from"] == name) / seconds
        if r["model"]["compartments"][name].get("degrades_membrane", False):
            assert into == pytest.approx(made["ER"], rel=1e-6), f"{name} degrades {into} um^2/s"
            continue
        assert into + made[name] == pytest.approx(out, rel=1e-6, abs=1e-12), f"{name}: in {into} um^2/s, out {out} um^2/s"
        if name in ("ER", "ERGIC", "Golgi", "PM", "endosome"):
            assert into + made[name] > 0.005, f"{name}: no membrane flux to test"


def test_without_the_return_route_the_golgi_drifts(tmp_path):
    r = run(tmp_path, "ode", 1, "k_retro=0")
    golgi = r["compartments"].index("Golgi")
    early, late = window_mean(r, EARLY), window_mean(r, LATE)
    # ERGIC_to_Golgi brings 0.0052771 um^2/s and COPI takes half of it back (the other half is the
    # ER's synthesis, k_membrane_syn); post-Golgi carriers take 0.1 /s x 1.0 um^2 (tubules) + 1.0 /s
    # x 0.04 um^2 (vesicles) = 0.14 um^2/s: 370.9 um^2 in 45 min.
    assert late[golgi] - early[golgi] == pytest.approx(-(0.14 - 0.00263855) * 2700, rel=1e-3)


def test_without_synthesis_the_er_shrinks_by_what_the_lysosome_degrades(tmp_path):
    r = run(tmp_path, "ode", 1, "k_membrane_syn=0")
    er = r["compartments"].index("ER")
    early, late = window_mean(r, EARLY), window_mean(r, LATE)
    # COPII takes 0.0052771 um^2/s, COPI returns 0.00263855: 7.12 um^2 in 45 min.
    assert late[er] - early[er] == pytest.approx(-0.00263855 * 2700, rel=1e-3)
