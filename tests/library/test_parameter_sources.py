"""Every value in the model library carries its units and its source (issue 11).

Reads every TOML file under params/ (parameter sets and params/scenarios/) and models/: each
[parameters] entry must be a table with a non-empty `units` and a non-empty `source`; each
[[perturbations]] entry (a scenario or a stimulus) must have a non-empty `source` (its units are
those of the parameter it targets). A source that is not a citation must say so: it starts with
"assumption" or "assumed", or names where the value comes from. No statistics: a pure check of
the files.
"""
from __future__ import annotations

import pathlib
import re
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES = sorted(ROOT.glob("params/**/*.toml")) + sorted(ROOT.glob("models/*.toml"))


def parameter_tables(doc: dict) -> dict:
    """[parameters] of a parameter file, or of a model file, or of an inline [model]."""
    tables = dict(doc.get("parameters", {}))
    if isinstance(doc.get("model"), dict):
        tables.update(doc["model"].get("parameters", {}))
    return tables


def test_the_library_is_there():
    names = {p.relative_to(ROOT).as_posix() for p in FILES}
    for expected in ("params/vsvg_ts045.toml", "params/albumin_hepatocyte.toml", "params/cftr_wt.toml",
                     "params/cftr_df508.toml", "params/aat_m.toml", "params/aat_z.toml",
                     "params/insulin_beta_cell.toml", "models/secretory_core.toml"):
        assert expected in names


def missing(doc: dict) -> list[str]:
    """What lacks units or a source in one file."""
    problems = []
    for name, entry in parameter_tables(doc).items():
        if not isinstance(entry, dict):
            problems.append(f"{name}: a bare number, without units and source")
            continue
        for key in ("units", "source"):
            if not str(entry.get(key, "")).strip():
                problems.append(f"{name}: no {key}")
    for i, p in enumerate(doc.get("perturbations", [])):
        if not str(p.get("source", "")).strip():
            problems.append(f"perturbations[{i}] ({p.get('name', p.get('target'))}): no source")
    return problems


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_value_has_units_and_a_source(path):
    problems = missing(tomllib.loads(path.read_text()))
    assert not problems, f"{path.relative_to(ROOT)}: " + "; ".join(problems)


def test_the_check_can_fail():
    """A bare number, a value without a source, one without units, and a perturbation without a
    source are each caught."""
    doc = tomllib.loads('[parameters]\na = 1.0\nb = { value = 1.0, units = "1/s" }\n'
                        'c = { value = 1.0, source = "x" }\n[[perturbations]]\ntarget = "a"\nscale = 0.5\n')
    assert len(missing(doc)) == 4


@pytest.mark.parametrize("path", [p for p in FILES if p.parts[-2] == "params"], ids=lambda p: p.name)
def test_assumptions_are_marked(path):
    """A source without a citation-like mark (a year, a doi, a database record, "derived",
    "assum...") is not a source."""
    doc = tomllib.loads(path.read_text())
    for name, entry in parameter_tables(doc).items():
        source = entry["source"]
        assert re.search(r"assum|derived|\b(19|20)\d\d\b|doi|BioNumbers|PMC|PMID|scilit|Reactome|arbitrary|pulse-chase", source), \
            f"{path.name}: {name}: source {source!r} neither cites nor says it is an assumption"
