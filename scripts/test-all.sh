#!/usr/bin/env bash
# The README's second command (and CI's): install what is missing, then build and run every
# test twice, as a release build and under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)
for preset in release sanitize; do
  echo "=== $preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "=== $preset: test"
  exclude=()
  [ "$preset" = sanitize ] && exclude=(-LE slurm)   # the slurm test (docs/slurm.md) runs once, in release
  ctest --preset "$preset" -j "$jobs" "${exclude[@]}"
done
echo "=== fuzz: libFuzzer smoke run of the loader and the result reader (fixed seed and runs: deterministic)"
bash scripts/fuzz-smoke.sh
