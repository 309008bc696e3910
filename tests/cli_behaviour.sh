#!/usr/bin/env bash
# CLI contract: exit codes, no clobbering, .part handling, --set, params.
set -u
: "${SOCAP:?}" "${SRC:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cfg="$SRC/tests/data/small.yaml"
fail=0
expect() { # expect CODE DESCRIPTION -- command...
  local want=$1 what=$2; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  if [ "$got" = "$want" ]; then echo "ok: $what (exit $got)"; else
    echo "FAIL: $what: exit $got, expected $want"; cat "$tmp/err"; fail=1; fi
}
expect 0 "--version" -- "$SOCAP" --version
grep -q "^socap [0-9]" "$tmp/out" || { echo "FAIL: --version output"; fail=1; }
expect 0 "--help" -- "$SOCAP" --help
grep -q "exit codes" "$tmp/out" || { echo "FAIL: --help lacks exit codes"; fail=1; }
expect 2 "no command" -- "$SOCAP"
expect 2 "unknown command" -- "$SOCAP" frobnicate
expect 2 "unknown option" -- "$SOCAP" run "$cfg" --frob
expect 2 "bad --threads" -- "$SOCAP" run "$cfg" --threads zero -o "$tmp/x.h5"
expect 2 "--threads above the limit" -- "$SOCAP" run "$cfg" --threads 5000 -o "$tmp/x.h5"
grep -q "expects an integer from 1 to 4096, got '5000'" "$tmp/err" || { echo "FAIL: --threads limit not stated"; fail=1; }
# OMP_NUM_THREADS is checked like --threads (libgomp overflowed its stack on 10^5)
expect 2 "OMP_NUM_THREADS above the limit" -- env OMP_NUM_THREADS=100000 "$SOCAP" run "$cfg" -o "$tmp/x.h5"
grep -q "OMP_NUM_THREADS=100000 asks for more threads than socap's limit of 4096" "$tmp/err" \
  || { echo "FAIL: OMP_NUM_THREADS not checked"; cat "$tmp/err"; fail=1; }
# an option's value is not the next option: -o --quiet wrote a file named --quiet
(cd "$tmp" && "$SOCAP" run "$cfg" -o --quiet --set steps=1) >/dev/null 2>"$tmp/err"; rc=$?
[ "$rc" = 2 ] && [ ! -e "$tmp/--quiet" ] && grep -q -- "-o needs a file name, not the option '--quiet'" "$tmp/err" \
  || { echo "FAIL: -o --quiet (exit $rc)"; cat "$tmp/err"; fail=1; }
expect 2 "--seed followed by an option" -- "$SOCAP" run "$cfg" --seed -o "$tmp/x.h5"
grep -q -- "--seed needs a value, not the option '-o'$" "$tmp/err" || { echo "FAIL: --seed -o"; cat "$tmp/err"; fail=1; }
[ ! -e "$tmp/x.h5" ] || { echo "FAIL: output created on usage error"; fail=1; }
expect 3 "missing scenario file" -- "$SOCAP" run "$tmp/nope.yaml" -o "$tmp/x.h5"
[ ! -e "$tmp/x.h5" ] && [ ! -e "$tmp/x.h5.part" ] || { echo "FAIL: output created on error"; fail=1; }
expect 2 "bad --set" -- "$SOCAP" run "$cfg" --set model.p_pass=2 -o "$tmp/x.h5"
grep -q "model.p_pass" "$tmp/err" || { echo "FAIL: --set error does not name the parameter"; fail=1; }
[ ! -e "$tmp/x.h5" ] || { echo "FAIL: output created on config error"; fail=1; }
expect 0 "validate ok" -- "$SOCAP" validate "$cfg"
# README's example of a validation error is what socap prints
printf 'seed: 1\nsteps: 2\n\n# a typo below\n\nmodel:\n  p_pas: 0.3\n' >"$tmp/bad.yaml"
(cd "$tmp" && "$SOCAP" validate bad.yaml) >/dev/null 2>"$tmp/err"
readme_err=$(grep -m1 '^bad.yaml:7:3: error:' "$SRC/README.md")
[ -n "$readme_err" ] && grep -qxF "$readme_err" "$tmp/err" \
  || { echo "FAIL: README's validate example differs from: $(cat "$tmp/err")"; fail=1; }
"$SOCAP" sweep --help | grep -qF "run tasks with task % n == i-1" || { echo "FAIL: sweep --help text"; fail=1; }
"$SOCAP" --help | grep -qF "merge DIR -o ALL.h5 [--force] [--allow-missing]" || { echo "FAIL: --help lacks --allow-missing"; fail=1; }
# --set changes the run: steps=3 gives a last recorded step of 3
expect 0 "run with --set" -- "$SOCAP" run "$cfg" --set steps=3 --set output.snapshots=[] -o "$tmp/s3.h5" --quiet
h5dump -d /global/step "$tmp/s3.h5" | grep -q "(0): 3" || { echo "FAIL: --set steps=3 not applied"; fail=1; }
# never clobber: existing output stays byte-identical without --force
cp "$tmp/s3.h5" "$tmp/keep.h5"
expect 3 "existing output without --force" -- "$SOCAP" run "$cfg" --set steps=2 --set output.snapshots=[] -o "$tmp/s3.h5" --quiet
grep -q "exists" "$tmp/err" || { echo "FAIL: no 'exists' message"; fail=1; }
cmp -s "$tmp/s3.h5" "$tmp/keep.h5" || { echo "FAIL: existing output was modified"; fail=1; }
expect 0 "--force overwrites" -- "$SOCAP" run "$cfg" --set steps=2 --set output.snapshots=[] -o "$tmp/s3.h5" --quiet --force
h5dump -d /global/step "$tmp/s3.h5" | grep -q "(0): 2" || { echo "FAIL: --force did not replace"; fail=1; }
[ ! -e "$tmp/s3.h5.part" ] || { echo "FAIL: .part left behind"; fail=1; }
# unwritable output directory: I/O error, exit 3
expect 3 "unwritable output" -- "$SOCAP" run "$cfg" -o "$tmp/no/such/dir/x.h5" --quiet
# progress lines on a non-terminal stderr, silenced by --quiet
SOCAP_PROGRESS_INTERVAL=0 "$SOCAP" run "$cfg" --set steps=4 --set output.snapshots=[] -o "$tmp/p.h5" 2>"$tmp/err" >/dev/null
grep -q "run 4/4 (100%)" "$tmp/err" || { echo "FAIL: no progress line"; fail=1; }
# the final record's metrics are announced before they start (at a million
# agents they take tens of seconds after the last step's line)
grep -q "socap: run: step 4/4: computing the network metrics of [0-9]* agents, elapsed" "$tmp/err" \
  || { echo "FAIL: the final metrics were not announced"; cat "$tmp/err"; fail=1; }
[ "$(grep -n 'computing the network metrics' "$tmp/err" | cut -d: -f1)" -lt "$(grep -n 'run 4/4 (100%)' "$tmp/err" | cut -d: -f1)" ] \
  || { echo "FAIL: the metrics note does not come before the last progress line"; cat "$tmp/err"; fail=1; }
"$SOCAP" run "$cfg" --set steps=4 --set output.snapshots=[] -o "$tmp/p.h5" --force --quiet 2>"$tmp/err" >"$tmp/out"
[ ! -s "$tmp/err" ] && [ ! -s "$tmp/out" ] || { echo "FAIL: --quiet printed something"; fail=1; }
# params lists every parameter
expect 0 "params" -- "$SOCAP" params
for k in seed model.half_life strategies.*.focus cohorts.*.propensity output.layers; do
  grep -qF "$k" "$tmp/out" || { echo "FAIL: params lacks $k"; fail=1; }
done
# every shipped config validates; a sweep file's sweep: block is checked too
for c in $(cd "$SRC" && find configs -name '*.yaml' | sort); do
  expect 0 "validate $c" -- "$SOCAP" validate "$SRC/$c"
  if grep -q '^sweep:' "$SRC/$c"; then
    grep -q "; sweep: [0-9]* points x [0-9]* replicates = [0-9]* tasks" "$tmp/out" \
      || { echo "FAIL: validate $c: the sweep block was not checked"; cat "$tmp/out"; fail=1; }
  fi
done
sed 's/model.half_life:/model.half_lif:/' "$SRC/configs/sweep_example.yaml" >"$tmp/badaxis.yaml"
expect 2 "validate a sweep file with an unknown axis" -- "$SOCAP" validate "$tmp/badaxis.yaml"
grep -q "badaxis.yaml:[0-9]*:[0-9]*: error: model.half_lif: unknown parameter.*did you mean 'model.half_life'" "$tmp/err" \
  || { echo "FAIL: the bad axis is not named with file:line:col"; cat "$tmp/err"; fail=1; }
# socap run of a sweep file runs the base scenario, and says so
expect 0 "run a sweep file" -- "$SOCAP" run "$SRC/configs/sweep_test.yaml" --set steps=2 --set output.snapshots=[] -o "$tmp/base.h5"
grep -q "has a sweep: block; 'socap run' runs its base scenario only" "$tmp/err" \
  || { echo "FAIL: no note that run ignores the sweep block"; cat "$tmp/err"; fail=1; }
# the resolved config in /provenance reproduces the run (docs/schema.md)
expect 0 "run small" -- "$SOCAP" run "$cfg" --set steps=6 --set output.snapshots=[6] --seed 11 --set 'name="a label"' -o "$tmp/p1.h5" --quiet
if ! "${PYTHON:-false}" -c 'import h5py' 2>/dev/null; then
  echo "FAIL: no Python with h5py (PYTHON=${PYTHON:-}) to read /provenance/config"; fail=1
else
  "$PYTHON" -c 'import h5py, sys; open(sys.argv[2], "w").write(h5py.File(sys.argv[1], "r")["provenance/config"][()].decode())' \
    "$tmp/p1.h5" "$tmp/resolved.yaml"
  expect 0 "rerun from the resolved config" -- "$SOCAP" run "$tmp/resolved.yaml" -o "$tmp/p2.h5" --quiet
  if bash "$SRC/tests/h5same.sh" --exclude-path /provenance "$tmp/p1.h5" "$tmp/p2.h5" >/dev/null 2>&1; then
    echo "ok: the resolved config reproduces the run"
  else
    echo "FAIL: rerun from /provenance/config differs"; fail=1
  fi
  h5dump -d /global/step "$tmp/p2.h5" | grep -q "(0): 6" || { echo "FAIL: the resolved config lost --set steps=6"; fail=1; }
  grep -qx 'name: "a label"' "$tmp/resolved.yaml" || { echo "FAIL: the resolved config lost the scenario's name"; fail=1; }
fi
# socap metrics given a socap HDF5 file without its table: a usage error that
# names the form to use (it was read as a CSV and failed on binary data)
expect 2 "metrics of an HDF5 file without :/table" -- "$SOCAP" metrics "$tmp/p1.h5" -o "$tmp/m.csv"
grep -q "is an HDF5 file, not a CSV edge list: name its tie table, e.g. '.*p1.h5:/network/step_000052'" "$tmp/err" \
  || { echo "FAIL: no hint for an HDF5 input"; cat "$tmp/err"; fail=1; }
# a tie table of several tasks (a merged sweep) needs the task named: without
# it socap metrics used to measure the first task's network silently
if "${PYTHON:-false}" -c 'import h5py' 2>/dev/null; then
  "$PYTHON" - "$tmp/p1.h5" "$tmp/two.h5" <<'EOF'
import h5py, numpy as np, sys
with h5py.File(sys.argv[1], "r") as f, h5py.File(sys.argv[2], "w") as g:
    net = {c: f["network"][c][...] for c in ("src", "dst", "w", "state", "step")}
    keep = np.arange(len(net["src"])) != int(np.argmax(net["state"] == 1))  # task 1: one active tie fewer
    for c, v in net.items():
        g.create_dataset("network/" + c, data=np.concatenate([v, v[keep]]))
    g.create_dataset("network/task", data=np.r_[np.zeros(len(keep), "i4"), np.ones(keep.sum(), "i4")])
EOF
  expect 2 "metrics of a two-task table without the task" -- "$SOCAP" metrics "$tmp/two.h5:/network/step_000006" -o "$tmp/m.csv"
  grep -q "holds several tasks (0, 1, ...); select one as /network/task_T/step_N" "$tmp/err" \
    || { echo "FAIL: several tasks not reported"; cat "$tmp/err"; fail=1; }
  expect 0 "metrics of task 0" -- "$SOCAP" metrics "$tmp/two.h5:/network/task_0/step_000006" -o "$tmp/m0.csv" --quiet
  expect 0 "metrics of task 1" -- "$SOCAP" metrics "$tmp/two.h5:/network/task_1/step_000006" -o "$tmp/m1.csv" --quiet
  expect 0 "metrics of the run's own table" -- "$SOCAP" metrics "$tmp/p1.h5:/network/step_000006" -o "$tmp/mp.csv" --quiet
  # (the copy has no /agents, so no groups: compare the columns before them)
  for x in 0 1 p; do cut -d, -f1-9 "$tmp/m$x.csv" >"$tmp/c$x.csv"; done
  cmp -s "$tmp/c0.csv" "$tmp/cp.csv" && ! cmp -s "$tmp/c0.csv" "$tmp/c1.csv" \
    || { echo "FAIL: task selection: task 0 must match the run and task 1 differ"; fail=1; }
fi
# a bad SOCAP_PROGRESS_INTERVAL is reported, not turned into 0 (a line every step)
SOCAP_PROGRESS_INTERVAL=abc "$SOCAP" run "$cfg" --set steps=2 --set output.snapshots=[] -o "$tmp/pi.h5" 2>"$tmp/err" >/dev/null
grep -q "SOCAP_PROGRESS_INTERVAL='abc' is not a number of seconds" "$tmp/err" \
  || { echo "FAIL: bad SOCAP_PROGRESS_INTERVAL accepted silently"; cat "$tmp/err"; fail=1; }
# socap run writes HDF5 whatever -o says: a text extension is a usage error
expect 2 "run -o out.csv" -- "$SOCAP" run "$cfg" -o "$tmp/out.csv"
grep -q "the output is an HDF5 file; name it .h5" "$tmp/err" || { echo "FAIL: -o out.csv accepted"; cat "$tmp/err"; fail=1; }
[ ! -e "$tmp/out.csv" ] && [ ! -e "$tmp/out.csv.part" ] || { echo "FAIL: out.csv created"; fail=1; }
# the summary ends with the time line the README describes (phases and records)
expect 0 "run with summary" -- "$SOCAP" run "$cfg" --set steps=4 --set output.snapshots=[] -o "$tmp/tl.h5"
grep -Eq "^time: steps [0-9.]+ s \(propose [0-9.]+, judge [0-9.]+, resolve [0-9.]+, maintain [0-9.]+, info [0-9.]+, turnover [0-9.]+, layout [0-9.]+\), [0-9]+ records? [0-9.]+ s" "$tmp/out" \
  || { echo "FAIL: no time: line after the summary"; cat "$tmp/out"; fail=1; }
# a sweep file read from a pipe: validate checks its sweep: block too (the
# pipe can be read once; it used to be validated as a plain scenario, and a
# bad axis passed)
sweep_ok='steps: 3
population: {n_agents: 50}
sweep: {replicates: 2, axes: {model.half_life: [1, 2]}}'
printf '%s\n' "$sweep_ok" | "$SOCAP" validate /dev/stdin >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 0 ] && grep -q "sweep: 2 points x 2 replicates = 4 tasks" "$tmp/out"; then
  echo "ok: validate checks a sweep block read from a pipe"
else echo "FAIL: validate of a sweep from a pipe: exit $rc"; cat "$tmp/out" "$tmp/err"; fail=1; fi
printf '%s\n' "${sweep_ok/half_life/nope}" | "$SOCAP" validate /dev/stdin >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 2 ] && grep -q "^/dev/stdin:3:31: .*model.nope" "$tmp/err"; then
  echo "ok: a bad sweep axis read from a pipe is an error with file:line:col"
else echo "FAIL: bad sweep axis from a pipe: exit $rc"; cat "$tmp/out" "$tmp/err"; fail=1; fi
# a runtime failure (here: out of memory under a 600 MB address-space limit)
# is exit 1 with a message and no output (ASan builds cannot run under such a
# limit at all: skipped there)
(ulimit -v 600000; "$SOCAP" run "$cfg" --set population.n_agents=3000000 --set population.group_size=50 --set steps=1 \
  --set output.snapshots=[] --threads 2 -o "$tmp/oom.h5" -q) >"$tmp/out" 2>"$tmp/err"
rc=$?
if grep -q Sanitizer "$tmp/err"; then
  echo "skip: out-of-memory exit code (sanitizer build)"
elif [ "$rc" = 1 ] && grep -q "out of memory" "$tmp/err" && [ ! -e "$tmp/oom.h5" ] && [ ! -e "$tmp/oom.h5.part" ]; then
  echo "ok: a runtime failure (out of memory) exits 1 and leaves no output"
else
  echo "FAIL: out of memory: exit $rc"; cat "$tmp/err"; ls "$tmp"/oom.h5* 2>/dev/null; fail=1
fi
exit $fail
