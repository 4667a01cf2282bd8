"""Result files of the stochastic methods: the vesicle event log (/events) and the vesicle
counters (contract section 4), read back with h5py and xarray.

`egress run params/default.toml --method ssa --replicates 20 --seed 5 --events` writes one row per bud or
fusion (replicate, time, route, kind, vesicle, load[E, C] over the delivered species C) along the
dimension `event`, which has no stored values (the row number is the index). Here: the log is readable, it
accounts exactly for /vesicles/budded and /vesicles/fused at every sample and for the cargo in
transit, the counters are int64, a second run with the same seed gives the same bytes, the
hybrid method's file is readable the same way, and the log is written only when asked for.

Environment: EGRESS_BIN (the egress program; default build/release/bin/egress in the source tree),
EGRESS_SOURCE_DIR (the repository root; default two levels above this file).
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import tomllib

import h5py
import numpy as np
import pytest
import xarray as xr

SOURCE_DIR = pathlib.Path(os.environ.get("EGRESS_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EGRESS_BIN = pathlib.Path(os.environ.get("EGRESS_BIN", SOURCE_DIR / "build" / "release" / "bin" / "egress"))
DEFAULT_PARAMS = SOURCE_DIR / "params" / "default.toml"

EVENT_COLUMNS = ("replicate", "time", "route", "kind", "vesicle", "load")
NETCDF_DIMENSION_ONLY = "This is a netCDF dimension but not a netCDF variable."
BUD, FUSE = 0, 1
REPLICATES, SEED = 20, 5


def egress(*args: str | os.PathLike, check: bool = True) -> subprocess.CompletedProcess:
    """Run the egress program; on an unexpected status show its stderr in the failure."""
    result = subprocess.run([str(EGRESS_BIN), *map(str, args)], cwd=SOURCE_DIR, capture_output=True, text=True,
                            timeout=300)
    if check and result.returncode != 0:
        pytest.fail(f"egress {' '.join(map(str, args))} exited {result.returncode}:\n{result.stderr}")
    return result


def run(params: pathlib.Path, output: pathlib.Path, *extra: str) -> pathlib.Path:
    egress("run", params, "-o", output, "--quiet", *extra)
    assert output.is_file(), "egress run exited 0 without writing its output"
    return output


@pytest.fixture(scope="module", autouse=True)
def egress_binary() -> None:
    # Fail (not skip) without the program: a test run that silently skips proves nothing.
    assert EGRESS_BIN.is_file() and os.access(EGRESS_BIN, os.X_OK), (
        f"egress program not found at {EGRESS_BIN}; build it (cmake --build --preset release) or set EGRESS_BIN")


@pytest.fixture(scope="module")
def ssa_runs(tmp_path_factory) -> tuple[pathlib.Path, pathlib.Path]:
    """Two ssa runs of the default parameters with the same seed."""
    d = tmp_path_factory.mktemp("ssa")
    args = ("--method", "ssa", "--replicates", str(REPLICATES), "--seed", str(SEED), "--events")
    return run(DEFAULT_PARAMS, d / "a.h5", *args), run(DEFAULT_PARAMS, d / "b.h5", *args)


@pytest.fixture(scope="module")
def hybrid_run(tmp_path_factory) -> pathlib.Path:
    d = tmp_path_factory.mktemp("hybrid")
    return run(DEFAULT_PARAMS, d / "h.h5", "--method", "hybrid", "--replicates", "5", "--seed", str(SEED), "--events")


def read_events(f: h5py.File) -> dict[str, np.ndarray]:
    return {name: f["events"][name][()] for name in EVENT_COLUMNS}


def names(dataset: h5py.Dataset) -> list[str]:
    return [s.decode() if isinstance(s, bytes) else str(s) for s in dataset[()]]


def delivered_species(f: h5py.File) -> list[str]:
    """The species some route delivers, in /species order: what /events/cargo should list."""
    params = tomllib.loads(f["input/resolved"][()].decode())
    routes = params["model"].get("vesicles", [])
    # a pair is "acceptor" or { to = "acceptor", capture = "p" } (per-cargo capture)
    acceptors = {a["to"] if isinstance(a, dict) else a for route in routes for a in route["cargo"].values()}
    return [s for s in names(f["species"]) if s in acceptors]


def check_event_log(path: pathlib.Path, replicates: int, whole_loads: bool = True) -> int:
    """The event log of one file against its counters; returns the number of events."""
    with h5py.File(path, "r") as f:
        assert f.attrs["complete"] == 1
        assert "events" in f, "no /events group in a stochastic run"
        group = f["events"]
        for name in EVENT_COLUMNS:
            assert name in group, f"/events/{name} missing"
        ev = read_events(f)
        time = f["time"][()]
        species = [s.decode() if isinstance(s, bytes) else str(s) for s in f["species"][()]]
        routes = f["vesicles/route"].shape[0]
        budded, fused, in_transit = (f[f"vesicles/{n}"][()] for n in ("budded", "fused", "in_transit"))
        cargo = f["vesicles/cargo_in_transit"][()]

        # Types and shapes (contract section 4: counters int64, cargo in transit float64).
        for name in ("budded", "fused", "in_transit"):
            assert f[f"vesicles/{name}"].dtype == np.int64, f"/vesicles/{name} is {f[f'vesicles/{name}'].dtype}"
        assert f["vesicles/cargo_in_transit"].dtype == np.float64
        E = group["event"].shape[0]
        # `event` is a dimension only: netCDF's marker and the length in its NAME, no values stored.
        scale_name = group["event"].attrs["NAME"].decode()
        assert scale_name.startswith(NETCDF_DIMENSION_ONLY) and int(scale_name[len(NETCDF_DIMENSION_ONLY):]) == E
        assert group["event"].id.get_storage_size() == 0, "/events/event should store no values"
        cargo_species = names(group["cargo"])
        assert cargo_species == delivered_species(f), "/events/cargo should list the delivered species"
        cargo_columns = [species.index(s) for s in cargo_species]
        for name in ("replicate", "route", "vesicle"):
            assert ev[name].dtype == np.int64, f"/events/{name} is {ev[name].dtype}"
            assert ev[name].shape == (E,)
        assert ev["time"].dtype == np.float64 and ev["time"].shape == (E,)
        assert np.issubdtype(ev["kind"].dtype, np.integer) and ev["kind"].shape == (E,)
        assert ev["load"].dtype == np.float64 and ev["load"].shape == (E, len(cargo_species))
        assert group.attrs["count"] == E
        assert E > 0, "the default model buds vesicles: the log should not be empty"

    assert set(np.unique(ev["kind"])) <= {BUD, FUSE}
    assert set(np.unique(ev["replicate"])) <= set(range(replicates))
    assert ev["route"].min() >= 0 and ev["route"].max() < routes
    assert ev["time"].min() >= 0 and ev["time"].max() <= time[-1]
    assert np.all(ev["load"] >= 0)
    if whole_loads:
        assert np.all(ev["load"] == np.round(ev["load"])), "loads are whole molecules"

    for r in range(replicates):
        mine = ev["replicate"] == r
        t, route, kind, vid, load = (ev[k][mine] for k in ("time", "route", "kind", "vesicle", "load"))
        assert np.all(np.diff(t) >= 0), f"replicate {r}: events not in time order"
        # Every fusion is of a vesicle of the same route that budded earlier, with the same load.
        buds = {v: (rt, tt, ld) for v, rt, tt, ld, k in zip(vid, route, t, load, kind) if k == BUD}
        assert len(buds) == int((kind == BUD).sum()), f"replicate {r}: vesicle id budded twice"
        fused_ids = vid[kind == FUSE]
        assert len(set(fused_ids.tolist())) == len(fused_ids), f"replicate {r}: a vesicle fused twice"
        for v, rt, tt, ld in zip(fused_ids, route[kind == FUSE], t[kind == FUSE], load[kind == FUSE]):
            assert v in buds, f"replicate {r}: vesicle {v} fused without budding"
            b_route, b_time, b_load = buds[v]
            assert rt == b_route and tt >= b_time and np.array_equal(ld, b_load), f"replicate {r}: vesicle {v}"
        # Counters at every sample = events logged up to that time; last sample = all events.
        for v in range(routes):
            for k, counter in ((BUD, budded), (FUSE, fused)):
                times = np.sort(t[(route == v) & (kind == k)])
                logged = np.searchsorted(times, time, side="right")
                assert np.array_equal(counter[r, :, v], logged), (
                    f"replicate {r} route {v}: {'budded' if k == BUD else 'fused'} != events in the log")
                assert counter[r, -1, v] == len(times)
        assert np.array_equal(in_transit[r], budded[r] - fused[r])
        # Cargo in transit at the end = loads budded - loads fused (by delivered species); none of any other.
        balance = load[kind == BUD].sum(axis=0) - load[kind == FUSE].sum(axis=0)
        if whole_loads:
            np.testing.assert_array_equal(cargo[r, -1, cargo_columns], balance)
        else:  # fractional loads: the two sums are added in different orders
            np.testing.assert_allclose(cargo[r, -1, cargo_columns], balance, rtol=1e-12, atol=1e-9)
        assert np.all(np.delete(cargo[r, -1], cargo_columns) == 0)
    return E


def test_ssa_event_log_matches_the_counters(ssa_runs):
    check_event_log(ssa_runs[0], REPLICATES)


def test_ssa_events_read_with_xarray(ssa_runs):
    path = ssa_runs[0]
    with h5py.File(path, "r") as f:
        ev = read_events(f)
        E, cargo_species = f["events/event"].shape[0], names(f["events/cargo"])
    with xr.open_dataset(path, engine="h5netcdf", group="events") as ds:
        for name in ("replicate", "time", "route", "kind", "vesicle", "load"):
            assert name in ds.variables, f"xarray does not see /events/{name}"
            assert ds[name].dims[0] == "event", f"/events/{name} dims {ds[name].dims}"
            assert np.array_equal(ds[name].values, ev[name]), name
        assert ds["load"].dims == ("event", "cargo")
        assert ds.sizes["event"] == E
        assert "event" not in ds.variables, "event is a dimension without values"
        assert np.array_equal(ds["event"].values, np.arange(E)), "xarray numbers the events 0 .. E-1"
        assert [str(s) for s in ds["cargo"].values] == cargo_species
        assert ds["time"].attrs.get("units") == "s"


def test_same_seed_gives_identical_amounts_and_events(ssa_runs):
    a, b = ssa_runs
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for name in ("amounts", "vesicles/budded", "vesicles/fused", "vesicles/in_transit", "vesicles/cargo_in_transit",
                     *(f"events/{c}" for c in EVENT_COLUMNS)):
            x, y = fa[name][()], fb[name][()]
            assert x.dtype == y.dtype and x.shape == y.shape, name
            assert x.tobytes() == y.tobytes(), f"/{name} differs between two runs with seed {SEED}"


def test_threads_and_other_seeds(ssa_runs, tmp_path):
    """Bit-identical whatever --threads (contract section 3); another seed gives another run."""
    a = ssa_runs[0]
    args = ("--method", "ssa", "--replicates", str(REPLICATES), "--events")
    one = run(DEFAULT_PARAMS, tmp_path / "t1.h5", *args, "--seed", str(SEED), "--threads", "1")
    three = run(DEFAULT_PARAMS, tmp_path / "t3.h5", *args, "--seed", str(SEED), "--threads", "3")
    other = run(DEFAULT_PARAMS, tmp_path / "s6.h5", *args, "--seed", str(SEED + 1))
    with h5py.File(a, "r") as fa, h5py.File(one, "r") as f1, h5py.File(three, "r") as f3, h5py.File(other, "r") as fo:
        for name in ("amounts", *(f"events/{c}" for c in EVENT_COLUMNS)):
            ref = fa[name][()].tobytes()
            assert f1[name][()].tobytes() == ref, f"/{name}: --threads 1 differs from the default"
            assert f3[name][()].tobytes() == ref, f"/{name}: --threads 3 differs from the default"
        assert fo["amounts"][()].tobytes() != fa["amounts"][()].tobytes(), "seeds 5 and 6 gave the same amounts"
        assert fo.attrs["seed"] == SEED + 1 and fa.attrs["seed"] == SEED


def test_hybrid_file_is_readable_the_same_way(hybrid_run):
    with h5py.File(hybrid_run, "r") as f:
        assert f.attrs["method"] == "hybrid"
    # hybrid: donor amounts that reactions change are continuous (the Golgi's cisternal exchange in
    # the default model), so a load may carry a fractional part (docs/methods.md, hybrid, Loads).
    check_event_log(hybrid_run, 5, whole_loads=False)
    with xr.open_dataset(hybrid_run, engine="h5netcdf", group="events") as ds:
        assert ds["load"].dims == ("event", "cargo")
        assert set(np.unique(ds["kind"].values)) <= {BUD, FUSE}
    with xr.open_dataset(hybrid_run, engine="h5netcdf") as ds:
        assert ds["amounts"].dims == ("replicate", "time", "species")


def test_compressed_event_log_holds_the_same_rows(ssa_runs, tmp_path):
    """Uncompressed logs are written a whole chunk at a time (H5Dwrite_chunk), compressed ones
    through HDF5's selections: the same run must give the same rows either way, the last, partial
    chunk included (20 replicates are about 280,000 events, several 32,768-row chunks)."""
    text = DEFAULT_PARAMS.read_text()
    model = (DEFAULT_PARAMS.parent / tomllib.loads(text)["model"]).resolve()
    text = re.sub(r'(?m)^model\s*=\s*".*"$', f'model = "{model.as_posix()}"', text, count=1)
    text = re.sub(r"(?m)^\[output\]\s*$", "[output]\ncompression = 1", text, count=1)
    assert tomllib.loads(text)["output"]["compression"] == 1
    params = tmp_path / "compressed.toml"
    params.write_text(text)
    compressed = run(params, tmp_path / "gz.h5", "--method", "ssa", "--replicates", str(REPLICATES), "--seed", str(SEED),
                     "--events")
    with h5py.File(ssa_runs[0], "r") as plain, h5py.File(compressed, "r") as gz:
        assert gz["events/time"].compression == "gzip" and plain["events/time"].compression is None
        assert plain["events/time"].shape[0] > 2 * 32768, "the run should fill several chunks"
        assert gz["events"].attrs["count"] == plain["events"].attrs["count"]
        for name in EVENT_COLUMNS:
            a, b = plain["events"][name][()], gz["events"][name][()]
            assert a.dtype == b.dtype and a.shape == b.shape, name
            assert a.tobytes() == b.tobytes(), f"/events/{name} differs between the uncompressed and the compressed file"


def params_with_output_line(tmp_path, line: str, name: str) -> pathlib.Path:
    """The default parameters with the model path made absolute and `line` in their [output] table."""
    text = DEFAULT_PARAMS.read_text()
    params = tomllib.loads(text)
    model = (DEFAULT_PARAMS.parent / params["model"]).resolve()
    assert model.is_file()
    text = re.sub(r'(?m)^model\s*=\s*".*"$', f'model = "{model.as_posix()}"', text, count=1)
    text = re.sub(r"(?m)^events\s*=.*$", "", text)  # whatever default.toml says, `line` decides
    if "output" in params:
        text = re.sub(r"(?m)^\[output\]\s*$", f"[output]\n{line}", text, count=1)
    else:
        text += f"\n[output]\n{line}\n"
    path = tmp_path / name
    path.write_text(text)
    return path


def has_event_log(path: pathlib.Path) -> bool:
    with h5py.File(path, "r") as f:
        assert f.attrs["complete"] == 1
        assert f["vesicles/budded"][()].max() > 0, "vesicles bud whether or not they are logged"
        return "events" in f


def test_event_log_is_opt_in(tmp_path):
    """No /events unless asked for ([output] events = true or --events); a flag wins over the file."""
    args = ("--method", "ssa", "--replicates", "3", "--seed", str(SEED))
    silent = params_with_output_line(tmp_path, "", "silent.toml")
    assert "events" not in tomllib.loads(silent.read_text()).get("output", {})
    assert not has_event_log(run(silent, tmp_path / "default.h5", *args)), "the event log is written without asking"
    assert has_event_log(run(silent, tmp_path / "flag.h5", *args, "--events")), "--events wrote no log"
    logging = params_with_output_line(tmp_path, "events = true", "logging.toml")
    assert has_event_log(run(logging, tmp_path / "file.h5", *args)), "[output] events = true wrote no log"
    assert not has_event_log(run(logging, tmp_path / "off.h5", *args, "--no-events")), "--no-events wrote a log"
    declining = params_with_output_line(tmp_path, "events = false", "declining.toml")
    assert not has_event_log(run(declining, tmp_path / "declined.h5", *args)), "[output] events = false wrote a log"
    assert has_event_log(run(declining, tmp_path / "overridden.h5", *args, "--events")), "--events lost to the file"
    with xr.open_dataset(tmp_path / "default.h5", engine="h5netcdf") as ds:
        assert "amounts" in ds
    # Logging changes nothing else; egress info says whether a file has the log.
    with h5py.File(tmp_path / "default.h5", "r") as off, h5py.File(tmp_path / "flag.h5", "r") as on:
        for name in ("amounts", "vesicles/budded", "vesicles/fused", "vesicles/cargo_in_transit"):
            assert off[name][()].tobytes() == on[name][()].tobytes(), f"/{name} depends on the event log"
        logged = int(on["events"].attrs["count"])
    assert "no vesicle event log" in egress("info", tmp_path / "default.h5").stdout
    assert f"vesicle event log (/events): {logged} events" in egress("info", tmp_path / "flag.h5").stdout
    ode = egress("run", silent, "-o", tmp_path / "ode.h5", "--method", "ode", "--events", "--quiet")
    assert "the ode method has no discrete vesicle events" in ode.stderr, ode.stderr
    with h5py.File(tmp_path / "ode.h5", "r") as f:
        assert "events" not in f
    clash = egress("run", logging, "-o", tmp_path / "clash.h5", "--events", "--no-events", check=False)
    assert clash.returncode == 2 and "excludes" in clash.stderr.lower(), clash.stderr


TWO_DONORS = """
[model]
name = "two-donors"
compartments = { ER = {}, Golgi = {} }
species = { A = { compartment = "ER", initial = 1000 }, B = { compartment = "ER", initial = 1000 }, G = { compartment = "Golgi" } }
[[model.vesicles]]
name = "copii"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 1.0 }
cargo = { A = "G", B = "G" }
capture = 0.1
fusion_rate = 0.5
[simulation]
t_end = 10.0
output_interval = 1.0
replicates = 3
seed = 11
"""


@pytest.mark.parametrize("method", ["ssa", "hybrid"])
def test_event_loads_add_cargo_pairs_that_share_an_acceptor(method, tmp_path):
    """Loads are logged by acceptor species: A -> G and B -> G in one vesicle log their sum under G."""
    params = tmp_path / "two_donors.toml"
    params.write_text(TWO_DONORS)
    out = run(params, tmp_path / "two.h5", "--method", method, "--events")
    with h5py.File(out, "r") as f:
        species = names(f["species"])
        a, b, g = (species.index(s) for s in ("A", "B", "G"))
        assert names(f["events/cargo"]) == ["G"], "G is the one delivered species"
        amounts = f["amounts"][()]
        cargo = f["vesicles/cargo_in_transit"][()]
        ev = read_events(f)
    for r in range(3):
        mine = ev["replicate"] == r
        kind, load = ev["kind"][mine], ev["load"][mine]
        budded, fused = load[kind == BUD, 0].sum(), load[kind == FUSE, 0].sum()
        removed = 2000 - amounts[r, -1, a] - amounts[r, -1, b]
        assert budded == pytest.approx(removed, abs=1e-6), f"replicate {r}: bud loads {budded} vs removed {removed}"
        assert fused == pytest.approx(amounts[r, -1, g], abs=1e-6), f"replicate {r}: fuse loads {fused} vs G"
        assert budded - fused == pytest.approx(cargo[r, -1, g], abs=1e-6)
