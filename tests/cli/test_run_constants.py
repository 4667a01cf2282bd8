"""Initial amounts, delays, vesicle areas and event amounts may be parameters, so --set and sweeps
reach them (issue 15). They are constants of a run: a perturbation or a cell-to-cell distribution of
them is refused. Deterministic checks on ode runs of a one-route model."""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EGRESS = os.environ.get("EGRESS_BIN", str(ROOT / "build/release/bin/egress"))

MODEL = """\
[simulation]
method = "ode"
t_end = 100.0
output_interval = 10.0
[model]
name = "run-constants"
[model.compartments]
ER = {{ area = 100.0 }}
Golgi = {{ area = 100.0 }}
[model.species]
cargo_ER = {{ compartment = "ER", initial = "n0" }}
cargo_Golgi = {{ compartment = "Golgi" }}
[model.parameters]
n0 = 1000.0
pulse = 500.0
transit = 30.0
area = 0.05
[[model.vesicles]]
name = "COPII"
from = "ER"
to = "Golgi"
budding = {{ k = 1.0 }}
cargo = {{ cargo_ER = "cargo_Golgi" }}
capture = 0.01
fusion_rate = 1.0
delay = "transit"
vesicle_area = "area"
[[events]]
at = 50.0
add = {{ cargo_ER = "pulse" }}
{extra}
"""


def egress(*args, cwd):
    return subprocess.run([EGRESS, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120)


def run(tmp_path, *sets, extra=""):
    (tmp_path / "p.toml").write_text(MODEL.format(extra=extra))
    out = tmp_path / "out.h5"
    proc = egress("run", "p.toml", "-o", out, "-q", *sum((["--set", s] for s in sets), []), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with h5py.File(out) as f:
        return f["amounts"][0], f["membrane_area"][0], f["time"][()]


def test_initial_amount_event_amount_delay_and_area_follow_their_parameters(tmp_path):
    x, area, t = run(tmp_path)
    assert x[0, 0] == 1000.0
    total = x[:, 0] + x[:, 1]
    assert np.all(total[t < 50] <= 1000.0 + 1e-6) and total[-1] > 1000.0  # the pulse arrives at 50 s
    x2, area2, _ = run(tmp_path, "n0=10", "pulse=0", "transit=1000", "area=0.1")
    assert x2[0, 0] == 10.0
    assert x2[-1, 1] < 1e-6  # a 1000 s delay: (all but an Erlang-chain trace of) nothing fuses by t_end
    assert x[-1, 1] > 0.0
    # each bud takes `area` from the ER: twice the area per bud, twice the loss at the same bud count
    assert area2[-1, 0] - 100.0 == np.float64(2.0) * (area[-1, 0] - 100.0)


def test_resolved_input_keeps_the_parameter_names(tmp_path):
    run(tmp_path, "transit=12")
    with h5py.File(tmp_path / "out.h5") as f:
        resolved = f["input/resolved"][()].decode()
    assert "delay = 'transit'" in resolved and "initial = 'n0'" in resolved and "cargo_ER = 'pulse'" in resolved
    (tmp_path / "resolved.toml").write_text(resolved)
    rerun = egress("run", "resolved.toml", "-o", "again.h5", "-q", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    with h5py.File(tmp_path / "out.h5") as a, h5py.File(tmp_path / "again.h5") as b:
        np.testing.assert_array_equal(a["amounts"][()], b["amounts"][()])


def test_run_constants_cannot_be_perturbed_or_vary_between_cells(tmp_path):
    (tmp_path / "p.toml").write_text(MODEL.format(extra='[[perturbations]]\ntarget = "transit"\nscale = 2.0\nstart = 10.0\n'))
    proc = egress("check", "p.toml", cwd=tmp_path)
    assert proc.returncode == 2
    first = proc.stderr.splitlines()[0]
    assert first.startswith("p.toml:33:9: error: perturbations[0].scale:"), first
    assert "the delay of route 'COPII', a constant of the run: it cannot be perturbed" in first
    varied = MODEL.format(extra="").replace("n0 = 1000.0", 'n0 = { value = 1000.0, cv = 0.2, distribution = "lognormal" }')
    (tmp_path / "p.toml").write_text(varied)
    proc = egress("check", "p.toml", cwd=tmp_path)
    assert proc.returncode == 2 and "cannot vary from cell to cell" in proc.stderr, proc.stderr


def test_a_sweep_axis_reaches_a_delay(tmp_path):
    (tmp_path / "p.toml").write_text(MODEL.format(extra=""))
    (tmp_path / "s.toml").write_text('base = "p.toml"\n[sweep]\ndesign = "list"\n[[sweep.axes]]\nparameter = "transit"\nvalues = [0.0, 1000.0]\n')
    assert egress("sweep", "s.toml", "-o", "d", "-q", cwd=tmp_path).returncode == 0
    assert egress("merge", "d", "-o", "m.h5", "-q", cwd=tmp_path).returncode == 0
    with h5py.File(tmp_path / "m.h5") as f:
        final = f["final_amounts"][:, 0, :]
    # ode stands for the delay by an Erlang chain (docs/methods.md): a trace, not exactly 0, gets through
    assert final[0, 1] > 100.0 and final[1, 1] < 1e-6


NEGATIVE_SHIFT_MODEL = """\
name = "shifted_decay"
[compartments]
cell = {}
[species]
S = { compartment = "cell", initial = 100 }
[parameters]
k = 0.1
shift = -0.05        # only the formula reads it: a negative number is the formula's business
[[reactions]]
name = "decay"
equation = "S ->"
law = "expression"
rate = "(k + shift) * S"
"""


def test_a_parameter_that_only_formulas_read_may_be_negative(tmp_path):
    """docs/file-format.md, "Parameters": the sign is checked where a value needs one (a rate
    constant, a probability, an amount); a formula may read a negative parameter. The ode solution
    of d S/dt = -(k + shift) S is 100 exp(-(k + shift) t), also with --set shift=-0.08; the same
    parameter as a mass-action rate constant is refused at its value (exit 2)."""
    model = tmp_path / "model.toml"
    model.write_text(NEGATIVE_SHIFT_MODEL)
    params = tmp_path / "params.toml"
    params.write_text('model = "model.toml"\n[simulation]\nmethod = "ode"\nt_end = 20.0\noutput_interval = 5.0\n')
    for extra, rate in (([], 0.05), (["--set", "shift=-0.08"], 0.02)):
        out = tmp_path / "out.h5"
        proc = subprocess.run([EGRESS, "run", str(params), "-o", str(out), "-q", *extra], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        with h5py.File(out) as h:
            got = h["amounts"][0, :, 0]
            t = h["time"][...]
        assert np.allclose(got, 100 * np.exp(-rate * t), rtol=1e-6), (extra, got)
        out.unlink()
    model.write_text(NEGATIVE_SHIFT_MODEL.replace('law = "expression"\nrate = "(k + shift) * S"', 'law = "mass_action"\nk = "shift"'))
    proc = subprocess.run([EGRESS, "check", str(params)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "model.toml:8:9: error: parameters.shift: parameter 'shift' must not be negative (is -0.05): it sets the rate constant k of reaction 'decay'" in proc.stderr, proc.stderr
