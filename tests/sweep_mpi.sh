#!/usr/bin/env bash
# `mpirun -np 3 socap sweep` gives the same merged result as one thread.
# Uses $SOCAP when it was built with -DSOCAP_MPI=ON ($SOCAP_IS_MPI=1);
# otherwise configures and builds an MPI build of socap in $MPI_BUILD.
# Exit 77 (skipped) only when mpirun, an MPI compiler or PYTHON with h5py is
# missing.
# Env: SOCAP, H5DIFF, PYTHON (with h5py), SRC, CMAKE, MPI_BUILD, SOCAP_IS_MPI
# (set by ctest).
set -euo pipefail
: "${SOCAP:?}" "${H5DIFF:?}" "${SRC:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! command -v mpirun >/dev/null; then
  echo "SKIP: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)"; exit 77
fi
. "$SRC/tests/sweep_lib.sh"
require_python sweep_mpi "h5py"
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
rc=0; bash "$SRC/tests/h5same.sh" --exclude-path /provenance "$w/ref.h5" "$w/m.h5" >"$w/d.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$w/d.txt"; fail "mpirun -np 3 differs from one thread (h5diff exit $rc)"; }
echo "ok: mpirun -np 3 == 1 thread"
ntasks=$("$SOCAP" sweep "$cfg" --dry-run | sed -n 's/.* = \([0-9]*\) tasks.*/\1/p')
all=$(seq -s ' ' 0 $((ntasks - 1)))
[ "$(batch_tasks "$w/m"/batch-*.h5)" = "$all" ] || fail "mpirun -np 3 wrote a task twice or not at all"
# resume under MPI after removing one batch: only the missing tasks run (the
# new batches hold exactly them; merge would hide a rerun, it drops duplicates)
first=$(ls "$w/m"/batch-r2of3-*.h5 | head -1)
gone=$(batch_tasks "$first")
rm "$first"
# stale .part batches of killed ranks (this size and another) are removed by
# the next MPI run; a shard's .part is not a rank's and stays
echo junk >"$w/m/batch-r1of3-000099.h5.part"
echo junk >"$w/m/batch-r4of8-000000.h5.part"
echo junk >"$w/m/batch-2of5-000000.h5.part"
ls "$w/m" | grep -v '\.part$' >"$w/before.txt"
"${mpi[@]}" "$exe" sweep "$cfg" -o "$w/m" --threads 2 --resume -q
ls "$w/m" | grep -q 'batch-r.*\.part$' && fail "stale rank .part files were left: $(ls "$w/m" | grep '\.part$')"
[ -e "$w/m/batch-2of5-000000.h5.part" ] || fail "a shard's .part was removed by an MPI run"
rm "$w/m/batch-2of5-000000.h5.part"
new=$(ls "$w/m" | comm -13 "$w/before.txt" - | sed "s|^|$w/m/|")
[ -n "$new" ] || fail "MPI resume wrote no batch"
# shellcheck disable=SC2086
[ "$(batch_tasks $new)" = "$gone" ] || fail "MPI resume ran tasks '$(batch_tasks $new)', expected only the missing '$gone'"
[ "$(batch_tasks "$w/m"/batch-*.h5)" = "$all" ] || fail "after the MPI resume a task is missing or duplicated"
"$SOCAP" merge "$w/m" -o "$w/m2.h5" -q
rc=0; bash "$SRC/tests/h5same.sh" --exclude-path /provenance "$w/ref.h5" "$w/m2.h5" >"$w/d.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$w/d.txt"; fail "MPI resume differs (h5diff exit $rc)"; }
echo "ok: MPI --resume == 1 thread"
# two MPI jobs of different shards at the same time into one directory (one
# shard per job, as a Slurm array of MPI jobs runs them): their ranks' batch
# names carry the shard, so they do not collide, and neither takes the
# other's live .part for a stale one of its own
mpi2=(mpirun --allow-run-as-root --oversubscribe -np 2)
"${mpi2[@]}" "$exe" sweep "$cfg" -o "$w/s" --threads 1 --batch-tasks 1 --shard 1/2 -q 2>"$w/s1.err" & p1=$!
"${mpi2[@]}" "$exe" sweep "$cfg" -o "$w/s" --threads 1 --batch-tasks 1 --shard 2/2 -q 2>"$w/s2.err" & p2=$!
r1=0; wait "$p1" || r1=$?
r2=0; wait "$p2" || r2=$?
[ "$r1" = 0 ] && [ "$r2" = 0 ] || { cat "$w/s1.err" "$w/s2.err"; fail "concurrent MPI shard jobs: exit $r1 and $r2"; }
ls "$w/s" | grep -q 'batch-r1of2-s2of2-' || fail "MPI shard batches are not named by shard: $(ls "$w/s")"
[ "$(batch_tasks "$w/s"/batch-*.h5)" = "$all" ] || fail "concurrent MPI shard jobs: a task is missing or duplicated"
"$SOCAP" merge "$w/s" -o "$w/s.h5" -q
rc=0; bash "$SRC/tests/h5same.sh" --exclude-path /provenance "$w/ref.h5" "$w/s.h5" >"$w/d.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$w/d.txt"; fail "concurrent MPI shard jobs differ (h5diff exit $rc)"; }
echo "ok: two MPI jobs of different shards into one directory == 1 thread"
echo PASS
