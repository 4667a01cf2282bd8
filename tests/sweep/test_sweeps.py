"""Sweeps end to end with the real program: designs, shards, resume, merge, and what a point means.
Deterministic: every run uses fixed seeds, and the checks are equalities or analytic answers."""
import math
import os
import stat
import subprocess

import h5py
import numpy as np
import pytest

from conftest import BASE, GRID, assert_same_datasets, egress


def run_shards(d, of, out):
    for i in range(of):
        egress("sweep", d / "sweep.toml", "-o", d / out, "--shard", i, "--of", of, "-q", check=0)


def test_merge_of_1_3_and_4_shards_is_identical(sweep_dir):
    d = sweep_dir
    for of in (1, 3, 4):
        run_shards(d, of, f"s{of}")
        egress("merge", d / f"s{of}", "-o", d / f"m{of}.h5", "-q", check=0)
    assert_same_datasets(d / "m1.h5", d / "m3.h5")
    assert_same_datasets(d / "m1.h5", d / "m4.h5")
    with h5py.File(d / "m4.h5") as f:
        assert f.attrs["complete"] == 1 and f.attrs["merged_from_shards"] == 4
        assert list(f["point"][()]) == list(range(12))
        # grid order: the first axis varies slowest
        assert np.allclose(f["point_values"][:, 0], np.repeat([0.01, 0.02, 0.05, 0.1], 3))
        assert np.allclose(f["point_values"][:3, 1], [0.1, math.sqrt(0.1), 1.0])
        assert f["final_amounts"].shape == (12, 5, 2)
        # molecules are conserved at every point and replicate (A + B = 100)
        assert np.all(f["final_amounts"][()].sum(axis=2) == 100)


def test_resume_after_deleting_or_truncating_a_shard_gives_the_same_file(sweep_dir):
    d = sweep_dir
    run_shards(d, 3, "s")
    egress("merge", d / "s", "-o", d / "before.h5", "-q", check=0)
    (d / "s" / "shard-0001-of-0003.h5").unlink()
    shard2 = d / "s" / "shard-0002-of-0003.h5"
    size = shard2.stat().st_size
    with open(shard2, "r+b") as f:
        f.truncate(size // 2)
    outs = [egress("sweep", d / "sweep.toml", "-o", d / "s", "--shard", i, "--of", 3, check=0) for i in range(3)]
    assert "already complete" in outs[0].stdout            # intact: skipped
    assert "wrote" in outs[1].stdout                       # deleted: run again
    assert "replaced" in outs[2].stderr and "wrote" in outs[2].stdout  # truncated: redone, and said so
    egress("merge", d / "s", "-o", d / "after.h5", "-q", check=0)
    assert_same_datasets(d / "before.h5", d / "after.h5")


def test_a_point_is_the_run_of_its_values(sweep_dir):
    """With common streams a point runs with the base seed: it must equal `egress run --set`."""
    d = sweep_dir
    (d / "sweep.toml").write_text(GRID.replace('design = "grid"', 'design = "grid"\nstreams = "common"'))
    egress("sweep", d / "sweep.toml", "-o", d / "s", "-q", check=0)
    egress("merge", d / "s", "-o", d / "m.h5", "-q", check=0)
    with h5py.File(d / "m.h5") as f:
        values, final = f["point_values"][()], f["final_amounts"][()]
    for p in (0, 7, 11):
        out = d / f"run{p}.h5"
        egress("run", d / "base.toml", "-o", out, "-q", "--set", f"k={values[p, 0]!r}", "--set", f"k2={values[p, 1]!r}", check=0)
        with h5py.File(out) as f:
            np.testing.assert_array_equal(f["amounts"][:, -1, :], final[p])


def test_independent_streams_differ_between_points_and_not_between_shardings(sweep_dir):
    d = sweep_dir
    # one axis with the same value twice: two points with identical models
    (d / "sweep.toml").write_text('base = "base.toml"\n[sweep]\ndesign = "list"\n[[sweep.axes]]\nparameter = "k"\nvalues = [0.05, 0.05]\n')
    egress("sweep", d / "sweep.toml", "-o", d / "s", "-q", check=0)
    egress("merge", d / "s", "-o", d / "m.h5", "-q", check=0)
    with h5py.File(d / "m.h5") as f:
        final = f["final_amounts"][()]
    assert not np.array_equal(final[0], final[1]), "independent streams gave two points the same trajectories"


def test_metrics_recover_analytic_half_times(tmp_path):
    """ode, A -> B with A(0) = 1000: the decay half-time of A is ln 2 / k, the rise half-time of B
    the same, the peak of A its initial amount, and the rate at the end k A(t_end) within the
    one-interval difference error (output every 1 s)."""
    base = BASE.replace('method = "ssa"', 'method = "ode"').replace("output_interval = 10.0", "output_interval = 1.0")
    base = base.replace("initial = 100", "initial = 1000")
    (tmp_path / "base.toml").write_text(base)
    (tmp_path / "sweep.toml").write_text("""\
base = "base.toml"
[sweep]
design = "list"
replicates = 1
[[sweep.axes]]
parameter = "k"
values = [0.02, 0.05, 0.1]
[[sweep.axes]]
parameter = "k2"
values = [0.0, 0.0, 0.0]
[[sweep.metrics]]
name = "exit_half_time"
kind = "decay_half_time"
species = "A"
[[sweep.metrics]]
name = "arrival_half_time"
kind = "rise_half_time"
species = "B"
[[sweep.metrics]]
name = "peak_A"
kind = "peak"
species = "A"
[[sweep.metrics]]
name = "rate"
kind = "rate_at_end"
species = "B"
[[sweep.metrics]]
name = "A_at_30"
kind = "at"
at = 30.0
species = "A"
""")
    egress("sweep", tmp_path / "sweep.toml", "-o", tmp_path / "s", "-q", check=0)
    egress("merge", tmp_path / "s", "-o", tmp_path / "m.h5", "-q", check=0)
    with h5py.File(tmp_path / "m.h5") as f:
        m = f["metric_values"][:, 0, :]
        names = [n.decode() if isinstance(n, bytes) else n for n in f["metric"][()]]
    for p, k in enumerate([0.02, 0.05, 0.1]):
        row = dict(zip(names, m[p]))
        # linear interpolation of exp(-k t) over 1 s steps: relative error below k^2/8 ~ 0.2 %
        assert row["exit_half_time"] == pytest.approx(math.log(2) / k, rel=2e-3)
        final_b = 1000 * (1 - math.exp(-k * 100))
        t_half_b = -math.log(1 - 0.5 * final_b / 1000) / k
        assert row["arrival_half_time"] == pytest.approx(t_half_b, rel=2e-3)
        assert row["peak_A"] == pytest.approx(1000)
        # backward difference of 1000(1 - e^{-kt}) at t = 100 over dt = 1 s
        assert row["rate"] == pytest.approx(1000 * math.exp(-k * 100) * (math.exp(k) - 1), rel=1e-5)
        assert row["A_at_30"] == pytest.approx(1000 * math.exp(-k * 30), rel=1e-5)


def test_latin_hypercube_points_are_stratified_and_sobol_points_are_the_sequence(sweep_dir):
    d = sweep_dir
    n = 64
    (d / "lhs.toml").write_text(f"""base = "base.toml"
[sweep]
design = "latin_hypercube"
samples = {n}
seed = 11
replicates = 1
method = "ode"
[[sweep.axes]]
parameter = "k"
min = 0.01
max = 0.1
[[sweep.axes]]
parameter = "k2"
min = 0.001
max = 10.0
log = true
""")
    egress("sweep", d / "lhs.toml", "-o", d / "lhs", "-q", check=0)
    egress("merge", d / "lhs", "-o", d / "lhs.h5", "-q", check=0)
    with h5py.File(d / "lhs.h5") as f:
        v = f["point_values"][()]
    u0 = (v[:, 0] - 0.01) / 0.09
    u1 = (np.log10(v[:, 1]) + 3) / 4
    for u in (u0, u1):
        assert sorted(np.floor(u * n).astype(int)) == list(range(n)), "not one point per stratum"
    (d / "sobol.toml").write_text((d / "lhs.toml").read_text().replace('"latin_hypercube"', '"sobol"').replace("seed = 11\n", ""))
    egress("sweep", d / "sobol.toml", "-o", d / "sobol", "-q", check=0)
    egress("merge", d / "sobol", "-o", d / "sobol.h5", "-q", check=0)
    with h5py.File(d / "sobol.h5") as f:
        v = f["point_values"][()]
    # the first points of the unscrambled 2-D Sobol sequence: 0, 1/2, 3/4 1/4, 1/4 3/4
    expected = np.array([[0, 0], [0.5, 0.5], [0.75, 0.25], [0.25, 0.75]])
    np.testing.assert_allclose((v[:4, 0] - 0.01) / 0.09, expected[:, 0], atol=1e-12)
    np.testing.assert_allclose((np.log10(v[:4, 1]) + 3) / 4, expected[:, 1], atol=1e-12)


def test_saltelli_blocks(sweep_dir):
    d = sweep_dir
    (d / "s.toml").write_text("""base = "base.toml"
[sweep]
design = "sobol"
saltelli = true
samples = 8
replicates = 1
method = "ode"
[[sweep.axes]]
parameter = "k"
min = 0.01
max = 0.1
[[sweep.axes]]
parameter = "k2"
min = 0.1
max = 1.0
""")
    egress("sweep", d / "s.toml", "-o", d / "s", "-q", check=0)
    egress("merge", d / "s", "-o", d / "s.h5", "-q", check=0)
    with h5py.File(d / "s.h5") as f:
        block, row, v = f["saltelli_block"][()], f["saltelli_row"][()], f["point_values"][()]
    assert len(block) == 8 * (2 + 2)
    A, B = v[block == 0], v[block == 1]
    for i in range(2):
        ab = v[block == 2 + i]
        assert np.array_equal(row[block == 2 + i], np.arange(8))
        expected = A.copy()
        expected[:, i] = B[:, i]
        np.testing.assert_array_equal(ab, expected)


def test_slurm_environment_picks_the_shard(sweep_dir):
    d = sweep_dir
    env = {"SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_MAX": "13",
           "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_CPUS_PER_TASK": "1"}
    out = egress("sweep", d / "sweep.toml", "-o", d / "s", env=env, check=0)
    assert "shard 2 of 4" in out.stdout and "on 1 thread(s)" in out.stdout
    assert (d / "s" / "shard-0002-of-0004.h5").is_file()
    # an array resubmitted in part (--array=1,3) is not a set of shards: refused, not guessed
    env.update({"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "3", "SLURM_ARRAY_TASK_COUNT": "2"})
    bad = egress("sweep", d / "sweep.toml", "-o", d / "s", env=env, check=2)
    assert "--shard I --of N" in bad.stderr


def test_emit_slurm_writes_a_job_array_with_a_dependent_merge(sweep_dir):
    d = sweep_dir
    egress("sweep", d / "sweep.toml", "--emit-slurm", d / "job.sbatch", "--array-size", 4, "--cpus-per-task", 2,
           "--time", "00:10:00", "--mem", "1G", "-o", d / "shards", "--merge-output", d / "out.h5", cwd=d, check=0)
    text = (d / "job.sbatch").read_text()
    for line in ("#SBATCH --array=0-3", "#SBATCH --cpus-per-task=2", "#SBATCH --time=00:10:00", "#SBATCH --mem=1G",
                 "--dependency=afterok:$array", "--shard \"$SLURM_ARRAY_TASK_ID\" --of 4"):
        assert line in text, f"job script lacks {line!r}"
    assert os.stat(d / "job.sbatch").st_mode & stat.S_IXUSR
    assert (d / "shards").is_dir(), "SLURM does not create the log directory: egress must"
    subprocess.run(["bash", "-n", str(d / "job.sbatch")], check=True)
    # a task of the array, as SLURM would start it (without SLURM): runs shard 1 of 4
    env = {**os.environ, "SLURM_ARRAY_TASK_ID": "1", "SLURM_JOB_ID": "99", "PATH": os.environ["PATH"]}
    subprocess.run(["bash", str(d / "job.sbatch")], cwd=d, env=env, check=True, capture_output=True, timeout=300)
    assert (d / "shards" / "shard-0001-of-0004.h5").is_file()


BAD = [
    # (name, sweep text, extra args, status, place "LINE:COL" or "", fragments)
    ("unknown_parameter", 'base = "base.toml"\n[sweep]\n[[sweep.axes]]\nparameter = "k_exti"\nvalues = [1.0]\n', [], 2, "4:13",
     ["sweep.axes[0].parameter", "unknown parameter 'k_exti'"]),
    ("min_above_max", 'base = "base.toml"\n[sweep]\n[[sweep.axes]]\nparameter = "k"\nmin = 2.0\nmax = 1.0\npoints = 3\n', [], 2, "5:7",
     ["sweep.axes[0].min", "greater than max"]),
    ("km_zero_at_a_point", 'base = "base.toml"\n[sweep]\n[[sweep.axes]]\nparameter = "km"\nvalues = [10.0, 0.0]\n', [], 2, "3:1",
     ["sweep.axes[0]", "point 1", "km = 0", "must be positive"]),
    ("unknown_design", 'base = "base.toml"\n[sweep]\ndesign = "sobolev"\n[[sweep.axes]]\nparameter = "k"\nvalues = [1.0]\n', [], 2, "3:10",
     ["sweep.design", "did you mean 'sobol'"]),
    ("samples_missing", 'base = "base.toml"\n[sweep]\ndesign = "sobol"\n[[sweep.axes]]\nparameter = "k"\nmin = 0.0\nmax = 1.0\n', [], 2, "2:1",
     ["sweep", "needs 'samples'"]),
    ("missing_base", 'base = "nothere.toml"\n[sweep]\n[[sweep.axes]]\nparameter = "k"\nvalues = [1.0]\n', [], 2, "1:8",
     ["base", "does not exist"]),
    ("ssa_fractional_initial", 'base = "base.toml"\n[sweep]\n[[sweep.axes]]\ninitial = "A"\nvalues = [10.0, 10.5]\n', [], 2, "3:1",
     ["sweep.axes[0]", "point 1", "whole molecules"]),
    ("shard_out_of_range", GRID, ["--shard", "3", "--of", "3"], 2, "", ["--shard 3 is out of range"]),
    ("more_shards_than_points", GRID, ["--shard", "0", "--of", "13"], 2, "", ["more shards than the sweep's 12 points"]),
]


@pytest.mark.parametrize("name,text,extra,status,place,fragments", BAD, ids=[b[0] for b in BAD])
def test_bad_sweep_input(sweep_dir, name, text, extra, status, place, fragments):
    d = sweep_dir
    (d / "bad.toml").write_text(text)
    proc = egress("sweep", "bad.toml", "-o", "out", *extra, cwd=d)
    first = proc.stderr.splitlines()[0] if proc.stderr else ""
    assert proc.returncode == status, proc.stderr
    assert first.startswith(f"bad.toml:{place}: error:" if place else "error:"), first
    for f in fragments:
        assert f in first, f"{f!r} not in {first!r}"
    assert not (d / "out").exists() or not any((d / "out").glob("*.h5")), "a bad sweep wrote a shard"
    if not extra:  # egress check refuses it the same way
        assert egress("check", "bad.toml", cwd=d).returncode == 2


def test_merge_refuses_mixed_missing_and_damaged_shards(sweep_dir):
    d = sweep_dir
    run_shards(d, 3, "s")
    # another sweep: same base, other values
    (d / "other.toml").write_text(GRID.replace("0.01, 0.02", "0.03, 0.04"))
    egress("sweep", d / "other.toml", "-o", d / "o", "--shard", 1, "--of", 3, "-q", check=0)
    mixed = egress("merge", d / "s" / "shard-0000-of-0003.h5", d / "o" / "shard-0001-of-0003.h5", d / "s" / "shard-0002-of-0003.h5",
                   "-o", d / "m.h5", check=2)
    assert "a shard of another sweep" in mixed.stderr
    missing = egress("merge", d / "s" / "shard-0000-of-0003.h5", d / "s" / "shard-0002-of-0003.h5", "-o", d / "m.h5", check=2)
    assert "shard(s) 1 of 3 missing" in missing.stderr
    shard = d / "s" / "shard-0001-of-0003.h5"
    with open(shard, "r+b") as f:
        f.truncate(shard.stat().st_size - 100)
    damaged = egress("merge", d / "s", "-o", d / "m.h5", check=2)
    assert "shard-0001-of-0003.h5" in damaged.stderr
    assert not (d / "m.h5").exists(), "a refused merge left an output file"
    assert not list(d.glob("m.h5*")), "a refused merge left a temporary file"


def test_a_point_that_fails_at_run_time_is_kept_as_nan_with_its_reason(tmp_path):
    """A stiff point on the explicit stepper (kf = 1e8 /s, dopri5) fails numerically; the sweep goes
    on, exits 0 with a warning, and the merged file says which point failed and why."""
    (tmp_path / "stiff.toml").write_text("""[simulation]
t_end = 1000.0
output_interval = 1000.0
stepper = "dopri5"
[model]
name = "stiff"
[model.compartments]
ER = {}
[model.parameters]
kf = 1.0
[model.species]
A = { compartment = "ER", initial = 100 }
B = { compartment = "ER", initial = 0 }
[[model.reactions]]
name = "forward"
equation = "A -> B"
k = "kf"
[[model.reactions]]
name = "back"
equation = "B -> A"
k = 1.0
""")
    (tmp_path / "s.toml").write_text('base = "stiff.toml"\n[sweep]\ndesign = "list"\n[[sweep.axes]]\nparameter = "kf"\nvalues = [1.0, 1.0e8, 2.0]\n')
    out = egress("sweep", tmp_path / "s.toml", "-o", tmp_path / "d", check=0)
    assert "1 of 3 points failed" in out.stderr
    egress("merge", tmp_path / "d", "-o", tmp_path / "m.h5", "-q", check=0)
    with h5py.File(tmp_path / "m.h5") as f:
        errors = [e.decode() for e in f["point_error"][()]]
        final = f["final_amounts"][()]
        assert f.attrs["points_failed"] == 1
    assert errors[0] == "" and errors[2] == "" and "too many steps" in errors[1]
    assert np.all(np.isnan(final[1])) and not np.any(np.isnan(final[[0, 2]]))
    np.testing.assert_allclose(final[0, 0].sum(), 100.0)


def test_a_grid_too_large_to_run_is_refused(sweep_dir):
    d = sweep_dir
    axis = '[[sweep.axes]]\nparameter = "{}"\nmin = 0.1\nmax = 1.0\npoints = 1000000\n'
    (d / "huge.toml").write_text('base = "base.toml"\n[sweep]\n' + "".join(axis.format(p) for p in ("k", "k2", "km")))
    proc = egress("check", "huge.toml", cwd=d, check=2)
    assert "10^8 points" in proc.stderr, proc.stderr


def test_thread_count_does_not_change_a_shard(sweep_dir):
    d = sweep_dir
    for threads in (1, 2, 3):
        egress("sweep", d / "sweep.toml", "-o", d / f"t{threads}", "--threads", threads, "-q", check=0)
        egress("merge", d / f"t{threads}", "-o", d / f"t{threads}.h5", "-q", check=0)
    assert_same_datasets(d / "t1.h5", d / "t2.h5")
    assert_same_datasets(d / "t1.h5", d / "t3.h5")
