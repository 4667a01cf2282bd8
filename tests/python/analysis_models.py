"""Models and helpers shared by the tests of the analysis package (tests/python/test_analysis_*.py).

Every file the analysis tests read is written by the real egress program in the test run.
Environment: EGRESS_BIN (default build/release/bin/egress), EGRESS_SOURCE_DIR (the repository root).
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("EGRESS_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EGRESS_BIN = pathlib.Path(os.environ.get("EGRESS_BIN", SOURCE_DIR / "build" / "release" / "bin" / "egress"))
DEFAULT_PARAMS = SOURCE_DIR / "params" / "default.toml"
sys.path.insert(0, str(SOURCE_DIR / "analysis"))

# 0 -> A -> B: A0 molecules of A in the ER at t = 0 leave for the PM at rate K (first order), so
# A(t) = A0 exp(-K t), the ER exit half-time is ln 2 / K and the fitted exit constant is K. X is an
# inert species in the ER (it checks that compartments sum their species and that `species=`
# selects). t_end = 100 / K, so the run ends with A at exp(-100) of A0 (nothing left to see).
A0, K, X0 = 10000, 0.01, 500
CHAIN = f"""\
[model]
name = "chain"
[model.compartments]
ER = {{}}
PM = {{}}
[model.species]
A = {{ compartment = "ER", initial = {A0} }}
X = {{ compartment = "ER", initial = {X0} }}
B = {{ compartment = "PM", initial = 0 }}
[model.parameters]
k = {{ value = {K}, units = "1/s" }}
[[model.reactions]]
name = "exit"
equation = "A -> B"
k = "k"
[simulation]
method = "ode"
t_end = 1000.0
output_interval = 1.0
replicates = 1
seed = 11
rtol = 1e-10
atol = 1e-8
"""

# -> A ->: synthesis at KSYN, degradation at KDEG; A(t) = (KSYN / KDEG) (1 - exp(-KDEG t)).
KSYN, KDEG = 20.0, 0.02
SYNTHESIS = f"""\
[model]
name = "synthesis"
[model.compartments]
ER = {{}}
[model.species]
A = {{ compartment = "ER", initial = 0 }}
[model.parameters]
ks = {KSYN}
kd = {KDEG}
[[model.reactions]]
name = "make"
equation = "-> A"
k = "ks"
[[model.reactions]]
name = "lose"
equation = "A ->"
k = "kd"
[simulation]
method = "ode"
t_end = 1000.0
output_interval = 1.0
replicates = 1
seed = 3
rtol = 1e-10
atol = 1e-8
"""

# One vesicle route at a constant bud rate BUD (zero-order budding: the hazard does not depend
# on cargo), each vesicle fusing at rate FUSE after its bud. From an empty start the fusions form
# a Poisson process of intensity BUD (1 - exp(-FUSE t)) (departures of an M/M/inf queue), so the
# number of fusions in [0, T] is Poisson with mean BUD (T - (1 - exp(-FUSE T)) / FUSE), and after
# a few 1/FUSE the intervals between fusions are exponential with mean 1/BUD.
BUD, FUSE, CAPTURE, D0 = 0.5, 0.05, 1e-4, 1_000_000
ROUTE = f"""\
[model]
name = "route"
[model.compartments]
ER = {{}}
PM = {{}}
[model.species]
D = {{ compartment = "ER", initial = {D0} }}
P = {{ compartment = "PM", initial = 0 }}
[model.parameters]
b = {BUD}
c = {CAPTURE}
f = {FUSE}
[[model.vesicles]]
name = "carrier"
from = "ER"
to = "PM"
budding = {{ law = "mass_action", k = "b" }}
cargo = {{ D = "P" }}
capture = "c"
fusion_rate = "f"
[simulation]
method = "ssa"
t_end = 600.0
output_interval = 60.0
replicates = 20
seed = 5
"""


def egress(*args, check: bool = True, cwd=None) -> subprocess.CompletedProcess:
    """Run the egress program; on an unexpected status show its stderr in the failure."""
    if not (EGRESS_BIN.is_file() and os.access(EGRESS_BIN, os.X_OK)):
        pytest.fail(f"egress program not found at {EGRESS_BIN}; build it or set EGRESS_BIN")
    result = subprocess.run([str(EGRESS_BIN), *map(str, args)], cwd=cwd or SOURCE_DIR, capture_output=True,
                            text=True, timeout=300)
    if check and result.returncode != 0:
        pytest.fail(f"egress {' '.join(map(str, args))} exited {result.returncode}:\n{result.stderr}")
    return result


def write(directory: pathlib.Path, name: str, text: str) -> pathlib.Path:
    path = directory / name
    path.write_text(text)
    return path


def run_model(directory: pathlib.Path, text: str, name: str, *extra) -> pathlib.Path:
    """Write a parameter file, run it, return the result file."""
    params = write(directory, f"{name}.toml", text)
    out = directory / f"{name}.h5"
    egress("run", params, "-o", out, "--quiet", *extra)
    return out
