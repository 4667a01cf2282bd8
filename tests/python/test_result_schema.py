"""The schema table engine/io/result_schema.toml is the contract between the C++ writer and the
Python reader: the files generated from it are up to date, the Python module names nothing the
table lacks, and every file the program writes (run results of every method and option, an
interrupted run, sweep shards and merged sweeps) holds exactly what the table lists under the
conditions of that file, with the table's types, dimensions, units and fixed attributes.
Deterministic: fixed seeds; the interrupted run is checked for what it holds, not for when it stopped.
"""
import ast
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time
import tomllib

import h5py
import numpy as np
import pytest

ROOT = pathlib.Path(os.environ.get("EGRESS_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EGRESS = os.environ.get("EGRESS_BIN", str(ROOT / "build/release/bin/egress"))
sys.path.insert(0, str(ROOT / "analysis"))

from egress_analysis import schema  # noqa: E402

TABLE_PATH = ROOT / "engine/io/result_schema.toml"
TABLE = tomllib.loads(TABLE_PATH.read_text())
PARAMS = ROOT / "params/default.toml"
# HDF5's dimension-scale bookkeeping: on scales CLASS, NAME and REFERENCE_LIST; elsewhere DIMENSION_LIST.
SCALE_ATTRIBUTES = {"CLASS", "NAME", "REFERENCE_LIST"}
NETCDF_DIMENSION_ONLY = "This is a netCDF dimension but not a netCDF variable."
DTYPES = {"float64": np.dtype("<f8"), "int64": np.dtype("<i8"), "int32": np.dtype("<i4"), "int8": np.dtype("i1")}

# A reversible chain A <-> B without vesicle routes, for sweeps.
CHAIN = """\
[model]
name = "chain"
[model.compartments]
ER = {}
PM = {}
[model.species]
A = { compartment = "ER", initial = 100 }
B = { compartment = "PM", initial = 0 }
[model.parameters]
k = 0.05
[[model.reactions]]
name = "exit"
equation = "A -> B"
k = "k"
[[model.reactions]]
name = "back"
equation = "B -> A"
k = "k"
[simulation]
method = "ssa"
t_end = 100.0
output_interval = 10.0
replicates = 3
seed = 7
"""

# An inline model whose one route carries no cargo: an event log without /events/cargo and /events/load.
NO_CARGO = """\
[simulation]
method = "ssa"
t_end = 10.0
output_interval = 1.0
replicates = 2
seed = 3
[model]
name = "no-cargo"
[model.compartments]
ER = {}
Golgi = {}
[model.species]
A = { compartment = "ER", initial = 10 }
[[model.vesicles]]
name = "COPII"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 1.0 }
fusion_rate = 1.0
"""


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def basename(path):
    return path.rsplit("/", 1)[-1]


def holds(entry, conditions):
    return all(c in conditions for c in entry.get("when", []))


def schema_problems(path, kind, conditions):
    """What in the file at `path` disagrees with section `kind` of the table, for a file of which
    `conditions` hold. Empty when the file follows the table."""
    t = TABLE[kind]
    unknown = set(conditions) - set(t["conditions"])
    assert not unknown, f"the test names conditions the table lacks: {unknown}"
    datasets = {d["path"]: d for d in t["dataset"]}
    groups = {g["path"]: g for g in t["group"]}
    attributes = {(a.get("on", "/"), a["name"]): a for a in t["attribute"]}
    scales = {d["dims"][0]: d["path"] for d in t["dataset"] if d.get("scale")}
    problems = []
    with h5py.File(path, "r") as f:
        found_groups, found_datasets = {}, {}

        def collect(name, obj):
            if isinstance(obj, h5py.Group):
                found_groups[name] = obj
            elif isinstance(obj, h5py.Dataset):
                found_datasets[name] = obj
            else:
                problems.append(f"/{name}: neither a group nor a dataset")

        f.visititems(collect)
        for name in sorted(set(found_groups) - set(groups)):
            problems.append(f"group /{name} is not in the table")
        for name in sorted(set(found_datasets) - set(datasets)):
            problems.append(f"dataset /{name} is not in the table")
        for entries, found, what in ((groups, found_groups, "group"), (datasets, found_datasets, "dataset")):
            for name, entry in entries.items():
                if holds(entry, conditions) and name not in found:
                    problems.append(f"{what} /{name} is missing (when {entry.get('when', [])} holds)")
                if not holds(entry, conditions) and name in found:
                    problems.append(f"{what} /{name} is present, but its conditions {entry['when']} do not hold")

        # Attributes of the root and of groups.
        for group in ["/"] + sorted(found_groups):
            obj = f if group == "/" else found_groups[group]
            for name in obj.attrs:
                entry = attributes.get((group, name))
                if entry is None:
                    problems.append(f"attribute {name} of {group} is not in the table")
                    continue
                problems += attribute_type_problems(obj, name, entry, f"attribute {name} of {group}")
            for (on, name), entry in attributes.items():
                if on == group and holds(entry, conditions) and name not in obj.attrs:
                    problems.append(f"attribute {name} of {group} is missing (when {entry.get('when', [])} holds)")
                if on == group and not holds(entry, conditions) and name in obj.attrs:
                    problems.append(f"attribute {name} of {group} is present, but its conditions {entry['when']} do not hold")

        for name, ds in sorted(found_datasets.items()):
            if name in datasets:
                own = {n: a for (on, n), a in attributes.items() if on == name}
                problems += dataset_problems(ds, datasets[name], scales, conditions, own, f)
    return problems


def attribute_type_problems(obj, name, entry, what, f=None):
    """Type and shape: a scalar, or one value per element of its dimension (the length of its scale)."""
    attribute = obj.attrs.get_id(name)
    dtype, shape = attribute.dtype, attribute.shape
    problems = []
    if entry["type"] == "string":
        if h5py.check_string_dtype(dtype) is None:
            problems.append(f"{what}: {dtype}, not a string")
    elif dtype != DTYPES[entry["type"]]:
        problems.append(f"{what}: {dtype}, not {entry['type']}")
    dims = entry.get("dims", [])
    if f is not None and dims:
        scales = {d["dims"][0]: d["path"] for kind in ("result", "sweep") for d in TABLE[kind]["dataset"] if d.get("scale")}
        expected = tuple(f[scales[dim]].shape[0] for dim in dims)
    else:
        expected = () if not dims else None
    if expected is not None and shape != expected:
        problems.append(f"{what}: shape {shape}, not {expected} ({dims})")
    return problems


def dataset_problems(ds, entry, scales, conditions, attributes=None, f=None):
    """`attributes`: the table's attributes of this dataset by name, besides its fixed text ones."""
    attributes = attributes or {}
    where = ds.name
    problems = []
    wanted = entry["type"]
    if wanted == "count":
        wanted = "float64" if "ode" in conditions else "int64"
    if wanted == "string":
        info = h5py.check_string_dtype(ds.dtype)
        if info is None or info.length is not None or info.encoding != "utf-8":
            problems.append(f"{where}: {ds.dtype}, not a variable-length UTF-8 string")
    elif ds.dtype != DTYPES[wanted]:
        problems.append(f"{where}: {ds.dtype}, not {wanted}")

    dims = entry["dims"]
    if ds.ndim != len(dims):
        return problems + [f"{where}: rank {ds.ndim}, not {len(dims)} ({dims})"]
    is_scale = text(ds.attrs.get("CLASS", b"")) == "DIMENSION_SCALE"
    if is_scale != bool(entry.get("scale")):
        problems.append(f"{where}: {'a' if is_scale else 'not a'} dimension scale, unlike the table")
    if is_scale:
        name = text(ds.attrs.get("NAME", b""))
        expected = NETCDF_DIMENSION_ONLY if entry.get("no_values") else dims[0]
        if not name.startswith(expected) or (not entry.get("no_values") and name != expected):
            problems.append(f"{where}: dimension scale NAME {name!r}, not {expected!r}")
    else:
        for i, dim in enumerate(dims):
            attached = [s.name for s in ds.dims[i].values()]
            if attached != ["/" + scales[dim]]:
                problems.append(f"{where}: dimension {i} has scales {attached}, not /{scales[dim]} ({dim})")

    allowed = set(entry.get("attributes", {})) | ({"units"} if entry.get("units") else set()) | set(attributes)
    allowed |= SCALE_ATTRIBUTES if is_scale else ({"DIMENSION_LIST"} if dims else set())
    for name in ds.attrs:
        if name not in allowed:
            problems.append(f"{where}: attribute {name} is not in the table")
    for name, a in attributes.items():
        if holds(a, conditions) and name not in ds.attrs:
            problems.append(f"{where}: attribute {name} is missing (when {a.get('when', [])} holds)")
        elif not holds(a, conditions) and name in ds.attrs:
            problems.append(f"{where}: attribute {name} is present, but its conditions {a['when']} do not hold")
        elif name in ds.attrs:
            problems += attribute_type_problems(ds, name, a, f"{where}: attribute {name}", f)
    fixed = dict(entry.get("attributes", {}))
    if entry.get("units"):
        fixed["units"] = entry["units"]
    for name, value in fixed.items():
        if name not in ds.attrs:
            problems.append(f"{where}: attribute {name} is missing")
        elif text(ds.attrs[name]) != value:
            problems.append(f"{where}: attribute {name} = {text(ds.attrs[name])!r}, not {value!r}")
    return problems


def egress(*args, cwd=None):
    proc = subprocess.run([EGRESS, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert proc.returncode == 0, f"egress {' '.join(map(str, args))}: exit {proc.returncode}\n{proc.stderr}"
    return proc


def assert_follows(path, kind, conditions):
    problems = schema_problems(path, kind, conditions)
    assert not problems, f"{path} ({kind}, conditions {sorted(conditions)}) disagrees with {TABLE_PATH.name}:\n  " + \
        "\n  ".join(problems)


# --- generated files and the Python side ---------------------------------------------------

def test_files_generated_from_the_table_are_up_to_date():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts/generate-result-schema.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_python_schema_names_only_what_the_table_has():
    names = {TABLE["result"]["format"], TABLE["sweep"]["format"]}
    for kind in ("result", "sweep"):
        t = TABLE[kind]
        names |= {d["path"] for d in t["dataset"]} | {basename(d["path"]) for d in t["dataset"]}
        names |= {g["path"] for g in t["group"]}
        names |= {a["name"] for a in t["attribute"]} | {d for entry in t["dataset"] for d in entry["dims"]}
    for name, value in vars(schema).items():
        if name.isupper() and isinstance(value, str):
            assert value in names, f"egress_analysis.schema.{name} = {value!r} is not in {TABLE_PATH.name}"
    for tuple_name in ("ROOT_ATTRIBUTES", "VESICLE_VARIABLES"):
        for value in getattr(schema, tuple_name):
            assert value in names or f"vesicles/{value}" in names, f"schema.{tuple_name} names {value!r}"
    for variables, kind in ((schema.VARIABLES, "result"), (schema.SWEEP_VARIABLES, "sweep")):
        table = {d["path"]: d for d in TABLE[kind]["dataset"]}
        assert set(variables) == set(table)
        for path, v in variables.items():
            d = table[path]
            assert (v.dims, v.dtype, v.units or "", v.when) == (tuple(d["dims"]), d["type"], d.get("units", ""),
                                                                 tuple(d.get("when", []))), path
    for attributes, kind in ((schema.ATTRIBUTES, "result"), (schema.SWEEP_ATTRIBUTES, "sweep")):
        table = [(a["name"], a.get("on", "/"), a["type"], a.get("units", ""), tuple(a.get("when", [])),
                  tuple(a.get("dims", []))) for a in TABLE[kind]["attribute"]]
        assert [(a.name, a.on, a.dtype, a.units or "", a.when, a.dims) for a in attributes] == table
    kind = next(d for d in TABLE["result"]["dataset"] if d["path"] == schema.EVENT_KIND)
    assert schema.EVENT_KINDS == tuple(kind["attributes"]["flag_meanings"].split())
    assert (schema.FORMAT, schema.FORMAT_VERSION) == (TABLE["result"]["format"], TABLE["result"]["format_version"])


def test_the_python_package_uses_only_names_the_schema_module_has():
    for module in sorted((ROOT / "analysis/egress_analysis").glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "schema":
                assert hasattr(schema, node.attr), f"{module.name}:{node.lineno}: schema.{node.attr} is not in the schema"


# --- files the program writes ---------------------------------------------------------------

RUNS = {
    # name: (arguments after the parameter file, conditions that hold)
    "ode": (["--method", "ode"], {"ode", "tolerances", "model_file", "cargo"}),
    "ssa": (["--method", "ssa", "--replicates", "3", "--seed", "5"], {"stochastic", "model_file", "cargo"}),
    "ssa_events": (["--method", "ssa", "--replicates", "3", "--seed", "5", "--events", "--threads", "2"],
                   {"stochastic", "events", "model_file", "cargo"}),
    "hybrid_events": (["--method", "hybrid", "--replicates", "2", "--seed", "3", "--events", "--first-replicate", "4"],
                      {"stochastic", "tolerances", "events", "model_file", "cargo"}),
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_run_results_follow_the_table(tmp_path, name):
    args, conditions = RUNS[name]
    egress("run", PARAMS, *args, "-o", tmp_path / "r.h5", "-q")
    assert_follows(tmp_path / "r.h5", "result", conditions)


def test_compressed_results_with_variability_follow_the_table(tmp_path):
    params = (ROOT / "examples/cell_variability.toml").read_text().replace('model = "../models/', f'model = "{ROOT}/models/')
    params = params.replace("[output]\n", "[output]\ncompression = 4\n")
    (tmp_path / "v.toml").write_text(params)
    egress("run", tmp_path / "v.toml", "--replicates", "3", "--events", "-o", tmp_path / "v.h5", "-q")
    with h5py.File(tmp_path / "v.h5") as f:
        assert f["amounts"].compression == "gzip" and f["events/time"].compression == "gzip"
    assert_follows(tmp_path / "v.h5", "result", {"stochastic", "variability", "events", "model_file", "cargo"})


def test_inline_model_without_cargo_follows_the_table(tmp_path):
    (tmp_path / "p.toml").write_text(NO_CARGO)
    egress("run", tmp_path / "p.toml", "--events", "-o", tmp_path / "p.h5", "-q")
    assert_follows(tmp_path / "p.h5", "result", {"stochastic", "events"})


def test_an_interrupted_run_follows_the_table(tmp_path):
    out = tmp_path / "stopped.h5"
    for replicates in (400, 4000, 40000):  # longer until the signal lands mid-run
        command = [EGRESS, "run", str(PARAMS), "--method", "hybrid", "--replicates", str(replicates), "--seed", "77",
                   "--threads", "2", "--events", "-o", str(out), "--quiet"]
        proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=300)
        if proc.returncode == 128 + signal.SIGINT:
            break
        out.unlink(missing_ok=True)
    else:
        pytest.fail("every run finished before the signal")
    kept = pathlib.Path(str(out) + ".interrupted")
    assert_follows(kept, "result", {"stochastic", "tolerances", "events", "model_file", "cargo", "interrupted"})


def test_sweep_files_follow_the_table(tmp_path):
    (tmp_path / "base.toml").write_text(CHAIN)
    (tmp_path / "grid.toml").write_text("""\
base = "base.toml"
[sweep]
design = "grid"
[[sweep.axes]]
parameter = "k"
values = [0.01, 0.05, 0.1]
[[sweep.metrics]]
name = "A_half"
kind = "decay_half_time"
species = "A"
[sweep.outputs]
trajectories = true
""")
    for i in (0, 1):
        egress("sweep", tmp_path / "grid.toml", "-o", tmp_path / "grid", "--shard", i, "--of", 2, "-q")
    egress("merge", tmp_path / "grid", "-o", tmp_path / "grid.h5", "-q")
    for shard in sorted((tmp_path / "grid").glob("shard-*.h5")):
        assert_follows(shard, "sweep", {"shard", "metrics", "trajectories"})
    assert_follows(tmp_path / "grid.h5", "sweep", {"merged", "metrics", "trajectories"})

    # The default model (vesicle routes) on ode, Saltelli blocks of a Sobol design.
    (tmp_path / "sobol.toml").write_text(f"""\
base = "{PARAMS}"
[sweep]
design = "sobol"
samples = 2
saltelli = true
method = "ode"
[[sweep.axes]]
parameter = "k_copii"
min = 0.2
max = 1.0
""")
    egress("sweep", tmp_path / "sobol.toml", "-o", tmp_path / "sobol", "-q")
    egress("merge", tmp_path / "sobol", "-o", tmp_path / "sobol.h5", "-q")
    (shard,) = (tmp_path / "sobol").glob("shard-*.h5")
    assert_follows(shard, "sweep", {"shard", "saltelli", "routes"})
    assert_follows(tmp_path / "sobol.h5", "sweep", {"merged", "saltelli", "routes"})


def test_the_check_finds_what_the_table_lacks(tmp_path):
    """The check itself: a dataset or attribute the writer adds without the table fails it, and
    so do a wrong type, wrong units and a missing dataset."""
    egress("run", PARAMS, "--method", "ssa", "--replicates", "2", "--events", "-o", tmp_path / "good.h5", "-q")
    conditions = {"stochastic", "events", "model_file", "cargo"}
    assert_follows(tmp_path / "good.h5", "result", conditions)
    damages = {
        "new dataset": lambda f: f.create_dataset("vesicles/pool_size", data=np.zeros(3)),
        "new root attribute": lambda f: f.attrs.__setitem__("solver_steps", 7),
        "new dataset attribute": lambda f: f["amounts"].attrs.__setitem__("long_name", "amounts"),
        "wrong units": lambda f: f["time"].attrs.__setitem__("units", "min"),
        "missing dataset": lambda f: f.__delitem__("input/overrides"),
        "wrong type": lambda f: (f.__delitem__("events/vesicle"),
                                 f["events"].create_dataset("vesicle", data=np.zeros(1, dtype=np.int32))),
        "missing dataset attribute": lambda f: f["membrane_area"].attrs.__delitem__("lowest_area"),
        "dataset attribute of the wrong shape": lambda f: f["membrane_area"].attrs.__setitem__(
            "negative_replicates", np.zeros(1, dtype=np.int64)),
        "dataset attribute of the wrong type": lambda f: f["membrane_area"].attrs.__setitem__(
            "lowest_area", np.zeros(f["compartment"].shape[0], dtype=np.float32)),
    }
    for what, damage in damages.items():
        path = tmp_path / f"{what.replace(' ', '_')}.h5"
        shutil.copyfile(tmp_path / "good.h5", path)
        with h5py.File(path, "r+") as f:
            damage(f)
        assert schema_problems(path, "result", conditions), f"the check misses a {what}"
