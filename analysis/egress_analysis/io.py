"""Reading egress result files (runs and sweeps) into xarray and pandas.

Every reader checks the root attributes first (format, format version, completeness) with h5py,
so a file of another kind or another format version fails with a message that says so, and never
with a KeyError from deep inside xarray.
"""

from __future__ import annotations

import bisect
import numbers
import os
import tomllib
from collections.abc import Iterable, Sequence
from typing import Any

import h5py
import numpy as np
import pandas as pd
import xarray as xr

from . import schema

# h5netcdf reads the HDF5 dimension scales the writer attaches, so dimensions get their names
# and coordinates without any egress-specific decoding.
_ENGINE = "h5netcdf"

#: Files larger than this are opened without xarray's in-memory cache (``cache=None``), so that
#: reading a variable once does not keep it in memory: such files are meant to be read in blocks.
CACHE_LIMIT_BYTES = 1 << 30


class UnsupportedFormatError(ValueError):
    """The file is not an egress file of a kind and format version this reader understands."""


class IncompleteResultError(ValueError):
    """The file is an egress result that was not finished (root attribute ``complete`` != 1)."""


def _plain(value: Any) -> Any:
    # h5py returns bytes for fixed-length string attributes; compare them as text.
    return value.decode() if isinstance(value, bytes) else value


def _text(values: Iterable[Any]) -> list[str]:
    return [_plain(v) if isinstance(v, bytes) else str(v) for v in values]


def _root_attributes(path: str | os.PathLike) -> dict[str, Any]:
    try:
        with h5py.File(path, "r") as file:
            return {key: _plain(value) for key, value in file.attrs.items()}
    except OSError as error:
        raise OSError(f"{os.fspath(path)}: cannot open as an HDF5 file ({error})") from error


def _check_file(path: str | os.PathLike, require_complete: bool, *, kind: str = "run") -> dict[str, Any]:
    """Refuse files that are not egress files of ``kind`` ("run" or "sweep"), or whose layout or
    completeness we cannot trust; return the root attributes.

    The root attributes are read with h5py before xarray sees the file: h5netcdf rejects many
    foreign HDF5 files (datasets without dimension scales) with errors that say nothing about
    what the file is, and a partial file may hold datasets that are not yet fully written.
    """
    name = os.fspath(path)
    attrs = _root_attributes(path)
    if kind == "run":
        expected, oldest, newest, what = schema.FORMAT, schema.OLDEST_FORMAT_VERSION, schema.FORMAT_VERSION, "result"
        other = {schema.SWEEP_FORMAT: "a sweep file: open it with egress_analysis.open_sweep"}
    else:
        expected, oldest, newest, what = (schema.SWEEP_FORMAT, schema.OLDEST_SWEEP_FORMAT_VERSION,
                                          schema.SWEEP_FORMAT_VERSION, "sweep")
        other = {schema.FORMAT: "a run result: open it with egress_analysis.open_result"}
    found = attrs.get("format")
    if found != expected:
        hint = f" ({other[found]})" if found in other else ""
        raise UnsupportedFormatError(f"{name}: not an egress {what} file (root attribute format={found!r}, "
                                     f"expected {expected!r}){hint}")
    version = attrs.get("format_version")
    if isinstance(version, np.integer):
        version = int(version)
    if not isinstance(version, numbers.Integral) or not oldest <= version <= newest:
        if isinstance(version, numbers.Integral) and version > newest:
            advice = "it was written by a newer egress; update egress_analysis"
        elif isinstance(version, numbers.Integral):
            advice = "it was written by an older egress than this reader supports"
        else:
            advice = "the attribute is missing or not an integer"
        raise UnsupportedFormatError(
            f"{name}: egress {what} format version {version!r} is not supported (this reader understands "
            f"versions {oldest} to {newest}; {advice})")
    if require_complete and attrs.get(schema.COMPLETE_ATTRIBUTE) != 1:
        raise IncompleteResultError(
            f"{name}: incomplete egress {what} (root attribute {schema.COMPLETE_ATTRIBUTE}="
            f"{attrs.get(schema.COMPLETE_ATTRIBUTE)!r}); the program that wrote it did not finish")
    return attrs


def _use_cache(path: str | os.PathLike, cache: bool | None) -> bool:
    return os.path.getsize(path) <= CACHE_LIMIT_BYTES if cache is None else cache


def _resolved_input(path: str | os.PathLike) -> dict[str, Any]:
    """The run's resolved parameter file (model inline), parsed; {} when the file has none."""
    with h5py.File(path, "r") as file:
        if schema.INPUT_RESOLVED not in file:
            return {}
        text = file[schema.INPUT_RESOLVED][()]
    try:
        return tomllib.loads(_plain(text))
    except tomllib.TOMLDecodeError:
        return {}


def _perturbations(resolved: dict[str, Any]) -> xr.Dataset:
    """The perturbations of the resolved input as variables along the dimension ``perturbation``."""
    rows = resolved.get("perturbations", [])
    nan = float("nan")
    columns = {
        "perturbation_name": [str(r.get("name", f"perturbation {i}")) for i, r in enumerate(rows)],
        "perturbation_target": [str(r.get("target", "")) for r in rows],
        "perturbation_scale": [float(r.get("scale", nan)) for r in rows],
        "perturbation_value": [float(r.get("value", nan)) for r in rows],
        "perturbation_start": [float(r.get("start", nan)) for r in rows],
        "perturbation_end": [float(r.get("end", nan)) for r in rows],
    }
    units = {"perturbation_start": "s", "perturbation_end": "s"}
    variables = {}
    for key, values in columns.items():
        dtype = object if key in ("perturbation_name", "perturbation_target") else np.float64
        variables[key] = xr.Variable(("perturbation",), np.array(values, dtype=dtype),
                                     attrs={"units": units[key]} if key in units else {})
    return xr.Dataset(variables)


def _acceptor(target: Any) -> str:
    """A route's cargo pair names its acceptor as a string, or as ``{ to = ..., capture = ... }``
    when the pair has its own capture probability (docs/contract.md)."""
    return str(target["to"]) if isinstance(target, dict) else str(target)


def _present_species(ds: xr.Dataset, species: list[str]) -> set[str] | None:
    """Species that the first replicate ever holds (as amount or as cargo in transit): the cargo
    of the run. One replicate only, so that a large file is not read whole; None when there is
    none (then every species counts)."""
    if ds.sizes.get(schema.REPLICATE_DIM, 0) == 0 or ds.sizes.get(schema.TIME_DIM, 0) == 0 or not species:
        return None
    held = np.abs(ds["amounts"].isel({schema.REPLICATE_DIM: 0}).values).max(axis=0)
    if "cargo_in_transit" in ds:
        held = held + np.abs(ds["cargo_in_transit"].isel({schema.REPLICATE_DIM: 0}).values).max(axis=0)
    present = {s for s, h in zip(species, held) if h > 0}
    return present or None


def _species_steps(model: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(donor, acceptor, by vesicle) for every cargo pair of every vesicle route, then (reactant,
    product, False) for every reaction with one reactant and one product."""
    steps = []
    for route in model.get("vesicles", []):
        for donor, target in route.get("cargo", {}).items():
            steps.append((str(donor), _acceptor(target), True))
    for reaction in model.get("reactions", []):
        left, _, right = str(reaction.get("equation", "")).partition("->")
        reactants = [w for w in left.replace("+", " ").split() if not w.replace(".", "").isdigit()]
        products = [w for w in right.replace("+", " ").split() if not w.replace(".", "").isdigit()]
        if len(reactants) == 1 and len(products) == 1:
            steps.append((reactants[0], products[0], False))
    return steps


def _reachable_species(model: dict[str, Any], start: set[str]) -> set[str]:
    """``start`` and every species its molecules can reach through routes and reactions."""
    steps = _species_steps(model)
    reached, frontier = set(start), list(start)
    while frontier:
        s = frontier.pop()
        for a, b, _ in steps:
            if a == s and b not in reached:
                reached.add(b)
                frontier.append(b)
    return reached


def cargo_pathway(resolved: dict[str, Any], species_compartment: dict[str, str],
                  compartments: Sequence[str], present: set[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """The order in which cargo passes the compartments, and the donor compartment of each
    species that vesicles deliver.

    Edges run from a donor species' compartment to its acceptor's, for every cargo pair of every
    vesicle route and every reaction with one reactant and one product in different compartments.
    The compartments holding species are then ordered topologically (ties in file order), and the
    pathway is the longest chain of edges through them (ties: the first in that order): the main
    route of cargo. Side branches off it (a degradation sink such as the default model's
    ``cytosol``, which ERAD feeds) are not on the pathway, so its last compartment is where cargo
    ends up when it is secreted; ``open_result`` lists them in ``attrs["side_compartments"]``.
    Compartments that no edge reaches follow the chain in file order.

    ``present``, when given, limits the edges to donor species (reactants) of the cargo the run
    holds and the species it can reach (so a route the cargo has not finished yet stays whole):
    a model with several cargoes (the standard model's soluble cargo goes to the
    extracellular space, its membrane cargo to the lysosome) has the pathway of the one that is
    there. When both are, the longer chain wins; select species in the kinetics functions.
    """
    model = resolved.get("model", {}) if isinstance(resolved.get("model"), dict) else {}
    if present is not None:
        # Where the cargo held can go, not only where it has been: a short run whose cargo has not
        # reached the end of its route yet keeps the whole route on its pathway.
        present = _reachable_species(model, present)
    edges: set[tuple[str, str]] = set()
    donor_of: dict[str, str] = {}
    for donor, acceptor, by_vesicle in _species_steps(model):
        if (present is not None and donor not in present) or donor not in species_compartment \
                or acceptor not in species_compartment:
            continue
        a, b = species_compartment[donor], species_compartment[acceptor]
        if by_vesicle:
            edges.add((a, b))
            donor_of.setdefault(acceptor, a)
        elif a != b:
            edges.add((a, b))
    held = {c for sp, c in species_compartment.items() if present is None or sp in present}
    occupied = [c for c in compartments if c in held]
    edges = {(a, b) for a, b in edges if a in occupied and b in occupied}
    incoming = {c: {a for a, b in edges if b == c} for c in occupied}
    order: list[str] = []
    linked = {c for e in edges for c in e}
    remaining = [c for c in occupied if c in linked]
    while remaining:
        ready = [c for c in remaining if not (incoming[c] - set(order))]
        chosen = ready[0] if ready else remaining[0]  # a cycle: break it in file order
        order.append(chosen)
        remaining.remove(chosen)
    # The longest chain in topological order: length and predecessor of each compartment.
    length = {c: 0 for c in order}
    before: dict[str, str | None] = {c: None for c in order}
    for c in order:
        for a, b in sorted(edges, key=lambda e: (order.index(e[0]), order.index(e[1]))):
            if a == c and length[c] + 1 > length[b] and order.index(b) > order.index(c):
                length[b], before[b] = length[c] + 1, c
    chain: list[str] = []
    if order:
        end = max(order, key=lambda c: (length[c], -order.index(c)))
        while end is not None:
            chain.insert(0, end)
            end = before[end]
    return chain + [c for c in occupied if c not in linked], donor_of


def open_result(path: str | os.PathLike, *, require_complete: bool = True, cache: bool | None = None) -> xr.Dataset:
    """Open a run's result file as one :class:`xarray.Dataset`.

    Dimensions ``replicate``, ``time`` (s), ``species``, ``compartment``, ``route``, ``parameter``
    and ``perturbation``. Variables: ``amounts`` (replicate, time, species; molecules),
    ``species_compartment``, ``membrane_area`` (um^2); the ``vesicles`` group's ``budded``,
    ``fused``, ``in_transit`` (replicate, time, route; vesicles) and ``cargo_in_transit``
    (replicate, time, species; molecules, by acceptor species); the parameters as run
    (``parameter_value``, ``parameter_units``, ``parameter_source`` and, with cell-to-cell
    variability, ``cell_value`` [replicate, parameter]); the perturbations (``perturbation_name``,
    ``_target``, ``_scale``, ``_value``, ``_start``, ``_end``; NaN where not given). Attributes:
    the file's root attributes, ``path``, and ``pathway``, the compartments in the order cargo
    passes them (see :func:`cargo_pathway`).

    Data stay on disk until used. Files over :data:`CACHE_LIMIT_BYTES` are opened without
    xarray's cache (``cache=None``; pass True or False to choose), so a variable read once is not
    kept in memory; the functions of :mod:`egress_analysis.kinetics` read such files in blocks.
    Close the dataset (or use it in a ``with`` block) when done.

    Raises :class:`IncompleteResultError` for a file whose run did not finish (pass
    ``require_complete=False`` to look at one anyway) and :class:`UnsupportedFormatError` (a
    ``ValueError``) for a file that is not an egress result of a supported format version.
    """
    attrs = _check_file(path, require_complete)
    use_cache = _use_cache(path, cache)
    opened: list[xr.Dataset] = []
    try:
        root = xr.open_dataset(path, engine=_ENGINE, cache=use_cache)
        opened.append(root)
        vesicles = xr.open_dataset(path, engine=_ENGINE, group=schema.VESICLES_GROUP, cache=use_cache)
        opened.append(vesicles)
        parts = [root, vesicles[list(schema.VESICLE_VARIABLES)]]
        with h5py.File(path, "r") as file:
            has_parameters = schema.PARAMETERS_GROUP in file
        if has_parameters:
            group = xr.open_dataset(path, engine=_ENGINE, group=schema.PARAMETERS_GROUP, cache=use_cache)
            opened.append(group)
            renamed = {name: f"parameter_{name}" for name in ("value", "units", "source", "distribution", "cv")
                       if name in group}
            parts.append(group.rename(renamed))
        resolved = _resolved_input(path)
        parts.append(_perturbations(resolved))
        # The groups' variables share the root's dimension scales but not its coordinates, so
        # merging gives them the root's time/replicate/species labels. Root attributes win.
        merged = xr.merge(parts, combine_attrs="override", join="exact")
    except BaseException:
        for part in opened:
            part.close()
        raise

    merged.attrs = dict(attrs)
    merged.attrs["path"] = os.fspath(path)
    species = _text(merged[schema.SPECIES_DIM].values)
    compartments = _text(merged[schema.COMPARTMENT_DIM].values) if schema.COMPARTMENT_DIM in merged.coords else []
    species_compartment = dict(zip(species, _text(merged[schema.SPECIES_COMPARTMENT].values)))
    pathway, donor_of = cargo_pathway(resolved, species_compartment, compartments, _present_species(merged, species))
    merged.attrs["pathway"] = pathway
    merged.attrs["side_compartments"] = [c for c in compartments if c in set(species_compartment.values()) and c not in pathway]
    # The compartment each acceptor species' cargo in transit left (kinetics needs it to tell
    # cargo that has left a compartment from cargo that has not reached it).
    merged.attrs["transit_donor"] = [donor_of.get(s, "") for s in species]

    # A merged dataset has no file of its own; closing it must close every lazy file handle.
    def close() -> None:
        for part in reversed(opened):
            part.close()

    merged.set_close(close)
    return merged


def parameters(path: str | os.PathLike, *, require_complete: bool = True) -> pd.DataFrame:
    """The model parameters a run used (after overrides and ``--set``).

    Returns a DataFrame indexed by ``parameter`` with columns ``value`` (float), ``units`` and
    ``source`` (str); a file with cell-to-cell variability adds ``distribution`` (str) and ``cv``
    (float). Each replicate's drawn values are :func:`cell_values`. Raises like :func:`open_result`.
    """
    _check_file(path, require_complete)
    with xr.open_dataset(path, engine=_ENGINE, group=schema.PARAMETERS_GROUP) as group:
        # Only the variables over `parameter` alone: /parameters/cell_value is [replicate, parameter].
        columns = [name for name, variable in group.data_vars.items() if variable.dims == (schema.PARAMETER_DIM,)]
        frame = group[columns].to_dataframe()
    frame.index = frame.index.astype(str)
    frame.index.name = schema.PARAMETER_DIM
    types = {"value": "float64", "units": str, "source": str}
    if schema.PARAMETER_DISTRIBUTION_NAME in frame and schema.PARAMETER_CV_NAME in frame:
        types.update({schema.PARAMETER_DISTRIBUTION_NAME: str, schema.PARAMETER_CV_NAME: "float64"})
    frame = frame[list(types)].astype(types)
    return frame


def cell_values(path: str | os.PathLike, *, require_complete: bool = True) -> pd.DataFrame:
    """Each replicate's (cell's) parameter values, drawn for cell-to-cell variability.

    Returns a DataFrame indexed by ``replicate`` with one float column per parameter (the
    parameters that do not vary hold their ``value``). Raises :class:`ValueError` for a file
    without variability, and otherwise like :func:`open_result`.
    """
    _check_file(path, require_complete)
    with h5py.File(path, "r") as file:
        has_cells = schema.PARAMETER_CELL_VALUES in file
    if not has_cells:
        raise ValueError(f"{os.fspath(path)}: no cell-to-cell variability (no /{schema.PARAMETER_CELL_VALUES})")
    with xr.open_dataset(path, engine=_ENGINE, group=schema.PARAMETERS_GROUP) as group:
        cells = group[schema.PARAMETER_CELL_VALUE_NAME].load()
    with xr.open_dataset(path, engine=_ENGINE) as root:
        replicates = root[schema.REPLICATE].values
    frame = pd.DataFrame(cells.values, index=pd.Index(replicates, name=schema.REPLICATE_DIM),
                         columns=pd.Index([str(p) for p in cells[schema.PARAMETER_DIM].values], name=schema.PARAMETER_DIM))
    return frame


def perturbations(path: str | os.PathLike, *, require_complete: bool = True) -> pd.DataFrame:
    """The run's perturbations, one row each: name, target, scale, value, start, end (s).

    Read from the resolved input stored in the file (``/input/resolved``); NaN where a field was
    not given (a perturbation has a scale or a value).
    """
    _check_file(path, require_complete)
    frame = _perturbations(_resolved_input(path)).to_dataframe()
    frame.columns = [c.removeprefix("perturbation_") for c in frame.columns]
    return frame.reset_index(drop=True)


def _sorted_bound(column: h5py.Dataset, value: int, side: str) -> int:
    """Binary search in a sorted on-disk column, reading one element per step (O(log n) reads)."""
    class _View:
        def __len__(self) -> int:
            return column.shape[0]

        def __getitem__(self, i: int) -> int:
            return int(column[i])

    search = bisect.bisect_left if side == "left" else bisect.bisect_right
    return search(_View(), value)


def has_events(path: str | os.PathLike) -> bool:
    """Whether a result file holds the vesicle event log (stochastic runs with ``--events``)."""
    with h5py.File(path, "r") as file:
        return isinstance(file.get(schema.EVENTS_GROUP), h5py.Group) and schema.EVENT_TIME in file


def events(path: str | os.PathLike, *, replicates: int | Sequence[int] | None = None,
           require_complete: bool = True) -> pd.DataFrame:
    """The vesicle event log as a :class:`pandas.DataFrame`, one row per bud or fusion.

    Columns: ``replicate``, ``time`` (s), ``route`` (categorical, the route's name), ``kind``
    (categorical ``bud`` / ``fuse``), ``vesicle`` (id, unique within a replicate), ``load`` (the
    vesicle's cargo, molecules, summed over species) and ``load_<species>`` for each species some
    route delivers. Rows are ordered by replicate, then time.

    ``replicates`` reads only those replicates: the log is sorted by replicate, so their rows are
    found by binary search and nothing else is read (a log of 10,000 cells does not fit in
    memory; read it a few replicates at a time). ``frame.attrs`` holds ``t_end`` (s),
    ``replicates`` (the replicates asked for, including those without events), ``routes``, and
    ``path``. Raises ``ValueError`` when the file has no event log (run with ``--events``), and
    like :func:`open_result` for a file of another kind or format version.
    """
    attrs = _check_file(path, require_complete)
    name = os.fspath(path)
    with h5py.File(path, "r") as file:
        if not has_events(path):
            raise ValueError(f"{name}: no vesicle event log (/events): only ssa and hybrid runs with "
                             "--events (or [output] events = true) write one")
        routes = _text(file[schema.ROUTE][()])
        all_replicates = [int(r) for r in file[schema.REPLICATE][()]]
        column = file[schema.EVENT_REPLICATE]
        if replicates is None:
            wanted = all_replicates
            ranges = [(0, column.shape[0])]
        else:
            wanted = [int(replicates)] if isinstance(replicates, numbers.Integral) else [int(r) for r in replicates]
            unknown = sorted(set(wanted) - set(all_replicates))
            if unknown:
                raise ValueError(f"{name}: no replicate(s) {unknown} (the file holds {all_replicates[0]}.."
                                 f"{all_replicates[-1]})" if all_replicates else f"{name}: the file holds no replicates")
            ranges = [(_sorted_bound(column, r, "left"), _sorted_bound(column, r, "right")) for r in sorted(set(wanted))]
        if attrs["format_version"] >= schema.EVENT_CARGO_SINCE_VERSION:
            # Absent when no route carries cargo (membrane-only routes, or none at all): no load columns.
            cargo = _text(file[schema.EVENT_CARGO][()]) if schema.EVENT_CARGO in file else []
            cargo_columns = list(range(len(cargo)))
        else:
            # Version 1: the load is over every species. Keep the columns of the species some
            # route delivers, in /species order: what version 2 lists in /events/cargo.
            species = _text(file[schema.SPECIES][()])
            model = _resolved_input(path).get("model", {})
            acceptors = {_acceptor(a) for route in model.get("vesicles", []) for a in route.get("cargo", {}).values()}
            cargo_columns = [i for i, s in enumerate(species) if s in acceptors] if acceptors else list(range(len(species)))
            cargo = [species[i] for i in cargo_columns]

        def read(dataset: str) -> np.ndarray:
            data = file[dataset]
            return np.concatenate([data[a:b] for a, b in ranges]) if ranges else data[0:0]

        frame = pd.DataFrame({
            "replicate": read(schema.EVENT_REPLICATE).astype(np.int64),
            "time": read(schema.EVENT_TIME).astype(np.float64),
            "route": pd.Categorical.from_codes(read(schema.EVENT_ROUTE).astype(np.int64), categories=routes),
            "kind": pd.Categorical.from_codes(read(schema.EVENT_KIND).astype(np.int64),
                                              categories=list(schema.EVENT_KINDS)),
            "vesicle": read(schema.EVENT_VESICLE).astype(np.int64),
        })
        if cargo_columns:
            load = read(schema.EVENT_LOAD)
            load = load.reshape(len(frame), -1)[:, cargo_columns] if len(frame) else np.zeros((0, len(cargo)))
        else:
            load = np.zeros((len(frame), 0))
        frame["load"] = load.sum(axis=1)
        for i, species_name in enumerate(cargo):
            frame[f"load_{species_name}"] = load[:, i]
    frame.attrs.update({"t_end": float(attrs.get("t_end", np.nan)), "replicates": sorted(set(wanted)),
                        "routes": routes, "path": name})
    return frame


def open_sweep(path: str | os.PathLike, *, require_complete: bool = True, cache: bool | None = None) -> xr.Dataset:
    """Open a merged sweep file (or one shard) as a :class:`xarray.Dataset` indexed by ``point``.

    Variables as in docs/sweeps.md (``final_amounts`` [point, replicate, species],
    ``metric_values`` [point, replicate, metric], ``budded_total``, ``fused_total``,
    ``peak_in_transit`` [point, replicate, route], ``point_values`` [point, axis], ...). Each
    axis's values are also a coordinate along ``point``, named by the axis label (``k_copii``,
    ``cargo_ER.initial``, ``Sec23A loss.scale``), so ``ds.sel(point=ds.k_copii > 0.3)`` and
    ``ds.metric_values.groupby("k_copii")`` work; with Saltelli blocks, ``saltelli_block`` and
    ``saltelli_row`` are coordinates too. ``point_error`` is a coordinate and the boolean
    coordinate ``failed`` marks points whose run failed (their values are NaN).

    Raises :class:`UnsupportedFormatError` for a file that is not an egress sweep of a supported
    format version and :class:`IncompleteResultError` for an unfinished one.
    """
    attrs = _check_file(path, require_complete, kind="sweep")
    ds = xr.open_dataset(path, engine=_ENGINE, cache=_use_cache(path, cache))
    try:
        axes = _text(ds[schema.AXIS_DIM].values)
        values = ds[schema.SWEEP_POINT_VALUES].values
        # An axis label that is already a name in the file gets the prefix "axis:".
        coords = {(f"axis:{axis}" if axis in ds.variables or axis in ds.dims else axis): (schema.POINT_DIM, values[:, i])
                  for i, axis in enumerate(axes)}
        for name in (schema.SWEEP_SALTELLI_BLOCK, schema.SWEEP_SALTELLI_ROW):
            if name in ds:
                coords[name] = (schema.POINT_DIM, ds[name].values.astype(np.int64))
        errors = _text(ds[schema.SWEEP_POINT_ERROR].values) if schema.SWEEP_POINT_ERROR in ds else []
        ds = ds.drop_vars([n for n in (schema.SWEEP_SALTELLI_BLOCK, schema.SWEEP_SALTELLI_ROW, schema.SWEEP_POINT_ERROR)
                           if n in ds])
        ds = ds.assign_coords(coords)
        if errors:
            ds = ds.assign_coords(point_error=(schema.POINT_DIM, np.array(errors, dtype=object)),
                                  failed=(schema.POINT_DIM, np.array([e != "" for e in errors])))
    except BaseException:
        ds.close()
        raise
    ds.attrs = dict(attrs)
    ds.attrs["path"] = os.fspath(path)
    ds.attrs["axes"] = axes
    return ds


def open_any(path: str | os.PathLike, **options) -> tuple[str, xr.Dataset]:
    """Open a run result or a sweep file, whichever it is: returns ("run" or "sweep", dataset)."""
    kind = "sweep" if _root_attributes(path).get("format") == schema.SWEEP_FORMAT else "run"
    return kind, (open_sweep(path, **options) if kind == "sweep" else open_result(path, **options))
