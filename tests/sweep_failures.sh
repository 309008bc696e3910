#!/usr/bin/env bash
# Failure handling and refusals of `socap sweep` / `socap merge`:
# a failing point is recorded in /failures, the others finish, exit 1;
# config errors name file:line:col; a directory is never overwritten.
# Env: SOCAP, PYTHON (with h5py), SRC (set by ctest).
set -euo pipefail
: "${SOCAP:?}" "${SRC:?}"
w="$(mktemp -d "${TMPDIR:-/tmp}/socap_sweep_fail.XXXXXX")"
trap 'rm -rf "$w"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() { # expect_rc CODE cmd...
  local want=$1; shift
  local rc=0
  "$@" >"$w/out.txt" 2>"$w/err.txt" || rc=$?
  [ "$rc" = "$want" ] || { cat "$w/err.txt" >&2; fail "'$*' exited $rc, expected $want"; }
}

# p_pass = 1.5 is out of range: point 1 (tasks 2, 3) fails per task
cat >"$w/fail.yaml" <<'Y'
seed: 3
steps: 5
population: {n_agents: 60, group_size: 10}
model: {info_items: 5}
sweep:
  replicates: 2
  axes:
    model.p_pass: [0.2, 1.5, 0.6]
Y
expect_rc 1 "$SOCAP" sweep "$w/fail.yaml" -o "$w/f" --threads 2
grep -q "2 tasks failed" "$w/err.txt" || { cat "$w/err.txt"; fail "no failure summary"; }
grep -q "model.p_pass" "$w/err.txt" || fail "the summary does not name the parameter"
expect_rc 0 "$SOCAP" merge "$w/f" -o "$w/f.h5"
# DIR/sweep.yaml is itself a sweep file with the same design hash
h=$(sed -n 's/^# design_hash: //p' "$w/f/sweep.yaml")
"$SOCAP" sweep "$w/f/sweep.yaml" --dry-run | grep -q "design hash $h" || fail "sweep.yaml does not reload to hash $h"
if [ -n "${PYTHON:-}" ] && "$PYTHON" -c 'import h5py' 2>/dev/null; then
  "$PYTHON" - "$w/f.h5" <<'P'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
ft = f["failures/task"][:]
assert list(ft) == [2, 3], ft
msg = f["failures/message"][0].decode()
assert "model.p_pass" in msg, msg
assert list(f["design/task"][:]) == list(range(6))
assert np.allclose(f["design/model.p_pass"][:], [0.2, 0.2, 1.5, 1.5, 0.6, 0.6])
ts = set(f["agents/task"][:].tolist())
assert ts == {0, 1, 4, 5}, ts
print("ok: /failures holds tasks 2 and 3; the others have rows")
P
fi
# task 0 of a sweep equals `socap run` of the same parameters and seed
# (capture recorder + batch tables == direct HDF5 recorder)
if [ -n "${PYTHON:-}" ] && "$PYTHON" -c 'import h5py' 2>/dev/null; then
  seed0=$("$SOCAP" sweep "$w/fail.yaml" --dry-run | awk '$1 == "0" {print $4}')
  "$SOCAP" run "$w/fail.yaml" --set model.p_pass=0.2 --seed "$seed0" -o "$w/run0.h5" -q
  "$PYTHON" - "$w/f.h5" "$w/run0.h5" <<'P'
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
fi
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
"$SOCAP" sweep "$w/other.yaml" -o "$w/o" -q 2>/dev/null || true
cp "$w/f"/batch-*.h5 "$w/mix/"
cp "$w/o"/batch-*.h5 "$w/mix/batch-zz-000000.h5"
expect_rc 2 "$SOCAP" merge "$w/mix" -o "$w/mix.h5"
grep -q "different sweep" "$w/err.txt" || { cat "$w/err.txt"; fail "merge accepted mixed sweeps"; }

# batches of another output schema version (a sweep started by an older
# socap): --resume refuses to add to them, merge refuses to mix versions and
# labels an all-old sweep with its own version
if [ -n "${PYTHON:-}" ] && "$PYTHON" -c 'import h5py' 2>/dev/null; then
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
# a non-empty directory that is not a sweep's
mkdir "$w/junk"; touch "$w/junk/notes.txt"
expect_rc 2 "$SOCAP" sweep "$w/fail.yaml" -o "$w/junk" -q
# SIGTERM (Slurm's warning before the time limit): the open batch is saved, exit 1
cat >"$w/long.yaml" <<'Y'
seed: 9
steps: 10
population: {n_agents: 100, group_size: 10}
sweep:
  replicates: 400
  axes: {model.half_life: [10, 20]}
Y
"$SOCAP" sweep "$w/long.yaml" -o "$w/term" --threads 1 --batch-tasks 100000 -q 2>"$w/err.txt" &
pid=$!
for _ in $(seq 1 100); do ls "$w/term"/*.part >/dev/null 2>&1 && break; sleep 0.05; done
sleep 0.5
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" = 1 ] || fail "SIGTERM: exit $rc, expected 1"
grep -q "resume" "$w/err.txt" || fail "SIGTERM: no hint to resume"
ls "$w/term" | grep -q '^batch-.*\.h5$' || fail "SIGTERM: the open batch was not saved"
ls "$w/term" | grep -q '\.part$' && fail "SIGTERM: a .part file was left"
echo "ok: SIGTERM saved the open batch"
echo "PASS"
