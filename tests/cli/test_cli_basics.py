"""The command line's basic promises: --version, --help, usage errors, a valid check, and a run whose
output cannot be written (exit 1, the path named, no file left behind)."""
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EGRESS = Path(os.environ.get("EGRESS_BIN", ROOT / "build" / "release" / "bin" / "egress"))
TIMEOUT_S = 120


def egress(*args, cwd=None):
    if not EGRESS.is_file():
        pytest.fail(f"egress binary not found at {EGRESS} (build it, or set EGRESS_BIN)")
    proc = subprocess.run([str(EGRESS), *args], cwd=cwd or ROOT, capture_output=True, text=True,
                          timeout=TIMEOUT_S, env={**os.environ, "LC_ALL": "C"})
    assert proc.returncode >= 0, f"egress {' '.join(args)} was killed by signal {-proc.returncode}"
    return proc


def project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    m = re.search(r"project\(\s*egress\s+VERSION\s+(\d+\.\d+\.\d+)", text)
    assert m, "no 'project(egress VERSION x.y.z' in CMakeLists.txt"
    return m.group(1)


def test_version():
    proc = egress("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"egress {project_version()}"


def test_help():
    proc = egress("--help")
    assert proc.returncode == 0, proc.stderr
    for sub in ("run", "check", "info"):
        assert re.search(rf"\b{sub}\b", proc.stdout), f"--help does not mention '{sub}':\n{proc.stdout}"


def test_no_subcommand_is_a_usage_error():
    proc = egress()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("error:"), proc.stderr


def test_unknown_subcommand_is_a_usage_error():
    proc = egress("simulate", "params/default.toml")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("error:"), proc.stderr


def test_check_default_params():
    proc = egress("check", "params/default.toml")
    assert proc.returncode == 0, proc.stderr
    assert "OK" in proc.stdout


def test_run_unwritable_output(tmp_path):
    target = "/proc/nonexistent/x.h5"
    before = set(tmp_path.rglob("*"))
    proc = egress("run", str(ROOT / "params" / "default.toml"), "-o", target, "--quiet", cwd=tmp_path)
    assert proc.returncode == 1, f"exit {proc.returncode}\n{proc.stderr}"
    first = proc.stderr.splitlines()[0] if proc.stderr else ""
    assert first.startswith("error:"), proc.stderr
    assert "/proc/nonexistent" in first, f"the message does not name the path:\n{proc.stderr}"
    assert not Path(target).exists()
    assert not Path("/proc/nonexistent").exists()
    assert set(tmp_path.rglob("*")) == before, "the failed run left files in its working directory"
    leftovers = sorted(p.name for p in (ROOT / "params").iterdir() if ".partial-" in p.name)
    assert not leftovers, f"files next to the parameter file: {leftovers}"


def test_a_model_with_nothing_that_changes_runs_constant_in_every_method(tmp_path):
    """A model of species and constants only (SBML has many: initial assignments and nothing
    else) is valid: every method returns its initial amounts at every sample, with one warning
    that says why (not one per species)."""
    import h5py
    (tmp_path / "still.toml").write_text(
        '[simulation]\nt_end = 100.0\noutput_interval = 10.0\n[model]\nname = "still"\n'
        '[model.compartments]\nER = {}\n[model.species]\na = { compartment = "ER", initial = 100 }\n'
        'b = { compartment = "ER", initial = 7 }\n')
    for method in ("ode", "ssa", "hybrid"):
        out = tmp_path / f"{method}.h5"
        proc = egress("run", str(tmp_path / "still.toml"), "--method", method, "--replicates", "3", "-o", str(out), "-q")
        assert proc.returncode == 0, proc.stderr
        warnings = [line for line in proc.stderr.splitlines() if ": warning: " in line]
        assert warnings == [f"{tmp_path / 'still.toml'}: warning: the model has no reactions, no vesicle routes, no events "
                            "and no rules: every amount stays at its initial value"], proc.stderr
        with h5py.File(out) as h:
            amounts = h["amounts"][...]
        assert amounts.shape == (3, 11, 2)
        assert (amounts[:, :, 0] == 100).all() and (amounts[:, :, 1] == 7).all()
