#!/usr/bin/env bash
# The merged result of a sweep is identical (h5diff, /provenance aside) for
# 1 thread, 2 threads, 3 shards run separately (flags and Slurm variables),
# and a run killed with kill -9 several times and resumed.
# Env: SOCAP, H5DIFF, SRC (set by ctest).
set -euo pipefail
: "${SOCAP:?}" "${H5DIFF:?}" "${SRC:?}"
cfg="$SRC/configs/sweep_test.yaml"
w="$(mktemp -d "${TMPDIR:-/tmp}/socap_sweep_id.XXXXXX")"
trap 'rm -rf "$w"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
same() { # same A B: h5diff must exit 0 (no differences)
  local rc=0
  "$H5DIFF" --exclude-path /provenance "$1" "$2" >"$w/diff.txt" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat "$w/diff.txt" >&2; fail "$1 and $2 differ (h5diff exit $rc)"; }
  echo "ok: $(basename "$1") == $(basename "$2")"
}

"$SOCAP" sweep "$cfg" -o "$w/t1" --threads 1 --batch-tasks 5 -q
"$SOCAP" merge "$w/t1" -o "$w/t1.h5" -q
# the merged provenance names the sweep's master seed (configs/sweep_test.yaml: seed 7)
h5dump -a /provenance/seed "$w/t1.h5" | grep -q '"7"' || fail "merged /provenance seed is not the master seed 7"
ntasks=$("$SOCAP" sweep "$cfg" --dry-run | sed -n 's/.* = \([0-9]*\) tasks.*/\1/p')
[ "$ntasks" -ge 18 ] || fail "dry-run reports $ntasks tasks"

"$SOCAP" sweep "$cfg" -o "$w/t2" --threads 2 --batch-tasks 4 -q
"$SOCAP" merge "$w/t2" -o "$w/t2.h5" -q
same "$w/t1.h5" "$w/t2.h5"

# shards into one directory: 1/3 by flag; then 2/3 and 3/3 at the same time,
# from Slurm job-array variables (array 1-3 and array 0-2: SLURM_ARRAY_TASK_MIN
# normalises both)
"$SOCAP" sweep "$cfg" -o "$w/sh" --shard 1/3 --threads 1 -q
# a merge of an incomplete directory reports the missing tasks and exits 1
rc=0; "$SOCAP" merge "$w/sh" -o "$w/partial.h5" -q 2>"$w/err.txt" || rc=$?
[ "$rc" = 1 ] || fail "merge of an incomplete sweep exited $rc, expected 1"
grep -q "tasks missing" "$w/err.txt" || fail "merge did not report missing tasks"
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=1 "$SOCAP" sweep "$cfg" -o "$w/sh" --threads 1 -q &
p2=$!
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=0 "$SOCAP" sweep "$cfg" -o "$w/sh" --threads 1 -q &
p3=$!
wait "$p2" || fail "shard 2/3 failed"
wait "$p3" || fail "shard 3/3 failed"
ls "$w/sh" | grep -q 'batch-2of3-' || fail "Slurm variables did not select shard 2/3"
ls "$w/sh" | grep -q 'batch-3of3-' || fail "Slurm variables did not select shard 3/3"
"$SOCAP" merge "$w/sh" -o "$w/sh.h5" -q
same "$w/t1.h5" "$w/sh.h5"

# kill -9 at random moments, then --resume until complete. Each round waits
# until the run has saved a new batch (so it makes progress on any machine)
# and kills it 0-40 ms later: during a task, a batch write or a rename.
# (a longer variant of the test sweep: 72 tasks, so there is work left to kill)
sed 's/replicates: 3/replicates: 12/' "$cfg" >"$w/long.yaml"
"$SOCAP" sweep "$w/long.yaml" -o "$w/lref" --threads 2 -q
"$SOCAP" merge "$w/lref" -o "$w/lref.h5" -q
kills=0
nbatches() { ls "$w/k" 2>/dev/null | grep -c '^batch-.*\.h5$' || true; }
for round in $(seq 1 40); do
  n0=$(nbatches)
  "$SOCAP" sweep "$w/long.yaml" -o "$w/k" --threads 1 --batch-tasks 2 --resume -q 2>/dev/null &
  pid=$!
  for _ in $(seq 1 1000); do
    [ "$(nbatches)" -gt "$n0" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  sleep "0.0$((RANDOM % 5))"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null || true
  [ "$kills" -ge 4 ] && break
done
echo "killed $kills times"
[ "$kills" -ge 3 ] || fail "only $kills kills landed"
"$SOCAP" sweep "$w/long.yaml" -o "$w/k" --threads 2 --batch-tasks 2 --resume -q
ls "$w/k" | grep -q '\.part$' && fail "a .part file was left behind"
"$SOCAP" merge "$w/k" -o "$w/k.h5" -q
same "$w/lref.h5" "$w/k.h5"
echo "PASS"
