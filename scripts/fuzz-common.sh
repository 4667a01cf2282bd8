# Shared by scripts/fuzz-smoke.sh (deterministic, CI) and scripts/fuzz-explore.sh (open-ended):
# building the fuzz preset, replaying the regression inputs, and placing every crash, hang, leak
# or out-of-memory input a run produced. Sourced, not run.
#
# Environment: FUZZ_TARGETS="config_loader result_reader" (which to run), FUZZ_BUILD_JOBS=2,
# FUZZ_STRICT=0 (1: third-party faults fail the run too), FUZZ_KEEP=0 (keep the work folder even
# when nothing was found).

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bin=$root/build/fuzz/bin
read -r -a targets <<<"${FUZZ_TARGETS:-config_loader result_reader}"
strict=${FUZZ_STRICT:-0}
keep=${FUZZ_KEEP:-0}
status=0
summary=()

# Address-space randomisation changes which branches the targets take (some code paths depend on
# addresses), and so which inputs libFuzzer keeps: runs that must repeat exactly go without it.
# `setarch -R` may be refused (a container's seccomp profile); the runs then differ a little.
no_aslr=()
if setarch -R true 2>/dev/null; then
    no_aslr=(setarch -R)
fi

fuzz_build() {
    echo "== building the fuzz preset (build/fuzz)"
    cmake --preset fuzz >/dev/null
    cmake --build --preset fuzz -j "${FUZZ_BUILD_JOBS:-2}" --target egress_fuzz_config_loader egress_fuzz_result_reader
}

# A work folder outside the repository (the repository's corpus is never written); removed on exit
# unless something was found or FUZZ_KEEP=1.
fuzz_workdir() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/egress-fuzz.XXXXXX")
    trap '[ "$keep" = 1 ] || rm -rf "$work"' EXIT
    mkdir -p "$work/tmp"
    export TMPDIR=$work/tmp   # libFuzzer's fork folders and the result reader's scratch file
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
}

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

# replay_regressions TARGET EXE DIR: every input of fuzz/regressions/TARGET must pass.
replay_regressions() {
    local target=$1 exe=$2 dir=$3 input log
    local -a opts regressions
    read -r -a opts <<<"$(options_for "$target")"
    echo
    echo "== $target: regressions"
    shopt -s nullglob
    regressions=("$root"/fuzz/regressions/"$target"/*)
    shopt -u nullglob
    [ ${#regressions[@]} -eq 0 ] && echo "   (none)"
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
}

# triage TARGET EXE DIR: replay each input under DIR/artifacts and place its fault: egress (fails
# the run), libhdf5 or toml++ (listed; fails only with FUZZ_STRICT=1), or unreproduced.
triage() {
    local target=$1 exe=$2 dir=$3 artifact kind log class frame check signature verdict triaged=0
    local -a opts artifacts replay_timeout
    local -A seen=()
    read -r -a opts <<<"$(options_for "$target")"
    echo "== $target: triage"
    shopt -s nullglob
    artifacts=("$dir"/artifacts/*)
    shopt -u nullglob
    [ ${#artifacts[@]} -eq 0 ] && echo "   no crashes, hangs, leaks or out-of-memory inputs"
    for artifact in "${artifacts[@]}"; do
        case $artifact in *.log) continue ;; esac
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
    return 0
}

fuzz_summary() {
    echo
    echo "== summary"
    for line in "${summary[@]}"; do echo "   $line"; done
    if [ "$keep" = 1 ]; then echo "   logs and inputs kept in $work"; fi
    if [ $status -ne 0 ]; then echo "   FAILED: see FAIL / EGRESS lines above"; else echo "   passed"; fi
    return $status
}
