#!/usr/bin/env bash
# tests/h5same.sh, on files made to differ in one way each: the same data
# passes (an empty dataset included, which h5diff calls not comparable); a
# changed value, a dataset missing, and (what h5diff's exit status misses) a
# dataset with one row less or of another type, or an empty dataset filled
# or of another type or rank, all fail.
set -u
: "${SRC:?}" "${PYTHON:?}" "${H5DIFF:=h5diff}"
export H5DIFF
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
"$PYTHON" - "$w" <<'PY' || { echo "FAIL: could not write the sample files (h5py)"; exit 1; }
import sys, h5py, numpy as np
w = sys.argv[1]
def make(name, x=np.arange(5, dtype=np.int32), y=True, e=np.zeros(0, dtype=np.int32)):
    with h5py.File(f"{w}/{name}.h5", "w") as f:
        f["g/x"] = x
        if y:
            f["g/y"] = np.linspace(0.0, 1.0, 3)
        f["g/e"] = e  # empty in the reference (h5diff: "not comparable")
make("ref"); make("same")
make("filled", e=np.zeros(1, dtype=np.int32))
make("emptytype", e=np.zeros(0, dtype=np.float64))
make("emptyshape", e=np.zeros((0, 2), dtype=np.int32))
make("value", x=np.array([0, 1, 2, 3, 5], dtype=np.int32))
make("missing", y=False)
make("shorter", x=np.arange(4, dtype=np.int32))
make("type", x=np.arange(5, dtype=np.float64))
PY
fail=0
check() { # check WANT NAME: h5same ref NAME must exit 0 (WANT=same) or not
  local rc=0
  bash "$SRC/tests/h5same.sh" "$w/ref.h5" "$w/$2.h5" >"$w/out.txt" 2>&1 || rc=$?
  if { [ "$1" = same ] && [ "$rc" = 0 ]; } || { [ "$1" = differ ] && [ "$rc" != 0 ]; }; then
    echo "ok: $2 -> exit $rc"
  else
    echo "FAIL: $2 should $1, h5same exit $rc"; cat "$w/out.txt"; fail=1
  fi
}
check same same
check differ value
check differ missing
check differ shorter
check differ type
check differ filled
check differ emptytype
check differ emptyshape
# what this helper is for: h5diff's own exit status on the shorter dataset
rc=0; "$H5DIFF" "$w/ref.h5" "$w/shorter.h5" >/dev/null 2>&1 || rc=$?
echo "note: h5diff alone exits $rc for a dataset with one row less"
exit $fail
