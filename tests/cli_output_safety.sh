#!/usr/bin/env bash
# Output safety of the CLI ("never destroy data", docs: README "Using socap"):
# non-regular outputs, output == input, a full disk, two writers of one
# output, interrupted runs, bad -o values and error messages, --seed and
# per-command --help. Parts that need root (mount -t tmpfs) are skipped with
# a note when that is not possible.
set -u
: "${SOCAP:?}" "${SRC:?}"
tmp=$(mktemp -d)
full="$tmp/full" # a tiny tmpfs when we may mount one
cleanup() {
  mountpoint -q "$full" 2>/dev/null && umount "$full"
  jobs -p | xargs -r kill 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
expect() { # expect CODE DESCRIPTION -- command...
  local want=$1 what=$2; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  if [ "$got" = "$want" ]; then ok "$what (exit $got)"; else
    bad "$what: exit $got, expected $want"; cat "$tmp/err"; fi
}
has() { # has FILE REGEX WHAT: FILE must match REGEX
  grep -qE -- "$2" "$1" || { bad "$3: no '$2' in:"; cat "$1"; }
}
hasnt() {
  ! grep -qE -- "$2" "$1" || { bad "$3: unexpected '$2' in:"; cat "$1"; }
}
one_line() { # the error is one short line, without HDF5 internals
  local n; n=$(wc -l <"$1")
  [ "$n" -le 2 ] || { bad "$2: $n lines of stderr"; cat "$1"; }
  hasnt "$1" "errno =|o_flags|H5[A-Z]|HDF5-DIAG" "$2"
}
cd "$tmp" || exit 1
cat >base.yaml <<'EOF'
seed: 1
steps: 4
population: {n_agents: 100, group_size: 10}
model: {info_items: 10}
cohorts:
  - {name: a, strategy: broad_active, share: 0.5}
  - {name: b, strategy: broker, share: 0.5}
EOF
printf '0,1\n1,2\n2,0\n2,3\n' >edges.csv
printf 'id,group\n0,0\n1,0\n2,1\n3,1\n' >groups.csv
cat >sweep.yaml <<'EOF'
seed: 1
steps: 2
population: {n_agents: 50, group_size: 10}
model: {info_items: 5}
sweep:
  replicates: 2
  axes:
    model.p_pass: [0.2, 0.4]
EOF
expect 0 "a small sweep" -- "$SOCAP" sweep sweep.yaml -o sw -q
batch=$(cd sw && ls batch-*.h5 | head -1)
[ -n "$batch" ] || bad "the sweep wrote no batch file"

# ---- 1. an existing output that is not a regular file is refused (exit 3)
mkfifo fifo.h5 fifo.csv
mkdir dir.h5
for f in fifo.h5 dir.h5; do
  for force in "" --force; do
    expect 3 "run -o $f $force" -- "$SOCAP" run base.yaml -o "$f" -q $force
    has "$tmp/err" "not a regular file" "run -o $f $force"
  done
  expect 3 "merge -o $f --force" -- "$SOCAP" merge sw -o "$f" --force -q
  has "$tmp/err" "not a regular file" "merge -o $f"
done
expect 3 "metrics -o fifo.csv --force" -- "$SOCAP" metrics edges.csv -o fifo.csv --force -q
has "$tmp/err" "not a regular file" "metrics -o fifo.csv"
[ -p fifo.h5 ] && [ -p fifo.csv ] || bad "a FIFO output was replaced"
[ -d dir.h5 ] || bad "a directory output was replaced"
[ ! -e fifo.h5.part ] && [ ! -e dir.h5.part ] || bad "a .part was left next to a refused output"

# ---- 2. the output must not be an input, even with --force (exit 2)
cp base.yaml in.yaml
cp in.yaml in.keep
expect 2 "run in.yaml -o in.yaml --force" -- "$SOCAP" run in.yaml -o in.yaml --force -q
has "$tmp/err" "is the input" "run -o the scenario"
ln -s in.yaml link.h5
expect 2 "run -o a symlink to the scenario --force" -- "$SOCAP" run in.yaml -o link.h5 --force -q
cmp -s in.yaml in.keep && [ -L link.h5 ] || bad "run overwrote its scenario"
cp edges.csv e.keep
expect 2 "metrics in.csv -o in.csv --force" -- "$SOCAP" metrics edges.csv -o edges.csv --force -q
has "$tmp/err" "is the input" "metrics -o the edge list"
cp groups.csv g.keep
expect 2 "metrics --groups g.csv -o g.csv --force" -- "$SOCAP" metrics edges.csv --groups groups.csv -o groups.csv --force -q
has "$tmp/err" "is the input" "metrics -o the groups file"
cmp -s edges.csv e.keep && cmp -s groups.csv g.keep || bad "metrics overwrote an input"
cp "sw/$batch" b.keep
expect 2 "merge DIR -o DIR/batch --force" -- "$SOCAP" merge sw -o "sw/$batch" --force -q
has "$tmp/err" "is the input|batch file" "merge -o a batch file"
expect 2 "merge DIR -o DIR/batch-new.h5" -- "$SOCAP" merge sw -o sw/batch-new-000000.h5 -q
expect 2 "merge DIR -o DIR/./sweep.yaml --force" -- "$SOCAP" merge sw -o sw/./sweep.yaml --force -q
cmp -s "sw/$batch" b.keep && [ ! -e sw/batch-new-000000.h5 ] || bad "merge overwrote or added a batch file"
expect 0 "merge to a normal file" -- "$SOCAP" merge sw -o merged.h5 -q

# ---- 6. -o "" is a usage error (exit 2) for every command
expect 2 "run -o ''" -- "$SOCAP" run base.yaml -o "" -q
has "$tmp/err" "usage|--help" "run -o ''"
expect 2 "merge -o ''" -- "$SOCAP" merge sw -o "" -q
has "$tmp/err" "usage|--help" "merge -o ''"
expect 2 "sweep -o ''" -- "$SOCAP" sweep sweep.yaml -o "" -q
has "$tmp/err" "usage|--help" "sweep -o ''"
expect 2 "metrics -o ''" -- "$SOCAP" metrics edges.csv -o "" -q

# ---- 7. output-path errors are one clear line
expect 3 "run -o nodir/x.h5" -- "$SOCAP" run base.yaml -o nodir/x.h5 -q
has "$tmp/err" "cannot create 'nodir/x.h5': directory 'nodir' does not exist" "missing directory"
one_line "$tmp/err" "missing directory"
# socap metrics reads and computes before it writes: a bad output directory
# is reported first, before the input is even read (no_such.csv does not exist)
for o in nodir/x.csv edges.csv/x.h5; do
  expect 3 "metrics -o $o" -- "$SOCAP" metrics no_such.csv -o "$o" -q
  has "$tmp/err" "cannot create '$o': (directory 'nodir' does not exist|'edges.csv' is not a directory)" "metrics -o $o"
done
expect 3 "merge -o nodir/m.h5" -- "$SOCAP" merge sw -o nodir/m.h5 -q
has "$tmp/err" "directory 'nodir' does not exist" "merge: missing directory"
one_line "$tmp/err" "merge: missing directory"
mkdir ro && chmod 555 ro
if [ "$(id -u)" != 0 ]; then
  expect 3 "run -o into a read-only directory" -- "$SOCAP" run base.yaml -o ro/x.h5 -q
  has "$tmp/err" "cannot create 'ro/x.h5': Permission denied" "read-only directory"
  one_line "$tmp/err" "read-only directory"
else
  echo "note: running as root, the read-only directory case is not tested"
fi

# ---- 8. --seed errors are labelled --seed
expect 2 "--seed abc" -- "$SOCAP" run base.yaml --seed abc -o s.h5 -q
has "$tmp/err" "^--seed: error: seed: " "--seed label"
hasnt "$tmp/err" "^--set" "--seed label"
expect 2 "--set seed=abc" -- "$SOCAP" run base.yaml --set seed=abc -o s.h5 -q
has "$tmp/err" "^--set:1:6: error: seed" "--set label"

# ---- 9. --help per command (stdout, exit 0); metrics takes -q
for c in run validate params metrics sweep merge; do
  expect 0 "$c --help" -- "$SOCAP" $c --help
  has "$tmp/out" "^usage: socap $c" "$c --help"
  [ ! -s "$tmp/err" ] || bad "$c --help wrote to stderr"
done
expect 0 "merge -h" -- "$SOCAP" merge -h
hasnt "$tmp/out" "socap sweep" "merge --help shows the sweep usage"
expect 0 "metrics -q" -- "$SOCAP" metrics edges.csv -o q.csv -q
[ ! -s "$tmp/out" ] || { bad "metrics -q printed on stdout"; cat "$tmp/out"; }

# ---- 5. an interrupted run removes its .part (exit 1)
printf 'steps: 60\npopulation: {n_agents: 30000, group_size: 50}\n' >big.yaml
# --foreground: without it timeout signals the run and then its whole process
# group, so the run can get the signal twice, and a second signal kills by design
timeout --foreground --preserve-status -s INT 2 "$SOCAP" run big.yaml -o int.h5 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] && ok "SIGINT: exit 1" || { bad "SIGINT: exit $rc, expected 1"; cat "$tmp/err"; }
has "$tmp/err" "interrupted by signal 2; no output written" "SIGINT message"
[ ! -e int.h5.part ] && [ ! -e int.h5 ] || bad "SIGINT left int.h5.part or int.h5"
timeout --foreground --preserve-status -s TERM 2 "$SOCAP" run big.yaml -o term.h5 -q >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] && ok "SIGTERM: exit 1" || { bad "SIGTERM: exit $rc, expected 1"; cat "$tmp/err"; }
[ ! -e term.h5.part ] && [ ! -e term.h5 ] || bad "SIGTERM left term.h5.part or term.h5"

# ---- 4. two writers of one output
# long enough (about 4 s) that the checks below run while it writes
printf 'steps: 60\npopulation: {n_agents: 10000, group_size: 50}\n' >long.yaml
wait_part() { for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
"$SOCAP" run long.yaml -o same.h5 -q >/dev/null 2>"$tmp/errA" &
pa=$!
wait_part same.h5.part || bad "run A did not start writing same.h5.part"
expect 3 "a second run to the same output" -- "$SOCAP" run base.yaml -o same.h5 -q
has "$tmp/err" "another socap process is writing 'same.h5.part'" "concurrent run"
[ -e same.h5.part ] || bad "the second run removed the first run's .part"
expect 3 "a second run to the same output, --force" -- "$SOCAP" run base.yaml -o same.h5 -q --force
wait "$pa"; rc=$?
[ "$rc" = 0 ] && [ -s same.h5 ] && [ ! -e same.h5.part ] && ok "the first run finished" \
  || { bad "the first run: exit $rc"; cat "$tmp/errA"; }
# an output that appears while a run writes is not replaced (without --force)
"$SOCAP" run long.yaml -o appear.h5 -q >/dev/null 2>"$tmp/errA" &
pa=$!
wait_part appear.h5.part || bad "run did not start writing appear.h5.part"
echo "not mine" >appear.h5
wait "$pa"; rc=$?
[ "$rc" = 3 ] && ok "output appeared meanwhile: exit 3" || { bad "output appeared meanwhile: exit $rc"; cat "$tmp/errA"; }
[ "$(cat appear.h5)" = "not mine" ] || bad "the output that appeared during the run was replaced"
has "$tmp/errA" "appear.h5.part" "output appeared meanwhile: the kept .part is named"
[ -s appear.h5.part ] || bad "the finished output was not kept as appear.h5.part"
# our lock on the .part does not collide with HDF5's own file lock, whatever
# HDF5_USE_FILE_LOCKING says (it overrides the fapl's "no locking")
for v in TRUE FALSE BEST_EFFORT; do
  HDF5_USE_FILE_LOCKING=$v expect 0 "HDF5_USE_FILE_LOCKING=$v" -- "$SOCAP" run base.yaml -o "lock_$v.h5" -q
done
# a stale .part (no process holds it) is replaced
printf 'junk' >stale.h5.part
expect 0 "a stale .part is replaced" -- "$SOCAP" run base.yaml -o stale.h5 -q
[ ! -e stale.h5.part ] && [ -s stale.h5 ] || bad "stale .part not replaced"

# the metrics CSV writer follows the same rules. A "first writer" holds the
# lock on same.csv.part the way socap does (an open-file-description lock)
# while the second runs, so the overlap does not depend on timing.
cat >hold_lock.py <<'EOF'
import fcntl, os, struct, subprocess, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
os.write(fd, b"first writer's data\n")
if hasattr(fcntl, "F_OFD_SETLK"):
    fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
else:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
sys.exit(subprocess.run(sys.argv[2:]).returncode)
EOF
py=${PYTHON:-/usr/bin/python3}
for force in "" --force; do
  expect 3 "metrics -o same.csv $force while another writer holds same.csv.part" -- \
    "$py" hold_lock.py same.csv.part "$SOCAP" metrics edges.csv -o same.csv -q $force
  has "$tmp/err" "another socap process is writing 'same.csv.part'" "concurrent metrics -o same.csv $force"
  [ "$(cat same.csv.part 2>/dev/null)" = "first writer's data" ] && [ ! -e same.csv ] ||
    bad "the second metrics writer touched the first one's same.csv.part or made same.csv"
done
# once nobody holds it, the .part is stale: replaced (and truncated)
head -c 100000 /dev/zero | tr '\0' x >>same.csv.part
expect 0 "metrics -o same.csv over a stale same.csv.part" -- "$SOCAP" metrics edges.csv -o same.csv -q
[ ! -e same.csv.part ] && [ "$(head -c 9 same.csv)" = "id,degree" ] && [ "$(wc -l <same.csv)" = 5 ] &&
  ! grep -q "xxxx\|first writer" same.csv || { bad "the stale same.csv.part was not replaced cleanly"; head -c 300 same.csv; }
# an appear.csv made while metrics writes appear.csv.part is not replaced
# (without --force). 600,000 isolates make a write of about a second; the
# writer is stopped while its .part exists, so the output surely appears
# before its rename.
"$SOCAP" metrics edges.csv --nodes 600000 -o appear.csv -q >/dev/null 2>"$tmp/errA" &
pa=$!
for _ in $(seq 1 3000); do
  [ -e appear.csv.part ] && break
  kill -0 "$pa" 2>/dev/null || break
  sleep 0.01
done
if kill -STOP "$pa" 2>/dev/null && [ -e appear.csv.part ] && (set -C && echo "not mine" >appear.csv) 2>/dev/null; then
  kill -CONT "$pa"
  wait "$pa"; rc=$?
  [ "$rc" = 3 ] && ok "metrics: appear.csv appeared meanwhile: exit 3" ||
    { bad "metrics: appear.csv appeared meanwhile: exit $rc"; cat "$tmp/errA"; }
  [ "$(cat appear.csv)" = "not mine" ] || bad "metrics replaced the appear.csv made during the run"
  has "$tmp/errA" "'appear.csv' appeared while .*kept as 'appear.csv.part'" "metrics: output appeared meanwhile"
  [ "$(head -c 9 appear.csv.part 2>/dev/null)" = "id,degree" ] && [ "$(wc -l <appear.csv.part)" = 600001 ] ||
    bad "metrics did not keep its complete output as appear.csv.part"
else
  kill -CONT "$pa" 2>/dev/null
  wait "$pa"
  bad "metrics finished appear.csv before the test could stop it while writing (exit $?)"
fi
rm -f appear.csv appear.csv.part

# the same sweep worker (shard) started twice into one directory: the second
# stops before any work (the first holds DIR/.socap-lock-1of1), and removes nothing
# (16 tasks of about 0.15 s; the batch is opened after the first)
sed -e 's/steps: 2/steps: 10/' -e 's/n_agents: 50/n_agents: 3000/' -e 's/replicates: 2/replicates: 8/' \
  sweep.yaml >twice.yaml
"$SOCAP" sweep twice.yaml -o twice --threads 1 -q >/dev/null 2>"$tmp/errA" &
pa=$!
wait_part twice/batch-1of1-000000.h5.part || bad "the first sweep did not start writing its batch"
expect 3 "the same sweep worker started twice" -- "$SOCAP" sweep twice.yaml -o twice --threads 1 -q
has "$tmp/err" "another sweep worker with the same shard \(1of1\) is running in 'twice'; nothing was changed" \
  "the same sweep worker started twice"
one_line "$tmp/err" "the same sweep worker started twice"
wait "$pa"; rc=$?
[ "$rc" = 0 ] && ok "the first sweep worker finished" || { bad "the first sweep worker: exit $rc"; cat "$tmp/errA"; }
[ "$(cd twice && echo batch-*)" = "batch-1of1-000000.h5" ] || bad "sweep batches: $(ls twice)"
expect 0 "the first sweep worker wrote all tasks (merge finds none missing)" -- "$SOCAP" merge twice -o twice.h5 -q
# an unlocked stale .part of the tag (a killed worker's) is still removed
echo junk >twice/batch-1of1-000007.h5.part
expect 0 "sweep --resume with a stale .part" -- "$SOCAP" sweep twice.yaml -o twice --resume -q
[ ! -e twice/batch-1of1-000007.h5.part ] || bad "a stale sweep .part was not removed"
# ... also between two batches, when the first holds no .part (--batch-tasks 1):
# the second, with --resume, passed the .part check, and the two raced for the
# next batch name (either could die after computing a task)
"$SOCAP" sweep twice.yaml -o twice2 --threads 1 --batch-tasks 1 -q >/dev/null 2>"$tmp/errA" &
pa=$!
for _ in $(seq 1 200); do [ -e twice2/batch-1of1-000001.h5 ] && break; sleep 0.05; done
expect 3 "the same sweep worker started twice, between batches" -- "$SOCAP" sweep twice.yaml -o twice2 --resume --threads 1 -q
has "$tmp/err" "another sweep worker with the same shard \(1of1\) is running in 'twice2'" \
  "the same sweep worker started twice, between batches"
wait "$pa"; rc=$?
[ "$rc" = 0 ] && ok "the first worker finished undisturbed" || { bad "the first sweep worker: exit $rc"; cat "$tmp/errA"; }
expect 0 "merge of its batches (none missing)" -- "$SOCAP" merge twice2 -o twice2.h5
grep -q "more than one batch" "$tmp/err" && bad "a task was computed twice"

# ---- 3. a full disk: exit 3, one line, no .part, no crash
mkdir -p "$full"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=200k tmpfs "$full" 2>/dev/null; then
  expect 3 "run onto a full disk" -- "$SOCAP" run base.yaml -o "$full/x.h5" -q
  has "$tmp/err" "cannot write '$full/x.h5': No space left on device" "run: full disk"
  one_line "$tmp/err" "run: full disk"
  expect 3 "merge onto a full disk" -- "$SOCAP" merge sw -o "$full/m.h5" -q
  has "$tmp/err" "No space left on device" "merge: full disk"
  one_line "$tmp/err" "merge: full disk"
  expect 3 "sweep onto a full disk" -- "$SOCAP" sweep sweep.yaml -o "$full/sw" -q
  has "$tmp/err" "No space left on device" "sweep: full disk"
  hasnt "$tmp/err" "errno =|o_flags|HDF5-DIAG" "sweep: full disk"
  ls "$full"/*.part "$full"/sw/*.part >/dev/null 2>&1 && bad "a .part was left on the full disk"
  rm -rf "${full:?}"/*
  # completely full: the file cannot even be created
  dd if=/dev/zero of="$full/fill" bs=1k count=400 2>/dev/null
  expect 3 "run onto a disk with no space at all" -- "$SOCAP" run base.yaml -o "$full/y.h5" -q
  has "$tmp/err" "No space left on device" "run: no space at all"
  one_line "$tmp/err" "run: no space at all"
  [ ! -e "$full/y.h5.part" ] || bad "an empty y.h5.part was left"
  umount "$full"
else
  echo "note: not root or cannot mount a tmpfs; the full-disk cases are not tested"
fi

exit $fail
