#!/usr/bin/env bash
# Install what is missing, build (warnings are errors), run the whole test
# suite; then rebuild with AddressSanitizer + UBSan and run it again.
#   scripts/test.sh            everything (what CI runs)
#   SOCAP_SKIP_SANITIZE=1 scripts/test.sh   skip the sanitizer pass
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="$(nproc)"
"$here/scripts/setup.sh" "$here/build" -DSOCAP_WERROR=ON
ctest --test-dir "$here/build" --output-on-failure -j"$jobs" -LE long
if [ "${SOCAP_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== ASan + UBSan build ==" >&2
  cmake -S "$here" -B "$here/build-asan" -DCMAKE_BUILD_TYPE=Debug -DSOCAP_WERROR=ON -DSOCAP_SANITIZE=ON >/dev/null
  cmake --build "$here/build-asan" -j"$jobs" >&2
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$here/build-asan" --output-on-failure -j"$jobs" -LE "long|nosan"
fi
