"""Running the ``egress`` program from Python (notebooks, scripts): a thin wrapper, not a second
simulator. ``run`` builds the command line, streams the program's progress, turns a refusal into
an exception that carries the program's ``FILE:LINE:COLUMN`` message, and opens the result.
"""

from __future__ import annotations

import os
import pathlib
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import xarray as xr

Method = Literal["ode", "ssa", "hybrid"]

#: Where a checkout's build puts the program, relative to the repository root.
BUILD_TREE_PROGRAM = pathlib.Path("build/release/bin/egress")

_LOCATED = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?P<column>\d+): error: (?P<message>.*)$")


class EgressError(RuntimeError):
    """``egress`` failed. ``returncode`` is its exit status (1: failure at run time), ``stderr``
    what it printed, ``command`` the command line."""

    def __init__(self, message: str, *, returncode: int, stderr: str, command: list[str]):
        super().__init__(message)
        self.returncode, self.stderr, self.command = returncode, stderr, command


class EgressInputError(EgressError, ValueError):
    """``egress`` refused its input (exit status 2). ``file``, ``line`` and ``column`` locate the
    problem (None for a command-line problem such as an unknown ``--set`` name); the message is
    the program's own, ``FILE:LINE:COLUMN: error: FIELD: ...``. For a ``scenario=`` file they
    point into the scenario file."""

    def __init__(self, message: str, *, file: str | None, line: int | None, column: int | None, **kwargs):
        super().__init__(message, **kwargs)
        self.file, self.line, self.column = file, line, column


def find_egress(program: str | os.PathLike | None = None) -> pathlib.Path:
    """The ``egress`` program: ``program`` if given, else ``$EGRESS_BIN``, else ``egress`` on
    ``PATH``, else the build tree of the checkout this package lies in (or of the current
    directory): ``build/release/bin/egress``."""
    candidates: list[pathlib.Path] = []
    if program is not None:
        candidates.append(pathlib.Path(program))
    elif os.environ.get("EGRESS_BIN"):
        candidates.append(pathlib.Path(os.environ["EGRESS_BIN"]))
    else:
        on_path = shutil.which("egress")
        if on_path:
            candidates.append(pathlib.Path(on_path))
        here = pathlib.Path(__file__).resolve()
        for root in [*here.parents[:4], pathlib.Path.cwd()]:
            candidates.append(root / BUILD_TREE_PROGRAM)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError("egress program not found (looked at " + ", ".join(map(str, candidates)) +
                            "); build it (cmake --preset release && cmake --build --preset release), put it on "
                            "PATH, set EGRESS_BIN, or pass egress=")


def _command(program: pathlib.Path, params: pathlib.Path, output: pathlib.Path, method, replicates, seed, threads,
             set, scenarios, events, quiet) -> list[str]:
    command = [str(program), "run", str(params), "-o", str(output)]
    for scenario in scenarios:
        command += ["--scenario", str(scenario)]
    if method is not None:
        command += ["--method", str(method)]
    if replicates is not None:
        command += ["--replicates", str(int(replicates))]
    if seed is not None:
        command += ["--seed", str(int(seed))]
    if threads is not None:
        command += ["--threads", str(int(threads))]
    for name, value in (set or {}).items():
        command += ["--set", f"{name}={float(value)!r}"]
    if events is not None:
        command.append("--events" if events else "--no-events")
    if quiet:
        command.append("--quiet")
    return command


def _stream(command: list[str], show: Callable[[str], None] | None, timeout: float | None) -> tuple[int, str]:
    """Run ``command``; its stderr goes to a pseudo-terminal, so that the program draws its
    progress line (it does only on a terminal). Both streams are passed to ``show`` as they come;
    returns the exit status and everything written to stderr."""
    import pty

    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=terminal, stdin=subprocess.DEVNULL)
    finally:
        os.close(terminal)
    errors: list[str] = []
    selector = selectors.DefaultSelector()
    selector.register(controller, selectors.EVENT_READ, "stderr")
    selector.register(process.stdout, selectors.EVENT_READ, "stdout")
    open_streams = 2
    try:
        while open_streams:
            ready = selector.select(timeout)
            if not ready:
                process.kill()
                raise TimeoutError(f"egress ran longer than {timeout} s: {' '.join(command)}")
            for key, _ in ready:
                try:
                    data = os.read(key.fd, 65536)
                except OSError:  # the terminal's other end closed: the program exited
                    data = b""
                if not data:
                    selector.unregister(key.fileobj)
                    open_streams -= 1
                    continue
                text = data.decode(errors="replace")
                if key.data == "stderr":
                    text = text.replace("\r\n", "\n")
                    errors.append(text)
                if show is not None:
                    show(text)
        returncode = process.wait(timeout=timeout)
    finally:
        selector.close()
        os.close(controller)
        if process.stdout:
            process.stdout.close()
        if process.poll() is None:
            process.kill()
            process.wait()
    return returncode, "".join(errors)


def run(params: str | os.PathLike, *, method: Method | None = None, replicates: int | None = None,
        seed: int | None = None, set: Mapping[str, float] | None = None,
        scenario: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
        output: str | os.PathLike | None = None, threads: int | None = None, events: bool | None = None,
        progress: bool | Callable[[str], None] = True, egress: str | os.PathLike | None = None,
        timeout: float | None = None) -> xr.Dataset:
    """Run ``egress run PARAMS`` and return the result opened with
    :func:`~egress_analysis.open_result` (lazy; close it when done).

    ``method``, ``replicates``, ``seed``, ``threads``, ``set`` (``{name: value}``, one ``--set``
    each) and ``events`` (``--events`` / ``--no-events``) override the parameter file, as on the
    command line. ``scenario`` is a scenario file (``params/scenarios/``), or a list of them: its
    ``[[perturbations]]`` are added after the parameter file's own, exactly as by ``egress run
    --scenario FILE`` (one per file, in order; the result's ``/input/scenarios`` keeps their
    text, and an error in one is reported at its line). ``output`` is the result file (default: a new
    file in a fresh temporary directory; ``ds.attrs["path"]`` says where). ``progress``: True
    shows the program's progress line and summary on ``sys.stderr``, a callable receives them as
    text, False runs it ``--quiet``. ``egress``: the program (see :func:`find_egress`).

    Raises :class:`EgressInputError` when the program refuses the input (exit status 2; the
    message is the program's ``FILE:LINE:COLUMN: error: ...``), :class:`EgressError` when the
    run fails (exit status 1, or a signal), ``FileNotFoundError`` for a missing parameter file or
    program.
    """
    from .io import open_result

    params = pathlib.Path(params)
    if not params.is_file():
        raise FileNotFoundError(f"parameter file {params} does not exist")
    program = find_egress(egress)
    if output is None:
        output = pathlib.Path(tempfile.mkdtemp(prefix="egress-run-")) / f"{params.stem}.h5"
    output = pathlib.Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)

    if scenario is None:
        scenarios = []
    elif isinstance(scenario, (str, os.PathLike)):
        scenarios = [pathlib.Path(scenario)]
    else:
        scenarios = [pathlib.Path(s) for s in scenario]
    for path in scenarios:
        if not path.is_file():
            raise FileNotFoundError(f"scenario file {path} does not exist")
    show = None
    if callable(progress):
        show = progress
    elif progress:
        def show(text: str) -> None:
            sys.stderr.write(text)
            sys.stderr.flush()
    command = _command(program, params, output, method, replicates, seed, threads, set, scenarios, events,
                       quiet=not progress)
    returncode, stderr = _stream(command, show, timeout)

    if returncode == 2:
        raise _input_error(stderr, returncode, command)
    if returncode != 0:
        reason = f"signal {-returncode}" if returncode < 0 else f"exit status {returncode}"
        last = [line for line in stderr.splitlines() if line.strip()]
        raise EgressError(f"egress failed ({reason}): {last[-1] if last else 'no message'}", returncode=returncode,
                          stderr=stderr, command=command)
    return open_result(output)


def _input_error(stderr: str, returncode: int, command: list[str]) -> EgressInputError:
    """The program's first located error line as an exception."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    for line in lines:
        match = _LOCATED.match(line.strip())
        if not match:
            continue
        file, row, column = match["file"], int(match["line"]), int(match["column"])
        return EgressInputError(line.strip(), file=file, line=row, column=column, returncode=returncode,
                                stderr=stderr, command=command)
    message = lines[-1] if lines else "egress refused its input"
    return EgressInputError(message, file=None, line=None, column=None, returncode=returncode, stderr=stderr,
                            command=command)
