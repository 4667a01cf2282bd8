"""Crash safety: killing a run never leaves a file that claims to be complete; SIGINT/SIGTERM keep
what finished, marked incomplete; a rerun gives the uninterrupted result; a full disk is an error.

Kill moments come from a seeded generator (random.Random(2026)), so the test is repeatable; the
property checked holds at every moment, so the test has no false-failure rate.
"""
import os
import pathlib
import pty
import random
import re
import resource
import select
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
        # Each run's file is several GB (300 replicates with the event log): keeping all of them
        # (and pytest keeps the last three sessions' folders) filled a shared disk.
        del rerun
        out.unlink()


def start_and_wait_for_progress(cmd, finished, timeout=120):
    """Start `cmd` with stderr on a pseudo-terminal, so that egress draws its progress line
    ("N/M replicates"), and return once that line says at least `finished` replicates are done:
    the test waits for a state of the run, not for a time, so it does not depend on the machine's
    speed. Returns the process, the terminal's master end and the text read so far."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    text, deadline = "", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                text += os.read(master, 4096).decode(errors="replace")
            except OSError:  # EIO: the program closed the terminal (it ended)
                break
            done = re.findall(r"(\d+)/\d+ replicates", text)
            if done and int(done[-1]) >= finished:
                return proc, master, text
        elif proc.poll() is not None:
            break
    proc.kill()
    proc.wait()
    os.close(master)
    pytest.fail(f"the run never reported {finished} finished replicates; its stderr:\n{text}")


def read_until_closed(master, proc, timeout=120):
    """The rest of the program's terminal output, once it has exited."""
    text, deadline = "", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            text += chunk.decode(errors="replace")
        elif proc.poll() is not None:
            break
    proc.wait(timeout=timeout)
    os.close(master)
    return text


@pytest.mark.parametrize("log", [True, False], ids=["event-log", "no-event-log"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stop_signals_keep_finished_replicates_marked_incomplete(tmp_path, sig, log):
    # Far more replicates than can finish before the signal, which is sent once the progress line
    # shows WAIT_FOR finished: the signal lands mid-run on a fast machine and on a slow one.
    replicates, wait_for = 100_000, 10
    out = tmp_path / "stopped.h5"
    cmd = [arg for arg in command(out, replicates=replicates, method="hybrid", log=log) if arg != "--quiet"]
    proc, master, err = start_and_wait_for_progress(cmd, wait_for)
    proc.send_signal(sig)
    err += read_until_closed(master, proc)
    assert proc.returncode == 128 + sig, err
    assert "interrupted by" in err and "kept in" in err
    assert not out.exists()
    kept = pathlib.Path(str(out) + ".interrupted")
    assert not claims_complete(kept)
    info = subprocess.run([EGRESS, "info", str(kept)], capture_output=True, text=True)
    assert info.returncode == 1 and "interrupted by" in info.stdout
    with h5py.File(kept) as f:
        finished = f["replicate_finished"][:].astype(bool)
        assert f.attrs["replicates_finished"] == finished.sum()
        assert wait_for <= finished.sum() < len(finished)
        kept_rows = np.flatnonzero(finished)
        # Replicates are reproducible by index: the first max + 1 of them, run in full, are the reference.
        full = tmp_path / "full.h5"
        subprocess.run(command(full, replicates=int(kept_rows[-1]) + 1, method="hybrid", log=log), check=True)
        reference = datasets(full)
        for name in ("amounts", "vesicles/budded", "vesicles/fused", "membrane_area"):
            assert np.array_equal(f[name][kept_rows], reference[name][kept_rows]), name
        assert ("events" in f) == log
        if log:  # the events kept are exactly the finished replicates' events
            keep = np.isin(reference["events/replicate"], kept_rows)
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
