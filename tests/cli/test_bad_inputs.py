"""Every bad input in tests/bad_inputs/cases.toml is rejected with the right exit status, at the right
place, with a useful message, and without leaving an output file behind.

The binary comes from $EGRESS_BIN (default: build/release/bin/egress of this checkout). Each case runs in
a fresh copy of tests/bad_inputs, with that copy as the working directory, so messages show the short
relative paths the table names and nothing a case might write can touch the source tree.
"""
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = ROOT / "tests" / "bad_inputs"
TABLE = CASES_DIR / "cases.toml"
EGRESS = Path(os.environ.get("EGRESS_BIN", ROOT / "build" / "release" / "bin" / "egress"))
TIMEOUT_S = 60


def load_cases():
    with open(TABLE, "rb") as fh:
        return tomllib.load(fh)["case"]


CASES = load_cases()


def case_id(case):
    return case["name"]


def listing(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@pytest.fixture
def workdir(tmp_path):
    work = tmp_path / "bad_inputs"
    shutil.copytree(CASES_DIR, work)
    return work


def require_binary():
    if not EGRESS.is_file():
        pytest.fail(f"egress binary not found at {EGRESS} (build it, or set EGRESS_BIN)")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_bad_input(case, workdir):
    require_binary()
    args = [a.replace("{file}", case["file"]) for a in case.get("cmd", ["check", "{file}"])]
    before = listing(workdir)
    proc = subprocess.run([str(EGRESS), *args], cwd=workdir, capture_output=True, text=True, timeout=TIMEOUT_S,
                          env={**os.environ, "LC_ALL": "C"})
    report = (f"\n$ egress {' '.join(args)}\nexit status {proc.returncode}\n"
              f"--- stderr ---\n{proc.stderr}--- stdout ---\n{proc.stdout}")

    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}" + report
    assert proc.returncode == case["status"], report

    # Warnings may come first; the error is the first line that is not one.
    errors = [line for line in proc.stderr.splitlines() if ": warning: " not in line]
    first = errors[0] if errors else ""
    place = case["place"]
    if place:
        prefix = f"{case.get('place_file', case['file'])}:{place}: error:"
    else:
        prefix = "error:"
    assert first.startswith(prefix), f"expected the first stderr line to start with {prefix!r}" + report
    for fragment in case["fragments"]:
        assert fragment in first, f"expected {fragment!r} in the first stderr line" + report

    after = listing(workdir)
    new = sorted(after - before)
    assert not new, f"files appeared: {new}" + report
    partial = sorted(p for p in after if ".partial-" in p or p.endswith(".h5.partial"))
    assert not partial, f"partial files: {partial}" + report


def test_table_size_and_no_orphans():
    names = [c["name"] for c in CASES]
    assert len(CASES) >= 40, f"only {len(CASES)} cases"
    assert len(names) == len(set(names)), "case names must be unique"
    used = {TABLE.name}
    for c in CASES:
        for key in ("status", "place", "fragments"):
            assert key in c, f"case {c['name']} lacks {key!r}"
        assert c["fragments"], f"case {c['name']} has no fragments"
        if c["place"]:
            line, _, column = c["place"].partition(":")
            assert line.isdigit() and column.isdigit(), f"case {c['name']}: place {c['place']!r} is not LINE:COLUMN"
        used.add(c["file"])
        used.update(c.get("uses", []))
        if "place_file" in c:
            used.add(c["place_file"])
    for name in used - {TABLE.name}:
        # a case may name a file that must not exist (a missing-file case) or '.' (a directory)
        if name.startswith("no_such_"):
            assert not (CASES_DIR / name).exists(), f"{name} must not exist: a case relies on its absence"
        elif name != ".":
            assert (CASES_DIR / name).is_file(), f"the table names {name}, which is not in {CASES_DIR}"
    present = {p.name for p in CASES_DIR.iterdir() if p.is_file()}
    orphans = sorted(present - used)
    assert not orphans, f"files in {CASES_DIR} that no case uses: {orphans}"
    subdirs = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert not subdirs, f"unexpected folders in {CASES_DIR}: {subdirs}"
