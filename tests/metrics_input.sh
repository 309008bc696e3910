#!/usr/bin/env bash
# Input validation of `socap metrics` (docs/metrics.md): every bad input is
# one clear line naming the file (and line, row or field) and exits 2, with
# no output file made; nothing is silently read as something else.
#   --nodes and --threads limits; socap HDF5 snapshots that disagree with
#   themselves (ties to agents that do not exist, negative groups, states
#   other than 0/1, float ids, a string n_agents attribute); CSV lines
#   longer than 1 MiB, NUL bytes (/dev/zero), hex weights, edges with and
#   without weights in one file, space-separated files, CR line endings.
set -u
: "${SOCAP:?}" "${PYTHON:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# err WHAT REGEX -- ARGS...: `socap metrics ARGS -o o.csv -q` exits 2 within
# 60 s, its first stderr line matches REGEX, stderr holds no HDF5 stack,
# sanitizer report or raw CR, and o.csv is not made
err() {
  local what=$1 re=$2; shift 3
  rm -f o.csv
  timeout 60 "$SOCAP" metrics "$@" -o o.csv -q >out 2>errf
  local rc=$?
  if [ "$rc" != 2 ]; then bad "$what: exit $rc, expected 2"; head -c 2000 errf; return; fi
  if ! head -1 errf | grep -qE -- "$re"; then bad "$what: first line does not match '$re':"; head -3 errf; return; fi
  if grep -qE "HDF5-DIAG|runtime error|Sanitizer|H5[A-Z][a-z]" errf || grep -q $'\r' errf; then
    bad "$what: diagnostics beyond the message:"; head -c 2000 errf; return
  fi
  [ ! -e o.csv ] || { bad "$what: o.csv was made"; return; }
  ok "$what: $(head -1 errf)"
}
good() { # good WHAT -- ARGS...: exit 0
  local what=$1; shift 2
  rm -f o.csv
  if timeout 60 "$SOCAP" metrics "$@" -o o.csv -q >out 2>errf; then ok "$what"; else
    bad "$what: exit $?"; cat errf; fi
}

printf '0,1\n1,2\n2,0\n2,3\n' >edges.csv

# ---- options: --nodes is an int32 count, --threads at most 4096
err "--nodes 2^62" "^socap metrics: --nodes expects an integer from 0 to 2147483647" -- \
  edges.csv --nodes 4611686018427387904
err "--nodes 2^63-1" "--nodes expects an integer from 0 to 2147483647" -- edges.csv --nodes 9223372036854775807
err "--nodes 2^31" "--nodes expects an integer from 0 to 2147483647" -- edges.csv --nodes 2147483648
good "--nodes 6" -- edges.csv --nodes 6
[ "$(wc -l <o.csv)" = 7 ] || bad "--nodes 6: $(wc -l <o.csv) lines in o.csv, expected 7"
err "--threads 100000" "--threads expects an integer from 1 to 4096" -- edges.csv --threads 100000
# an option is not a value: -o --x.csv wrote a file named --x.csv
rm -f -- --x.csv; timeout 60 "$SOCAP" metrics edges.csv -o --x.csv >out 2>errf; rc=$?
if [ "$rc" = 2 ] && [ ! -e --x.csv ] && head -1 errf | grep -q -- "option '-o' needs a value (a file name, not an option)"; then
  ok "-o --x.csv"; else bad "-o --x.csv: exit $rc"; head -3 errf; fi
# a usage error is one line and a pointer to --help (it printed the whole usage text)
timeout 60 "$SOCAP" metrics edges.csv -o o.csv --frob >out 2>errf; rc=$?
if [ "$rc" = 2 ] && [ "$(wc -l <errf)" = 2 ] && grep -q "^run 'socap metrics --help' for usage$" errf; then
  ok "usage error in two lines"; else bad "usage error: exit $rc, $(wc -l <errf) lines"; head -3 errf; fi
err "--threads 4097" "--threads expects an integer from 1 to 4096" -- edges.csv --threads 4097
good "--threads 2" -- edges.csv --threads 2

# ---- socap HDF5 snapshots
"$PYTHON" - <<'EOF' || bad "writing the HDF5 inputs"
import h5py, numpy as np

def snap(path, src, dst, state=None, agents=4, groups=(0, 0, 1, 1), attrs=None, src_dtype=np.int32):
    with h5py.File(path, "w") as f:
        n = f.create_group("network")
        k = len(src)
        n["task"] = np.zeros(k, np.int32)
        n["step"] = np.full(k, 4, np.int32)
        n["src"] = np.array(src, src_dtype)
        n["dst"] = np.array(dst, src_dtype)
        n["w"] = np.full(k, 0.5)
        n["state"] = np.array(state if state is not None else [1] * k, np.uint8 if state is None else np.int32)
        for key, v in (attrs or {}).items():
            n.attrs[key] = v
        if agents is not None:
            a = f.create_group("agents")
            a["task"] = np.zeros(agents, np.int32)
            a["agent"] = np.arange(agents, dtype=np.int32)
            if groups is not None:
                a["group"] = np.array(groups, np.int32)

snap("ok.h5", [0, 1, 2], [1, 2, 3])
snap("dst_range.h5", [0, 1, 2], [1, 99, 3])
snap("dormant_range.h5", [0, 1, 2], [1, 99, 3], state=[1, 0, 1])
snap("neg_group.h5", [0, 1, 2], [1, 2, 3], groups=(0, 0, -7, 1))
snap("no_group.h5", [0, 1, 2], [1, 2, 3], groups=None)
snap("bad_state.h5", [0, 1, 2], [1, 2, 3], state=[1, 7, 1])
snap("float_ids.h5", [0.5, 1.7, 2.0], [1.2, 2.9, 3.0], src_dtype=np.float64)
snap("str_attr.h5", [0, 1], [1, 2], agents=None, attrs={"n_agents": "abc"})
snap("attr_range.h5", [0, 1], [1, 5], agents=None, attrs={"n_agents": np.int64(3)})
snap("attr_ok.h5", [0, 1], [1, 2], agents=None, attrs={"n_agents": np.int64(6)})
with h5py.File("gap.h5", "w") as f:  # /agents lacks agent 2
    n = f.create_group("network")
    for c, v in (("src", [0, 1]), ("dst", [1, 3]), ("state", [1, 1])):
        n[c] = np.array(v, np.int32)
    n["w"] = np.ones(2)
    f["agents/agent"] = np.array([0, 1, 3], np.int32)
    f["agents/group"] = np.array([0, 1, 1], np.int32)
EOF
good "a consistent snapshot" -- ok.h5:/network/step_4
grep -q '^1,2,.*,2,0\.5$' o.csv || { bad "ok.h5: node 1 does not have 2 groups and Blau 0.5:"; cat o.csv; }
err "a tie to agent 99 of 4" "dst_range\.h5:/network row 1: active tie 1-99 names agent 99, but /agents gives 4 agents" \
  -- dst_range.h5:/network/step_4
good "a dormant tie is not checked" -- dormant_range.h5:/network/step_4
err "a negative group" "neg_group\.h5:/agents row 2: group -7 of agent 2" -- neg_group.h5:/network/step_4
good "/agents without a group column" -- no_group.h5:/network/step_4
grep -q '^1,2,.*,0,0$' o.csv || { bad "no_group.h5: n_groups and blau are not 0:"; cat o.csv; }
good "... with --groups" -- no_group.h5:/network/step_4 --groups <(printf '0,0\n1,0\n2,1\n3,1\n')
grep -q '^1,2,.*,2,0\.5$' o.csv || { bad "no_group.h5 --groups: groups not used:"; cat o.csv; }
err "state 7" "bad_state\.h5:/network row 1: state 7 \(expected 0 = dormant or 1 = active\)" -- \
  bad_state.h5:/network/step_4
err "float ids" "float_ids\.h5:/network/src holds floating-point numbers, not integers" -- float_ids.h5:/network/step_4
err "a string n_agents" "str_attr\.h5:/network: attribute 'n_agents' holds strings" -- str_attr.h5:/network
err "a tie beyond n_agents" "row 1: active tie 1-5 names agent 5, but the attribute n_agents gives 3 agents" -- \
  attr_range.h5:/network
good "n_agents 6" -- attr_ok.h5:/network
[ "$(wc -l <o.csv)" = 7 ] || bad "n_agents 6: $(wc -l <o.csv) lines in o.csv, expected 7"
err "an agent missing from /agents" "gap\.h5:/agents has no row for agent 2" -- gap.h5:/network

# ---- CSV lines: at most 1 MiB, no NUL, LF or CR LF line ends
err "/dev/zero" "^socap metrics: /dev/zero:1: NUL byte in the line" -- /dev/zero
{ printf '0,1\n'; head -c 3000000 /dev/zero; } >nul.csv
err "NULs after a line" "nul\.csv:2: NUL byte in the line" -- nul.csv
{ printf '0,1\n'; head -c 1048577 /dev/zero | tr '\0' 7; printf ',1\n'; } >long.csv
err "a 1 MiB + 1 line" "long\.csv:2: line longer than 1048576 bytes" -- long.csv --ids int
{ printf '0,1\n1,'; head -c 1048574 /dev/zero | tr '\0' 7; printf '\r\n'; } >max.csv # 1048576 bytes + CR LF
err "a 1 MiB line is read (its id is too large)" "max\.csv:2: field 2: bad node id '7{64}\.\.\.' \(expected" -- \
  max.csv --ids int
{ printf '0,0\n1,'; head -c 2000000 /dev/zero | tr '\0' 1; } >glong.csv
err "--groups: a long line" "glong\.csv:2: line longer than 1048576 bytes" -- edges.csv --groups glong.csv
err "--groups /dev/zero" "/dev/zero:1: NUL byte" -- edges.csv --groups /dev/zero
printf '0,1\r2,3\r' >cr.csv
err "CR line ends" "cr\.csv:1: CR line endings are not supported" -- cr.csv
printf '0,1\r\n1,2\r\n2,3' >crlf.csv
good "CR LF line ends" -- crlf.csv
printf '"a\rb",c\r\nc,d\n' >crq.csv
good "a CR inside a quoted id" -- crq.csv --ids text --no-header

# ---- weights: decimal numbers; all edges weighted or none
for w in 0x1p3 0x10 inf nan 1e; do
  printf '0,1,%s\n' "$w" >hex.csv
  err "weight $w" "hex\.csv:1: field 3: bad weight '$w' \(expected a decimal number\)" -- hex.csv
done
printf '0,1,2.5\n1,2,.5e1\n2,3,1E-2\n' >dec.csv
good "decimal weights" -- dec.csv
printf '0,1\n1,2\n5\n2,3,1.5\n' >mixed.csv
err "weighted after unweighted" "mixed\.csv:4: edge with a weight, but line 1 has none" -- mixed.csv
printf 'src,dst,w\n0,1,1\n7\n1,2\n' >mixed2.csv
err "unweighted after weighted" "mixed2\.csv:4: edge without a weight, but line 2 has one" -- mixed2.csv

# ---- separators
printf '0 1\n1 2\n2 3\n' >space.csv
err "space-separated" "cannot tell whether this line is a header.*fields are separated by commas" -- space.csv
err "space-separated, --ids int" "space\.csv:1: field 1: bad node id '0 1'.*fields are separated by commas" -- \
  space.csv --ids int --no-header
printf '0\t1\n1\t2\n' >tab.csv
err "tab-separated" "fields are separated by commas: is this file separated by spaces or tabs" -- tab.csv
printf 'x,y\nann lee,bob\n' >names.csv
err "a comma-separated name with a space: no hint" "^[^;]*is not an integer\); pass --header" -- names.csv

exit $fail
