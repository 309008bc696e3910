#!/usr/bin/env bash
# `mpirun -np 3 socap sweep` gives the same merged result as one thread.
# Uses $SOCAP when it was built with -DSOCAP_MPI=ON ($SOCAP_IS_MPI=1);
# otherwise configures and builds an MPI build of socap in $MPI_BUILD.
# Exit 77 (skipped) only when mpirun or an MPI compiler is missing.
# Env: SOCAP, H5DIFF, SRC, CMAKE, MPI_BUILD, SOCAP_IS_MPI (set by ctest).
set -euo pipefail
: "${SOCAP:?}" "${H5DIFF:?}" "${SRC:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! command -v mpirun >/dev/null; then
  echo "SKIP: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)"; exit 77
fi
exe="$SOCAP"
if [ "${SOCAP_IS_MPI:-0}" != 1 ]; then
  : "${CMAKE:?}" "${MPI_BUILD:?}"
  if ! "$CMAKE" -S "$SRC" -B "$MPI_BUILD" -DSOCAP_MPI=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$MPI_BUILD.log" 2>&1; then
    grep -q "Could NOT find MPI" "$MPI_BUILD.log" && { echo "SKIP: no MPI development files"; exit 77; }
    cat "$MPI_BUILD.log"; fail "cannot configure the MPI build"
  fi
  "$CMAKE" --build "$MPI_BUILD" --target socap_cli -j2 >>"$MPI_BUILD.log" 2>&1 || { tail -30 "$MPI_BUILD.log"; fail "MPI build failed"; }
  exe="$MPI_BUILD/socap"
fi
cfg="$SRC/configs/sweep_test.yaml"
w="$(mktemp -d "${TMPDIR:-/tmp}/socap_sweep_mpi.XXXXXX")"
trap 'rm -rf "$w"' EXIT
mpi=(mpirun --allow-run-as-root --oversubscribe -np 3)
"$SOCAP" sweep "$cfg" -o "$w/ref" --threads 1 -q
"$SOCAP" merge "$w/ref" -o "$w/ref.h5" -q
"${mpi[@]}" "$exe" sweep "$cfg" -o "$w/m" --threads 1 --batch-tasks 3 -q
ls "$w/m" | grep -q 'batch-r1of3-' || fail "rank 1 wrote no batch"
ls "$w/m" | grep -q 'batch-r0of3-' && fail "rank 0 should only hand out tasks"
"$SOCAP" merge "$w/m" -o "$w/m.h5" -q
rc=0; "$H5DIFF" --exclude-path /provenance "$w/ref.h5" "$w/m.h5" >"$w/d.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$w/d.txt"; fail "mpirun -np 3 differs from one thread (h5diff exit $rc)"; }
echo "ok: mpirun -np 3 == 1 thread"
# resume under MPI after removing one batch: only the missing tasks run
first=$(ls "$w/m"/batch-r2of3-*.h5 | head -1)
rm "$first"
"${mpi[@]}" "$exe" sweep "$cfg" -o "$w/m" --threads 2 --resume -q
"$SOCAP" merge "$w/m" -o "$w/m2.h5" -q
rc=0; "$H5DIFF" --exclude-path /provenance "$w/ref.h5" "$w/m2.h5" >"$w/d.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$w/d.txt"; fail "MPI resume differs (h5diff exit $rc)"; }
echo "ok: MPI --resume == 1 thread"
echo PASS
