"""Crash safety: killing a run never leaves a file that claims to be complete; SIGINT/SIGTERM keep
what finished, marked incomplete; a rerun gives the uninterrupted result; a full disk is an error.

Kill moments come from a seeded generator (random.Random(2026)), so the test is repeatable; the
property checked holds at every moment, so the test has no false-failure rate.
"""
import os
import pathlib
import random
import resource
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

ROOT = pathlib.Path(os.environ.get("EGRESS_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EGRESS = os.environ.get("EGRESS_BIN", str(ROOT / "build/release/bin/egress"))
KILL_ITERATIONS = 8


def command(out, replicates=300, method="ssa", log=True):
    """log: with the vesicle event log (a second writer thread and queue) or without (the default)."""
    return [EGRESS, "run", str(ROOT / "params/default.toml"), "--method", method, "--replicates", str(replicates),
            "--seed", "77", "--threads", "2", "-o", str(out), "--quiet", "--events" if log else "--no-events"]


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def claims_complete(path):
    try:
        with h5py.File(path, "r") as f:
            return int(f.attrs.get("complete", 0)) == 1
    except OSError:
        return False  # not even a readable HDF5 file


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "ref.h5"
    subprocess.run(command(out), check=True)
    return datasets(out)


def test_sigkill_at_random_moments_never_leaves_a_complete_looking_file(tmp_path, reference):
    rng = random.Random(2026)
    for i in range(KILL_ITERATIONS):
        out = tmp_path / f"run{i}.h5"
        proc = subprocess.Popen(command(out))
        time.sleep(rng.uniform(0.02, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if out.exists():  # the run finished before the kill: then it must be whole and right
            assert claims_complete(out)
            assert all(np.array_equal(v, reference[k]) for k, v in datasets(out).items())
        for leftover in tmp_path.glob(f"run{i}.h5.partial-*"):
            assert not claims_complete(leftover), leftover
            info = subprocess.run([EGRESS, "info", str(leftover)], capture_output=True, text=True)
            assert info.returncode != 0
        # A rerun after the kill gives the uninterrupted result.
        subprocess.run(command(out), check=True)
        rerun = datasets(out)
        assert sorted(rerun) == sorted(reference)
        assert all(np.array_equal(v, reference[k]) for k, v in rerun.items())


@pytest.mark.parametrize("log", [True, False], ids=["event-log", "no-event-log"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stop_signals_keep_finished_replicates_marked_incomplete(tmp_path, sig, log):
    # hybrid replicates take milliseconds each, so the signal lands mid-run
    full = tmp_path / "full.h5"
    subprocess.run(command(full, replicates=400, method="hybrid", log=log), check=True)
    reference = datasets(full)
    out = tmp_path / "stopped.h5"
    proc = subprocess.Popen(command(out, replicates=400, method="hybrid", log=log), stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.fail("the run finished before the signal; make it longer")
    assert proc.returncode == 128 + sig
    assert "interrupted by" in err and "kept in" in err
    assert not out.exists()
    kept = pathlib.Path(str(out) + ".interrupted")
    assert not claims_complete(kept)
    info = subprocess.run([EGRESS, "info", str(kept)], capture_output=True, text=True)
    assert info.returncode == 1 and "interrupted by" in info.stdout
    with h5py.File(kept) as f:
        finished = f["replicate_finished"][:].astype(bool)
        assert f.attrs["replicates_finished"] == finished.sum() < len(finished)
        for name in ("amounts", "vesicles/budded", "vesicles/fused", "membrane_area"):
            assert np.array_equal(f[name][:][finished], reference[name][finished]), name
        assert ("events" in f) == log
        if log:  # the events kept are exactly the finished replicates' events
            keep = np.isin(reference["events/replicate"], np.flatnonzero(finished))
            assert np.array_equal(f["events/time"][:], reference["events/time"][keep])


@pytest.mark.parametrize("log", [True, False], ids=["event-log", "no-event-log"])
def test_full_disk_is_an_error_and_leaves_nothing(tmp_path, log):
    out = tmp_path / "full.h5"

    def small_file_limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    proc = subprocess.run(command(out, replicates=50, log=log), capture_output=True, text=True, preexec_fn=small_file_limit)
    assert proc.returncode == 1, proc.stderr
    assert "error:" in proc.stderr and str(out) in proc.stderr
    assert not out.exists()
    assert not list(tmp_path.glob("full.h5*")), list(tmp_path.iterdir())
