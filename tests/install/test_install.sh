#!/usr/bin/env bash
# The installed egress works without its source tree (cmake/Install.cmake, io/ModelSearchPath.hpp):
#  1. installs this build into a temporary prefix and checks the layout;
#  2. from a folder outside the source tree, with EGRESS_MODEL_PATH unset, `egress check` and
#     `egress run` a parameter file naming the built-in model "secretory_core": `check` must say
#     the model came from PREFIX/share/egress/models, not from the source tree's models/;
#  3. moves the prefix elsewhere (the install is relocatable) and checks again; a model on
#     EGRESS_MODEL_PATH still comes first;
#  4. configures, builds and runs tests/install/downstream against the moved prefix with
#     find_package(egress CONFIG REQUIRED).
# Usage: test_install.sh BUILD_DIR DOWNSTREAM_SOURCE_DIR CMAKE CXX_COMPILER GENERATOR
set -euo pipefail
build=$1 downstream=$2 cmake=$3 cxx=$4 generator=$5

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

prefix=$tmp/prefix
"$cmake" --install "$build" --prefix "$prefix" >/dev/null
for f in bin/egress share/egress/models/secretory_core.toml include/egress/core/Model.hpp \
         include/egress/solvers/Simulator.hpp include/egress/io/ConfigLoader.hpp \
         lib/libegress_core.a lib/libegress_solvers.a lib/libegress_io.a lib/libegress_driver.a \
         lib/cmake/egress/egressConfig.cmake lib/cmake/egress/egressConfigVersion.cmake \
         lib/cmake/egress/egressTargets.cmake lib/cmake/egress/FindRandom123.cmake; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
[ ! -e "$prefix/include/egress/io/TomlDocument.hpp" ] || fail "the private io/TomlDocument.hpp was installed"
private=$(grep -rlE '#include [<"](toml\+\+/|io/TomlDocument\.hpp|io/LoadState\.hpp)' "$prefix/include/egress" || true)
[ -z "$private" ] || fail "installed headers reach the loaders' private parts (toml++): $private"

work=$tmp/work
mkdir "$work"
cat > "$work/params.toml" <<'EOF'
model = "secretory_core"
[simulation]
method = "ode"
t_end = 600.0
output_interval = 60.0
[[events]]
at = 0.0
add = { cargo_ER = 1000 }
EOF

# Runs the installed program in $work with EGRESS_MODEL_PATH unset; prints its stdout.
installed() { (cd "$work" && env -u EGRESS_MODEL_PATH LC_ALL=C "$prefix/bin/egress" "$@"); }

out=$(installed check params.toml) || fail "egress check: $out"
echo "$out"
grep -qF "from $prefix/share/egress/models/secretory_core.toml" <<<"$out" \
  || fail "the installed egress did not take secretory_core from $prefix/share/egress/models"
installed run params.toml -o result.h5 --quiet || fail "egress run"
installed info result.h5 >/dev/null || fail "egress info: result.h5 is not a complete result"

mv "$prefix" "$tmp/moved"
prefix=$tmp/moved
out=$(installed check params.toml) || fail "egress check after moving the prefix: $out"
grep -qF "from $prefix/share/egress/models/secretory_core.toml" <<<"$out" \
  || fail "after moving the prefix, secretory_core did not come from $prefix/share/egress/models: $out"
mkdir "$tmp/mine"
cp "$prefix/share/egress/models/secretory_core.toml" "$tmp/mine/"
out=$(cd "$work" && EGRESS_MODEL_PATH=$tmp/mine "$prefix/bin/egress" check params.toml) || fail "egress check: $out"
grep -qF "from $tmp/mine/secretory_core.toml" <<<"$out" || fail "EGRESS_MODEL_PATH did not come first: $out"

"$cmake" -S "$downstream" -B "$tmp/downstream" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$tmp/configure.log" 2>&1 \
  || { cat "$tmp/configure.log"; fail "configuring the downstream project"; }
grep -F "egress 0." "$tmp/configure.log"
grep -qF "egress_DIR:PATH=$prefix/lib/cmake/egress" "$tmp/downstream/CMakeCache.txt" \
  || fail "the downstream project found another egress package than $prefix"
"$cmake" --build "$tmp/downstream" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "building the downstream project"; }
(cd "$work" && env -u EGRESS_MODEL_PATH "$tmp/downstream/downstream") || fail "the downstream program"
echo "install: OK"
