"""Every example and parameter set in the repository loads (`egress check` exits 0)."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EGRESS = os.environ.get("EGRESS_BIN", str(ROOT / "build/release/bin/egress"))
FILES = sorted((ROOT / "examples").glob("*.toml")) + sorted((ROOT / "params").glob("*.toml"))


def test_there_are_examples():
    assert len(FILES) >= 3


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_loads(path):
    proc = subprocess.run([EGRESS, "check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
