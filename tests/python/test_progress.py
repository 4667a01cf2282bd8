"""Progress: a progress line on stderr only when stderr is a terminal; a one-line summary at the
end; --quiet prints nothing. The terminal is a pseudo-terminal from the pty module."""
import os
import pathlib
import pty
import subprocess

ROOT = pathlib.Path(os.environ.get("EGRESS_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EGRESS = os.environ.get("EGRESS_BIN", str(ROOT / "build/release/bin/egress"))


def args(out, *extra):
    return [EGRESS, "run", str(ROOT / "params/default.toml"), "--method", "ssa", "--replicates", "40",
            "--threads", "2", "-o", str(out), *extra]


def read_all(fd):
    chunks = []
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode(errors="replace")


def test_progress_on_a_terminal(tmp_path):
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(args(tmp_path / "a.h5"), stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    shown = read_all(controller)
    stdout, _ = proc.communicate()
    os.close(controller)
    assert proc.returncode == 0
    assert "40/40 replicates" in shown and "events/s" in shown
    summary = stdout.decode().strip().splitlines()[-1]
    assert summary.startswith("wrote ") and "40 replicate(s)" in summary and "events/s" in summary


def test_no_progress_when_not_a_terminal_and_nothing_with_quiet(tmp_path):
    plain = subprocess.run(args(tmp_path / "b.h5"), capture_output=True, text=True, check=True)
    # The model's own warnings may appear (a membrane area that went negative in some replicate:
    # whether one does depends on the draws of the seed); a progress line may not.
    assert [line for line in plain.stderr.splitlines() if not line.startswith("warning: ")] == []
    assert "wrote " in plain.stdout
    quiet = subprocess.run(args(tmp_path / "c.h5", "--quiet"), capture_output=True, text=True, check=True)
    # --quiet keeps the model's warnings (docs/file-format.md: "also with --quiet") and nothing else.
    assert quiet.stdout == ""
    assert [line for line in quiet.stderr.splitlines() if not line.startswith("warning: ")] == []
