#!/usr/bin/python3
"""Writes docs/input-errors.md: every check of the bad-input table (tests/bad_inputs/cases.toml),
with the message egress gives today. Run after changing a message or adding a case:

    /usr/bin/python3 scripts/input-error-catalogue.py build/release/bin/egress
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
CASES = ROOT / "tests/bad_inputs"


def describe(path):
    """The comment at the top of a case file: what mistake it makes."""
    lines = []
    # Some cases are not UTF-8 on purpose; their comments are ASCII.
    for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# ").strip())
    return " ".join(lines)


def main():
    egress = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build/release/bin/egress").resolve()
    cases = tomllib.loads((CASES / "cases.toml").read_text())["case"]
    out = ["# Input errors", "",
           "Every check below is a case of the bad-input table (`tests/bad_inputs/cases.toml`), run by the",
           "test suite; this page is generated from it by `scripts/input-error-catalogue.py`. Messages name",
           "`FILE:LINE:COLUMN` and the field (a dotted path such as `model.reactions[0].k`), say what was",
           "expected, and suggest the nearest valid name for a misspelling. Exit status 2 is bad input,",
           "1 a failure at run time (numerical guards); nothing is written in either case.", "",
           "Files must be UTF-8, with non-ASCII characters only inside quoted strings and comments (all",
           "TOML allows); a multi-line string may not continue a line-ending backslash with a non-ASCII",
           "character, which toml++ 3.3.0 cannot read (write it as an escape, `\\u00A7`).", "",
           "Warnings (the run goes on): a species no reaction, route or event touches; a route that",
           "carries no cargo (unless written `cargo = {}`, membrane only on purpose); a reaction that consumes a species at a rate that does not depend on it;",
           "a perturbation that ends after `t_end`; a model parameter that nothing uses; a model with no",
           "reactions, routes, events or rules (valid, as in SBML: every amount stays at its initial value).", "",
           f"{len(cases)} cases.", "",
           "| case | mistake | status | message |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp) / "bad_inputs"
        shutil.copytree(CASES, work)
        for case in cases:
            args = [a.replace("{file}", case["file"]) for a in case.get("cmd", ["check", "{file}"])]
            proc = subprocess.run([str(egress), *args], cwd=work, capture_output=True, text=True)
            errors = [line for line in proc.stderr.splitlines() if ": warning: " not in line]
            message = (errors[0] if errors else "").replace("|", "\\|")
            source = CASES / case["file"]
            mistake = describe(source) if source.suffix == ".toml" and source.exists() else " ".join(args)
            out.append(f"| `{case['name']}` | {mistake.replace('|', '/')} | {proc.returncode} | `{message}` |")
    (ROOT / "docs/input-errors.md").write_text("\n".join(out) + "\n")
    print(f"wrote docs/input-errors.md ({len(cases)} cases)")


if __name__ == "__main__":
    main()
