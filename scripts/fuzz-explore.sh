#!/usr/bin/env bash
# Open-ended fuzzing, for finding new bugs (not CI: its findings depend on the seed, the time and
# the machine). Builds the "fuzz" preset, replays fuzz/regressions/<target>/*, then fuzzes a copy of
# fuzz/corpus/<target>/ for SECONDS per target from a fresh random seed, with -fork=1
# -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 (one worker that carries on past a fault, so
# a libhdf5 crash does not hide a later one in egress), and places every finding
# (scripts/fuzz-common.sh). The repository's corpus is never written; the grown corpus and the
# findings are kept in the printed work folder.
#
#   scripts/fuzz-explore.sh [SECONDS]     # default 600
#
# Exit status 1 when a regression input still fails or a finding lies in egress. The deterministic
# CI check is scripts/fuzz-smoke.sh.
set -euo pipefail

seconds=${1:-600}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
source "$(dirname "$0")/fuzz-common.sh"

fuzz_build
fuzz_workdir

for target in "${targets[@]}"; do
    exe=$bin/egress_fuzz_$target
    [ -x "$exe" ] || { echo "no fuzz target $exe" >&2; exit 2; }
    read -r -a opts <<<"$(options_for "$target")"
    dir=$work/$target
    mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/replay"
    replay_regressions "$target" "$exe" "$dir"

    echo "== $target: fuzzing for ${seconds}s (corpus copied to $dir/corpus)"
    cp "$root"/fuzz/corpus/"$target"/* "$dir/corpus/"
    timeout $((seconds + 300)) "$exe" "${common[@]}" "${opts[@]}" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
        -ignore_ooms=1 -max_total_time="$seconds" -artifact_prefix="$dir/artifacts/" "$dir/corpus" \
        >"$dir/fuzz.log" 2>&1 || true
    last=$(grep -E '^#[0-9]+: cov: ' "$dir/fuzz.log" | tail -1 || true)
    executions=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
    faults=$(sed -nE 's/.*oom\/timeout\/crash: ([0-9]+\/[0-9]+\/[0-9]+).*/\1/p' <<<"$last")
    echo "   fuzzing: ${executions:-0} executions, oom/timeout/crash ${faults:-0/0/0}; last status: ${last:-none}"
    # The coverage of the corpus the run ends with, measured in one pass (libFuzzer's DONE line).
    done_line=$(timeout 600 "$exe" "${common[@]}" "${opts[@]}" -runs=0 "$dir/corpus" 2>&1 | grep -E '^#[0-9]+[[:space:]]+DONE' | tail -1 || true)
    echo "   final corpus: ${done_line:-(measurement pass failed)}"
    summary+=("$target: ${executions:-0} executions; ${done_line:-no DONE line}")
    keep=1  # the grown corpus is the point of exploring
    triage "$target" "$exe" "$dir"
done

fuzz_summary
