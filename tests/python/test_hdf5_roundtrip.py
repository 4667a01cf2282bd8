"""Round trip of the HDF5 result file: `egress run` writes it, h5py, xarray and egress_analysis
read it back, and the numbers match the default model's analytic answer (contract section 4).

Environment: EGRESS_BIN (the egress program; default build/release/bin/egress in the source tree),
EGRESS_SOURCE_DIR (the repository root; default two levels above this file).
"""

from __future__ import annotations

import datetime
import os
import pathlib
import shutil
import subprocess
import sys
import tomllib

import h5py
import numpy as np
import pytest
import xarray as xr

SOURCE_DIR = pathlib.Path(os.environ.get("EGRESS_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EGRESS_BIN = pathlib.Path(os.environ.get("EGRESS_BIN", SOURCE_DIR / "build" / "release" / "bin" / "egress"))
ANALYSIS_DIR = SOURCE_DIR / "analysis"
DEFAULT_PARAMS = SOURCE_DIR / "params" / "default.toml"

sys.path.insert(0, str(ANALYSIS_DIR))
import egress_analysis  # noqa: E402  (needs the path above)
from egress_analysis import schema  # noqa: E402

# The default run releases this many cargo molecules into the ER at t = 0 (params/default.toml).
RELEASED = 10000.0


def egress(*args: str | os.PathLike, check: bool = True) -> subprocess.CompletedProcess:
    """Run the egress program; on an unexpected status show its stderr in the failure."""
    result = subprocess.run([str(EGRESS_BIN), *map(str, args)], cwd=SOURCE_DIR, capture_output=True, text=True,
                            timeout=300)
    if check and result.returncode != 0:
        pytest.fail(f"egress {' '.join(map(str, args))} exited {result.returncode}:\n{result.stderr}")
    return result


def run_default(output: pathlib.Path, *extra: str) -> pathlib.Path:
    egress("run", DEFAULT_PARAMS, "-o", output, "--quiet", *extra)
    assert output.is_file(), "egress run exited 0 without writing its output"
    return output


def decoded(dataset: h5py.Dataset) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in dataset[()]]


def parameter_values(f: h5py.File) -> dict[str, float]:
    return dict(zip(decoded(f[schema.PARAMETER_NAMES]), f[schema.PARAMETER_VALUES][()]))


@pytest.fixture(scope="session", autouse=True)
def egress_binary() -> None:
    # Fail (not skip) without the program: a test run that silently skips proves nothing.
    assert EGRESS_BIN.is_file() and os.access(EGRESS_BIN, os.X_OK), (
        f"egress program not found at {EGRESS_BIN}; build it (cmake --build --preset release) or set EGRESS_BIN")


@pytest.fixture(scope="module")
def default_result(tmp_path_factory) -> pathlib.Path:
    """One default run shared by the read-only tests (the run is the same each time)."""
    return run_default(tmp_path_factory.mktemp("default") / "x.h5")


@pytest.fixture(scope="module")
def default_params() -> dict:
    return tomllib.loads(DEFAULT_PARAMS.read_text())


@pytest.fixture(scope="module")
def default_model(default_params) -> dict:
    return tomllib.loads((DEFAULT_PARAMS.parent / default_params["model"]).read_text())


def test_layout_read_with_h5py(default_result, default_params, default_model):
    sim = default_params["simulation"]
    species = list(default_model["species"])
    routes = [v["name"] for v in default_model["vesicles"]]
    R = sim["replicates"]
    T = int(round(sim["t_end"] / sim["output_interval"])) + 1
    S, V = len(species), len(routes)

    with h5py.File(default_result, "r") as f:
        attrs = f.attrs
        for name in schema.ROOT_ATTRIBUTES + (schema.COMPLETE_ATTRIBUTE,):
            assert name in attrs, f"root attribute {name} missing"
        assert attrs["format"] == schema.FORMAT
        assert attrs["format_version"] == schema.FORMAT_VERSION
        assert attrs["egress_version"] in egress("--version").stdout
        assert attrs["method"] == sim["method"]
        assert attrs["seed"] == sim["seed"]
        created = datetime.datetime.strptime(attrs["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        assert abs(datetime.datetime.now(datetime.timezone.utc) - created) < datetime.timedelta(hours=1)
        assert "run" in attrs["command"] and "default.toml" in attrs["command"]
        assert attrs[schema.COMPLETE_ATTRIBUTE] == 1

        assert f[schema.AMOUNTS].shape == (R, T, S)
        assert f[schema.AMOUNTS].dtype == np.float64
        assert f[schema.TIME].dtype == np.float64
        assert f[schema.TIME].attrs["units"] == "s"
        np.testing.assert_allclose(f[schema.TIME][()], np.arange(T) * sim["output_interval"], rtol=0, atol=1e-9)
        assert h5py.check_string_dtype(f[schema.SPECIES].dtype) is not None
        assert set(decoded(f[schema.SPECIES])) == set(species) and len(decoded(f[schema.SPECIES])) == S
        assert f[schema.REPLICATE].dtype == np.int64
        assert np.array_equal(f[schema.REPLICATE][()], np.arange(R))

        assert h5py.check_string_dtype(f[schema.ROUTE].dtype) is not None
        assert set(decoded(f[schema.ROUTE])) == set(routes) and len(decoded(f[schema.ROUTE])) == V
        for path in (schema.BUDDED, schema.FUSED, schema.IN_TRANSIT):
            assert f[path].shape == (R, T, V), path
            # ode reports expected (fractional) vesicle counts.
            assert f[path].dtype == np.float64, path
            assert np.all(f[path][:, 0, :] == 0), f"{path} not zero at t = 0"
        assert f[schema.CARGO_IN_TRANSIT].shape == (R, T, S)
        budded, fused, in_transit = (f[p][()] for p in (schema.BUDDED, schema.FUSED, schema.IN_TRANSIT))
        np.testing.assert_allclose(in_transit, budded - fused, rtol=0, atol=1e-6 * max(1.0, budded.max()))
        assert np.all(np.diff(budded, axis=1) >= 0) and np.all(np.diff(fused, axis=1) >= 0), "counts are cumulative"

        names = decoded(f[schema.PARAMETER_NAMES])
        P = len(names)
        assert set(default_model["parameters"]) <= set(names)
        for path in (schema.PARAMETER_VALUES, schema.PARAMETER_UNITS, schema.PARAMETER_SOURCES):
            assert f[path].shape == (P,), path
        values = parameter_values(f)
        assert values["k_copii"] == default_model["parameters"]["k_copii"]["value"]
        # The parameter file's override (value, units and source) is what the file records.
        override = default_params["parameters"]["k_syn"]
        index = names.index("k_syn")
        assert values["k_syn"] == override["value"]
        assert decoded(f[schema.PARAMETER_UNITS])[index] == override["units"]
        assert decoded(f[schema.PARAMETER_SOURCES])[index] == override["source"]

        assert f[schema.INPUT_PARAMS][()] == DEFAULT_PARAMS.read_bytes()
        resolved = f[schema.INPUT_RESOLVED][()]
        assert isinstance(resolved, bytes) and resolved.strip(), "/input/resolved is empty"
        tomllib.loads(resolved.decode())  # valid TOML


def test_xarray_reads_the_same_values(default_result, default_model):
    with h5py.File(default_result, "r") as f:
        amounts = f[schema.AMOUNTS][()]
        species = decoded(f[schema.SPECIES])
        vesicles = {name: f[f"{schema.VESICLES_GROUP}/{name}"][()] for name in schema.VESICLE_VARIABLES}
        routes = decoded(f[schema.ROUTE])

    with xr.open_dataset(default_result, engine="h5netcdf") as ds:
        da = ds[schema.AMOUNTS]
        assert da.dims == (schema.REPLICATE_DIM, schema.TIME_DIM, schema.SPECIES_DIM)
        assert [str(s) for s in da[schema.SPECIES_DIM].values] == species
        assert np.array_equal(da.values, amounts)
        # Labels select the same column h5py finds by position.
        assert np.array_equal(da.sel(species="cargo_ER").values, amounts[:, :, species.index("cargo_ER")])
        assert ds[schema.TIME_DIM].attrs["units"] == "s"

    with egress_analysis.open_result(default_result) as ds:
        assert np.array_equal(ds[schema.AMOUNTS].values, amounts)
        assert [str(r) for r in ds[schema.ROUTE_DIM].values] == routes
        for name, values in vesicles.items():
            assert np.array_equal(ds[name].values, values), name
        assert ds["in_transit"].dims == (schema.REPLICATE_DIM, schema.TIME_DIM, schema.ROUTE_DIM)
        assert ds["cargo_in_transit"].dims == (schema.REPLICATE_DIM, schema.TIME_DIM, schema.SPECIES_DIM)
        assert ds.attrs["format"] == schema.FORMAT

    table = egress_analysis.parameters(default_result)
    assert list(table.columns) == ["value", "units", "source"]
    assert table.index.name == "parameter"
    assert table.loc["k_copii", "value"] == default_model["parameters"]["k_copii"]["value"]
    assert table.loc["k_copii", "units"] == default_model["parameters"]["k_copii"]["units"]


def test_known_answer_er_exit_and_conservation(default_result):
    with h5py.File(default_result, "r") as f:
        values = parameter_values(f)
        species = decoded(f[schema.SPECIES])
        t = f[schema.TIME][()]
        amounts = f[schema.AMOUNTS][()]
        in_transit_cargo = f[schema.CARGO_IN_TRANSIT][()]

    # In ode mode the COPII route is its mean flux: a first-order ER exit at k_bud * capture.
    k = values["k_copii"] * values["capture_copii"]
    expected = RELEASED * np.exp(-k * t)
    er = amounts[:, :, species.index("cargo_ER")]
    relative = np.abs(er - expected) / expected
    assert relative.max() <= 1e-5, f"cargo_ER off exp(-k t) by {relative.max():.3g} (k = {k})"

    # Every species is cargo somewhere (cargo_degraded stays 0 with ERAD off).
    total = amounts.sum(axis=2) + in_transit_cargo.sum(axis=2)
    drift = np.abs(total - RELEASED) / RELEASED
    assert drift.max() <= 1e-6, f"total cargo not conserved: relative drift {drift.max():.3g}"


def test_resolved_input_reruns_identically(default_result, tmp_path):
    with h5py.File(default_result, "r") as f:
        resolved = f[schema.INPUT_RESOLVED][()]
        first = f[schema.AMOUNTS][()]
    params = tmp_path / "resolved.toml"
    params.write_bytes(resolved)
    rerun = tmp_path / "rerun.h5"
    egress("run", params, "-o", rerun, "--quiet")
    with h5py.File(rerun, "r") as f:
        assert np.array_equal(f[schema.AMOUNTS][()], first)


def test_resolved_input_keeps_first_replicate(tmp_path):
    """A part of an ensemble (--first-replicate K) re-runs as the same part: the resolved input
    names its first replicate (issue 15, bug 1)."""
    part = run_default(tmp_path / "part.h5", "--method", "ssa", "--first-replicate", "4", "--replicates", "2")
    with h5py.File(part, "r") as f:
        resolved = f[schema.INPUT_RESOLVED][()]
        replicates = f[schema.REPLICATE][()]
        first = f[schema.AMOUNTS][()]
    assert list(replicates) == [4, 5]
    params = tmp_path / "resolved.toml"
    params.write_bytes(resolved)
    assert tomllib.loads(resolved.decode())["simulation"]["first_replicate"] == 4
    rerun = tmp_path / "rerun.h5"
    egress("run", params, "-o", rerun, "--quiet")
    with h5py.File(rerun, "r") as f:
        assert list(f[schema.REPLICATE][()]) == [4, 5]
        assert np.array_equal(f[schema.AMOUNTS][()], first)


def test_set_override_stops_er_exit(tmp_path):
    result = run_default(tmp_path / "blocked.h5", "--set", "k_copii=0")
    with h5py.File(result, "r") as f:
        assert parameter_values(f)["k_copii"] == 0.0
        assert "k_copii=0" in f[schema.INPUT_OVERRIDES][()].decode()
        er = f[schema.AMOUNTS][:, :, decoded(f[schema.SPECIES]).index("cargo_ER")]
    assert np.all(er == RELEASED), f"cargo_ER moved with k_copii = 0: {np.unique(er)}"


def test_incomplete_file_is_refused(default_result, tmp_path):
    assert egress("info", default_result, check=False).returncode == 0

    partial = tmp_path / "partial.h5"
    shutil.copyfile(default_result, partial)
    with h5py.File(partial, "r+") as f:
        f.attrs[schema.COMPLETE_ATTRIBUTE] = np.int64(0)

    info = egress("info", partial, check=False)
    assert info.returncode != 0, "egress info accepted a file marked incomplete"
    # egress info describes the file on stdout either way; it must say why it refused this one.
    assert "incomplete" in (info.stdout + info.stderr).lower(), "egress info refused the file without saying why"
    with pytest.raises(egress_analysis.IncompleteResultError, match="partial.h5"):
        egress_analysis.open_result(partial)
    with pytest.raises(egress_analysis.IncompleteResultError):
        egress_analysis.parameters(partial)
    # Deliberately inspecting a partial file stays possible.
    with egress_analysis.open_result(partial, require_complete=False) as ds:
        assert ds.attrs[schema.COMPLETE_ATTRIBUTE] == 0


DATA_DIR = SOURCE_DIR / "tests" / "data"


@pytest.mark.parametrize("version", range(schema.OLDEST_FORMAT_VERSION, schema.FORMAT_VERSION + 1))
def test_committed_files_of_every_format_version_read(version):
    """Files written by the writer of each format version (tests/data/README.md says how) still
    read with egress info, egress_analysis and xarray."""
    path = DATA_DIR / f"format_v{version}.h5"
    assert path.is_file(), f"no committed file of format version {version}: add one (tests/data/README.md)"
    with h5py.File(path, "r") as f:
        assert f.attrs["format_version"] == version
    info = egress("info", path)
    assert f"format version {version}" in info.stdout and "vesicle event log (/events): 11 events" in info.stdout
    with egress_analysis.open_result(path) as ds:
        assert ds[schema.AMOUNTS].dims == (schema.REPLICATE_DIM, schema.TIME_DIM, schema.SPECIES_DIM)
        assert ds[schema.AMOUNTS].shape == (2, 3, 2)
        assert [str(s) for s in ds[schema.SPECIES_DIM].values] == ["A", "B"]
        assert ds["budded"].sel(route="COPII").isel(time=-1).values.tolist() == [3, 3]
    assert egress_analysis.parameters(path).loc["capture", "value"] == 0.3
    with xr.open_dataset(path, engine="h5netcdf", group="events") as events:
        assert events.sizes["event"] == 11


def test_committed_files_of_both_versions_hold_the_same_run():
    """format_v1.h5 and format_v2.h5 are one run (same model and seed) in the two layouts: the
    trajectories and event rows are equal, and the loads agree for the delivered species."""
    with h5py.File(DATA_DIR / "format_v1.h5", "r") as v1, h5py.File(DATA_DIR / "format_v2.h5", "r") as v2:
        for name in (schema.AMOUNTS, schema.BUDDED, schema.FUSED, schema.CARGO_IN_TRANSIT, "membrane_area",
                     "events/time", "events/replicate", "events/route", "events/kind", "events/vesicle"):
            assert np.array_equal(v1[name][()], v2[name][()]), name
        species = decoded(v1[schema.SPECIES])
        # Version 1: /events/event holds the row numbers and /events/load is [E, S] over /species.
        assert list(v1["events/event"][()]) == list(range(11))
        assert v1["events/load"].shape == (11, len(species))
        # Version 2: /events/load is [E, C] over /events/cargo, the delivered species only.
        cargo = decoded(v2["events/cargo"])
        assert cargo == ["B"]
        assert np.array_equal(v2["events/load"][:, 0], v1["events/load"][:, species.index("B")])
        assert not v1["events/load"][:, species.index("A")].any()


def test_newer_format_version_is_refused(tmp_path):
    """A version newer than the reader knows is refused by egress info and the analysis package.
    (No such file can exist yet: a copy of the newest committed file claims the next version.)"""
    newer = tmp_path / "newer.h5"
    shutil.copyfile(DATA_DIR / f"format_v{schema.FORMAT_VERSION}.h5", newer)
    with h5py.File(newer, "r+") as f:
        f.attrs["format_version"] = np.int64(schema.FORMAT_VERSION + 1)
    assert egress("info", newer, check=False).returncode != 0
    with pytest.raises(ValueError, match="format version"):
        egress_analysis.open_result(newer)


def test_foreign_hdf5_file_is_refused(tmp_path):
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f.attrs["format"] = "something-else"
        f["x"] = np.arange(3.0)
    with pytest.raises(ValueError, match="not an egress result"):
        egress_analysis.open_result(foreign)
    not_hdf5 = tmp_path / "params.h5"
    not_hdf5.write_bytes(DEFAULT_PARAMS.read_bytes())
    with pytest.raises(OSError, match="params.h5"):
        egress_analysis.open_result(not_hdf5)


def test_plot_command_writes_png(default_result, tmp_path):
    output = tmp_path / "plots" / "default.png"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ANALYSIS_DIR), os.environ.get("PYTHONPATH")])))
    completed = subprocess.run([sys.executable, "-m", "egress_analysis.plot", str(default_result), "-o", str(output)],
                               cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == str(output)
    assert output.stat().st_size > 0
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_replicates_of_deterministic_run_are_identical(tmp_path):
    result = run_default(tmp_path / "three.h5", "--replicates", "3")
    with egress_analysis.open_result(result) as ds:
        assert ds.sizes[schema.REPLICATE_DIM] == 3
        assert list(ds[schema.REPLICATE_DIM].values) == [0, 1, 2]
        amounts = ds[schema.AMOUNTS].values
        for r in (1, 2):
            assert np.array_equal(amounts[r], amounts[0]), f"replicate {r} differs from replicate 0"
        # The band branch of the plot (replicates > 1) draws too.
        png = egress_analysis.plot_compartments(ds, tmp_path / "three.png")
    assert png.stat().st_size > 0
