#!/usr/bin/env bash
# The merged result of a sweep is identical (h5diff, /provenance aside) for
# 1 thread, 2 threads, 3 shards run separately (flags and Slurm variables),
# and a run killed with kill -9 several times and resumed; --resume runs only
# the missing tasks (no task is in two batch files); --shard beats the Slurm
# variables; merge of an incomplete sweep with and without --allow-missing.
# Env: SOCAP, H5DIFF, PYTHON (with h5py), SRC (set by ctest). Exit 77 (skip)
# when PYTHON or h5py is missing.
set -euo pipefail
: "${SOCAP:?}" "${H5DIFF:?}" "${SRC:?}"
. "$SRC/tests/sweep_lib.sh"
require_python sweep_identity "h5py"
cfg="$SRC/configs/sweep_test.yaml"
w="$(mktemp -d "${TMPDIR:-/tmp}/socap_sweep_id.XXXXXX")"
trap 'rm -rf "$w"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
same() { # same A B: no differences, shapes included (tests/h5same.sh)
  local rc=0
  bash "$SRC/tests/h5same.sh" --exclude-path /provenance "$1" "$2" >"$w/diff.txt" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat "$w/diff.txt" >&2; fail "$1 and $2 differ (h5diff exit $rc)"; }
  echo "ok: $(basename "$1") == $(basename "$2")"
}
# batch_tasks FILE...: the /design task ids in these batch files, sorted, on one
# line (a task written twice appears twice)

"$SOCAP" sweep "$cfg" -o "$w/t1" --threads 1 --batch-tasks 5 -q
"$SOCAP" merge "$w/t1" -o "$w/t1.h5" -q
# the merged provenance names the sweep's master seed (configs/sweep_test.yaml: seed 7)
h5dump -a /provenance/seed "$w/t1.h5" | grep -q '"7"' || fail "merged /provenance seed is not the master seed 7"
ntasks=$("$SOCAP" sweep "$cfg" --dry-run | sed -n 's/.* = \([0-9]*\) tasks.*/\1/p')
[ "$ntasks" -ge 18 ] || fail "dry-run reports $ntasks tasks"

"$SOCAP" sweep "$cfg" -o "$w/t2" --threads 2 --batch-tasks 4 -q
"$SOCAP" merge "$w/t2" -o "$w/t2.h5" -q
same "$w/t1.h5" "$w/t2.h5"

# --resume runs only the missing tasks: remove one finished batch of t1 (5
# tasks) and resume: one new batch holding exactly those tasks, and every task
# in exactly one batch (merge drops duplicates, so only this shows a rerun)
cp -r "$w/t1" "$w/r"
gone=$(ls "$w/r"/batch-*.h5 | sed -n 2p)
gone_tasks=$(batch_tasks "$gone")
[ "$(echo "$gone_tasks" | wc -w)" = 5 ] || fail "batch $gone holds tasks '$gone_tasks', expected 5"
rm "$gone"
ls "$w/r" >"$w/before.txt"
"$SOCAP" sweep "$cfg" -o "$w/r" --threads 2 --resume 2>"$w/err.txt" || { cat "$w/err.txt"; fail "resume failed"; }
grep -q "sweep finished: $ntasks tasks: 5 done now, $((ntasks - 5)) skipped" "$w/err.txt" ||
  { cat "$w/err.txt"; fail "resume did not report 5 done, $((ntasks - 5)) skipped"; }
new=$(ls "$w/r" | comm -13 "$w/before.txt" -)
if [ -z "$new" ] || [ "$(echo "$new" | wc -l)" != 1 ]; then fail "resume wrote '$new', expected one new batch"; fi
[ "$(batch_tasks "$w/r/$new")" = "$gone_tasks" ] ||
  fail "resume ran tasks '$(batch_tasks "$w/r/$new")', expected only the missing '$gone_tasks'"
[ "$(batch_tasks "$w/r"/batch-*.h5)" = "$(seq -s ' ' 0 $((ntasks - 1)))" ] || fail "after resume a task is missing or duplicated"
"$SOCAP" merge "$w/r" -o "$w/r.h5" -q
same "$w/t1.h5" "$w/r.h5"
# --resume on a complete directory: exit 0, says so, writes nothing
ls -l --full-time "$w/r" >"$w/before.txt"
rc=0; "$SOCAP" sweep "$cfg" -o "$w/r" --threads 2 --resume 2>"$w/err.txt" || rc=$?
[ "$rc" = 0 ] || { cat "$w/err.txt"; fail "resume of a complete sweep exited $rc"; }
grep -q "sweep finished: $ntasks tasks: 0 done now, $ntasks skipped" "$w/err.txt" ||
  { cat "$w/err.txt"; fail "resume of a complete sweep did not say that all $ntasks tasks were skipped"; }
ls -l --full-time "$w/r" | cmp -s - "$w/before.txt" || fail "resume of a complete sweep changed the directory"
echo "ok: --resume ran only the 5 missing tasks; on a complete sweep it runs and writes nothing"

# shards into one directory: 1/3 by flag (which beats Slurm variables naming
# shard 2/3); then 2/3 and 3/3 at the same time, from Slurm job-array variables
# (array 1-3 and array 0-2: SLURM_ARRAY_TASK_MIN normalises both)
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=1 \
  "$SOCAP" sweep "$cfg" -o "$w/sh" --shard 1/3 --threads 1 -q
[ "$(ls "$w/sh" | grep '^batch-' | grep -vc '^batch-1of3-')" = 0 ] || fail "--shard 1/3 did not beat the Slurm variables"
[ "$(batch_tasks "$w/sh"/batch-*.h5)" = "$(seq -s ' ' 0 3 $((ntasks - 1)))" ] || fail "shard 1/3 ran other tasks"
# SLURM_ARRAY_TASK_STEP: array 0-4:2 (ids 0, 2, 4) and 1-5:2, id 4 and 5 are shard 3/3
SLURM_ARRAY_TASK_ID=4 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_STEP=2 \
  "$SOCAP" sweep "$cfg" --dry-run | grep -q "^shard 3/3: $((ntasks / 3)) tasks" || fail "SLURM_ARRAY_TASK_STEP=2, id 4 of 0-4 is not shard 3/3"
SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_STEP=2 \
  "$SOCAP" sweep "$cfg" --dry-run | grep -q "^shard 3/3: " || fail "SLURM_ARRAY_TASK_STEP=2, id 5 of 1-5 is not shard 3/3"
# a Slurm variable that is not an integer is an error (atol made 'abc' shard 1),
# and so is a task id off the array's step
rc=0; SLURM_ARRAY_TASK_ID=abc SLURM_ARRAY_TASK_COUNT=2 "$SOCAP" sweep "$cfg" --dry-run >/dev/null 2>"$w/err.txt" || rc=$?
[ "$rc" = 2 ] && grep -q "SLURM_ARRAY_TASK_ID='abc' is not an integer" "$w/err.txt" ||
  { cat "$w/err.txt"; fail "SLURM_ARRAY_TASK_ID=abc: exit $rc"; }
rc=0; SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_STEP=2 \
  "$SOCAP" sweep "$cfg" --dry-run >/dev/null 2>"$w/err.txt" || rc=$?
[ "$rc" = 2 ] || { cat "$w/err.txt"; fail "SLURM_ARRAY_TASK_ID=3 in array 0-4:2 accepted (exit $rc)"; }
# values beyond 32 bits are errors (a count of 2^32 + 2 became shard 1/2)
rc=0; SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_COUNT=4294967298 "$SOCAP" sweep "$cfg" --dry-run >/dev/null 2>"$w/err.txt" || rc=$?
[ "$rc" = 2 ] && grep -q "SLURM_ARRAY_TASK_COUNT='4294967298' is not an integer from" "$w/err.txt" ||
  { cat "$w/err.txt"; fail "SLURM_ARRAY_TASK_COUNT=2^32+2: exit $rc"; }
# a merge of an incomplete directory reports the missing tasks, still writes
# the file and exits 1; with --allow-missing it exits 0
missing=$((ntasks - ntasks / 3))
rc=0; "$SOCAP" merge "$w/sh" -o "$w/partial.h5" -q 2>"$w/err.txt" || rc=$?
[ "$rc" = 1 ] || fail "merge of an incomplete sweep exited $rc, expected 1"
grep -q "$missing tasks missing: 1, 2, 4, 5," "$w/err.txt" || { cat "$w/err.txt"; fail "merge did not list the missing tasks"; }
grep -q -- "--allow-missing" "$w/err.txt" || fail "merge did not mention --allow-missing"
[ "$(batch_tasks "$w/partial.h5")" = "$(seq -s ' ' 0 3 $((ntasks - 1)))" ] || fail "the incomplete merge did not write the present tasks"
rc=0; "$SOCAP" merge "$w/sh" -o "$w/partial2.h5" -q --allow-missing 2>"$w/err.txt" || rc=$?
[ "$rc" = 0 ] || { cat "$w/err.txt"; fail "merge --allow-missing exited $rc, expected 0"; }
grep -q "$missing tasks missing" "$w/err.txt" || fail "merge --allow-missing did not report the missing tasks"
same "$w/partial.h5" "$w/partial2.h5"
"$PYTHON" -c 'import sys, h5py
a = h5py.File(sys.argv[1], "r")["provenance"].attrs
got = (int(a["tasks_present"]), int(a["tasks_missing"]))
assert got == (int(sys.argv[2]), int(sys.argv[3])), got' "$w/partial2.h5" $((ntasks / 3)) $missing ||
  fail "/provenance of merge --allow-missing does not count $missing missing tasks"
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
# (a longer variant of the test sweep: 4 x 18 tasks, so there is work left to kill)
sed 's/replicates: 3/replicates: 12/' "$cfg" >"$w/long.yaml"
nlong=$("$SOCAP" sweep "$w/long.yaml" --dry-run | sed -n 's/.* = \([0-9]*\) tasks.*/\1/p')
[ "$nlong" = $((4 * ntasks)) ] || fail "the long sweep has $nlong tasks"
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
# every task in exactly one batch: resumes after the kills reran no finished task
[ "$(batch_tasks "$w/k"/batch-*.h5)" = "$(seq -s ' ' 0 $((nlong - 1)))" ] ||
  fail "after the kills and resumes some task is in two batch files (or none): $(batch_tasks "$w/k"/batch-*.h5)"
"$SOCAP" merge "$w/k" -o "$w/k.h5" -q
same "$w/lref.h5" "$w/k.h5"
echo "PASS"
