#!/usr/bin/env bash
# Builds the "fuzz" preset (clang-14, libFuzzer + ASan + UBSan) and fuzzes each target for
# SECONDS (default 60): first it replays fuzz/regressions/<target>/*, then it fuzzes a copy of
# fuzz/corpus/<target>/ in a temporary folder (the repository's corpus is never written), and
# finally it triages every crash, hang, leak or out-of-memory input the run produced.
#
#   scripts/fuzz-smoke.sh [SECONDS]
#
# Exit status 1 when a regression input still fails, or when fuzzing found an input whose fault
# lies in egress (or could not be placed). Faults whose stack starts inside a third-party library
# -- libhdf5 (1.10.8 is not robust against damaged files) or toml++ -- are listed, kept, and do
# not fail the run unless FUZZ_STRICT=1. Findings are kept under the printed work folder.
#
# Environment: FUZZ_TARGETS="config_loader result_reader" (which to run), FUZZ_BUILD_JOBS=2,
# FUZZ_STRICT=0, FUZZ_KEEP=0 (keep the work folder even when nothing was found).
set -euo pipefail

seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=$root/build/fuzz/bin
read -r -a targets <<<"${FUZZ_TARGETS:-config_loader result_reader}"
strict=${FUZZ_STRICT:-0}

echo "== building the fuzz preset (build/fuzz)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${FUZZ_BUILD_JOBS:-2}" --target egress_fuzz_config_loader egress_fuzz_result_reader

work=$(mktemp -d "${TMPDIR:-/tmp}/egress-fuzz-smoke.XXXXXX")
keep=${FUZZ_KEEP:-0}
trap '[ "$keep" = 1 ] || rm -rf "$work"' EXIT
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp   # libFuzzer's fork folders and the result reader's scratch file
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
summary=()

# Per-target options: a result file is never smaller than ~17 KB, so 8192 bytes would cut
# every seed short; the reader gets room for its largest seed (< 100 KB).
options_for() {
    case $1 in
        config_loader) echo "-max_len=8192 -dict=$root/fuzz/toml.dict" ;;
        result_reader) echo "-max_len=131072" ;;
    esac
}
common=(-timeout=10 -rss_limit_mb=2048)

# The frame that owns a fault: the first stack frame that is not the sanitizer, libFuzzer, the
# C/C++ runtime or an inlined standard-library template. Prints "MODULE<TAB>FRAME".
owner_frame() {
    awk '
        function done(text) { print text; found = 1; exit }
        /^ *#[0-9]+ 0x/ {
            line = $0
            if (line ~ /__sanitizer|__asan|__ubsan|__lsan|__interceptor_|fuzzer::|__libc_start|_start |__cxa_|__gxx_|__cxxabiv1/) next
            if (line ~ / in (malloc|calloc|realloc|free|operator new|operator delete)/) next
            if (line ~ / in std::|libc\.so|libstdc\+\+\.so|libgcc_s\.so|libm\.so|nptl\/| in (raise|abort|__pthread_kill)/) next
            module = "binary"
            if (line ~ /libhdf5/ || line ~ / in H5[A-Za-z_]/) module = "libhdf5"
            else if (line ~ /toml::|toml\+\+/) module = "toml++"
            else if (line ~ /\/engine\//) module = "egress"
            else if (line ~ /\/fuzz\/fuzz_/) module = "harness"
            sub(/^ *#[0-9]+ 0x[0-9a-f]+ /, "", line)
            sub(/ \(BuildId: [0-9a-f]+\)/, "", line)
            if (pending != "") {  # an unnamed libhdf5 frame: name it by its caller when that is in libhdf5
                if (module == "libhdf5" && line ~ /^in /) done("libhdf5\t" pending " <- " line)
                done("libhdf5\t" pending)
            }
            if (module == "libhdf5" && line !~ /^in /) { pending = line; next }
            done(module "\t" line)
        }
        END { if (!found && pending != "") print "libhdf5\t" pending }' "$1"
}

for target in "${targets[@]}"; do
    exe=$bin/egress_fuzz_$target
    [ -x "$exe" ] || { echo "no fuzz target $exe" >&2; exit 2; }
    # shellcheck disable=SC2207
    opts=($(options_for "$target"))
    dir=$work/$target
    mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/replay"

    echo
    echo "== $target: regressions"
    shopt -s nullglob
    regressions=("$root"/fuzz/regressions/"$target"/*)
    shopt -u nullglob
    if [ ${#regressions[@]} -eq 0 ]; then
        echo "   (none)"
    fi
    for input in "${regressions[@]}"; do
        log=$dir/replay/$(basename "$input").log
        if timeout 120 "$exe" "${common[@]}" "${opts[@]}" "$input" >"$log" 2>&1; then
            echo "   ok    ${input#"$root"/}"
        else
            echo "   FAIL  ${input#"$root"/}"
            grep -m3 -E '^==== egress|ERROR:|runtime error|SUMMARY' "$log" | sed 's/^/         /' || true
            status=1
            keep=1
        fi
    done

    echo "== $target: fuzzing for ${seconds}s (corpus copied to $dir/corpus)"
    cp "$root"/fuzz/corpus/"$target"/* "$dir/corpus/"
    # -fork=1 with -ignore_*: one worker that carries on past a fault, so a crash inside
    # libhdf5 does not hide a later one in egress.
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

    echo "== $target: triage"
    shopt -s nullglob
    artifacts=("$dir"/artifacts/*)
    shopt -u nullglob
    [ ${#artifacts[@]} -eq 0 ] && echo "   no crashes, hangs, leaks or out-of-memory inputs"
    declare -A seen=()
    triaged=0
    for artifact in "${artifacts[@]}"; do
        kind=$(basename "$artifact" | cut -d- -f1)
        if [ $triaged -ge 40 ]; then
            echo "   (not replayed, over 40 inputs: $artifact)"; keep=1
            [ "$strict" = 1 ] && status=1
            continue
        fi
        triaged=$((triaged + 1))
        log=$artifact.log
        # Slow unwinding: full allocation stacks through libhdf5, built without frame pointers.
        # A hang already ran past 10 s: 3 s is enough to catch it again, with its stack.
        replay_timeout=()
        [ "$kind" = timeout ] && replay_timeout=(-timeout=3)
        # Out of memory by RSS, libFuzzer prints its watchdog's stack, which names nobody: cap
        # single allocations at 1 GiB so that the one that did it reports where it came from.
        [ "$kind" = oom ] && replay_timeout=(-malloc_limit_mb=1024)
        if ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0 timeout 120 "$exe" "${common[@]}" "${opts[@]}" \
            "${replay_timeout[@]}" "$artifact" >"$log" 2>&1; then
            class=unreproduced
            frame="(passes when replayed alone: depends on earlier inputs, or flaky)"
        else
            class=$(owner_frame "$log" | cut -f1)
            frame=$(owner_frame "$log" | cut -f2-)
            # A failed harness check (round trip, wrong exception type) names itself.
            check=$(grep -m1 '^==== egress' "$log" | sed -E 's/^==== egress [a-z_]+: //; s/: .*//' || true)
            [ -n "$check" ] && { class=egress; frame="harness check: $check"; }
            [ -n "$class" ] || { class=unplaced; frame=$(grep -m1 -E '^==== egress|ERROR:|runtime error' "$log" || echo '?'); }
        fi
        signature="$kind $class $frame"
        # A hang stops at a different instruction each time: group hangs by the named caller.
        [ "$kind" = timeout ] && signature="$kind $class ${frame#* <- }"
        if [ -n "${seen[$signature]:-}" ]; then
            seen[$signature]=$((seen[$signature] + 1))
            continue
        fi
        seen[$signature]=1
        case $class in
            libhdf5|toml++) verdict="third-party" ;;
            unreproduced) verdict="unreproduced" ;;
            *) verdict="EGRESS"; status=1 ;;
        esac
        if [ "$strict" = 1 ] && [ "$verdict" != EGRESS ]; then status=1; fi
        keep=1
        echo "   $verdict $kind [$class] $frame"
        echo "      input $artifact"
        grep -m2 -E '^==== egress|ERROR:|runtime error|SUMMARY' "$log" | sed 's/^/      /' || true
    done
    for signature in "${!seen[@]}"; do
        [ "${seen[$signature]}" -gt 1 ] && echo "   (${seen[$signature]} inputs with signature: $signature)"
    done
    unset seen
done

echo
echo "== summary"
for line in "${summary[@]}"; do echo "   $line"; done
if [ "$keep" = 1 ]; then echo "   logs and inputs kept in $work"; fi
if [ $status -ne 0 ]; then echo "   FAILED: see FAIL / EGRESS lines above"; else echo "   passed"; fi
exit $status
