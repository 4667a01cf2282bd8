#!/usr/bin/env bash
# The README's first command: install what is missing, build, run the default example, and write
# its report (figures and summary table) with the Python analysis package.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
./build/release/bin/egress run params/default.toml -o results/default.h5
PYTHONPATH=analysis /usr/bin/python3 -m egress_analysis report results/default.h5 -o results/default-report
