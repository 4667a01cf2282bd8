"""Validation figures: simulation against the published numbers (docs/validation.md, V1, V2, V5).

    /usr/bin/python3 examples/validation/plot_validation.py [--egress build/release/bin/egress] [--out results/validation]

V1 (Hirschberg et al. 1998): ER, Golgi and post-Golgi fractions of the three-compartment chain
(params/vsvg_ts045.toml, ode and 100 ssa cells) and of the standard model with its carriers
(examples/validation/v1_hirschberg_standard.toml, ode, ssa, hybrid), with the published
fractions at 30, 60 and 120 min. V2 (Patterson et al. 2008): Golgi content on a log scale after
filling the Golgi (examples/validation/v2_golgi_exit.toml), against exp(-k t), k = 3.0 %/min,
and the lagging conveyor counter-case. V5 (rat hepatocytes): albumin secreted after a pulse at
37, 20 and 16 C (params/albumin_hepatocyte.toml with params/scenarios/hepatocyte_20C.toml and
hepatocyte_16C.toml), against the published lag and t1/2. V8 (beta cell): insulin granule fusion
after a glucose step (params/insulin_beta_cell.toml), wild type and Syntaxin-1A KO
(params/scenarios/syntaxin1a_ko.toml), against the published phases. Writes
V6 (Sciaky et al. 1997): the Golgi's content after Brefeldin A (examples/validation/v6_brefeldin_a.toml
with params/scenarios/brefeldin_a.toml), against the published tubule phase and collapse time.
Writes v1_hirschberg.{png,svg}, v2_golgi_exit.{png,svg}, v5_temperature.{png,svg},
v6_brefeldin_a.{png,svg}, v8_insulin.{png,svg} and prints the agreement."""
from __future__ import annotations

import argparse
import pathlib
import subprocess
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import validation_common as vc  # noqa: E402


def egress_run(egress: str, params: pathlib.Path, out: pathlib.Path, method: str, replicates: int,
               scenario: pathlib.Path | None = None) -> dict:
    extra = ["--scenario", str(scenario)] if scenario is not None else []
    subprocess.run([egress, "run", str(params), "-o", str(out), "--quiet", "--method", method,
                    "--replicates", str(replicates), "--seed", "1998", *extra], check=True)
    return vc.read(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--egress", default=str(ROOT / "build" / "release" / "bin" / "egress"))
    parser.add_argument("--out", default=str(ROOT / "results" / "validation"))
    parser.add_argument("--replicates", type=int, default=100)
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="egress-validation-"))

    # V1
    runs = {"chain, ode": (ROOT / "params/vsvg_ts045.toml", "ode", 1),
            f"chain, ssa ({args.replicates} cells)": (ROOT / "params/vsvg_ts045.toml", "ssa", args.replicates),
            "standard model, ode": (HERE / "v1_hirschberg_standard.toml", "ode", 1),
            f"standard model, ssa ({args.replicates} cells)": (HERE / "v1_hirschberg_standard.toml", "ssa", args.replicates),
            f"standard model, hybrid ({args.replicates // 4} cells)": (HERE / "v1_hirschberg_standard.toml", "hybrid", args.replicates // 4)}
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    styles = ["-", ":", "--", "-.", (0, (1, 3))]
    print("V1 Hirschberg fractions (ER / Golgi / post-Golgi), largest deviation from the published values:")
    for (label, (params, method, reps)), style in zip(runs.items(), styles):
        r = egress_run(args.egress, params, work / f"v1_{len(list(work.iterdir()))}.h5", method, reps)
        frac = vc.hirschberg_fractions(r).mean(axis=0)
        worst = max(abs(frac[int(m), j] - vc.HIRSCHBERG[m][j]) for m in vc.HIRSCHBERG for j in range(3))
        print(f"  {label:40s} {worst:.4f}")
        for j, ax in enumerate(axes):
            ax.plot(r["t_min"], frac[:, j], linestyle=style, label=label)
    for j, (ax, title) in enumerate(zip(axes, ("ER", "Golgi", "post-Golgi (PM + degraded)"))):
        ax.plot(list(vc.HIRSCHBERG), [v[j] for v in vc.HIRSCHBERG.values()], "ko", label="Hirschberg 1998 (derived)")
        ax.set_title(title)
        ax.set_xlabel("time after release (min)")
    axes[0].set_ylabel("fraction of the cargo")
    axes[2].legend(fontsize=7)
    fig.suptitle("V1: VSVG ts045 wave, simulation vs Hirschberg et al. 1998 (k = 2.8, 3.0, 0.25 %/min)")
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(out / f"v1_hirschberg.{ext}", dpi=120)
    plt.close(fig)

    # V2
    fig, ax = plt.subplots(figsize=(6, 4))
    print("V2 Golgi exit: fitted k (%/min), A/N (1 = no lag), R^2 of one exponential:")
    conveyor = work / "conveyor.toml"
    conveyor.write_text(vc.CONVEYOR_PARAMS)
    for label, (params, method, reps) in {"standard model, ode": (HERE / "v2_golgi_exit.toml", "ode", 1),
                                          f"standard model, ssa ({args.replicates} cells)": (HERE / "v2_golgi_exit.toml", "ssa", args.replicates),
                                          "conveyor of 4 cisternae (counter-case)": (conveyor, "ode", 1)}.items():
        r = egress_run(args.egress, params, work / f"v2_{len(list(work.iterdir()))}.h5", method, reps)
        g = vc.golgi_content(r).mean(axis=0)
        k, a, r2 = vc.exponential_fit(60.0 * r["t_min"], g)
        print(f"  {label:40s} k = {6000 * k:.3f} %/min, A/N = {a / g[0]:.4f}, R^2 = {r2:.5f}")
        ax.semilogy(r["t_min"], g / g[0], label=f"{label}: R$^2$ = {r2:.4f}")
    t = np.linspace(0, 120, 121)
    ax.semilogy(t, np.exp(-vc.K_GOLGI_EXIT * 60 * t), "k--", label="exp(-k t), k = 3.0 %/min (Hirschberg 1998)")
    ax.set_xlabel("time after the Golgi is filled (min)")
    ax.set_ylabel("Golgi content / initial")
    ax.set_title("V2: Golgi exit without lag (Patterson et al. 2008)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(out / f"v2_golgi_exit.{ext}", dpi=120)
    plt.close(fig)

    # V5
    fig, ax = plt.subplots(figsize=(7, 4.5))
    print("V5 albumin secretion by temperature: fitted lag and t1/2 (min) against the published values:")
    albumin, scenarios = ROOT / "params/albumin_hepatocyte.toml", ROOT / "params/scenarios"
    cells = max(args.replicates // 4, 4)
    for celsius, scenario, colour in ((37, None, "C0"), (20, scenarios / "hepatocyte_20C.toml", "C1"),
                                      (16, scenarios / "hepatocyte_16C.toml", "C2")):
        for method, reps, style in (("ode", 1, "-"), ("ssa", cells, ":")):
            r = egress_run(args.egress, albumin, work / f"v5_{len(list(work.iterdir()))}.h5", method, reps, scenario)
            fraction = vc.secreted_fraction(r)
            label = f"{celsius} C, {method}" + (f" ({reps} cells)" if method != "ode" else "")
            ax.plot(r["t_min"], fraction, style, color=colour, label=label)
            if celsius in vc.ALBUMIN_SECRETION:
                lag, half = vc.lag_and_half_time(r["t_min"], fraction)
                print(f"  {label:28s} lag {lag:6.1f} (published {vc.ALBUMIN_SECRETION[celsius][0]:.0f}), "
                      f"t1/2 {half:6.1f} (published {vc.ALBUMIN_SECRETION[celsius][1]:.0f})")
            else:
                i = int(np.argmin(np.abs(r["t_min"] - vc.ALBUMIN_NONE_UNTIL_16C)))
                print(f"  {label:28s} secreted by {vc.ALBUMIN_NONE_UNTIL_16C:.0f} min: {fraction[i]:.4f} (published: none)")
        if celsius in vc.ALBUMIN_SECRETION:
            t = np.linspace(0, 600, 601)
            ax.plot(t, vc.lag_then_exponential(t, *vc.ALBUMIN_SECRETION[celsius]), "--", color="k", lw=0.8,
                    label=f"published {celsius} C: lag {vc.ALBUMIN_SECRETION[celsius][0]:.0f}, "
                          f"t1/2 {vc.ALBUMIN_SECRETION[celsius][1]:.0f} min" )
    ax.plot([0, vc.ALBUMIN_NONE_UNTIL_16C], [0, 0], "kx", label="published 16 C: none in 270 min")
    ax.set_xlabel("chase (min)")
    ax.set_ylabel("fraction of the pulse secreted")
    ax.set_title("V5: albumin secretion by rat hepatocytes at 37, 20, 16 C")
    ax.legend(fontsize=7)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(out / f"v5_temperature.{ext}", dpi=120)
    plt.close(fig)

    # V6
    fig, (whole, zoom) = plt.subplots(1, 2, figsize=(12, 4.5))
    print("V6 Brefeldin A at 20 min: collapse delay (min, published 5-10) and 10-90 % width (s, published 15-30):")
    for method, reps, style in (("ode", 1, "-"), ("ssa", cells, ":")):
        r = egress_run(args.egress, HERE / "v6_brefeldin_a.toml", work / f"v6_{len(list(work.iterdir()))}.h5", method, reps,
                       scenarios / "brefeldin_a.toml")
        golgi, er = vc.golgi_content(r).mean(axis=0), r["amount"]["cargo_ER"].mean(axis=0)
        delay, width = vc.collapse_timing(r["t_min"], golgi, 20.0)
        name = method + (f" ({reps} cells)" if method != "ode" else "")
        print(f"  {name:16s} delay {delay:5.2f} min, width {width:5.1f} s")
        for ax in (whole, zoom):
            ax.plot(r["t_min"], golgi, style, color="C0", label=f"Golgi, {name}")
            ax.plot(r["t_min"], er, style, color="C1", label=f"ER, {name}")
    whole.axvspan(20.0, 80.0, color="0.93", zorder=0, label="BFA (20-80 min)")
    whole.axvspan(20.0 + vc.BFA_TUBULE_PHASE_MIN[0], 20.0 + vc.BFA_TUBULE_PHASE_MIN[1], color="0.8", zorder=0,
                  label="published collapse after 5-10 min")
    zoom.set_xlim(27.0, 29.0)
    zoom.set_title("the collapse (published: within 15-30 s)")
    for ax in (whole, zoom):
        ax.set_xlabel("time (min)")
        ax.set_ylabel("molecules")
    whole.legend(fontsize=7)
    fig.suptitle("V6: Brefeldin A collapses the Golgi into the ER (Sciaky et al. 1997)")
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(out / f"v6_brefeldin_a.{ext}", dpi=120)
    plt.close(fig)

    # V8
    fig, (cumulative, rate) = plt.subplots(1, 2, figsize=(12, 4.5))
    print("V8 insulin granules after the glucose step at 10 min: first phase (granules above the second-phase line"
          " by 25 min) and second phase (granules/min, 40-60 min):")
    insulin = ROOT / "params/insulin_beta_cell.toml"
    for label, scenario, colour in (("wild type", None, "C0"), ("Syntaxin-1A KO", scenarios / "syntaxin1a_ko.toml", "C3")):
        for method, reps, style in (("ode", 1, "-"), ("ssa", args.replicates, ":")):
            r = egress_run(args.egress, insulin, work / f"v8_{len(list(work.iterdir()))}.h5", method, reps, scenario)
            fused = r["amount"]["granule_fused"].mean(axis=0)
            first, second = vc.insulin_phases(r["t_min"], fused)
            name = f"{label}, {method}" + (f" ({reps} cells)" if method != "ode" else "")
            print(f"  {name:32s} first phase {first:5.1f} granules, second phase {second:4.2f} /min")
            cumulative.plot(r["t_min"], fused, style, color=colour, label=name)
            rate.plot(0.5 * (r["t_min"][1:] + r["t_min"][:-1]), np.diff(fused) / np.diff(r["t_min"]), style,
                      color=colour, label=name)
    low, high = vc.INSULIN_FIRST_PHASE
    cumulative.axvspan(vc.INSULIN_STEP_MIN, vc.INSULIN_STEP_MIN + 15, color="0.9", zorder=0,
                       label=f"published first phase: {low:.0f}-{high:.0f} granules within 10-15 min")
    rate.axhline(vc.INSULIN_SECOND_PHASE, color="k", ls="--", lw=0.8,
                 label=f"published second phase ~{vc.INSULIN_SECOND_PHASE:.0f} granules/min")
    cumulative.set_ylabel("granules fused per cell")
    rate.set_ylabel("fusion rate (granules/min)")
    for ax in (cumulative, rate):
        ax.set_xlabel("time (min; glucose 16.7 mM from 10 min)")
        ax.legend(fontsize=7)
    fig.suptitle("V8: biphasic insulin secretion and the Syntaxin-1A knock-out")
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(out / f"v8_insulin.{ext}", dpi=120)
    plt.close(fig)
    print(f"figures in {out}")


if __name__ == "__main__":
    main()
