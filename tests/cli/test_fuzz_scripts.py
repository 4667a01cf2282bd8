"""The fuzz run CI makes is deterministic (issue 15, bug 8): scripts/fuzz-smoke.sh fixes the seed
and the number of runs, replays the corpus in a fixed order, and uses nothing that depends on the
clock; open-ended fuzzing is a separate command that the tests never call. A static check of the
scripts: running them needs the clang fuzz build, which the test suite does not build.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"


def fuzzer_invocations(text):
    """The libFuzzer command lines of a script (those that pass -artifact_prefix), joined over '\\'."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line for line in joined.splitlines() if "-artifact_prefix" in line]


def test_ci_smoke_run_is_deterministic():
    text = (SCRIPTS / "fuzz-smoke.sh").read_text()
    runs = fuzzer_invocations(text)
    assert runs, "fuzz-smoke.sh runs no fuzzer"
    for line in runs:
        for flag in ("-seed=", "-runs=", "-reload=0", "-seed_inputs="):
            assert flag in line, f"fuzz-smoke.sh: {flag} missing from {line.strip()}"
        for flag in ("-max_total_time", "-fork", "-jobs", "-workers"):
            assert flag not in line, f"fuzz-smoke.sh: {flag} makes the run depend on time: {line.strip()}"
        assert "no_aslr" in line, "fuzz-smoke.sh: the fuzzer runs with address-space randomisation"
    assert "setarch -R" in (SCRIPTS / "fuzz-common.sh").read_text()


def test_ci_calls_the_smoke_run_not_open_ended_fuzzing():
    text = (SCRIPTS / "test-all.sh").read_text()
    calls = [line for line in text.splitlines() if "fuzz-" in line and not line.lstrip().startswith(("#", "echo"))]
    assert calls == ["bash scripts/fuzz-smoke.sh"], calls
    explore = (SCRIPTS / "fuzz-explore.sh").read_text()
    assert "-max_total_time" in explore, "open-ended fuzzing lives in fuzz-explore.sh"
