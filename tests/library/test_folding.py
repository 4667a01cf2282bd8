"""Chaperone-assisted folding, misfolding and ERAD in the standard model (models/secretory_core.toml).

Folding is cargo_ER_unfolded -> cargo_ER at the Michaelis-Menten rate
v = k_cat_fold * bip_total * U / (km_fold + U) (Vmax = k_cat_fold * bip_total).

1. Saturation (ode): a pulse of U0 = 1e6 unfolded chains (10 km_fold) with nothing else acting on
   them follows the integrated Michaelis-Menten law km ln(U0/U) + (U0 - U) = Vmax t, checked at
   10, 20 and 30 min to 1e-5 relative (ode rtol 1e-6); a first-order law with the same low-load
   constant would have folded all but e^-5 by 10 min, the saturated pool still holds > 40 %.
2. Partition (every method): a pulse of 10,000 unfolded chains with misfolding and ERAD of
   unfolded chains at k_f / 3 each, and the chaperone pool and km_fold both raised 1e4-fold (the
   same low-load constant k_f = k_cat_fold bip_total / km_fold, now linear at this load), ends
   3/5 folded (then exported), 1/5 retained, 1/5 degraded: first-order competition. ode and
   hybrid (reactions are deterministic there) to 1e-6; ssa (8 cells, seed 11) within 0.01 of
   1/5 for the retained and degraded fractions: each is a multinomial share of 80,000 chains,
   sd 0.0014, so 0.01 is 7 sd (false failure < 1e-11).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from conftest import ROOT, _TMP, run

N = 10000


def pulse(load: int, t_end: float = 7200.0) -> str:
    params = _TMP / f"folding_pulse_{load}.toml"
    text = (ROOT / "params/default.toml").read_text().replace('model = "../models/', f'model = "{ROOT}/models/')
    text = text.replace("add = { cargo_ER = 10000 }", f"add = {{ cargo_ER_unfolded = {load} }}")
    text = text.replace("seed = 20261126\n", "seed = 20261126\nrtol = 1e-6\n")
    assert f"cargo_ER_unfolded = {load}" in text
    params.write_text(text)
    return str(params)


def test_folding_saturates_on_the_chaperone_pool():
    u0 = 1.0e6
    r = run(pulse(int(u0)))
    v = r.values
    vmax, km = v["k_cat_fold"] * v["bip_total"], v["km_fold"]
    assert u0 > 5 * km  # the pulse saturates the pool
    for minutes in (10, 20, 30):
        t = 60.0 * minutes
        expected = brentq(lambda u: km * np.log(u0 / u) + (u0 - u) - vmax * t, 1e-9, u0)
        assert r.at("cargo_ER_unfolded", minutes)[0] == pytest.approx(expected, rel=1e-5)
    # Saturated, the pool has lost only ~Vmax t = 5e5 by 10 min; a first-order law with the same
    # low-load constant would have left e^-5 = 0.7 %.
    assert r.at("cargo_ER_unfolded", 10)[0] > 0.4 * u0
    assert np.exp(-vmax / km * 600.0) < 0.01


@pytest.mark.parametrize("method, replicates, tolerance", [("ode", 1, 1e-6), ("ssa", 8, 0.01), ("hybrid", 4, 1e-6)])
def test_unfolded_chains_fold_misfold_or_go_to_erad_in_proportion(method, replicates, tolerance):
    base = run(pulse(N), (), "ode", 1)
    k_f = base.values["k_cat_fold"] * base.values["bip_total"] / base.values["km_fold"]
    sets = (f"bip_total={base.values['bip_total'] * 1e4}", f"km_fold={base.values['km_fold'] * 1e4}",
            f"k_misfold={k_f / 3}", f"k_erad_unfolded={k_f / 3}")
    r = run(pulse(N), (), method, replicates, sets=sets)
    assert np.all(r.amount["cargo_ER_unfolded"][:, -1] < 1e-6 * N)  # all decided by 2 h
    retained = r.amount["cargo_ER_retained"][:, -1].mean() / N
    degraded = r.amount["cargo_degraded"][:, -1].mean() / N
    assert retained == pytest.approx(0.2, abs=tolerance)
    assert degraded == pytest.approx(0.2, abs=tolerance)
