#!/usr/bin/env bash
# The CI fuzz smoke test, deterministic: the same code gives the same verdict every time.
# Builds the "fuzz" preset (clang-14, libFuzzer + ASan + UBSan), then per target:
#   1. replays fuzz/regressions/<target>/* (each must pass);
#   2. replays the committed corpus fuzz/corpus/<target>/ once, in a fixed order, and then runs a
#      fixed number of mutations (RUNS) from a fixed seed (FUZZ_SEED, default 1), in one process,
#      without address-space randomisation (setarch -R): no time limit, no forked workers, no
#      corpus reloading, so the inputs tried depend only on the code, the corpus and the seed, not
#      on the machine's speed or on where the program happens to be loaded;
#   3. places every crash, hang, leak or out-of-memory input it produced (scripts/fuzz-common.sh).
#
#   scripts/fuzz-smoke.sh [RUNS]     # RUNS per target; default 20000 (loader), 2000 (reader)
#
# Exit status 1 when a regression input still fails, or when the run found an input whose fault
# lies in egress (or could not be placed). Faults inside libhdf5 or toml++ are listed and do not
# fail the run unless FUZZ_STRICT=1. libFuzzer in one process stops at the first fault; the run
# then goes on from the next seed (up to 20 rounds) until RUNS are used. Add an egress finding to
# fuzz/regressions/ with its fix. Open-ended fuzzing, with a time limit and a fresh seed, is
# scripts/fuzz-explore.sh.
#
# Environment: FUZZ_SEED=1, FUZZ_TARGETS, FUZZ_BUILD_JOBS, FUZZ_STRICT, FUZZ_KEEP (fuzz-common.sh).
set -euo pipefail

runs_arg=${1:-}
[[ -z $runs_arg || $runs_arg =~ ^[0-9]+$ ]] || { echo "usage: $0 [RUNS]" >&2; exit 2; }
seed=${FUZZ_SEED:-1}
[[ $seed =~ ^[1-9][0-9]*$ ]] || { echo "FUZZ_SEED must be a positive integer (0 means a random seed)" >&2; exit 2; }
source "$(dirname "$0")/fuzz-common.sh"

# Runs per target: about 10 s for the loader and 2-3 minutes for the reader on two busy cores
# (it opens an HDF5 file per run, and libhdf5 hangs on some damaged files until the 10 s timeout).
runs_for() {
    if [ -n "$runs_arg" ]; then echo "$runs_arg"; return; fi
    case $1 in
        config_loader) echo 20000 ;;
        result_reader) echo 2000 ;;
    esac
}

fuzz_build
fuzz_workdir
[ ${#no_aslr[@]} -gt 0 ] || echo "note: setarch -R is refused here: with address-space randomisation the runs are not exactly repeatable"

for target in "${targets[@]}"; do
    exe=$bin/egress_fuzz_$target
    [ -x "$exe" ] || { echo "no fuzz target $exe" >&2; exit 2; }
    read -r -a opts <<<"$(options_for "$target")"
    dir=$work/$target
    mkdir -p "$dir/artifacts" "$dir/replay"
    replay_regressions "$target" "$exe" "$dir"

    runs=$(runs_for "$target")
    # The seed inputs by name, in sorted order: given as a directory, libFuzzer would take them in
    # the file system's order, which differs between machines and changes what the seed shuffles.
    LC_ALL=C ls "$root/fuzz/corpus/$target" | sed "s#^#$root/fuzz/corpus/$target/#" | paste -sd, >"$dir/seeds.txt"
    echo "== $target: corpus replay and $runs runs from seed $seed"
    # libFuzzer in one process stops at the first fault. A fault inside libhdf5 (which this smoke
    # run tolerates) would then end the run after a few executions, so the run goes on in rounds:
    # each round replays the corpus and fuzzes from the next seed (seed, seed + 1, ...) until the
    # runs are used up. Every round is as deterministic as the first, and so is their sequence.
    left=$runs round=0 executed=0
    while [ "$left" -gt 0 ] && [ $round -lt 20 ]; do
        log=$dir/fuzz-$round.log
        mkdir -p "$dir/corpus-$round"
        "${no_aslr[@]}" "$exe" "${common[@]}" "${opts[@]}" -seed=$((seed + round)) -runs="$left" -reload=0 -print_final_stats=1 \
            -seed_inputs=@"$dir/seeds.txt" -artifact_prefix="$dir/artifacts/" "$dir/corpus-$round" >"$log" 2>&1 || true
        units=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
        inited=$(grep -m1 -E '^#[0-9]+[[:space:]]+INITED' "$log" || true)
        done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
        [ $round -eq 0 ] && echo "   corpus replayed: ${inited:-(a corpus input failed: see the triage below)}"
        executed=$((executed + ${units:-0}))
        round=$((round + 1))
        if [ -n "$done_line" ]; then
            echo "   round $round (seed $((seed + round - 1))): ${units:-?} runs; $done_line"
            break
        fi
        echo "   round $round (seed $((seed + round - 1))): stopped by a fault after ${units:-?} runs"
        # A fault while replaying the corpus would recur every round.
        [ -n "$inited" ] && [ "${units:-0}" -gt 0 ] || break
        left=$((left - units))
    done
    summary+=("$target: $executed runs in $round round(s) from seed $seed")
    triage "$target" "$exe" "$dir"
done

fuzz_summary
