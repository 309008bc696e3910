#!/usr/bin/env bash
# Failure handling and refusals of `socap sweep` / `socap merge`:
# a failing point is recorded in /failures, the others finish, exit 1;
# config errors name file:line:col; a directory is never overwritten;
# --batch-seconds closes a batch on time; SIGTERM saves the open batch.
# Env: SOCAP, PYTHON (with h5py, numpy), SRC (set by ctest). Exit 77 (skip)
# when PYTHON or h5py is missing: the file checks below need it.
set -euo pipefail
: "${SOCAP:?}" "${SRC:?}"
. "$SRC/tests/sweep_lib.sh"
require_python sweep_failures "h5py, numpy"
w="$(mktemp -d "${TMPDIR:-/tmp}/socap_sweep_fail.XXXXXX")"
trap 'rm -rf "$w"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() { # expect_rc CODE cmd...
  local want=$1; shift
  local rc=0
  "$@" >"$w/out.txt" 2>"$w/err.txt" || rc=$?
  [ "$rc" = "$want" ] || { cat "$w/err.txt" >&2; fail "'$*' exited $rc, expected $want"; }
}

# w_intro = 0.1 breaks the cross-field rule w_intro >= w0 (0.2): point 1
# (tasks 2, 3) fails per task (docs/sweeps.md "Failures")
cat >"$w/fail.yaml" <<'Y'
seed: 3
steps: 5
population: {n_agents: 60, group_size: 10}
model: {info_items: 5}
sweep:
  replicates: 2
  axes:
    model.w_intro: [0.35, 0.1, 0.5]
Y
expect_rc 1 "$SOCAP" sweep "$w/fail.yaml" -o "$w/f" --threads 2
grep -q "2 tasks failed" "$w/err.txt" || { cat "$w/err.txt"; fail "no failure summary"; }
grep -q "model.w_intro" "$w/err.txt" || fail "the summary does not name the parameter"
expect_rc 0 "$SOCAP" merge "$w/f" -o "$w/f.h5"
# DIR/sweep.yaml is itself a sweep file with the same design hash
h=$(sed -n 's/^# design_hash: //p' "$w/f/sweep.yaml")
"$SOCAP" sweep "$w/f/sweep.yaml" --dry-run | grep -q "design hash $h" || fail "sweep.yaml does not reload to hash $h"
"$PYTHON" - "$w/f.h5" <<'P' || fail "/failures, /design or /agents of the merged failing sweep"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
ft = f["failures/task"][:]
assert list(ft) == [2, 3], ft
msg = f["failures/message"][0].decode()
assert "model.w_intro" in msg, msg
assert list(f["design/task"][:]) == list(range(6))
assert np.allclose(f["design/model.w_intro"][:], [0.35, 0.35, 0.1, 0.1, 0.5, 0.5])
ts = set(f["agents/task"][:].tolist())
assert ts == {0, 1, 4, 5}, ts
print("ok: /failures holds tasks 2 and 3; the others have rows")
P
# task 0 of a sweep equals `socap run` of the same parameters and seed
# (capture recorder + batch tables == direct HDF5 recorder)
seed0=$("$SOCAP" sweep "$w/fail.yaml" --dry-run | awk '$1 == "0" {print $4}')
"$SOCAP" run "$w/fail.yaml" --set model.w_intro=0.35 --seed "$seed0" -o "$w/run0.h5" -q
"$PYTHON" - "$w/f.h5" "$w/run0.h5" <<'P' || fail "sweep task 0 differs from socap run"
import sys, h5py, numpy as np
s, r = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for t in ("agents", "timeseries", "global"):
    sel = s[t]["task"][:] == 0
    assert sel.sum() == len(r[t]["task"]) > 0, t
    for c in r[t].attrs["columns"]:
        c = c.decode() if isinstance(c, bytes) else c
        a, b = s[t][c][:][sel], r[t][c][:]
        assert np.array_equal(a, b, equal_nan=True), (t, c)
print("ok: sweep task 0 == socap run with its parameters and seed")
P
# a rerun with --resume skips everything (failed tasks included) and still exits 1
expect_rc 1 "$SOCAP" sweep "$w/fail.yaml" -o "$w/f" --resume -q
grep -q "2 tasks failed" "$w/err.txt" || fail "resume does not report earlier failures"

# the same sweep without --resume: refused, nothing changed
before=$(ls "$w/f" | sort | tr '\n' ' ')
expect_rc 2 "$SOCAP" sweep "$w/fail.yaml" -o "$w/f" -q
grep -q -- "--resume" "$w/err.txt" || fail "no hint to pass --resume"
[ "$before" = "$(ls "$w/f" | sort | tr '\n' ' ')" ] || fail "the directory changed"
# a different sweep into the same directory: refused
sed 's/seed: 3/seed: 4/' "$w/fail.yaml" >"$w/other.yaml"
expect_rc 2 "$SOCAP" sweep "$w/other.yaml" -o "$w/f" --resume -q
grep -q "different sweep" "$w/err.txt" || fail "no design-hash message"
# merge refuses to overwrite
expect_rc 3 "$SOCAP" merge "$w/f" -o "$w/f.h5"
expect_rc 0 "$SOCAP" merge "$w/f" -o "$w/f.h5" --force -q
# merge refuses batches of two sweeps
mkdir "$w/mix"
expect_rc 1 "$SOCAP" sweep "$w/other.yaml" -o "$w/o" -q # its point 1 fails too
cp "$w/f"/batch-*.h5 "$w/mix/"
cp "$w/o"/batch-*.h5 "$w/mix/batch-zz-000000.h5"
expect_rc 2 "$SOCAP" merge "$w/mix" -o "$w/mix.h5"
grep -q "different sweep" "$w/err.txt" || { cat "$w/err.txt"; fail "merge accepted mixed sweeps"; }
# merge refuses batches whose hash differs from DIR/sweep.yaml's (here an
# edited, short hash); the message quotes it without a line break
mkdir "$w/edited"
cp "$w/f"/batch-*.h5 "$w/edited/"
sed 's/^# design_hash: .*/# design_hash: deadbeef/' "$w/f/sweep.yaml" >"$w/edited/sweep.yaml"
expect_rc 2 "$SOCAP" merge "$w/edited" -o "$w/edited.h5"
grep -q "sweep.yaml' has deadbeef: mixed sweeps" "$w/err.txt" || { cat "$w/err.txt"; fail "sweep.yaml hash message"; }

# batches of another output schema version (a sweep started by an older
# socap): --resume refuses to add to them, merge refuses to mix versions and
# labels an all-old sweep with its own version
cur=$("$PYTHON" -c 'import h5py, sys; print(h5py.File(sys.argv[1], "r").attrs["socap_schema_version"].decode())' "$w/f.h5")
cp -r "$w/f" "$w/old"
for b in "$w/old"/batch-*.h5; do
  "$PYTHON" -c 'import h5py, numpy as np, sys; h5py.File(sys.argv[1], "r+").attrs["socap_schema_version"] = np.bytes_("0.9")' "$b"
done
expect_rc 2 "$SOCAP" sweep "$w/fail.yaml" -o "$w/old" --resume -q
grep -q "has output schema 0.9 where $cur was expected" "$w/err.txt" || { cat "$w/err.txt"; fail "resume mixed schema versions"; }
expect_rc 0 "$SOCAP" merge "$w/old" -o "$w/old.h5" -q
"$PYTHON" -c 'import h5py, sys; v = h5py.File(sys.argv[1], "r").attrs["socap_schema_version"].decode(); assert v == "0.9", v' "$w/old.h5" \
  || fail "merge of an all-0.9 sweep not labelled 0.9"
mkdir "$w/mixv"
cp "$w/f"/batch-*.h5 "$w/mixv/"
cp "$w/old"/batch-*.h5 "$w/mixv/batch-zz-000000.h5"
expect_rc 2 "$SOCAP" merge "$w/mixv" -o "$w/mixv.h5"
grep -q "batch-zz-000000.h5' has output schema 0.9 where $cur was expected (the version of 'batch-.*', the first batch read)" "$w/err.txt" \
  || { cat "$w/err.txt"; fail "merge mixed schema versions"; }
[ -e "$w/mixv.h5" ] && fail "a refused merge left an output file"
echo "ok: batches of another schema version are refused by --resume and by a mixed merge"
# a batch that lost a table (damage): merge dropped its rows, or the whole
# table, silently; now it names the batch and the table, and writes nothing
cp -r "$w/f" "$w/dam"
last=$(ls "$w/dam"/batch-*.h5 | tail -1)
"$PYTHON" -c 'import h5py, sys; del h5py.File(sys.argv[1], "r+")["timeseries"]' "$last"
expect_rc 3 "$SOCAP" merge "$w/dam" -o "$w/dam.h5"
grep -q "'$last' has no table /timeseries.*: a damaged batch file" "$w/err.txt" || { cat "$w/err.txt"; fail "merge of a batch without /timeseries"; }
[ -e "$w/dam.h5" ] && fail "a refused merge left an output file"
echo "ok: merge refuses a batch that lost a table"
# a sweep directory on a file system that became read-only: --resume says so
# before any task (it computed one per thread first); needs root for mount
mkdir "$w/romnt"
if mount -t tmpfs -o size=8m tmpfs "$w/romnt" 2>/dev/null; then
  trap 'umount "$w/romnt" 2>/dev/null || true; rm -rf "$w"' EXIT
  cp -r "$w/f" "$w/romnt/d"
  rm -f "$w/romnt/d"/batch-*.h5   # every task is missing again
  mount -o remount,ro "$w/romnt"
  expect_rc 3 "$SOCAP" sweep "$w/fail.yaml" -o "$w/romnt/d" --resume -q
  grep -q "cannot write into '$w/romnt/d': Read-only file system" "$w/err.txt" \
    || { cat "$w/err.txt"; fail "a read-only sweep directory was not reported first"; }
  umount "$w/romnt"
  echo "ok: --resume into a read-only directory is refused before any task"
else
  echo "skip: no tmpfs mount here (not root?): read-only directory check not run"
fi

# config errors: unknown axis name with a suggestion and file:line:col
cat >"$w/bad.yaml" <<'Y'
steps: 5
sweep:
  replicates: 2
  axes:
    model.halflife: [1, 2]
Y
expect_rc 2 "$SOCAP" sweep "$w/bad.yaml" -o "$w/b"
grep -q "bad.yaml:5:5: error: model.halflife: unknown parameter 'model.halflife' (did you mean 'model.half_life'?)" \
  "$w/err.txt" || { cat "$w/err.txt"; fail "bad unknown-axis message"; }
[ -e "$w/b" ] && fail "a config error created the output directory"
cat >"$w/bad2.yaml" <<'Y'
sweep:
  design: lhs
  n: 10
  axes:
    model.p_pass: [0.1, 0.2]
Y
expect_rc 2 "$SOCAP" sweep "$w/bad2.yaml" --dry-run
grep -q "bad2.yaml:5:19: error: model.p_pass: lhs axes take {min: LO, max: HI}" "$w/err.txt" || { cat "$w/err.txt"; fail "bad lhs message"; }
cat >"$w/bad3.yaml" <<'Y'
sweep:
  replicate: 2
  axes: {model.p_pass: [0.1]}
Y
expect_rc 2 "$SOCAP" sweep "$w/bad3.yaml" --dry-run
grep -q "bad3.yaml:2:3: error: sweep.replicate: unknown key 'replicate' (did you mean 'replicates'?)" "$w/err.txt" \
  || { cat "$w/err.txt"; fail "bad unknown-key message"; }
# an integer parameter's grid range: exact integer ends, distinct points
# (rounding gave 1, 1, 2, 2, 2 and ran the same points again)
printf 'sweep:\n  axes: {model.dunbar_limit: {range: [1, 2], steps: 5}}\n' >"$w/bad4.yaml"
expect_rc 2 "$SOCAP" sweep "$w/bad4.yaml" --dry-run
grep -q "bad4.yaml:2:30: error: model.dunbar_limit: .* 5 steps over \[1, 2\] give the value 1 twice" "$w/err.txt" \
  || { cat "$w/err.txt"; fail "duplicate integer grid points accepted"; }
printf 'sweep:\n  axes: {model.dunbar_limit: {range: [10, 20.5], steps: 3}}\n' >"$w/bad5.yaml"
expect_rc 2 "$SOCAP" sweep "$w/bad5.yaml" --dry-run
grep -q "bad5.yaml:2:43: error: model.dunbar_limit: .* the ends of its range must be integers, got 20.5" "$w/err.txt" \
  || { cat "$w/err.txt"; fail "non-integer range end of an integer parameter accepted"; }
printf 'sweep:\n  axes: {model.dunbar_limit: {range: [10, 20], steps: 3}}\n' >"$w/ok4.yaml"
expect_rc 0 "$SOCAP" sweep "$w/ok4.yaml" --dry-run
# --set of a swept parameter: the axis would override it at every point
expect_rc 2 "$SOCAP" sweep "$w/ok4.yaml" --dry-run --set model.dunbar_limit=30
grep -q "^--set:1:1: error: model.dunbar_limit: model.dunbar_limit is an axis of this sweep" "$w/err.txt" \
  || { cat "$w/err.txt"; fail "--set of a swept parameter accepted"; }
expect_rc 0 "$SOCAP" sweep "$w/ok4.yaml" --dry-run --set model.rho=0.5
# a non-empty directory that is not a sweep's
mkdir "$w/junk"; touch "$w/junk/notes.txt"
expect_rc 2 "$SOCAP" sweep "$w/fail.yaml" -o "$w/junk" -q
# --batch-seconds and SIGTERM (Slurm's warning before the time limit): with
# --batch-seconds 1 (and --batch-tasks far away) a batch is closed >= 1 s after
# the start while the run goes on; SIGTERM then saves the open batch: every
# task reported done is in exactly one batch, exit 1
cat >"$w/long.yaml" <<'Y'
seed: 9
steps: 10
population: {n_agents: 100, group_size: 10}
sweep:
  replicates: 2000  # far more than run before the SIGTERM below
  axes: {model.half_life: [10, 20]}
Y
t0=$(date +%s%N)
"$SOCAP" sweep "$w/long.yaml" -o "$w/term" --threads 1 --batch-tasks 100000 --batch-seconds 1 2>"$w/err.txt" &
pid=$!
first=""
for _ in $(seq 1 300); do # up to 15 s
  first=$(ls "$w/term" 2>/dev/null | grep -m1 '^batch-.*\.h5$' || true)
  [ -n "$first" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
dt=$((($(date +%s%N) - t0) / 1000000))
kill -0 "$pid" 2>/dev/null || fail "--batch-seconds 1: the sweep ended before it closed a batch by time"
[ -n "$first" ] || { kill "$pid"; fail "--batch-seconds 1: no batch closed within 15 s"; }
[ "$dt" -ge 1000 ] || { kill "$pid"; fail "--batch-seconds 1: a batch was closed after $dt ms, before 1 s"; }
for _ in $(seq 1 100); do ls "$w/term"/*.part >/dev/null 2>&1 && break; sleep 0.02; done
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" = 1 ] || fail "SIGTERM: exit $rc, expected 1"
grep -q "rerun with --resume" "$w/err.txt" || { cat "$w/err.txt"; fail "SIGTERM: no hint to resume"; }
ls "$w/term" | grep -q '\.part$' && fail "SIGTERM: a .part file was left"
[ "$(ls "$w/term" | grep -c '^batch-.*\.h5$')" -ge 2 ] || fail "SIGTERM: the batch open at the signal was not saved"
ndone=$(sed -n 's/.*sweep stopped: [0-9]* tasks: \([0-9]*\) done now.*/\1/p' "$w/err.txt")
[ -n "$ndone" ] && [ "$ndone" -ge 2 ] || { cat "$w/err.txt"; fail "SIGTERM: no 'sweep stopped: ... N done now' summary"; }
"$PYTHON" -c 'import sys, h5py
t = sorted(x for f in sys.argv[2:] for x in h5py.File(f, "r")["design/task"][:].tolist())
assert t == list(range(int(sys.argv[1]))), (sys.argv[1], t)' "$ndone" "$w/term"/batch-*.h5 ||
  fail "SIGTERM: the batches do not hold exactly the $ndone tasks reported done"
echo "ok: --batch-seconds 1 closed a batch after $dt ms; SIGTERM saved the open batch ($ndone tasks in all)"
echo "PASS"
