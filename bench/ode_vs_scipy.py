#!/usr/bin/python3
"""Time egress's ode method against scipy's LSODA on the same mean-flux ODE, and check they agree.

Builds the deterministic system of engine/solvers/MeanFluxSystem.hpp in numpy straight from the
TOML files (parameter file and its model), times scipy.integrate.solve_ivp(method="LSODA") on the
run's output grid, runs the Google Benchmark binary bench/egress_bench_ode in the same invocation,
and prints time per run and the ratios scipy / egress. It then runs `egress run` on the same
parameter file and compares /amounts with the scipy solution.

Supported subset (anything else is an error, not a silent mismatch): mass_action,
michaelis_menten and hill laws; zero-order and substrate budding; cargo routes with capture and
fusion_rate; delay == 0; events at t = 0 (add or set); no perturbations; method = "ode".

Usage (from the repository root):
    /usr/bin/python3 bench/ode_vs_scipy.py build/release/bin/egress_bench_ode build/release/bin/egress
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import scipy
from scipy.integrate import solve_ivp

REPO = Path(__file__).resolve().parent.parent
AGREEMENT_LIMIT = 1e-3   # max relative difference that still counts as agreement
AGREEMENT_FLOOR = 1.0    # molecules: only samples above this amount are compared


class Unsupported(Exception):
    pass


# ---- the model, read from TOML -------------------------------------------------------------------

@dataclass
class Law:
    kind: str                 # mass_action | michaelis_menten | hill
    k: object = None          # ValueRef: str (parameter name) or float
    vmax: object = None
    km: object = None
    n: object = None
    order: list = field(default_factory=list)   # [(species index, count)] for mass action
    substrate: int | None = None


@dataclass
class Route:
    name: str
    budding: Law
    cargo: list               # [(donor index, acceptor index)]
    capture: object
    fusion_rate: object


@dataclass
class Problem:
    species: list             # names, in model file order
    initial: np.ndarray       # after events at t = 0
    parameters: dict          # name -> value
    reactions: list           # [(Law, reactants, products)], each side [(species index, count)]
    routes: list
    t_end: float
    output_interval: float
    rtol: float
    atol: float

    def value(self, ref) -> float:
        return float(self.parameters[ref]) if isinstance(ref, str) else float(ref)


def parse_side(side: str, index: dict) -> list:
    out: dict[int, int] = {}
    side = side.strip()
    if not side:
        return []
    for term in side.split("+"):
        term = term.strip()
        digits = len(term) - len(term.lstrip("0123456789"))
        count = int(term[:digits]) if digits else 1
        name = term[digits:].strip()
        if name not in index:
            raise Unsupported(f"unknown species '{name}' in equation '{side}'")
        out[index[name]] = out.get(index[name], 0) + count
    return list(out.items())


def read_law(t: dict, index: dict) -> Law:
    kind = t.get("law", "mass_action")
    law = Law(kind)
    if kind == "mass_action":
        law.k = t["k"]
    elif kind in ("michaelis_menten", "hill"):
        law.vmax, law.km = t["vmax"], t["km"]
        if kind == "hill":
            law.n = t["n"]
    else:
        raise Unsupported(f"law '{kind}'")
    if "substrate" in t:
        law.substrate = index[t["substrate"]]
    return law


def resolve_model_path(ref: str, params_path: Path) -> Path:
    if "/" in ref or ref.endswith(".toml"):
        p = Path(ref)
        return p if p.is_absolute() else params_path.parent / p
    dirs = [d for d in os.environ.get("EGRESS_MODEL_PATH", "").split(":") if d] + [str(REPO / "models")]
    for d in dirs:
        p = Path(d) / f"{ref}.toml"
        if p.is_file():
            return p
    raise Unsupported(f"no built-in model named '{ref}'")


def load_problem(params_path: Path) -> Problem:
    params = tomllib.loads(params_path.read_text())
    ref = params["model"]
    model = ref if isinstance(ref, dict) else tomllib.loads(resolve_model_path(ref, params_path).read_text())

    species = list(model["species"])
    index = {name: i for i, name in enumerate(species)}
    initial = np.array([float(model["species"][s].get("initial", 0.0)) for s in species])

    values: dict[str, float] = {}
    for source in (model.get("parameters", {}), params.get("parameters", {})):
        for name, p in source.items():
            values[name] = float(p["value"] if isinstance(p, dict) else p)

    reactions = []
    for r in model.get("reactions", []):
        lhs, rhs = r["equation"].split("->")
        reactants, products = parse_side(lhs, index), parse_side(rhs, index)
        law = read_law(r, index)
        if law.kind == "mass_action":
            law.order = reactants
        elif law.substrate is None:
            law.substrate = reactants[0][0]
        reactions.append((law, reactants, products))

    routes = []
    for v in model.get("vesicles", []):
        if float(v.get("delay", 0.0)) != 0.0:
            raise Unsupported(f"route '{v['name']}' has delay = {v['delay']}; only delay == 0 is built here")
        law = read_law(v["budding"], index)
        if law.kind == "mass_action" and law.substrate is not None:
            law.order = [(law.substrate, 1)]
        elif law.kind != "mass_action" and law.substrate is None:
            raise Unsupported(f"route '{v['name']}': {law.kind} budding needs a substrate")
        cargo = [(index[d], index[a]) for d, a in v.get("cargo", {}).items()]
        routes.append(Route(v["name"], law, cargo, v.get("capture", 0.0), v["fusion_rate"]))

    if params.get("perturbations"):
        raise Unsupported("perturbations are not built here")
    for e in params.get("events", []):
        if float(e["at"]) != 0.0:
            raise Unsupported(f"event at t = {e['at']}; only events at t = 0 are built here")
        for name, amount in e.get("add", {}).items():
            initial[index[name]] += float(amount)
        for name, amount in e.get("set", {}).items():
            initial[index[name]] = float(amount)

    sim = params["simulation"]
    if sim.get("method", "ode") != "ode":
        raise Unsupported(f"method '{sim['method']}'; this benchmark is about the ode method")
    return Problem(species, initial, values, reactions, routes, float(sim["t_end"]),
                   float(sim["output_interval"]), float(sim.get("rtol", 1e-6)), float(sim.get("atol", 1e-9)))


# ---- the mean-flux ODE in numpy ------------------------------------------------------------------

def build_rhs(pb: Problem):
    """State: species, then per route [vesicles, cargo_1..k, budded, fused] (MeanFluxSystem layout)."""
    S = len(pb.species)
    stoich = np.zeros((S, len(pb.reactions)))
    for j, (_, reactants, products) in enumerate(pb.reactions):
        for i, c in reactants:
            stoich[i, j] -= c
        for i, c in products:
            stoich[i, j] += c

    def compile_law(law: Law):
        if law.kind == "mass_action":
            k = pb.value(law.k)
            terms = [(i, c, float(math.factorial(c))) for i, c in law.order]
            if not terms:
                return lambda x: k
            if terms == [(terms[0][0], 1, 1.0)]:
                i0 = terms[0][0]
                return lambda x: k * x[i0]

            def rate(x):
                r = k
                for i, c, f in terms:
                    r *= x[i] ** c / f
                return r
            return rate
        vmax, km, s = pb.value(law.vmax), pb.value(law.km), law.substrate
        if law.kind == "michaelis_menten":
            return lambda x: vmax * x[s] / (km + x[s])
        n = pb.value(law.n)
        kn = km ** n
        return lambda x: vmax * x[s] ** n / (kn + x[s] ** n)

    reaction_rates = [compile_law(law) for law, _, _ in pb.reactions]
    blocks = []
    offset = S
    for r in pb.routes:
        width = 1 + len(r.cargo)
        donors = np.array([d for d, _ in r.cargo], dtype=int)
        acceptors = np.array([a for _, a in r.cargo], dtype=int)
        blocks.append((offset, width, compile_law(r.budding), pb.value(r.capture), pb.value(r.fusion_rate),
                       donors, acceptors))
        offset += width + 2
    n = offset

    def rhs(_t, x):
        dx = np.zeros(n)
        if reaction_rates:
            dx[:S] = stoich @ np.array([f(x) for f in reaction_rates])
        for off, width, bud_rate, capture, fusion, donors, acceptors in blocks:
            bud = bud_rate(x)
            load = bud * capture * x[donors]
            out = fusion * x[off:off + width]
            np.subtract.at(dx, donors, load)
            dx[off] += bud - out[0]
            dx[off + 1:off + width] += load - out[1:]
            np.add.at(dx, acceptors, out[1:])
            dx[off + width] += bud        # budded
            dx[off + width + 1] += out[0]  # fused
        return dx

    x0 = np.zeros(n)
    x0[:S] = pb.initial
    return rhs, x0


def sample_times(pb: Problem) -> np.ndarray:
    steps = int(round(pb.t_end / pb.output_interval))
    return np.array([i * pb.output_interval for i in range(steps + 1)])


def solve_scipy(pb: Problem, rhs, x0, t_eval):
    sol = solve_ivp(rhs, (0.0, pb.t_end), x0, method="LSODA", rtol=pb.rtol, atol=pb.atol, t_eval=t_eval)
    if not sol.success:
        raise RuntimeError(f"scipy LSODA failed: {sol.message}")
    return sol


# ---- egress ------------------------------------------------------------------------------------

def run_benchmark(bench_bin: Path, params_path: Path, repetitions: int) -> dict:
    """Median wall time per run (s) of each egress stepper, from Google Benchmark's JSON."""
    env = dict(os.environ, EGRESS_BENCH_PARAMS=str(params_path.resolve()))
    out = subprocess.run([str(bench_bin), "--benchmark_format=json", f"--benchmark_repetitions={repetitions}"],
                         check=True, capture_output=True, text=True, env=env)
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    runs: dict[str, list] = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        if b.get("error_occurred"):
            raise RuntimeError(f"{b['name']}: {b.get('error_message')}")
        if b.get("run_type", "iteration") == "iteration":
            runs.setdefault(b["run_name"].split("/")[-1], []).append(b["real_time"] * scale[b["time_unit"]])
    return {stepper: statistics.median(times) for stepper, times in runs.items()}


def egress_amounts(egress_bin: Path, params_path: Path, workdir: Path, stepper: str | None = None):
    """Run `egress run` (optionally forcing a stepper via the resolved TOML) and read /amounts."""
    out = workdir / f"egress_{stepper or 'default'}.h5"
    if stepper is None:
        subprocess.run([str(egress_bin), "run", str(params_path), "-o", str(out), "--quiet"], check=True)
    else:
        # The first run's /input/resolved is the whole run with the model inline; only the stepper changes.
        with h5py.File(workdir / "egress_default.h5") as f:
            resolved = f["input/resolved"][()].decode()
        if resolved.count("stepper = 'auto'") != 1:
            raise RuntimeError("cannot find stepper = 'auto' in /input/resolved")
        forced = workdir / f"forced_{stepper}.toml"
        forced.write_text(resolved.replace("stepper = 'auto'", f"stepper = '{stepper}'"))
        subprocess.run([str(egress_bin), "run", str(forced), "-o", str(out), "--quiet"], check=True)
    with h5py.File(out) as f:
        names = [s.decode() if isinstance(s, bytes) else s for s in f["species"][:]]
        return names, f["time"][:], f["amounts"][0], f.attrs["stepper"]


def max_relative_difference(reference: np.ndarray, other: np.ndarray) -> float:
    scale = np.maximum(np.abs(reference), np.abs(other))
    mask = scale > AGREEMENT_FLOOR
    if not mask.any():
        raise RuntimeError(f"no sample above {AGREEMENT_FLOOR} molecules to compare")
    return float(np.max(np.abs(reference - other)[mask] / scale[mask]))


# ---- main --------------------------------------------------------------------------------------

def fmt_time(seconds: float) -> str:
    return f"{seconds * 1e6:10.1f} us" if seconds < 1e-2 else f"{seconds * 1e3:10.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench_bin", type=Path, help="egress_bench_ode (Google Benchmark binary)")
    ap.add_argument("egress_bin", type=Path, help="the egress program, for the agreement check")
    ap.add_argument("--params", type=Path, default=REPO / "params" / "default.toml")
    ap.add_argument("--repeats", type=int, default=30, help="timed scipy runs (median reported)")
    ap.add_argument("--bench-repetitions", type=int, default=10, help="Google Benchmark --benchmark_repetitions")
    args = ap.parse_args()

    try:
        pb = load_problem(args.params)
    except Unsupported as e:
        print(f"error: {args.params}: not supported by this benchmark: {e}", file=sys.stderr)
        return 2
    rhs, x0 = build_rhs(pb)
    t_eval = sample_times(pb)
    print(f"model: {args.params} ({len(pb.species)} species, {len(pb.reactions)} reactions, "
          f"{len(pb.routes)} routes, {len(x0)} ODE states), t_end = {pb.t_end:g} s, "
          f"{len(t_eval)} samples, rtol = {pb.rtol:g}, atol = {pb.atol:g}")

    # scipy: one warm-up run, then `repeats` timed runs.
    sol = solve_scipy(pb, rhs, x0, t_eval)
    scipy_times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        solve_scipy(pb, rhs, x0, t_eval)
        scipy_times.append(time.perf_counter() - t0)
    scipy_median = statistics.median(scipy_times)
    calls = 2000
    t0 = time.perf_counter()
    for _ in range(calls):
        rhs(0.0, x0)
    rhs_cost = (time.perf_counter() - t0) / calls

    egress = run_benchmark(args.bench_bin, args.params, args.bench_repetitions)
    missing = {"dopri5", "rosenbrock4"} - egress.keys()
    if missing:
        print(f"error: benchmark output lacks {sorted(missing)}", file=sys.stderr)
        return 1

    print(f"\nwall time per run (median; scipy {args.repeats} runs, egress {args.bench_repetitions} "
          f"Google Benchmark repetitions)")
    print(f"  {'solver':<22}{'time/run':>14}{'scipy/egress':>15}")
    for stepper in ("dopri5", "rosenbrock4"):
        t = egress[stepper]
        print(f"  {'egress ' + stepper:<22}{fmt_time(t):>14}{scipy_median / t:>14.1f}x")
    print(f"  {'scipy LSODA':<22}{fmt_time(scipy_median):>14}{'1.0x':>15}")
    print(f"  (scipy {scipy.__version__}, numpy {np.__version__}; LSODA: {sol.nfev} rhs evaluations, "
          f"{sol.njev} Jacobians; scipy min/max {fmt_time(min(scipy_times)).strip()} / "
          f"{fmt_time(max(scipy_times)).strip()})")
    print(f"  (one numpy rhs call costs {rhs_cost * 1e6:.1f} us: {sol.nfev} calls are "
          f"{100 * sol.nfev * rhs_cost / scipy_median:.0f} % of the LSODA time)")

    # Agreement: egress run (its default stepper, then rosenbrock4 forced) against scipy.
    print("\nagreement of egress run /amounts with scipy LSODA "
          f"(max relative difference over samples > {AGREEMENT_FLOOR:g} molecule)")
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="egress_bench_") as tmp:
        for forced in (None, "rosenbrock4"):
            names, times, amounts, used = egress_amounts(args.egress_bin, args.params, Path(tmp), forced)
            if not np.allclose(times, t_eval, rtol=0, atol=1e-9):
                raise RuntimeError("egress and scipy output grids differ")
            reference = sol.y[[pb.species.index(s) for s in names]].T  # [T, S] in egress's species order
            d = max_relative_difference(reference, amounts)
            worst = max(worst, d)
            label = f"egress run (stepper {used}{', forced' if forced else ', auto'})"
            print(f"  {label:<40}{d:10.2e}")
    if worst > AGREEMENT_LIMIT:
        print(f"FAIL: egress and scipy differ by {worst:.2e} > {AGREEMENT_LIMIT:g}", file=sys.stderr)
        return 1
    print(f"  ok (limit {AGREEMENT_LIMIT:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
