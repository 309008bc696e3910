#!/usr/bin/env bash
# Install what is missing, build, run the quickstart scenario and print the
# social-capital table by strategy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/setup.sh" "$here/build"
mkdir -p "$here/out"
exec "$here/build/socap" run "$here/configs/quickstart.yaml" -o "$here/out/quickstart.h5" --force "$@"
