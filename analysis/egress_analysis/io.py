"""Reading egress result files into xarray and pandas."""

from __future__ import annotations

import numbers
import os
from typing import Any

import h5py
import pandas as pd
import xarray as xr

from . import schema

# h5netcdf reads the HDF5 dimension scales the writer attaches, so dimensions get their names
# and coordinates without any egress-specific decoding.
_ENGINE = "h5netcdf"


class IncompleteResultError(ValueError):
    """The file is an egress result that was not finished (root attribute ``complete`` != 1)."""


def _plain(value: Any) -> Any:
    # h5py returns bytes for fixed-length string attributes; compare them as text.
    return value.decode() if isinstance(value, bytes) else value


def _check_file(path: str | os.PathLike, require_complete: bool) -> None:
    """Refuse files that are not egress results, or whose layout or completeness we cannot trust.

    The root attributes are read with h5py before xarray sees the file: h5netcdf rejects many
    foreign HDF5 files (datasets without dimension scales) with errors that say nothing about
    what the file is, and a partial file may hold datasets that are not yet fully written.
    """
    name = os.fspath(path)
    try:
        with h5py.File(path, "r") as file:
            attrs = {key: _plain(value) for key, value in file.attrs.items()}
    except OSError as error:
        raise OSError(f"{name}: cannot open as an HDF5 file ({error})") from error
    if attrs.get("format") != schema.FORMAT:
        raise ValueError(f"{name}: not an egress result file (root attribute format={attrs.get('format')!r}, "
                         f"expected {schema.FORMAT!r})")
    version = attrs.get("format_version")
    if not isinstance(version, numbers.Integral) or not schema.OLDEST_FORMAT_VERSION <= version <= schema.FORMAT_VERSION:
        raise ValueError(f"{name}: egress result format version {version!r} is not supported "
                         f"(this reader understands versions {schema.OLDEST_FORMAT_VERSION} to {schema.FORMAT_VERSION})")
    if require_complete and attrs.get(schema.COMPLETE_ATTRIBUTE) != 1:
        raise IncompleteResultError(
            f"{name}: incomplete egress result (root attribute {schema.COMPLETE_ATTRIBUTE}="
            f"{attrs.get(schema.COMPLETE_ATTRIBUTE)!r}); the run that wrote it did not finish")


def open_result(path: str | os.PathLike, *, require_complete: bool = True) -> xr.Dataset:
    """Open a result file as one :class:`xarray.Dataset`.

    The dataset holds the root variables (``amounts`` with dims ``(replicate, time, species)``,
    ``species_compartment``) and the ``vesicles`` group's variables (``budded``, ``fused``,
    ``in_transit`` with dims ``(replicate, time, route)``, and ``cargo_in_transit``), and the
    root attributes (``method``, ``seed``, ...). Data stay on disk until used, so a file with many
    replicates opens quickly; close the dataset (or use it in a ``with`` block) when done.

    Raises :class:`IncompleteResultError` for a file whose run did not finish (pass
    ``require_complete=False`` to look at one anyway) and :class:`ValueError` for a file that is
    not an egress result of a supported format version.
    """
    _check_file(path, require_complete)
    root = xr.open_dataset(path, engine=_ENGINE)
    try:
        vesicles = xr.open_dataset(path, engine=_ENGINE, group=schema.VESICLES_GROUP)
    except BaseException:
        root.close()
        raise
    try:
        # The group's variables share the root's dimension scales but not its coordinates, so
        # merging gives them the root's time/replicate/species labels. Root attributes win.
        merged = xr.merge([root, vesicles[list(schema.VESICLE_VARIABLES)]], combine_attrs="override",
                          join="exact")
    except BaseException:
        root.close()
        vesicles.close()
        raise

    # A merged dataset has no file of its own; closing it must close both lazy file handles.
    def close() -> None:
        vesicles.close()
        root.close()

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
