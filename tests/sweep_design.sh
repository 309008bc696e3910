#!/usr/bin/env bash
# The /design table encodes enum, bool, string, list and integer axes as
# documented (docs/sweeps.md "Batch files", docs/schema.md "Sweep tables"), and
# each task runs the model with the values its /design row decodes to:
#  1. a grid over tests/data/sweep_design.yaml (enum values not in codebook
#     order, bool true first, a cohort's strategy, output.layers, a rounded
#     integer range), merged: every row decodes to the Cartesian product of the
#     axes, seeds follow the documented formula, attributes are as documented;
#  2. task 0 equals `socap run` with the decoded values and the task's seed;
#     so does task 0 of a sobol design with a rounded integer (2.8 -> 3);
#  3. tasks other than 0 (a run's random streams are keyed by the task id, so
#     `socap run` cannot reproduce them) equal the same task of a "fixed"
#     sweep: the scenario with the decoded values set by --set, the same seeds
#     and task ids, and a dummy axis on a strategy that no cohort uses; the
#     chosen tasks hold every value of every axis; and a fixed sweep with any
#     one value changed differs (so that the check can fail).
# Env: SOCAP, PYTHON (with h5py, numpy), SRC (set by ctest). Exit 77 (skip)
# when PYTHON or h5py is missing.
set -euo pipefail
: "${SOCAP:?}" "${SRC:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$SRC/tests/sweep_lib.sh"
require_python sweep_design "h5py, numpy"
cfg="$SRC/tests/data/sweep_design.yaml"
w="$(mktemp -d "${TMPDIR:-/tmp}/socap_sweep_design.XXXXXX")"
trap 'rm -rf "$w"' EXIT

cat >"$w/chk.py" <<'P'
import itertools, json, sys
import h5py, numpy as np

# the axes of tests/data/sweep_design.yaml, as text, in file order
AXES = [("strategies.broad_dormant.reactivation_order", "enum", ["recent", "peak", "random"]),
        ("model.intro_cross_group", "bool", ["true", "false"]),
        ("cohorts.b.strategy", "string", ["broker", "selective_dormant"]),
        ("output.layers", "list", ["[0.9, 0.6, 0.3, 0.1]", "[0.7, 0.4, 0.2, 0.05]"]),
        ("model.dunbar_limit", "int", ["3", "6", "8", "11"])]
KIND = {a: k for a, k, _ in AXES}
MASTER, REPLICATES = 11, 2

def s(x):
    return x.decode() if isinstance(x, bytes) else str(x)

def strs(a):
    return [s(x) for x in np.atleast_1d(a)]

M = (1 << 64) - 1

def h64(x):  # socap_hash64 (sim/rng.c)
    x = (x + 0x9E3779B97F4A7C15) & M
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M
    return x ^ (x >> 31)

def combine(a, b):  # socap_hash_combine
    return h64(h64(a) ^ ((b + 0x632BE59BD9B4E019 + (a << 6) + (a >> 2)) & M))

def decode(name, col, v):
    """The text value of code v of /design column col, as the docs describe."""
    kind = KIND[name]
    if kind in ("enum", "string", "list"):
        cb = strs(col.attrs["codebook"])
        assert 0 <= v < len(cb), (name, v, cb)
        return cb[v]
    if kind == "bool":
        assert v in (0, 1), (name, v)
        return "true" if v else "false"
    return str(v)

def design(path, choices):
    f = h5py.File(path, "r")
    d = f["design"]
    names = [a for a, _, _ in AXES]
    assert strs(d.attrs["columns"]) == ["task", "point", "replicate", "seed"] + names, strs(d.attrs["columns"])
    points = list(itertools.product(*[v for _, _, v in AXES]))
    n = len(points) * REPLICATES
    assert s(d.attrs["design"]) == "grid"
    assert (int(d.attrs["n_points"]), int(d.attrs["replicates"]), int(d.attrs["n_tasks"])) == (len(points), REPLICATES, n)
    task = d["task"][:]
    assert np.array_equal(task, np.arange(n)), task
    assert np.array_equal(d["point"][:], task // REPLICATES)
    assert np.array_equal(d["replicate"][:], task % REPLICATES)
    assert d["seed"].dtype == np.int64
    want = [combine(combine(MASTER, t // REPLICATES), t % REPLICATES) >> 11 for t in range(n)]
    assert d["seed"][:].tolist() == want, "seeds differ from the documented formula"
    for j, (name, kind, vals) in enumerate(AXES):
        col = d[name]
        assert col.dtype == np.int32, (name, col.dtype)
        codes = col[:].tolist()
        got = [decode(name, col, c) for c in codes]
        exp = [points[t // REPLICATES][j] for t in range(n)]
        bad = [t for t in range(n) if got[t] != exp[t]]
        assert not bad, "%s: task %d decodes to %s, the design implies %s" % (name, bad[0], got[bad[0]], exp[bad[0]])
        assert strs(col.attrs["values"]) == vals, (name, strs(col.attrs["values"]))
        if kind == "int":  # a grid range: also its bounds
            assert (float(col.attrs["min"]), float(col.attrs["max"]), int(col.attrs["log"])) == (3, 11, 0)
        if kind == "enum":
            cb = strs(col.attrs["codebook"])
            assert cb == choices, (cb, choices)  # the parameter's codebook, not the axis order
            assert cb != vals
            # each value is stored as its code in the codebook, not its place in the axis
            assert {exp[t]: codes[t] for t in range(n)} == {v: choices.index(v) for v in vals}
        if kind in ("string", "list"):
            assert strs(col.attrs["codebook"]) == vals, (name, strs(col.attrs["codebook"]))
            assert codes == [vals.index(e) for e in exp]
        if kind == "bool":
            assert codes == [int(e == "true") for e in exp]
        if kind == "list":
            assert all(len(json.loads(v)) == 4 for v in got)
    print("ok: /design of %d tasks decodes to the grid of %d axes (codes, seeds, attributes)" % (n, len(AXES)))


def rows(path, tasks):
    """Per task of merged sweep `path`: task, seed, name=value of every axis (tab-separated)."""
    d = h5py.File(path, "r")["design"]
    for t in tasks:
        k = np.flatnonzero(d["task"][:] == t)
        assert len(k) == 1, (t, k)
        k = int(k[0])
        out = [str(t), str(int(d["seed"][k]))]
        for name in strs(d.attrs["columns"])[4:]:
            out.append("%s=%s" % (name, decode(name, d[name], int(d[name][k]))))
        print("\t".join(out))

def differs(a, ta, b, tb):
    """None when the run tables of task ta in file a equal those of task tb in
    file b (every column but `task`), else what differs."""
    fa, fb = h5py.File(a, "r"), h5py.File(b, "r")
    tables = [t for t in fb if "columns" in fb[t].attrs and t not in ("design", "failures")]
    assert {"agents", "timeseries", "global"} <= set(tables), (b, tables)
    if "design" in fb:  # a batch of a fixed sweep: task tb only
        assert fb["design/task"][:].tolist() == [tb], (b, fb["design/task"][:])
    for t in tables:
        assert t in fa, t
        sa, sb = fa[t]["task"][:] == ta, fb[t]["task"][:] == tb
        assert sb.sum() > 0, (b, t, tb)
        if sa.sum() != sb.sum():
            return "%s: %d rows against %d" % (t, sa.sum(), sb.sum())
        for c in strs(fb[t].attrs["columns"]):
            if c != "task" and not np.array_equal(fa[t][c][:][sa], fb[t][c][:][sb], equal_nan=True):
                return "%s/%s differs" % (t, c)
    return None

def compare(args):
    """args: A TASK_A B TASK_B same|differ, repeated; every one must hold."""
    bad = 0
    for i in range(0, len(args), 5):
        a, ta, b, tb, want = args[i:i + 5]
        d = differs(a, int(ta), b, int(tb))
        if (d is None) != (want == "same"):
            print("FAIL: task %s of %s vs task %s of %s: expected %s, got %s" % (ta, a, tb, b, want, d or "same"))
            bad += 1
    return 1 if bad else 0

cmd = sys.argv[1]
if cmd == "design":
    design(sys.argv[2], sys.argv[3].split("|"))
elif cmd == "rows":
    rows(sys.argv[2], [int(t) for t in sys.argv[3:]])
elif cmd == "compare":
    sys.exit(compare(sys.argv[2:]))
P
py() { "$PYTHON" "$w/chk.py" "$@"; }
T=$'\t'

# 1. the whole grid, merged
"$SOCAP" sweep "$cfg" -o "$w/g" --threads 2 --batch-tasks 50 -q
"$SOCAP" merge "$w/g" -o "$w/g.h5" -q
choices=$("$SOCAP" params | awk '$1 == "strategies.*.reactivation_order"' | sed -n 's/.*(\([a-z|]*\)).*/\1/p')
[ -n "$choices" ] || fail "no choices for reactivation_order in 'socap params'"
py design "$w/g.h5" "$choices" || fail "the /design table does not decode to the design"
ntasks=$("$SOCAP" sweep "$cfg" --dry-run | sed -n 's/.* = \([0-9]*\) tasks.*/\1/p')
[ "$ntasks" = 192 ] || fail "the design sweep has $ntasks tasks, expected 192"

# tasks checked against the model, with their values (the points are indices
# into the axes, as (enum, bool, string, layers, int); task = point * 2 + rep):
#   0   (0,0,0,0,0) r0: recent true  broker            layers0  3
#   107 (1,1,0,1,1) r1: peak   false broker            layers1  6
#   148 (2,0,1,0,2) r0: random true  selective_dormant layers0  8
#   55  (0,1,1,0,3) r1: recent false selective_dormant layers0 11
py rows "$w/g.h5" 0 107 148 55 >"$w/rows.txt"
cat "$w/rows.txt"
# one value changed at task 107, for each axis: must change its results
alternative=(strategies.broad_dormant.reactivation_order=random model.intro_cross_group=true
  cohorts.b.strategy=selective_dormant "output.layers=[0.9, 0.6, 0.3, 0.1]" model.dunbar_limit=8)
# the fixed sweep: same replicates and number of points (so the same task ids
# and seeds), the only axis on a strategy no cohort of the scenario uses
sed '/^sweep:/,$d' "$cfg" >"$w/scenario.yaml"
grep -q 'strategy: passive' "$w/scenario.yaml" && fail "the dummy axis must be on a strategy no cohort uses"
{
  cat "$w/scenario.yaml"
  printf 'sweep:\n  replicates: 2\n  axes:\n    strategies.passive.focus: {range: [0, 1], steps: %d}\n' $((ntasks / 2))
} >"$w/fixed.yaml"
cmp_args=()
# fixed NAME TASK NAME=VALUE...: runs only task TASK of the fixed sweep with
# these values; its batch file is $w/NAME/batch.h5
fixed() {
  local name=$1 t=$2 a=()
  shift 2
  for s in "$@"; do a+=(--set "$s"); done
  "$SOCAP" sweep "$w/fixed.yaml" "${a[@]}" -o "$w/$name" --shard "$((t + 1))/$ntasks" --threads 1 -q ||
    fail "socap sweep fixed.yaml $* failed"
  mv "$w/$name/batch-$((t + 1))of$ntasks-000000.h5" "$w/$name/batch.h5" || fail "$name: no batch file"
}
while IFS=$T read -r -a f; do
  t=${f[0]} seed=${f[1]} sets=("${f[@]:2}")
  if [ "$t" = 0 ]; then
    # 2. task 0 == socap run
    a=()
    for s in "${sets[@]}"; do a+=(--set "$s"); done
    "$SOCAP" run "$cfg" "${a[@]}" --seed "$seed" --threads 1 -o "$w/run0.h5" -q
    cmp_args+=("$w/g.h5" 0 "$w/run0.h5" 0 same)
    continue
  fi
  # 3. task t == task t of the fixed sweep with its values
  fixed "t$t" "$t" "${sets[@]}"
  cmp_args+=("$w/g.h5" "$t" "$w/t$t/batch.h5" "$t" same)
  [ "$t" = 107 ] || continue
  for j in "${!alternative[@]}"; do
    s=("${sets[@]}")
    [ "${s[j]%%=*}" = "${alternative[j]%%=*}" ] || fail "alternative $j is not for ${s[j]}"
    [ "${s[j]}" != "${alternative[j]}" ] || fail "alternative $j is the value of task 107"
    s[j]=${alternative[j]}
    fixed "t$t.alt$j" "$t" "${s[@]}"
    cmp_args+=("$w/g.h5" "$t" "$w/t$t.alt$j/batch.h5" "$t" differ)
  done
done <"$w/rows.txt"
[ "${#cmp_args[@]}" = $((5 * 9)) ] || fail "expected 9 comparisons, got $((${#cmp_args[@]} / 5))"

# 2b. an integer lhs/sobol value is rounded to the nearest integer in /design
#     and in the model: sobol point 0 is u = 0.5, so 1 + 0.5 (4.6 - 1) = 2.8 -> 3 (not 2)
{
  cat "$w/scenario.yaml"
  printf 'sweep:\n  design: sobol\n  n: 1\n  axes:\n    model.dunbar_limit: {min: 1, max: 4.6}\n'
} >"$w/sobol.yaml"
"$SOCAP" sweep "$w/sobol.yaml" -o "$w/sobol" --threads 1 -q
"$SOCAP" merge "$w/sobol" -o "$w/sobol.h5" -q
seed=$("$SOCAP" sweep "$w/sobol.yaml" --dry-run | awk '$1 == "0" {print $4}')
h5dump -d /design/model.dunbar_limit "$w/sobol.h5" | grep -q '(0): 3$' || fail "sobol: /design dunbar_limit of task 0 is not 3"
"$SOCAP" run "$w/sobol.yaml" --set model.dunbar_limit=3 --seed "$seed" --threads 1 -o "$w/sobol3.h5" -q
"$SOCAP" run "$w/sobol.yaml" --set model.dunbar_limit=2 --seed "$seed" --threads 1 -o "$w/sobol2.h5" -q
cmp_args+=("$w/sobol.h5" 0 "$w/sobol3.h5" 0 same "$w/sobol.h5" 0 "$w/sobol2.h5" 0 differ)

py compare "${cmp_args[@]}" || fail "the model did not run with the values of /design"
echo "ok: tasks 0, 107, 148, 55 ran with their decoded values (socap run, fixed sweeps); one value changed differs"
echo "ok: sobol task 0 ran with dunbar_limit 3"
echo "PASS"
