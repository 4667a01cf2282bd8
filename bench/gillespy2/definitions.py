#!/usr/bin/python3
"""GillesPy2's C++ model header (`template_definitions.h`) for an egress parameter file whose
model is inline and mass action only (the bench models and `egress_bench_ssa --network-toml N`),
so that GillesPy2's own SSA (`gillespy2/solvers/cpp/c_base`) runs exactly the model egress runs.

    bench/gillespy2/definitions.py MODEL.toml > template_definitions.h

The propensities are written as egress computes them (docs/methods.md: k times the number of
distinct reactant combinations, e.g. C[0]*S[0]*(S[0]-1)/2 for 2 P -> P2), the rate constants as
GillesPy2 CONSTANTs read through C[i], as GillesPy2's own generator writes them. This file is ours;
no GillesPy2 code is copied (bench/README.md, "GillesPy2 -O3").
"""
from __future__ import annotations

import re
import sys
import tomllib

TERM = re.compile(r"^\s*(?:(\d+)\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*$")


def side(text: str, index: dict[str, int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for term in filter(None, (t.strip() for t in text.split("+"))):
        match = TERM.match(term)
        if not match or match[2] not in index:
            sys.exit(f"unsupported term {term!r}")
        counts[index[match[2]]] = counts.get(index[match[2]], 0) + int(match[1] or 1)
    return counts


def propensity(k: str, reactants: dict[int, int]) -> str:
    factors = [k]
    for s, v in sorted(reactants.items()):
        falling = "*".join([f"S[{s}]"] + [f"(S[{s}]-{j})" for j in range(1, v)])
        factorial = 1
        for j in range(2, v + 1):
            factorial *= j
        factors.append(falling if factorial == 1 else f"({falling})/{factorial}.0")
    return "*".join(factors)


def main() -> None:
    with open(sys.argv[1], "rb") as f:
        model = tomllib.load(f)["model"]
    species = list(model["species"])
    index = {name: i for i, name in enumerate(species)}
    parameters = list(model.get("parameters", {}))
    pindex = {name: i for i, name in enumerate(parameters)}
    values = [v["value"] if isinstance(v, dict) else v for v in model.get("parameters", {}).values()]
    rows, reactant_rows, product_rows, names, props = [], [], [], [], []
    for j, reaction in enumerate(model["reactions"]):
        if reaction.get("law", "mass_action") != "mass_action":
            sys.exit(f"reaction {reaction['name']}: only mass action")
        left, right = reaction["equation"].split("->")
        reactants, products = side(left, index), side(right, index)
        k = reaction["k"]
        k = f"C[{pindex[k]}]" if isinstance(k, str) else repr(float(k))
        names.append(f"REACTION_NAME({reaction['name']})")
        props.append(f"PROPENSITY({j},{propensity(k, reactants)})")
        rows.append([products.get(s, 0) - reactants.get(s, 0) for s in range(len(species))])
        reactant_rows.append([reactants.get(s, 0) for s in range(len(species))])
        product_rows.append([products.get(s, 0) for s in range(len(species))])
    matrix = lambda m: "{" + ",".join("{" + ",".join(map(str, r)) + "}" for r in m) + "}"
    initial = [float(model["species"][s].get("initial", 0)) for s in species]
    print("#pragma once")
    print(f"#define GPY_PARAMETER_VALUES {' '.join(f'CONSTANT({i},{v!r})' for i, v in enumerate(values))}")
    print("#define GPY_PARAMETER_NUM_VARIABLES 0")
    print(f"#define GPY_PARAMETER_NUM_CONSTANTS {len(values)}")
    print(f"#define GPY_NUM_SPECIES {len(species)}")
    print("#define GPY_INIT_POPULATIONS {" + ",".join(map(repr, initial)) + "}")
    print(f"#define GPY_SPECIES_NAMES {' '.join(f'SPECIES_NAME({s})' for s in species)}")
    print(f"#define GPY_NUM_REACTIONS {len(rows)}")
    print(f"#define GPY_REACTION_NAMES {' '.join(names)}")
    print(f"#define GPY_REACTIONS {matrix(rows)}")
    print(f"#define GPY_REACTION_REACTANTS {matrix(reactant_rows)}")
    print(f"#define GPY_REACTION_PRODUCTS {matrix(product_rows)}")
    print(f"#define GPY_REACTION_PROPS_DEPS {matrix(reactant_rows)}")  # a mass-action law reads its reactants
    print(f"#define GPY_PROPENSITIES {' '.join(props)}")
    print("#define GPY_ODE_PROPENSITIES GPY_PROPENSITIES")
    print("#define GPY_VOLUME 1.0")


if __name__ == "__main__":
    main()
