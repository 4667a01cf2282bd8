"""Validation cases V1, V2, V5 and V6 (docs/validation.md), with the examples of examples/validation/.

V1: Hirschberg compartment fractions (ER / Golgi / post-Golgi) within 0.02 of the published
(derived) values at 30, 60 and 120 min, for the chain (params/vsvg_ts045.toml) and the standard
model with its carriers, in ode, ssa and hybrid (64 cells each), seed 5. A single cell's ER
fraction at 30 min has sd ~0.013 in the standard model (the ER keeps exp(-capture x buds), with
~840 +- 29 Poisson buds: 2.9 % relative; the binomial part is 0.005), so the mean of 64 cells has
sd ~0.0016. The stochastic means are compared with the ode curve of the same model (tolerance
0.006, > 3.5 sd: false failure < 1e-3 per value) and with the publication (0.02).
Linearity: the fractions do not depend on the load (no saturation, Hirschberg 1998).
V2: after filling the Golgi (its cis cisterna) with no ER supply, the Golgi's content (the sum of
cis, medial, trans and TGN) fits one exponential from
t = 0: R^2 > 0.99, intercept A/N within 1 % of 1 in ode and 2.5 % in ssa and hybrid (no lag), k
within 1 % (ode) / 3 % (ssa and hybrid) of 3.0 %/min. Measured over seeds 1-12 with 64 cells
(2026-12-03, with the golgi_collapse route): the sd of A/N is 0.51 % (ssa) and 0.53 % (hybrid),
of the fitted k 0.55 % and 0.38 %; so 2.5 % is > 4.7 sd (false failure < 3e-6 per method for a
normal statistic) and 3 % > 5 sd. (The 1 % once used for every method was ~2 sd: seed 5 gave
1.0102 in hybrid once the model gained a route, which shifts hybrid's random numbers.) The
criterion can fail: a conveyor of four cisternae with the same mean residence has A/N > 3 and
R^2 < 0.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import EGRESS, ROOT, _TMP

sys.path.insert(0, str(ROOT / "examples" / "validation"))
import validation_common as vc  # noqa: E402

CHAIN = ROOT / "params" / "vsvg_ts045.toml"
STANDARD = ROOT / "examples" / "validation" / "v1_hirschberg_standard.toml"
GOLGI = ROOT / "examples" / "validation" / "v2_golgi_exit.toml"


def run(params, method="ode", replicates=1, *extra):
    out = _TMP / f"validation{len(list(_TMP.iterdir()))}.h5"
    subprocess.run([str(EGRESS), "run", str(params), "-o", str(out), "--quiet", "--method", method,
                    "--replicates", str(replicates), "--seed", "5", *extra], check=True)
    return vc.read(out)


def fractions_at(r, minutes):
    frac = vc.hirschberg_fractions(r).mean(axis=0)
    return {m: frac[int(np.argmin(np.abs(r["t_min"] - m)))] for m in minutes}


@pytest.mark.parametrize("params", [CHAIN, STANDARD], ids=["chain", "standard"])
def test_v1_ode_fractions_match_hirschberg(params):
    got = fractions_at(run(params), vc.HIRSCHBERG)
    for m, published in vc.HIRSCHBERG.items():
        np.testing.assert_allclose(got[m], published, atol=0.02, err_msg=f"{params.name} at {m} min")


# The chain has no vesicle routes, so hybrid on it is its ode: only ssa is a second method there.
@pytest.mark.parametrize("params, method, replicates",
                         [(CHAIN, "ssa", 64), (STANDARD, "ssa", 64), (STANDARD, "hybrid", 64)],
                         ids=["chain-ssa", "standard-ssa", "standard-hybrid"])
def test_v1_stochastic_means_match_the_ode_and_hirschberg(params, method, replicates):
    ode = fractions_at(run(params), vc.HIRSCHBERG)
    got = fractions_at(run(params, method, replicates), vc.HIRSCHBERG)
    for m, published in vc.HIRSCHBERG.items():
        np.testing.assert_allclose(got[m], ode[m], atol=0.006, err_msg=f"{method} vs ode at {m} min")
        np.testing.assert_allclose(got[m], published, atol=0.02, err_msg=f"{method} vs published at {m} min")


def test_v1_golgi_peak_and_linearity():
    r = run(CHAIN)
    golgi = vc.hirschberg_fractions(r)[0, :, 1]
    assert r["t_min"][np.argmax(golgi)] == pytest.approx(vc.GOLGI_PEAK[0], abs=1.0)  # 1-min samples
    assert golgi.max() == pytest.approx(vc.GOLGI_PEAK[1], abs=0.005)
    small = run(CHAIN, "ode", 1, "--set", "k_er_exit=4.667e-4")  # same constants...
    ten_fold = _TMP / "ten_fold.toml"
    ten_fold.write_text(CHAIN.read_text().replace("add = { cargo_ER = 10000 }", "add = { cargo_ER = 100000 }")
                        .replace('model = "../models/', f'model = "{ROOT}/models/'))
    big = run(ten_fold)
    np.testing.assert_allclose(vc.hirschberg_fractions(big), vc.hirschberg_fractions(small), atol=1e-6)


@pytest.mark.parametrize("method, replicates, k_tolerance, lag_tolerance",
                         [("ode", 1, 0.01, 0.01), ("ssa", 64, 0.03, 0.025), ("hybrid", 64, 0.03, 0.025)])
def test_v2_golgi_exit_is_one_exponential_without_lag(method, replicates, k_tolerance, lag_tolerance):
    r = run(GOLGI, method, replicates)
    g = vc.golgi_content(r).mean(axis=0)
    k, a, r2 = vc.exponential_fit(60.0 * r["t_min"], g)
    assert r2 > 0.99
    assert a / g[0] == pytest.approx(1.0, abs=lag_tolerance)
    assert k == pytest.approx(vc.K_GOLGI_EXIT, rel=k_tolerance)


def test_v2_cargo_spreads_over_the_cisternae_and_leaves_from_each():
    """Rapid partitioning in the standard model (models/secretory_core.toml): the 10,000 molecules
    put into the cis cisterna spread over cis, medial, trans and TGN, whose exchange (k_cisterna
    each way between neighbours) has the slowest relaxation rate 2 (1 - cos(pi/4)) k_cisterna =
    2.9e-3 /s, so by 60 min each holds a quarter of the stack's content to e^-10.5 (checked to
    1e-3, ode). Every cisterna exits at k_pgc x capture_pgc + k_pgv x capture_pgv, so the secreted flux is that constant
    times the stack's total from t = 0, before the cargo has spread (checked on the cumulative
    secreted + in-transit amount against the integral of the total, 1e-3 relative: the
    trapezoid's error at 60-s samples is ~(k dt)^2 / 12 = 1e-4)."""
    r = run(GOLGI)
    pools = np.stack([r["amount"][s][0] for s in ("cargo_cis", "cargo_medial", "cargo_trans", "cargo_TGN")])
    total = pools.sum(axis=0)
    np.testing.assert_allclose(total, vc.golgi_content(r)[0])
    i60 = int(np.argmin(np.abs(r["t_min"] - 60)))
    np.testing.assert_allclose(pools[:, i60] / total[i60], 0.25, atol=1e-3)
    assert pools[0, 1] > pools[3, 1]  # at 1 min most is still in the cis cisterna
    t = 60.0 * r["t_min"]
    left = r["amount"]["cargo_secreted"][0] + r["transit"]["cargo_secreted"][0]
    integral = np.concatenate([[0.0], np.cumsum((total[1:] + total[:-1]) / 2 * np.diff(t))])
    early = slice(1, 11)  # the first 10 min, while the cargo is still spreading
    np.testing.assert_allclose(left[early] / integral[early], vc.K_GOLGI_EXIT, rtol=1e-3)


def test_v2_a_conveyor_fails_the_same_criterion():
    params = _TMP / "conveyor.toml"
    params.write_text(vc.CONVEYOR_PARAMS)
    r = run(params)
    g = vc.golgi_content(r).mean(axis=0)
    k, a, r2 = vc.exponential_fit(60.0 * r["t_min"], g)
    assert a / g[0] > 1.5 and r2 < 0.99


def test_the_figure_script_writes_its_figures(tmp_path):
    pytest.importorskip("matplotlib")
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "validation" / "plot_validation.py"),
                           "--egress", str(EGRESS), "--out", str(tmp_path), "--replicates", "8"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    for name in ("v1_hirschberg.png", "v1_hirschberg.svg", "v2_golgi_exit.png", "v2_golgi_exit.svg",
                 "v5_temperature.png", "v5_temperature.svg", "v6_brefeldin_a.png", "v6_brefeldin_a.svg",
                 "v8_insulin.png", "v8_insulin.svg"):
        assert (tmp_path / name).stat().st_size > 1000


def test_v5_albumin_37C_calibration():
    """params/albumin_hepatocyte.toml was calibrated (its sources say so) to the 37 C pulse-chase
    (lag ~10 min, then t1/2 20 min): less than 10 % secreted at 10 min, half (+- 0.05) at
    lag + t1/2 = 30 min. A calibration check, not an independent prediction."""
    r = run(ROOT / "params" / "albumin_hepatocyte.toml")
    secreted = r["amount"]["cargo_secreted"][0] / 10000.0
    at = lambda m: secreted[int(np.argmin(np.abs(r["t_min"] - m)))]
    assert at(10) < 0.10
    assert at(30) == pytest.approx(0.5, abs=0.05)


ALBUMIN = ROOT / "params" / "albumin_hepatocyte.toml"
SCENARIOS = ROOT / "params" / "scenarios"


def secreted_lag_and_half_time(r):
    return vc.lag_and_half_time(r["t_min"], vc.secreted_fraction(r))


@pytest.mark.parametrize("method, replicates", [("ode", 1), ("ssa", 16), ("hybrid", 16)])
def test_v5_temperature_series(method, replicates):
    """V5 (docs/validation.md): albumin at 37 C (lag ~10 min, t1/2 20 min), 20 C (lag ~60 min,
    t1/2 200 min) and 16 C (none in 270 min), scilit 506d3369. The 20 C scenario sets two factors
    from the published ratios (ER exit 10x slower, post-ER steps 6x slower); what is tested is that
    the model's curve then has the published shape: the fitted lag within 10 min of 60 and t1/2
    within 10 % of 200 (the 37 C set: lag within 3 min of 10, t1/2 within 10 % of 20). 16 C: nothing
    secreted by 270 min (an ER exit block: exactly 0 in every method).
    Stochastic means (16 cells, seed 5) against the ode fit: a single cell's fitted lag and t1/2
    have sd ~4 min at 20 C (measured over seeds 1-4), so the 16-cell mean's sd is ~1 min; 5 min is
    5 sd (false failure < 1e-6 per value)."""
    at37 = secreted_lag_and_half_time(run(ALBUMIN, method, replicates))
    at20 = secreted_lag_and_half_time(run(ALBUMIN, method, replicates, "--scenario", str(SCENARIOS / "hepatocyte_20C.toml")))
    (lag37, half37), (lag20, half20) = vc.ALBUMIN_SECRETION[37], vc.ALBUMIN_SECRETION[20]
    assert at37[0] == pytest.approx(lag37, abs=3.0) and at37[1] == pytest.approx(half37, rel=0.1)
    assert at20[0] == pytest.approx(lag20, abs=10.0) and at20[1] == pytest.approx(half20, rel=0.1)
    if method != "ode":
        ode37 = secreted_lag_and_half_time(run(ALBUMIN))
        ode20 = secreted_lag_and_half_time(run(ALBUMIN, "ode", 1, "--scenario", str(SCENARIOS / "hepatocyte_20C.toml")))
        np.testing.assert_allclose(at37, ode37, atol=5.0)
        np.testing.assert_allclose(at20, ode20, atol=5.0)
    at16 = run(ALBUMIN, method, replicates, "--scenario", str(SCENARIOS / "hepatocyte_16C.toml"))
    i270 = int(np.argmin(np.abs(at16["t_min"] - vc.ALBUMIN_NONE_UNTIL_16C)))
    assert np.all(at16["amount"]["cargo_secreted"][:, : i270 + 1] == 0.0)
    # the block holds cargo in the ER, not somewhere downstream
    assert np.all(at16["amount"]["cargo_ER"][:, i270] == 10000.0)

BFA = ROOT / "examples" / "validation" / "v6_brefeldin_a.toml"


@pytest.mark.parametrize("method, replicates", [("ode", 1), ("ssa", 8), ("hybrid", 8)])
def test_v6_brefeldin_a_collapse_timing(method, replicates):
    """V6 (Sciaky et al. 1997): after BFA (20 min) the Golgi's markers stay for 5-10 min, then move
    into the ER within 15-30 s; ER export stays blocked until the washout (80 min). The scenario
    sets the delay (7.5 min) and rate (0.1 /s for 30 s) within those ranges, so this checks that the
    model turns them into the published timing: the half-drop 5-10 min after the addition, the
    10-90 % fall within 15-30 s (5-s samples), more than 85 % of the Golgi's content still there
    at the start of the collapse, less than 10 % left 30 s later, and no molecule leaving the ER
    between the collapse and the washout (exact in every method: COPII budding is 0 and the ER
    has no other exit here), then ER export again after it. Replicate means of 8 cells (seed 5):
    the collapse is 10,000 molecules each at 0.1 /s, so its timing's noise is far below the
    5-s sampling."""
    r = run(BFA, method, replicates, "--scenario", str(ROOT / "params" / "scenarios" / "brefeldin_a.toml"))
    golgi = vc.golgi_content(r).mean(axis=0)
    er = r["amount"]["cargo_ER"]
    delay, width = vc.collapse_timing(r["t_min"], golgi, 20.0)
    assert vc.BFA_TUBULE_PHASE_MIN[0] <= delay <= vc.BFA_TUBULE_PHASE_MIN[1], delay
    assert vc.BFA_COLLAPSE_S[0] <= width <= vc.BFA_COLLAPSE_S[1], width
    at = lambda m: int(np.argmin(np.abs(r["t_min"] - m)))
    assert golgi[at(27.5)] > 0.85 * golgi[at(20.0)]
    assert golgi[at(28.0)] < 0.10 * golgi[at(27.5)]
    assert np.all(er[:, at(28.5):at(80.0) + 1] == er[:, [at(28.5)]])
    assert np.all(er[:, at(90.0)] < er[:, at(80.0)])
