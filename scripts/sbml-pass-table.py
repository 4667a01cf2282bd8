#!/usr/bin/python3
"""Runs SBML test suite cases through egress and prints the pass table (docs/sbml.md).

Each case: `egress import`-equivalent load of the case's SBML model (model = "NNNNN-sbml-l3v2.xml" in a
generated parameter file; --level picks the level and version, by default the newest the case
has), a run with the case's settings, and the suite's comparison:

- stochastic cases (ssa, --replicates, default 10,000, fixed --seed): per time point
  Z_t = sqrt(n) (mean_t - mu_t) / sigma_t must lie in the settings' meanRange and
  Y_t = sqrt(n/2) (S_t^2 / sigma_t^2 - 1) in sdRange (at points with sigma_t = 0 the simulated
  mean must equal the expected one and the sd be 0); --allow K lets K points per variable and
  statistic fall outside, --kurtosis-y uses Y_t = (S_t^2 - sigma_t^2) / sqrt((m4_t - sigma_t^4)/n)
  with the sample's fourth central moment m4_t (docs/sbml.md, "False failures");
- semantic cases (ode): every point |x - e| <= absolute + relative |e| with the case's tolerances.

A case is `unsupported` when egress refuses its model (exit status 2, with the message), `failed`
when it runs and the comparison fails (or the run fails), `passed` otherwise.

  scripts/sbml-pass-table.py --egress build/release/bin/egress --suite DIR stochastic 1-100
  scripts/sbml-pass-table.py ... --case 00001 stochastic     # one case; exit 0 passed, 1 failed, 77 unsupported
"""
import argparse
import collections
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
import xml.etree.ElementTree as ET

import h5py
import numpy as np

# The components and test tags of the SBML core that egress's import covers (docs/sbml.md).
IN_SCOPE_COMPONENTS = {"Compartment", "Species", "Reaction", "Parameter", "FunctionDefinition", "CSymbolTime",
                       "CSymbolAvogadro", "EventNoDelay", "EventWithDelay", "EventPriority",
                       "AssignmentRule", "RateRule", "InitialAssignment"}
OUT_OF_SCOPE_TESTS = {"FastReaction", "MultipleFastReactions", "ConversionFactors", "NonConstantCompartment",
                      "SpeciesReferenceInMath", "AssignedConstantStoichiometry", "AssignedVariableStoichiometry",
                      "RandomEventExecution", "0D-Compartment"}


def read_settings(path):
    out = {}
    for line in open(path):
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def read_tags(path):
    tags = {"componentTags": [], "testTags": [], "testType": "", "packagesPresent": []}
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"\s*(componentTags|testTags|testType|packagesPresent):\s*(.*)", line)
        if m:
            v = m.group(2).strip()
            tags[m.group(1)] = v if m.group(1) == "testType" else [t.strip() for t in v.split(",") if t.strip()]
    return tags


def in_scope(tags):
    return (tags["testType"] == "TimeCourse" and not tags["packagesPresent"]
            and set(tags["componentTags"]) <= IN_SCOPE_COMPONENTS
            and not (set(tags["testTags"]) & OUT_OF_SCOPE_TESTS))


def names_list(s):
    return [x.strip() for x in s.split(",") if x.strip()]


def sbml_constants(xml_path):
    """Compartment sizes, species compartments, and constant values of parameters/compartments."""
    root = ET.parse(xml_path).getroot()
    ns = {"s": root.tag[1:].split("}")[0]} if root.tag.startswith("{") else {"s": ""}
    def all_of(tag):
        return root.iter("{%s}%s" % (ns["s"], tag)) if ns["s"] else root.iter(tag)
    sizes = {c.get("id"): float(c.get("size")) for c in all_of("compartment") if c.get("size") is not None}
    species = {s.get("id"): s.get("compartment") for s in all_of("species")}
    values = dict(sizes)
    for p in all_of("parameter"):
        if p.get("value") is not None:
            values[p.get("id")] = float(p.get("value"))
    return sizes, species, values


def run_egress(egress, xml, method, t_end, interval, replicates, seed, workdir, extra=""):
    params = os.path.join(workdir, "params.toml")
    out = os.path.join(workdir, "out.h5")
    with open(params, "w") as f:
        f.write('model = "%s"\n[simulation]\nmethod = "%s"\nt_end = %r\noutput_interval = %r\nreplicates = %d\nseed = %d\n%s'
                % (os.path.abspath(xml), method, float(t_end), float(interval), replicates, seed, extra))
    r = subprocess.run([egress, "run", params, "-o", out, "-q"], capture_output=True, text=True)
    if r.returncode != 0:
        return r.returncode, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "exit %d" % r.returncode, None
    with h5py.File(out, "r") as h:
        species = [s.decode() if isinstance(s, bytes) else str(s) for s in h["species"][...]]
        data = {"time": h["time"][...], "amounts": h["amounts"][...], "species": species}
        # The parameter values of the run: an initial assignment may have set them.
        if "parameters" in h:
            names = [s.decode() if isinstance(s, bytes) else str(s) for s in h["parameters/parameter"][...]]
            data["parameters"] = dict(zip(names, (float(v) for v in h["parameters/value"][...])))
    os.remove(out)
    return 0, "", data


def read_results(path):
    header = [h.strip() for h in open(path).readline().strip().split(",")]
    table = np.genfromtxt(path, delimiter=",", skip_header=1)
    return header, np.atleast_2d(table)


def stochastic_case(args, case, d, settings, workdir):
    xml = model_file(d, case, args.level)
    start, duration, steps = float(settings["start"]), float(settings["duration"]), int(settings["steps"])
    if start != 0.0:
        return "unsupported", "start != 0"
    rc, msg, data = run_egress(args.egress, xml, "ssa", duration, duration / steps, args.replicates, args.seed, workdir)
    if rc == 2:
        return "unsupported", msg
    if rc != 0:
        return "failed", msg
    header, table = read_results(os.path.join(d, case + "-results.csv"))
    lo_z, hi_z = map(float, re.findall(r"[-0-9.eE+]+", settings["meanRange"]))
    lo_y, hi_y = map(float, re.findall(r"[-0-9.eE+]+", settings["sdRange"]))
    n = args.replicates
    bad, bad_points = [], []
    worst = 0.0
    for var in names_list(settings["variables"]):
        if var not in data["species"]:
            return "unsupported", "variable %s is not a species" % var
        x = data["amounts"][:, :, data["species"].index(var)]
        mean, sd = x.mean(axis=0), x.std(axis=0, ddof=1)
        mu, sigma = table[:, header.index(var + "-mean")], table[:, header.index(var + "-sd")]
        zf = yf = 0
        for t in range(len(mu)):
            if sigma[t] == 0.0:
                if abs(mean[t] - mu[t]) > 1e-9 * max(1.0, abs(mu[t])) or sd[t] != 0.0:
                    zf += 1
                continue
            z = math.sqrt(n) * (mean[t] - mu[t]) / sigma[t]
            y = math.sqrt(n / 2.0) * (sd[t] ** 2 / sigma[t] ** 2 - 1.0)
            if args.kurtosis_y:
                # The suite's Y assumes normal data: Var(S^2) = 2 sigma^4 / n. In general it is
                # (mu4 - sigma^4) / n; with the sample's fourth central moment for mu4.
                m4 = float(np.mean((x[:, t] - mean[t]) ** 4))
                if m4 > sigma[t] ** 4:
                    y = (sd[t] ** 2 - sigma[t] ** 2) / math.sqrt((m4 - sigma[t] ** 4) / n)
            worst = max(worst, abs(z) / hi_z, abs(y) / hi_y)
            if not (lo_z < z < hi_z) and os.environ.get("SBML_DEBUG"): print(var, t, z, file=sys.stderr)
            zf += not (lo_z < z < hi_z)
            yf += not (lo_y < y < hi_y)
        if zf or yf:
            bad_points.append("%s %d Z, %d Y" % (var, zf, yf))
        if zf > args.allow or yf > args.allow:
            bad.append("%s: %d Z and %d Y of %d points out of range" % (var, zf, yf, len(mu)))
    if bad:
        return "failed", "; ".join(bad)
    return "passed", "largest |Z|/3 or |Y|/5: %.2f%s" % (worst, "" if not bad_points else "; out of range: " + ", ".join(bad_points))


def semantic_case(args, case, d, settings, workdir):
    xml = model_file(d, case, args.level)
    if not os.path.exists(xml):
        return "unsupported", "no %s model" % args.level.upper()
    start, duration, steps = float(settings["start"]), float(settings["duration"]), int(settings["steps"])
    if start != 0.0:
        return "unsupported", "start != 0"
    extra = "rtol = 1e-10\natol = 1e-16\n"
    rc, msg, data = run_egress(args.egress, xml, "ode", duration, duration / steps, 1, 1, workdir, extra)
    if rc == 2:
        return "unsupported", msg
    if rc != 0:
        return "failed", msg
    sizes, species_comp, values = sbml_constants(xml)
    header, table = read_results(os.path.join(d, case + "-results.csv"))
    atol, rtol = float(settings.get("absolute") or 0), float(settings.get("relative") or 0)
    conc = set(names_list(settings.get("concentration", "")))
    worst = 0.0
    for var in names_list(settings["variables"]):
        expected = table[:, 1 + header[1:].index(var)]  # the first column is time, whatever a variable is called (01820: "Time")
        if var in data["species"]:
            got = data["amounts"][0, :, data["species"].index(var)].astype(float)
            if var in conc:
                # A size that an initial assignment sets is a parameter of the compartment's name.
                # One that an assignment rule sets is a species of that name (its course).
                comp = species_comp[var]
                if comp in data["species"]:
                    got = got / data["amounts"][0, :, data["species"].index(comp)].astype(float)
                else:
                    got = got / data.get("parameters", {}).get(comp, sizes.get(comp))
        elif var in data.get("parameters", {}):
            # Constant during the run: the import writes a parameter that a rule or an event changes as a species.
            got = np.full(len(expected), data["parameters"][var])
        elif var in values:
            got = np.full(len(expected), values[var])  # compartment sizes: the import refuses any that change
        else:
            return "unsupported", "variable %s is neither a species nor a constant" % var
        if len(got) != len(expected):
            return "failed", "%s: %d points, expected %d" % (var, len(got), len(expected))
        err = np.abs(got - expected) / (atol + rtol * np.abs(expected))
        worst = max(worst, float(np.nanmax(err)))
        if not np.all(err <= 1.0):
            i = int(np.argmax(err))
            return "failed", "%s at t=%g: %g, expected %g" % (var, table[i, 0], got[i], expected[i])
    return "passed", "largest error / tolerance: %.2g" % worst


LEVELS = ["l3v2", "l3v1", "l2v5", "l2v4", "l2v3", "l2v2", "l2v1"]  # newest first


def model_file(d, case, level):
    """The case's model in `level`, or with level "newest" the newest level and version it has
    (a few cases exist in Level 2 or L3V1 only; SBML Level 1 is not imported)."""
    for lv in (LEVELS if level == "newest" else [level]):
        path = os.path.join(d, "%s-sbml-%s.xml" % (case, lv))
        if os.path.exists(path) or level != "newest":
            return path
    return os.path.join(d, "%s-sbml-%s.xml" % (case, LEVELS[0]))


def case_ids(spec, kind, suite):
    if not spec:
        return sorted(os.listdir(os.path.join(suite, kind)))
    out = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out += ["%05d" % i for i in range(int(a), int(b or a) + 1)]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--egress", required=True)
    ap.add_argument("--suite", required=True, help="folder with stochastic/ and semantic/ case folders")
    ap.add_argument("--replicates", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--allow", type=int, default=0,
                    help="out-of-range points a variable may have per statistic (0: the suite's rule, every point in range)")
    ap.add_argument("--kurtosis-y", action="store_true",
                    help="Y_t with the sample's fourth moment instead of the normal one (the suite's Y fails on skewed data)")
    ap.add_argument("--level", default="newest", choices=["newest"] + LEVELS,
                    help="which of the case's SBML files to run (default: the newest level and version it has)")
    ap.add_argument("--case", help="run one case and exit 0 (passed), 1 (failed) or 77 (unsupported)")
    ap.add_argument("--verbose", "-v", action="store_true", help="a line per case")
    ap.add_argument("--jobs", "-j", type=int, default=1, help="cases run at once (each egress run is one process)")
    ap.add_argument("kind", choices=["stochastic", "semantic"])
    ap.add_argument("cases", nargs="?", default="", help="ranges such as 1-100 (default: every case in the suite)")
    args = ap.parse_args()
    run = stochastic_case if args.kind == "stochastic" else semantic_case
    ids = [args.case] if args.case else case_ids(args.cases, args.kind, args.suite)
    printing = threading.Lock()

    def one(case):
        d = os.path.join(args.suite, args.kind, case)
        if not os.path.isdir(d):
            return None
        tags = read_tags(os.path.join(d, case + "-model.m"))
        settings = read_settings(os.path.join(d, case + "-settings.txt"))
        if tags["testType"] not in ("TimeCourse", "StochasticTimeCourse"):
            status, why = "unsupported", "test type " + tags["testType"]
        else:
            # A folder per case, so that cases run at once do not share params.toml and out.h5.
            with tempfile.TemporaryDirectory() as work:
                status, why = run(args, case, d, settings, work)
        if args.verbose or args.case:
            with printing:  # one whole line at a time when cases run at once
                print("%s %-11s %s" % (case, status, why), flush=True)
        return (case, status, why, tags)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = [r for r in pool.map(one, ids) if r is not None]
    if args.case:
        return {"passed": 0, "failed": 1, "unsupported": 77}[results[0][1]] if results else 1

    count = collections.Counter(r[1] for r in results)
    scoped = [r for r in results if args.kind == "stochastic" or in_scope(r[3])]
    scount = collections.Counter(r[1] for r in scoped)
    print("\n%s cases: %d; passed %d, failed %d, unsupported %d" % (args.kind, len(results), count["passed"], count["failed"], count["unsupported"]))
    if args.kind == "semantic":
        print("in scope (core reactions, species, compartments, parameters, function definitions, events, rules, initial assignments): %d; passed %d, failed %d, unsupported %d"
              % (len(scoped), scount["passed"], scount["failed"], scount["unsupported"]))
    by_tag = collections.defaultdict(collections.Counter)
    for case, status, why, tags in results:
        for t in tags["componentTags"] + tags["testTags"]:
            by_tag[t][status] += 1
    print("\n| tag | cases | passed | failed | unsupported |\n|---|---:|---:|---:|---:|")
    for t in sorted(by_tag, key=lambda t: (-sum(by_tag[t].values()), t)):
        c = by_tag[t]
        print("| %s | %d | %d | %d | %d |" % (t, sum(c.values()), c["passed"], c["failed"], c["unsupported"]))
    failed = [r for r in results if r[1] == "failed"]
    if failed:
        print("\nfailed:")
        for case, status, why, tags in failed:
            print("  %s %s" % (case, why))
    reasons = collections.Counter(re.sub(r"^.*?error: ", "", r[2])[:90] for r in results if r[1] == "unsupported")
    print("\nunsupported, most common reasons:")
    for why, n in reasons.most_common(15):
        print("  %4d  %s" % (n, why))
    return 0


if __name__ == "__main__":
    sys.exit(main())
