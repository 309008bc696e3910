#!/usr/bin/env bash
# Install what socap needs from Debian (only what is missing), then configure
# and build. Sourced/called by scripts/quickstart.sh and scripts/test.sh.
#   scripts/setup.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build}"
shift || true

packages=(build-essential cmake pkg-config libgsl-dev libhdf5-dev zlib1g-dev hdf5-tools libyaml-dev
  libopenmpi-dev openmpi-bin
  python3-h5py python3-numpy python3-pandas python3-matplotlib python3-networkx python3-igraph python3-pytest
  r-base-core r-cran-hdf5r valgrind)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j"$(nproc)" >&2
