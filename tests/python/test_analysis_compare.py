"""Comparisons with egress_analysis: effects of a perturbation with confidence intervals, sweep
tables and heatmaps, and Sobol indices (Saltelli 2010 / Jansen estimators) on the Ishigami
function and on a real sweep whose output is known in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis_models import A0, CHAIN, K, egress, run_model, write

import egress_analysis as ea  # noqa: E402


def test_deterministic_effect_is_exact(tmp_path):
    """ode runs of the chain with k and 2k: the ER exit half-time halves exactly (ln 2 / k), and
    the interval of two deterministic runs has zero width."""
    base = run_model(tmp_path, CHAIN, "base")
    fast = tmp_path / "fast.h5"
    egress("run", tmp_path / "base.toml", "-o", fast, "--set", f"k={2 * K!r}", "--quiet")
    table = ea.compare(base, fast, species=["A", "B"])
    row = table.loc["ER exit half-time (min)"]
    expected = (math.log(2) / (2 * K) - math.log(2) / K) / 60
    assert row["effect"] == pytest.approx(expected, rel=1e-4)
    assert row["effect low"] == row["effect high"] == row["effect"]
    assert row["relative (%)"] == pytest.approx(-50.0, abs=0.01)
    assert table.attrs["confidence"] == 0.95


@pytest.fixture(scope="module")
def stochastic_pair(tmp_path_factory):
    """ssa, 40 cells each, A0 = 1000: k with seed 1, 1.5 k with seed 2 (independent), and 1.5 k
    with seed 1 (common random numbers with the first)."""
    d = tmp_path_factory.mktemp("pair")
    text = CHAIN.replace(f"initial = {A0}", "initial = 1000").replace("output_interval = 1.0", "output_interval = 0.5")
    write(d, "chain.toml", text)
    runs = {}
    for name, k, seed in (("base", K, 1), ("faster", 1.5 * K, 2), ("faster_crn", 1.5 * K, 1)):
        runs[name] = d / f"{name}.h5"
        egress("run", d / "chain.toml", "-o", runs[name], "--method", "ssa", "--replicates", "40", "--seed", seed,
               "--set", f"k={k!r}", "--quiet")
    return runs


def test_stochastic_effect_interval_covers_the_analytic_effect(stochastic_pair):
    """The ER exit half-time of a cell with 1000 molecules has sd about 1 / (k sqrt(1000)) and a
    bias of order 1 / (k 1000); the 99.9 % Welch interval over 40 + 40 cells should hold the
    analytic difference ln 2 / (1.5 k) - ln 2 / k: false-failure rate about 1e-3 (seeds fixed,
    so the outcome is reproducible). The paired interval (common random numbers: 1.5 k with the
    same seed is the same trajectory 1.5 times faster) is narrower and holds it too."""
    expected = (math.log(2) / (1.5 * K) - math.log(2) / K) / 60
    metric = "ER exit half-time (min)"
    welch = ea.compare(stochastic_pair["base"], stochastic_pair["faster"], confidence=0.999,
                       metrics=[metric], species=["A", "B"]).loc[metric]
    assert welch["effect low"] < expected < welch["effect high"], welch
    assert welch["n baseline"] == welch["n perturbed"] == 40
    paired = ea.compare(stochastic_pair["base"], stochastic_pair["faster_crn"], confidence=0.999, paired=True,
                        metrics=[metric], species=["A", "B"]).loc[metric]
    assert paired["effect low"] < expected < paired["effect high"], paired
    assert paired["effect high"] - paired["effect low"] < welch["effect high"] - welch["effect low"]
    # A wrong answer is outside: the interval is not so wide that it holds anything.
    assert not welch["effect low"] < 0.5 * expected < welch["effect high"]


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_saltelli_estimators_on_the_ishigami_function():
    """Ishigami (a = 7, b = 0.1) on [-pi, pi]^3 has known indices (Saltelli et al. 2010; Sobol'
    and Levitan 1999). N = 2^14 random rows (numpy seed 1): each estimate must be within 4
    bootstrap standard errors of the truth (false-failure rate about 6e-5 per index if the
    estimator is right), and those errors must be small (< 0.02), so the check has teeth."""
    a, b = 7.0, 0.1
    V1 = 0.5 * (1 + b * math.pi ** 4 / 5) ** 2
    V2 = a ** 2 / 8
    VT3 = 8 * b ** 2 * math.pi ** 8 / 225
    V = V1 + V2 + VT3
    truth_first = np.array([V1 / V, V2 / V, 0.0])
    truth_total = np.array([(V1 + VT3) / V, V2 / V, VT3 / V])
    rng = np.random.default_rng(1)
    n, d = 2 ** 14, 3
    A = rng.uniform(-math.pi, math.pi, (n, d))
    B = rng.uniform(-math.pi, math.pi, (n, d))
    y_ab = np.stack([ishigami(np.where(np.arange(d) == i, B, A)) for i in range(d)])
    frame = ea.sobol_from_blocks(ishigami(A), ishigami(B), y_ab, ["x1", "x2", "x3"], bootstrap=200, seed=2)
    for key, truth in (("S1", truth_first), ("ST", truth_total)):
        # a percentile interval of 95 % spans about 2 x 1.96 standard errors
        se = (frame[f"{key} high"] - frame[f"{key} low"]).to_numpy() / (2 * 1.96)
        assert np.all(se < 0.02), se
        assert np.all(np.abs(frame[key].to_numpy() - truth) < 4 * se), (key, frame[key].to_numpy(), truth, se)


SOBOL_BASE = """\
[model]
name = "decay"
[model.compartments]
ER = {}
[model.species]
A = { compartment = "ER", initial = 100 }
[model.parameters]
k = 0.01
unused = 1.0
[[model.reactions]]
name = "exit"
equation = "A ->"
k = "k"
[simulation]
method = "ode"
t_end = 100.0
output_interval = 10.0
replicates = 1
seed = 7
rtol = 1e-10
atol = 1e-10
"""
K1, K2, A1, A2, T = 0.001, 0.02, 50.0, 150.0, 100.0
SOBOL_SWEEP = f"""\
base = "base.toml"
[sweep]
design = "sobol"
samples = 1024
saltelli = true
[[sweep.axes]]
parameter = "k"
min = {K1}
max = {K2}
[[sweep.axes]]
initial = "A"
min = {A1}
max = {A2}
[[sweep.axes]]
parameter = "unused"
min = 0.0
max = 1.0
[[sweep.metrics]]
name = "A_end"
kind = "final"
species = "A"
"""


def test_sobol_indices_of_a_real_sweep_match_the_closed_form(tmp_path):
    """Y = A0 exp(-k T) with k ~ U(K1, K2) and A0 ~ U(A1, A2) independent, and a third axis the
    model ignores. With g = exp(-k T): V = E[A0^2] E[g^2] - E[A0]^2 E[g]^2,
    S_A0 = Var(A0) E[g]^2 / V, S_k = E[A0]^2 Var(g) / V, ST_k = 1 - S_A0, ST_A0 = 1 - S_k;
    the unused axis has S = ST = 0 exactly (its AB block equals A). The design is the
    unscrambled Sobol sequence with N = 1024 rows (5120 ode points) and the ode error is 1e-10,
    so the test is deterministic; the quasi-Monte Carlo error at this N was 0.002 at most when
    written, so the tolerance is 0.01 (the bootstrap intervals, which assume random rows, are far
    wider and are not used here)."""
    write(tmp_path, "base.toml", SOBOL_BASE)
    write(tmp_path, "sobol.toml", SOBOL_SWEEP)
    egress("sweep", tmp_path / "sobol.toml", "-o", tmp_path / "s", "-q")
    egress("merge", tmp_path / "s", "-o", tmp_path / "sobol.h5", "-q")
    Eg = (math.exp(-K1 * T) - math.exp(-K2 * T)) / (T * (K2 - K1))
    Eg2 = (math.exp(-2 * K1 * T) - math.exp(-2 * K2 * T)) / (2 * T * (K2 - K1))
    EA, VA = (A1 + A2) / 2, (A2 - A1) ** 2 / 12
    V = (VA + EA ** 2) * Eg2 - EA ** 2 * Eg ** 2
    S_A, S_k = VA * Eg ** 2 / V, EA ** 2 * (Eg2 - Eg ** 2) / V
    frame = ea.sobol_indices(tmp_path / "sobol.h5", "A_end", bootstrap=50)
    assert list(frame.index) == ["k", "A.initial", "unused"]
    assert frame.attrs["rows"] == 1024
    np.testing.assert_allclose(frame["S1"].to_numpy(), [S_k, S_A, 0.0], atol=0.01)
    np.testing.assert_allclose(frame["ST"].to_numpy(), [1 - S_A, 1 - S_k, 0.0], atol=0.01)
    assert frame.loc["unused", "S1"] == 0.0 and frame.loc["unused", "ST"] == 0.0
    # the same from the final amount, and refused for a sweep without Saltelli blocks
    same = ea.sobol_indices(tmp_path / "sobol.h5", "final A", bootstrap=0)
    np.testing.assert_array_equal(same["S1"].to_numpy(), frame["S1"].to_numpy())
    write(tmp_path, "grid.toml", 'base = "base.toml"\n[sweep]\ndesign = "grid"\n[[sweep.axes]]\nparameter = "k"\n'
                                 'values = [0.01, 0.02]\n')
    egress("sweep", tmp_path / "grid.toml", "-o", tmp_path / "g", "-q")
    egress("merge", tmp_path / "g", "-o", tmp_path / "grid.h5", "-q")
    with pytest.raises(ValueError, match="saltelli = true"):
        ea.sobol_indices(tmp_path / "grid.h5", "final A")
