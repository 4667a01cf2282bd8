"""Kinetics of egress_analysis on files written by the egress program, against analytic answers.

Deterministic checks (ode, rtol 1e-10) have tolerances from the analysis's own discretisation,
stated at each check. Statistical checks use fixed seeds; each states its sample size, statistic
and false-failure rate.
"""

from __future__ import annotations

import math

import h5py
import numpy as np
import pytest

from analysis_models import (A0, BUD, CAPTURE, CHAIN, DEFAULT_PARAMS, FUSE, K, KDEG, KSYN, ROUTE, SOURCE_DIR, SYNTHESIS,
                             X0, egress, run_model)

import egress_analysis as ea  # noqa: E402  (analysis_models puts analysis/ on the path)


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return run_model(tmp_path_factory.mktemp("chain"), CHAIN, "chain")


@pytest.fixture(scope="module")
def chain_ssa(tmp_path_factory):
    # 40 cells of the chain with A0 = 1000 (exact stochastic simulation).
    text = CHAIN.replace(f"initial = {A0}", "initial = 1000")
    return run_model(tmp_path_factory.mktemp("chain_ssa"), text, "chain_ssa", "--method", "ssa", "--replicates", "40",
                     "--seed", "17")


@pytest.fixture(scope="module")
def route(tmp_path_factory):
    return run_model(tmp_path_factory.mktemp("route"), ROUTE, "route", "--events")


@pytest.fixture(scope="module")
def default_ode(tmp_path_factory):
    out = tmp_path_factory.mktemp("default") / "default.h5"
    egress("run", DEFAULT_PARAMS, "-o", out, "--quiet")
    return out


def test_compartments_sum_their_species_in_pathway_order(chain):
    with ea.open_result(chain) as ds:
        assert ds.attrs["pathway"] == ["ER", "PM"]
        cargo = ea.compartment_amounts(ds)
        amounts = ds.amounts
        np.testing.assert_array_equal(cargo.sel(compartment="ER"), amounts.sel(species="A") + amounts.sel(species="X"))
        np.testing.assert_array_equal(cargo.sel(compartment="PM"), amounts.sel(species="B"))
        only = ea.compartment_amounts(ds, species=["A", "B"])
        np.testing.assert_array_equal(only.sel(compartment="ER"), amounts.sel(species="A"))
        with pytest.raises(ValueError, match="unknown species"):
            ea.compartment_amounts(ds, species="nope")


def test_half_times_of_the_analytic_chain(chain):
    """A(t) = A0 exp(-k t): ER exit half-time ln 2 / k; B(t) = A0 (1 - exp(-k t)): secretion
    half-time -ln(1 - (1 - exp(-k T)) / 2) / k. Sampled every second and interpolated linearly:
    the chord of an exponential misses it by up to (k dt)^2 / 8 of its value, which shifts the
    crossing by up to k dt^2 / 8 = 1.25e-3 s (1.8e-5 of the half-time); the ode tolerance
    (rtol 1e-10) adds nothing visible. Tolerance 5e-5 relative."""
    with ea.open_result(chain) as ds:
        halves = ea.half_times(ds, species=["A", "B"])
    T = 1000.0
    assert halves.loc[0, "ER exit"] * 60 == pytest.approx(math.log(2) / K, rel=5e-5)
    assert halves.loc[0, "secretion"] * 60 == pytest.approx(-math.log(1 - (1 - math.exp(-K * T)) / 2) / K, rel=5e-5)
    # A curve that never falls to half its peak, or never rises, has no half-time.
    t = np.linspace(0, 10, 11)
    assert np.isnan(ea.decay_half_time(t, np.ones(11)))
    assert np.isnan(ea.rise_half_time(t, np.zeros(11)))


def test_fitted_rate_constant_recovers_the_input(chain):
    """The integral fit's error is the trapezoid rule's, (k dt)^2 / 12 = 8e-6 relative: tolerance 1e-5."""
    with ea.open_result(chain) as ds:
        rates = ea.rate_constants(ds, species=["A", "B"])
        mean = ea.rate_constants(ds, species=["A", "B"], mean=True)
        windowed = ea.rate_constants(ds, species=["A", "B"], window=(100.0, 300.0))
    row = rates.set_index("compartment").loc["ER"]
    assert row["k_per_s"] == pytest.approx(K, rel=1e-5)
    assert row["k_percent_per_min"] == pytest.approx(100 * 60 * K, rel=1e-5)
    assert row["r2"] > 1 - 1e-9
    assert mean.loc[0, "replicate"] == -1 and mean.loc[0, "k_per_s"] == pytest.approx(K, rel=1e-5)
    assert windowed.loc[0, "k_per_s"] == pytest.approx(K, rel=1e-5)
    # The inert X in the ER dilutes the exit constant of the compartment as a whole.
    with ea.open_result(chain) as ds:
        whole = ea.rate_constants(ds).set_index("compartment").loc["ER", "k_per_s"]
    assert whole < K * 0.99


def test_default_model_rate_constants_are_hirschberg_values(default_ode):
    """The default model's routes exit at k_bud x capture (models/secretory_core.toml: 2.8 %/min
    from the ER, 3.0 %/min from the Golgi, Hirschberg et al. 1998), with vesicles in transit in
    between; the fit recovers both from the compartment curves (tolerance 1e-3 relative: the
    trapezoid error at dt = 60 s is (k dt)^2 / 12 = 7e-5)."""
    params = ea.parameters(default_ode)["value"]
    with ea.open_result(default_ode) as ds:
        assert ds.attrs["pathway"] == ["ER", "ERGIC", "Golgi", "extracellular"]
        rates = ea.rate_constants(ds).set_index("compartment")["k_percent_per_min"]
    assert rates["ER"] == pytest.approx(6000 * params["k_copii"] * params["capture_copii"], rel=1e-3)
    # two post-Golgi routes (tubular carriers and small vesicles) take cargo from the Golgi
    golgi_exit = params["k_pgc"] * params["capture_pgc"] + params["k_pgv"] * params["capture_pgv"]
    assert golgi_exit == pytest.approx(5.0e-4, rel=1e-9)
    assert rates["Golgi"] == pytest.approx(6000 * golgi_exit, rel=1e-3)


def test_rate_constant_inside_a_perturbation_window(tmp_path):
    """The Sec23A example scales k_copii by 0.3 from 30 to 90 min: fitted in that window, the ER
    exit constant is 0.3 x 2.8 %/min; over the whole run it lies between the two."""
    out = tmp_path / "sec23a.h5"
    egress("run", SOURCE_DIR / "examples" / "sec23a_copii_defect.toml", "-o", out, "--method", "ode",
           "--replicates", "1", "--quiet")
    with ea.open_result(out) as ds:
        assert list(ds.perturbation_target.values) == ["k_copii"]
        inside = ea.rate_constants(ds, window=(1800.0, 5400.0)).set_index("compartment").loc["ER", "k_percent_per_min"]
        whole = ea.rate_constants(ds).set_index("compartment").loc["ER", "k_percent_per_min"]
    assert inside == pytest.approx(0.3 * 6000 * 0.467 * 1e-3, rel=1e-3)
    assert inside < whole < 6000 * 0.467 * 1e-3


def test_secretion_flux_is_the_analytic_derivative(chain):
    """dB/dt = k A0 exp(-k t) (molecules/s; x 60 per min). Central differences at dt = 1 s err by
    (k dt)^2 / 6 = 1.7e-5 relative; tolerance 1e-4 away from the one-sided ends."""
    with ea.open_result(chain) as ds:
        flux = ea.secretion_flux(ds, species=["A", "B"])
        t = ds.time.values
    assert flux.attrs["units"] == "molecules/min"
    exact = K * A0 * np.exp(-K * t) * 60
    np.testing.assert_allclose(flux.values[0, 1:400], exact[1:400], rtol=1e-4)


def test_steady_state_settling_time(tmp_path):
    """A(t) = c (1 - exp(-k t)) with c = ks / kd: it stays within 2 % of its final value (of its
    largest value, the final one) after exp(-k t) = 0.02 (1 - e^-kT) + e^-kT, i.e. ln(50) / k
    minus a hair. Interpolated on a 1 s grid: tolerance 0.05 s. A curve still moving at the end
    (the ER of the chase) has no steady state."""
    out = run_model(tmp_path, SYNTHESIS, "synthesis")
    with ea.open_result(out) as ds:
        settled = ea.steady_state(ds)
    T = 1000.0
    expected = -math.log(0.02 * (1 - math.exp(-KDEG * T)) + math.exp(-KDEG * T)) / KDEG
    assert settled["ER"] * 60 == pytest.approx(expected, abs=0.05)
    assert KSYN / KDEG > 0  # the parameters the formula uses are the model's
    t = np.linspace(0.0, 100.0, 101)
    assert np.isnan(ea.settling_time(t, np.exp(-0.01 * t)))          # still decaying at the end
    assert ea.settling_time(t, np.exp(-0.2 * t)) == pytest.approx(math.log(50) / 0.2, abs=0.05)


def test_ensemble_mean_and_band_over_stochastic_replicates(chain_ssa):
    """Statistics read in blocks equal numpy over the whole array (exact); and the ensemble mean
    of A(t) agrees with 1000 exp(-k t): A(t) is Binomial(1000, exp(-k t)), so the mean of 40
    cells has sd sqrt(1000 p (1 - p) / 40). Checked at 5 times with |z| < 4: false-failure rate
    under 5 x 6.3e-5 = 3.2e-4 (seed fixed: the run is reproducible)."""
    with ea.open_result(chain_ssa) as ds:
        stats = ea.ensemble(ds, species=["A", "B"], quantiles=(0.1, 0.5, 0.9), block_bytes=4096)
        whole = ea.compartment_amounts(ds, species=["A", "B"], in_transit=True).values
        t = ds.time.values
    np.testing.assert_allclose(stats["mean"].values, whole.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats["std"].values, whole.std(axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(stats["band"].values, np.quantile(whole, [0.1, 0.5, 0.9], axis=0), rtol=1e-12)
    assert stats.attrs["replicates"] == 40
    for seconds in (20, 50, 70, 100, 200):
        p = math.exp(-K * seconds)
        i = int(np.searchsorted(t, seconds))
        z = (stats["mean"].sel(compartment="ER").values[i] - 1000 * p) / math.sqrt(1000 * p * (1 - p) / 40)
        assert abs(z) < 4, f"t = {seconds} s: z = {z:.2f}"


def test_fusion_counts_match_the_known_fusion_rate(route):
    """Fusions in [0, T] per cell are Poisson with mean b (T - (1 - exp(-f T)) / f) (see
    analysis_models.ROUTE). Over 20 cells: total ~ Poisson(20 m), |z| < 4 (false-failure rate
    6.3e-5). After 10 / f = 200 s the fusions are a Poisson stream at rate b: over [200, 600] s
    the rate per minute is 60 b (|z| < 4 on the count, 6.3e-5), the mean interval 1 / b (|z| < 4
    with sd (1/b) / sqrt(n), 6.3e-5) and the intervals' cv 1 (within 0.1, about 6 sd)."""
    log = ea.events(route)
    T = 600.0
    stats = ea.event_statistics(log)
    assert list(stats.index.get_level_values("replicate").unique()) == list(range(20))
    mean = BUD * (T - (1 - math.exp(-FUSE * T)) / FUSE)
    total = stats["count"].sum()
    assert abs(total - 20 * mean) / math.sqrt(20 * mean) < 4, (total, 20 * mean)

    late = ea.event_statistics(log, window=(200.0, 600.0))
    expected = BUD * (400.0 - (math.exp(-FUSE * 200) - math.exp(-FUSE * 600)) / FUSE)
    count = late["count"].sum()
    assert abs(count - 20 * expected) / math.sqrt(20 * expected) < 4
    assert late["rate (/min)"].mean() == pytest.approx(count / 20 / (400 / 60))
    intervals = ea.event_intervals(log, window=(200.0, 600.0))
    n = len(intervals)
    assert abs(intervals.mean() - 1 / BUD) / ((1 / BUD) / math.sqrt(n)) < 4
    assert abs(intervals.std() / intervals.mean() - 1) < 0.1


def test_event_rates_and_loads_account_for_the_counters(route):
    """Exact bookkeeping: fusions per output interval from the log equal the differences of
    /vesicles/fused, and the loads of all fusions of a cell add up to its final amount of P."""
    log = ea.events(route)
    rate = ea.event_rate(log, bin_s=60.0)
    with h5py.File(route) as f:
        fused = f["vesicles/fused"][:, :, 0]
        species = [s.decode() for s in f["species"][()]]
        final_p = f["amounts"][:, -1, species.index("P")]
    np.testing.assert_array_equal((rate.to_numpy() * 1.0).T, np.diff(fused, axis=1).astype(float))
    fusions = log[log["kind"] == "fuse"]
    np.testing.assert_array_equal(fusions.groupby("replicate")["load"].sum().to_numpy(), final_p)
    # loads are Binomial(D, c) draws with D near D0: mean about c D0 = 100 molecules.
    assert fusions["load"].mean() == pytest.approx(CAPTURE * 1_000_000, rel=0.05)
    # TIRF sees only vesicles above its detection threshold.
    dim = ea.event_statistics(log, min_load=1e9)
    assert (dim["count"] == 0).all()


def test_replicate_metrics_names_and_units(default_ode):
    with ea.open_result(default_ode) as ds:
        metrics = ea.replicate_metrics(ds)
    for name in ("ER exit half-time (min)", "Golgi arrival half-time (min)", "secretion half-time (min)",
                 "ER exit rate constant (%/min)", "Golgi exit rate constant (%/min)", "Golgi peak time (min)",
                 "secreted at end (molecules)", "post_Golgi fusions (/min)"):
        assert name in metrics.columns, name
    assert metrics.attrs["deterministic"] is True
    # Golgi arrival comes before secretion, and both after nothing: plain order of the wave.
    row = metrics.iloc[0]
    assert 0 < row["Golgi arrival half-time (min)"] < row["secretion half-time (min)"] < 120


def test_half_times_agree_with_the_programs_sweep_metrics(tmp_path):
    """The sweep metrics of the C++ program (rise_half_time, decay_half_time) and the Python
    half-times share one definition: on the same trajectories they agree to rounding."""
    write_base = CHAIN.replace("method = \"ode\"", "method = \"ssa\"").replace(f"initial = {A0}", "initial = 300")
    (tmp_path / "base.toml").write_text(write_base)
    (tmp_path / "sweep.toml").write_text('base = "base.toml"\n[sweep]\ndesign = "list"\nreplicates = 3\n'
                                         '[[sweep.axes]]\nparameter = "k"\nvalues = [0.01, 0.03]\n'
                                         '[sweep.outputs]\ntrajectories = true\n'
                                         '[[sweep.metrics]]\nname = "exit"\nkind = "decay_half_time"\nspecies = "A"\n'
                                         '[[sweep.metrics]]\nname = "rise"\nkind = "rise_half_time"\nspecies = "B"\n')
    egress("sweep", tmp_path / "sweep.toml", "-o", tmp_path / "s", "-q")
    egress("merge", tmp_path / "s", "-o", tmp_path / "m.h5", "-q")
    with ea.open_sweep(tmp_path / "m.h5") as sw:
        t = sw.time.values
        a = sw.amounts.sel(species="A").values   # (point, replicate, time)
        b = sw.amounts.sel(species="B").values
        np.testing.assert_allclose(ea.decay_half_time(t, a), sw.metric_values.sel(metric="exit").values, rtol=1e-12)
        np.testing.assert_allclose(ea.rise_half_time(t, b), sw.metric_values.sel(metric="rise").values, rtol=1e-12)
