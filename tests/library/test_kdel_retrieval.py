"""KDEL receptor retrieval in the standard model (models/secretory_core.toml), in every method.

An ER resident (n_resident = 10,000 molecules, all in the ER at t = 0; the default run's cargo wave
goes on beside it) escapes in COPII vesicles with its own capture (mean rate k_e = k_copii x
capture_escape), rides the bulk flow through the ERGIC (k_ergic x capture_ergic) to the Golgi, and
COPI returns it with its own capture (k_r = k_copi x capture_kdel). At steady state the flux J
round the cycle is the same at every step, so each pool holds J x its mean residence time:
ER 1/k_e, COPII vesicles 1/fusion_copii, ERGIC 1/(k_ergic capture_ergic), ERGIC-to-Golgi carriers
1/fusion_ergic, Golgi 1/k_r, COPI vesicles 1/fusion_copi, and the ER's fraction is
(1/k_e) / (sum of the six); with the model's values (VIP36 rates, Dahm et al. 2001) 0.845.

Checks, on a 3 h run (the slowest relaxation rate is ~k_e + k_r = 1.5e-3 /s, so by 150 min the
start is forgotten to e^-13):
1. every resident is on the books at every sample: ER + ERGIC + Golgi + in transit = 10,000;
2. the ER fraction averaged over 150-180 min equals the analytic value: ode to 1e-4; ssa (8 cells)
   and hybrid (8 cells), seed 11, within 0.01. The sd of one cell's time-averaged fraction,
   measured over the 8 cells, is 0.006 (ssa) and 0.007 (hybrid; COPI buds at half the rate with
   twice the capture since the model has membrane turnover), so the mean of 8 has sd <= 0.0025
   and 0.01 is >= 4 sd (false failure < 1e-4 per method, normal approximation);
3. the check can fail: without retrieval (capture_kdel = 0) the ER keeps e^(-k_e t) = 11 % at
   3 h (ode, to 1e-3 of that value: ER exit is the only way out of the ER).
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, _TMP, run

N = 10000.0
LATE = (150, 180)


def long_run(method, replicates, *sets):
    """params/default.toml run for 3 h with the resident loaded."""
    params = _TMP / "kdel_three_hours.toml"
    if not params.exists():
        text = (ROOT / "params/default.toml").read_text().replace('model = "../models/', f'model = "{ROOT}/models/')
        params.write_text(text.replace("t_end = 7200.0", "t_end = 10800.0"))
    return run(str(params), (), method, replicates, sets=(f"n_resident={N:.0f}",) + sets)


def analytic_er_fraction(v: dict) -> float:
    residence = [1.0 / (v["k_copii"] * v["capture_escape"]), 1.0 / v["fusion_copii"],
                 1.0 / (v["k_ergic"] * v["capture_ergic"]), 1.0 / v["fusion_ergic"],
                 1.0 / (v["k_copi"] * v["capture_kdel"]), 1.0 / v["fusion_copi"]]
    return residence[0] / sum(residence)


@pytest.mark.parametrize("method, replicates, tolerance", [("ode", 1, 1e-4), ("ssa", 8, 0.01), ("hybrid", 8, 0.01)])
def test_most_residents_stay_in_the_er_at_the_analytic_fraction(method, replicates, tolerance):
    r = long_run(method, replicates)
    total = sum(r.amount[s] + r.transit[s] for s in ("resident_ER", "resident_ERGIC", "resident_Golgi"))
    np.testing.assert_allclose(total, N, rtol=1e-9)
    expected = analytic_er_fraction(r.values)
    assert 0.8 < expected < 0.9  # the VIP36 rates: most of it in the ER
    inside = (r.t >= 60.0 * LATE[0]) & (r.t <= 60.0 * LATE[1])
    got = r.amount["resident_ER"][:, inside].mean() / N
    assert got == pytest.approx(expected, abs=tolerance)


def test_without_retrieval_the_residents_leak_out():
    r = long_run("ode", 1, "capture_kdel=0")
    k_e = r.values["k_copii"] * r.values["capture_escape"]
    assert r.at("resident_ER", 180)[0] / N == pytest.approx(np.exp(-k_e * 10800.0), rel=1e-3)
    assert r.at("resident_ER", 180)[0] / N < 0.2
