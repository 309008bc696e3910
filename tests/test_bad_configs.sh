#!/bin/sh
# CLI contract for invalid configs. For every tests/bad_configs/NN_name.yaml:
#   socap validate FILE         and   socap run FILE -o TMP/out.h5
# must exit with exactly 2, print "FILE:<first line of NN_name.expect>" on
# stderr (LINE:COL: error: PARAM: message fragment), and create neither
# TMP/out.h5 nor TMP/out.h5.part. A valid file (argv 2) must validate with
# exit 0 and "FILE: ok", and a bad --set must be reported at its column.
# usage: SOCAP=path/to/socap test_bad_configs.sh BAD_CONFIG_DIR GOOD_YAML
set -u
dir=$1
good=$2
: "${SOCAP:?SOCAP must name the socap binary}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
n=0

fail() {
  echo "FAIL: $*" >&2
  fails=$((fails + 1))
}

# check_case NAME RC EXPECTED_SUBSTRING
check_case() {
  if [ "$2" -ne 2 ]; then fail "$1: exit code $2, expected 2"; fi
  if ! grep -qF -- "$3" "$tmp/err"; then
    fail "$1: stderr lacks '$3'; stderr was:"
    sed 's/^/    /' "$tmp/err" >&2
  fi
  if [ -e "$tmp/out.h5" ] || [ -e "$tmp/out.h5.part" ]; then fail "$1: output file created"; fi
}

for f in "$dir"/*.yaml; do
  [ -e "$f" ] || continue
  exp=$(head -n 1 "${f%.yaml}.expect")
  want="$f:$exp"
  rm -f "$tmp/out.h5" "$tmp/out.h5.part"
  "$SOCAP" validate "$f" >"$tmp/out" 2>"$tmp/err"
  check_case "validate $f" $? "$want"
  rm -f "$tmp/out.h5" "$tmp/out.h5.part"
  "$SOCAP" run "$f" -o "$tmp/out.h5" >"$tmp/out" 2>"$tmp/err"
  check_case "run $f" $? "$want"
  n=$((n + 1))
done
[ "$n" -ge 30 ] || fail "only $n bad configs found in $dir"

# a valid file validates
"$SOCAP" validate "$good" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || { fail "validate $good: exit $rc"; cat "$tmp/err" >&2; }
grep -qF -- "$good: ok" "$tmp/out" || fail "validate $good: no '$good: ok' on stdout"

# a bad override on a valid file: exit 2, located in the --set argument
rm -f "$tmp/out.h5" "$tmp/out.h5.part"
"$SOCAP" validate "$good" --set model.p_pass=2 >"$tmp/out" 2>"$tmp/err"
check_case "validate --set" $? "--set:1:14: error: model.p_pass: model.p_pass = 2 is outside [0, 1]"
"$SOCAP" run "$good" -o "$tmp/out.h5" --set model.p_pas=0.2 >"$tmp/out" 2>"$tmp/err"
check_case "run --set" $? "--set:1:7: error: model.p_pas: unknown key in model (did you mean 'model.p_pass'?)"

echo "$n bad configs, $fails failures"
[ "$fails" -eq 0 ]
