"""Loading with egress_analysis: run files, the event log (format versions 1 and 2), merged
sweeps, refused format versions, and reading in blocks. Every file comes from the egress program;
version-1 files are made from version-2 files by rewriting the two datasets that changed.
Deterministic: no statistical checks here."""

from __future__ import annotations

import shutil
import tracemalloc

import h5py
import numpy as np
import pytest

from analysis_models import CHAIN, DEFAULT_PARAMS, ROUTE, SOURCE_DIR, egress, run_model

import egress_analysis as ea  # noqa: E402
from egress_analysis import io as eaio  # noqa: E402


@pytest.fixture(scope="module")
def stochastic(tmp_path_factory):
    """The default model, ssa, 6 cells, with the event log."""
    out = tmp_path_factory.mktemp("ssa") / "ssa.h5"
    egress("run", DEFAULT_PARAMS, "-o", out, "--method", "ssa", "--replicates", "6", "--seed", "4", "--events", "--quiet")
    return out


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    (d / "base.toml").write_text(CHAIN.replace('method = "ode"', 'method = "ssa"').replace("initial = 10000", "initial = 200"))
    (d / "sweep.toml").write_text('base = "base.toml"\n[sweep]\ndesign = "grid"\nreplicates = 3\n'
                                  '[[sweep.axes]]\nparameter = "k"\nvalues = [0.01, 0.02, 0.04]\n'
                                  '[[sweep.axes]]\ninitial = "X"\nmin = 10.0\nmax = 1000.0\npoints = 3\nlog = true\n'
                                  '[[sweep.metrics]]\nname = "exit"\nkind = "decay_half_time"\nspecies = "A"\n')
    egress("sweep", d / "sweep.toml", "-o", d / "shards", "--shard", 0, "--of", 2, "-q")
    egress("sweep", d / "sweep.toml", "-o", d / "shards", "--shard", 1, "--of", 2, "-q")
    egress("merge", d / "shards", "-o", d / "merged.h5", "-q")
    return d / "merged.h5"


def test_run_file_as_dataset_with_parameters_and_perturbations(tmp_path):
    out = tmp_path / "sec23a.h5"
    egress("run", SOURCE_DIR / "examples" / "sec23a_copii_defect.toml", "-o", out, "--method", "ode", "--replicates",
           "2", "--set", "k_pgc=0.6", "--quiet")
    with ea.open_result(out) as ds:
        assert ds.amounts.dims == ("replicate", "time", "species")
        assert ds.in_transit.dims == ("replicate", "time", "route")
        assert ds.sizes["replicate"] == 2 and ds.sizes["time"] == 121
        assert ds.parameter_value.sel(parameter="k_pgc") == 0.6
        assert str(ds.parameter_units.sel(parameter="k_copii").values) == "1/s"
        assert list(ds.perturbation_name.values) == ["Sec23A loss of function"]
        assert float(ds.perturbation_scale[0]) == 0.3 and np.isnan(float(ds.perturbation_value[0]))
        assert (float(ds.perturbation_start[0]), float(ds.perturbation_end[0])) == (1800.0, 5400.0)
        assert ds.attrs["pathway"] == ["ER", "ERGIC", "Golgi", "extracellular"]
        assert ds.attrs["method"] == "ode" and ds.attrs["path"] == str(out)
    frame = ea.perturbations(out)
    assert frame.loc[0, "target"] == "k_copii" and frame.loc[0, "scale"] == 0.3
    assert ea.parameters(out).loc["k_pgc", "value"] == 0.6


def test_event_log_as_dataframe(stochastic):
    log = ea.events(stochastic)
    with h5py.File(stochastic) as f:
        g = f["events"]
        np.testing.assert_array_equal(log["time"], g["time"][()])
        np.testing.assert_array_equal(log["replicate"], g["replicate"][()])
        np.testing.assert_array_equal(log["vesicle"], g["vesicle"][()])
        np.testing.assert_array_equal(log["route"].cat.codes, g["route"][()])
        np.testing.assert_array_equal(log["kind"].cat.codes, g["kind"][()])
        cargo = [c.decode() for c in g["cargo"][()]]
        for i, name in enumerate(cargo):
            np.testing.assert_array_equal(log[f"load_{name}"], g["load"][:, i])
        np.testing.assert_array_equal(log["load"], g["load"][()].sum(axis=1))
    assert list(log["route"].cat.categories) == ["COPII", "ERGIC_to_Golgi", "COPI", "post_Golgi", "post_Golgi_vesicles", "endocytosis", "endosome_to_Golgi",
                                                   "endosome_to_lysosome", "golgi_collapse"]
    assert list(log["kind"].cat.categories) == ["bud", "fuse"]
    assert log.attrs["t_end"] == 7200.0 and log.attrs["replicates"] == list(range(6))
    # a few replicates only, found by binary search: the same rows as filtering the whole log
    part = ea.events(stochastic, replicates=[4, 1])
    expected = log[log["replicate"].isin([1, 4])].reset_index(drop=True)
    assert part.equals(expected)
    assert part.attrs["replicates"] == [1, 4]
    with pytest.raises(ValueError, match="no replicate"):
        ea.events(stochastic, replicates=[99])


def test_event_log_of_format_version_1_reads_the_same(stochastic, tmp_path):
    """Version 1 stored the row number in /events/event and the load over every species."""
    old = tmp_path / "v1.h5"
    shutil.copy(stochastic, old)
    with h5py.File(old, "r+") as f:
        species = [s.decode() for s in f["species"][()]]
        cargo = [c.decode() for c in f["events/cargo"][()]]
        load = f["events/load"][()]
        full = np.zeros((load.shape[0], len(species)))
        for i, name in enumerate(cargo):
            full[:, species.index(name)] = load[:, i]
        for name in ("events/load", "events/cargo"):
            del f[name]
        f["events/load"] = full
        f.attrs["format_version"] = np.int64(1)
    assert ea.events(old).equals(ea.events(stochastic))


def test_no_event_log_is_a_clear_error(tmp_path):
    out = tmp_path / "ode.h5"
    egress("run", DEFAULT_PARAMS, "-o", out, "--quiet")
    assert not ea.has_events(out)
    with pytest.raises(ValueError, match="no vesicle event log"):
        ea.events(out)


CONSTANTS_ONLY = """
[simulation]
t_end = 10.0
output_interval = 1.0
replicates = 3
[model]
name = "constants"
[model.compartments]
[model.species]
[model.parameters]
P = 3.7
"""

MEMBRANE_ONLY_ROUTE = """
[simulation]
t_end = 200.0
output_interval = 20.0
replicates = 2
seed = 3
[model]
name = "membrane_only"
[model.compartments]
ER = { area = 1000.0 }
Golgi = { area = 500.0 }
[model.species]
[[model.vesicles]]
name = "COPII"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 0.5 }
cargo = {}
fusion_rate = 1.0
vesicle_area = 0.05
"""


@pytest.mark.parametrize("method, stepper", [("ode", "dopri5"), ("ode", "rosenbrock4"), ("ssa", "auto"),
                                             ("hybrid", "dopri5"), ("hybrid", "rosenbrock4")])
def test_a_model_without_species_reads_as_empty_arrays(method, stepper, tmp_path):
    """A model of constants only (SBML has many) runs in every method and stepper (hybrid with
    rosenbrock4 once gave up on the empty state); its file reads with zero species, its
    parameters, and (ssa, hybrid) an event log without rows or load columns."""
    text = CONSTANTS_ONLY.replace("replicates = 3", f'replicates = 3\nstepper = "{stepper}"')
    out = run_model(tmp_path, text, "constants", "--method", method, *(["--events"] if method != "ode" else []))
    with ea.open_result(out, cache=False) as ds:
        assert ds.sizes["replicate"] == 3 and ds.sizes["time"] == 11 and ds.sizes["species"] == 0
    assert ea.parameters(out).loc["P", "value"] == 3.7
    if method != "ode":
        frame = ea.events(out)
        assert len(frame) == 0 and "load" in frame.columns


@pytest.mark.parametrize("method", ["ssa", "hybrid"])
def test_event_log_of_routes_without_cargo_has_no_load_columns(method, tmp_path):
    """Routes that carry membrane only write no /events/cargo or /events/load (docs/file-format.md:
    present when some route carries cargo); the reader gives the rows with a zero load."""
    out = run_model(tmp_path, MEMBRANE_ONLY_ROUTE, "membrane", "--method", method, "--events")
    with h5py.File(out) as f:
        assert "events/cargo" not in f and "events/load" not in f
        budded = int(f["vesicles/budded"][:, -1, :].sum())
    frame = ea.events(out)
    assert budded > 0 and (frame["kind"] == "bud").sum() == budded
    assert (frame["load"] == 0).all() and [c for c in frame.columns if c.startswith("load_")] == []


def test_merged_sweep_as_dataset_indexed_by_point(sweep):
    with ea.open_sweep(sweep) as ds, h5py.File(sweep) as f:
        assert ds.sizes["point"] == 9 and ds.sizes["replicate"] == 3
        assert ds.attrs["axes"] == ["k", "X.initial"]
        np.testing.assert_array_equal(ds["k"].values, f["point_values"][:, 0])
        np.testing.assert_array_equal(ds["X.initial"].values, f["point_values"][:, 1])
        np.testing.assert_allclose(np.unique(ds["X.initial"].values), [10.0, 100.0, 1000.0])
        np.testing.assert_array_equal(ds.final_amounts.values, f["final_amounts"][()])
        np.testing.assert_array_equal(ds.metric_values.sel(metric="exit").values, f["metric_values"][:, :, 0])
        assert not ds.failed.any()
        # selection by parameter value through the coordinate
        assert ds.final_amounts.where(ds["k"] == 0.04, drop=True).sizes["point"] == 3
    table = ea.sweep_table(sweep)
    with h5py.File(sweep) as f:
        np.testing.assert_allclose(table["exit"].to_numpy(), f["metric_values"][:, :, 0].mean(axis=1), rtol=1e-15)
        np.testing.assert_allclose(table["exit sd"].to_numpy(), f["metric_values"][:, :, 0].std(axis=1, ddof=1),
                                   rtol=1e-12)
        species = [s.decode() for s in f["species"][()]]
        np.testing.assert_allclose(table["final X"].to_numpy(), f["final_amounts"][:, :, species.index("X")].mean(axis=1))
    assert list(table.columns[:2]) == ["k", "X.initial"]


@pytest.mark.parametrize("run_version, sweep_version, words",
                         [(3, 2, "newer egress"), (0, 0, "older egress")], ids=["newer", "older"])
def test_other_format_versions_are_refused_clearly(stochastic, sweep, tmp_path, run_version, sweep_version, words):
    run_copy, sweep_copy = tmp_path / "run.h5", tmp_path / "sweep.h5"
    shutil.copy(stochastic, run_copy)
    shutil.copy(sweep, sweep_copy)
    for path, version in ((run_copy, run_version), (sweep_copy, sweep_version)):
        with h5py.File(path, "r+") as f:
            f.attrs["format_version"] = np.int64(version)
    for reader in (ea.open_result, ea.parameters, ea.perturbations, ea.events):
        with pytest.raises(ea.UnsupportedFormatError, match=f"result format version {run_version}.*{words}"):
            reader(run_copy)
    for reader in (ea.open_sweep, ea.sweep_table):
        with pytest.raises(ea.UnsupportedFormatError, match=f"sweep format version {sweep_version}.*{words}"):
            reader(sweep_copy)


def test_run_and_sweep_readers_say_which_to_use(stochastic, sweep):
    with pytest.raises(ea.UnsupportedFormatError, match="open_sweep"):
        ea.open_result(sweep)
    with pytest.raises(ea.UnsupportedFormatError, match="open_result"):
        ea.open_sweep(stochastic)
    kind, ds = ea.open_any(sweep)
    ds.close()
    assert kind == "sweep"


def test_large_files_are_read_in_blocks(tmp_path, monkeypatch):
    """A file is read block by block: with blocks of 256 KiB, the statistics of 11.5 MB of
    trajectories are computed with a peak under a fifth of that in numpy memory (tracemalloc; about
    0.8 MB), and equal those computed in one block. Files over CACHE_LIMIT_BYTES open without xarray's cache."""
    text = CHAIN.replace("replicates = 1", "replicates = 120").replace("output_interval = 1.0", "output_interval = 0.5")
    out = run_model(tmp_path, text, "many")   # amounts and cargo in transit: 2 x 120 x 2001 x 3 x 8 B = 11.5 MB
    monkeypatch.setattr(eaio, "CACHE_LIMIT_BYTES", 0)
    with ea.open_result(out) as ds:
        assert "MemoryCached" not in type(ds.amounts.variable._data).__name__
        whole = ea.ensemble(ds, block_bytes=1 << 40)
        tracemalloc.start()
        blocked = ea.ensemble(ds, block_bytes=256 << 10)
        metrics = ea.replicate_metrics(ds, block_bytes=256 << 10)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = ds.amounts.nbytes + ds.cargo_in_transit.nbytes
    assert size > 10e6
    assert peak < size / 5, f"peak {peak / 1e6:.1f} MB while the trajectories are {size / 1e6:.1f} MB"
    for name in ("mean", "std", "band"):
        np.testing.assert_allclose(blocked[name].values, whole[name].values, rtol=1e-12)
    assert len(metrics) == 120
    with ea.open_result(out, cache=True) as ds:
        assert "MemoryCached" in type(ds.amounts.variable._data).__name__


def test_route_model_pathway_and_incomplete_files(tmp_path):
    out = run_model(tmp_path, ROUTE, "route", "--replicates", "2")
    with ea.open_result(out) as ds:
        assert ds.attrs["pathway"] == ["ER", "PM"]
        assert ds.attrs["transit_donor"] == ["", "ER"]
    partial = tmp_path / "partial.h5"
    shutil.copy(out, partial)
    with h5py.File(partial, "r+") as f:
        f.attrs["complete"] = np.int64(0)
    with pytest.raises(ea.IncompleteResultError):
        ea.open_result(partial)
    with pytest.raises(ea.IncompleteResultError):
        ea.events(partial)


def test_cell_to_cell_values_are_variables_and_make_ode_replicates_random(tmp_path):
    text = DEFAULT_PARAMS.read_text().replace('model = "../models/secretory_core.toml"',
                                              f'model = "{SOURCE_DIR / "models/secretory_core.toml"}"')
    text = text.replace("[parameters]\n", '[parameters]\nk_copii = { value = 0.467, cv = 0.3, distribution = "lognormal" }\n')
    out = run_model(tmp_path, text, "cells", "--replicates", "5")
    with ea.open_result(out) as ds, h5py.File(out) as f:
        assert ds.cell_value.dims == ("replicate", "parameter")
        np.testing.assert_array_equal(ds.cell_value.values, f["parameters/cell_value"][()])
        assert str(ds.parameter_distribution.sel(parameter="k_copii").values) == "lognormal"
        metrics = ea.replicate_metrics(ds)
        drawn = ds.cell_value.sel(parameter="k_copii").values
    # each cell exits the ER at its own k_copii x capture_copii
    np.testing.assert_allclose(metrics["ER exit rate constant (%/min)"].to_numpy(), 6000 * drawn * 1e-3, rtol=1e-3)
    assert metrics.attrs["deterministic"] is False


def test_pathway_is_that_of_the_cargo_the_run_holds(tmp_path):
    """The standard model has a soluble cargo (to the extracellular space) and a membrane cargo
    (to the PM, endosomes and the lysosome): the pathway follows the one that is present."""
    out = tmp_path / "vsvg.h5"
    egress("run", SOURCE_DIR / "params" / "vsvg_membrane.toml", "-o", out, "--method", "ode", "--quiet")
    with ea.open_result(out) as ds:
        assert ds.attrs["pathway"] == ["ER", "ERGIC", "Golgi", "PM", "endosome", "lysosome"]


def test_pathway_of_a_run_too_short_for_the_cargo_to_arrive(tmp_path):
    """Thirty seconds of one ssa cell: no molecule has been secreted yet (or reached the lysosome),
    so the last compartment holds nothing in the file; the pathway is still the cargo's whole
    route (where it can go, not only where it has been)."""
    for name, params, pathway in (
            ("short", "default.toml", ["ER", "ERGIC", "Golgi", "extracellular"]),
            ("short_vsvg", "vsvg_membrane.toml", ["ER", "ERGIC", "Golgi", "PM", "endosome", "lysosome"])):
        text = (SOURCE_DIR / "params" / params).read_text()
        text = text.replace('model = "../models/', f'model = "{SOURCE_DIR}/models/')
        text = text.replace("t_end = 7200.0", "t_end = 30.0").replace("t_end = 21600.0", "t_end = 30.0")
        text = text.replace("output_interval = 60.0", "output_interval = 10.0")
        run_file = tmp_path / f"{name}.toml"
        run_file.write_text(text)
        out = tmp_path / f"{name}.h5"
        egress("run", run_file, "-o", out, "--method", "ssa", "--replicates", "1", "--seed", "5", "--quiet")
        with ea.open_result(out) as ds:
            last = pathway[-1]
            assert float(ds.amounts.sel(species="cargo_secreted" if last == "extracellular" else "vsvg_lysosome").max()) == 0.0
            assert ds.attrs["pathway"] == pathway
