# Shared by the sweep shell tests (sourced, not run).

# require_python NAME MODULES: exit 77 (ctest: skipped, not passed) unless
# $PYTHON imports MODULES (e.g. "h5py, numpy"); the tests read HDF5 with it.
require_python() {
  if [ -z "${PYTHON:-}" ] || ! "$PYTHON" -c "import $2" 2>/dev/null; then
    echo "SKIP: $1 needs PYTHON with $2 (PYTHON='${PYTHON:-}')"
    exit 77
  fi
}

# batch_tasks FILE...: the /design task ids in these files, sorted, on one line
batch_tasks() {
  "$PYTHON" -c 'import sys, h5py
print(" ".join(map(str, sorted(t for f in sys.argv[1:] for t in h5py.File(f, "r")["design/task"][:].tolist()))))' "$@"
}
