#!/usr/bin/env bash
# Installs egress's build and test dependencies from Debian 12 packages (run as root).
# Skips apt entirely when everything is already there, so reruns are fast and work offline.
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config
  clang-14 libclang-rt-14-dev libomp-14-dev   # the fuzz preset: libFuzzer, and OpenMP for clang
  libeigen3-dev libboost-dev libhdf5-dev hdf5-tools
  libtomlplusplus-dev libcli11-dev librandom123-dev
  libsbml5-dev                                 # SBML import and export (docs/sbml.md)
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-scipy python3-h5py python3-xarray python3-h5netcdf
  python3-pandas python3-matplotlib python3-pytest
  python3-pip                                  # the analysis package's install test (pip install ./analysis)
  slurm-wlm munge                              # the slurm test: a one-node cluster (docs/slurm.md)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq -o DPkg::Lock::Timeout=600
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
