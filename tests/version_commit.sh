#!/usr/bin/env bash
# The commit that --version and /provenance report is read at build time
# (scripts/git_commit.cmake), with "-dirty" for uncommitted edits:
# 1. the script on a scratch repository: a new commit and an edit change the
#    header, an unchanged state does not rewrite it (no needless rebuild);
# 2. the socap binary reports the source tree's state as of its build.
set -u
: "${SOCAP:?}" "${SRC:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
git=$(command -v git) || { echo "SKIP: no git"; exit 77; }
script="$SRC/scripts/git_commit.cmake"
gen() { cmake -DSRC="$tmp/repo" -DOUT="$tmp/h.h" -DGIT="$git" -P "$script"; sed -n 's/.*SOCAP_GIT_COMMIT "\(.*\)"/\1/p' "$tmp/h.h"; }
mkdir "$tmp/repo" && cd "$tmp/repo" && "$git" init -q && echo a >f && "$git" add f &&
  "$git" -c user.name=t -c user.email=t@t commit -qm one || exit 1
c1=$("$git" rev-parse --short=12 HEAD)
[ "$(gen)" = "$c1" ] && echo "ok: header names the commit" || { echo "FAIL: header is not $c1"; fail=1; }
touch -d '2000-01-01' "$tmp/h.h"
gen >/dev/null
[ "$(stat -c %Y "$tmp/h.h")" = "$(date -d '2000-01-01' +%s)" ] && echo "ok: unchanged state leaves the header alone" \
  || { echo "FAIL: header rewritten without a change"; fail=1; }
echo b >f
[ "$(gen)" = "$c1-dirty" ] && echo "ok: an edit makes it -dirty" || { echo "FAIL: no -dirty after an edit"; fail=1; }
"$git" -c user.name=t -c user.email=t@t commit -qam two
c2=$("$git" rev-parse --short=12 HEAD)
[ "$(gen)" = "$c2" ] && echo "ok: a new commit is picked up" || { echo "FAIL: header is not the new commit $c2"; fail=1; }
rm -rf "$tmp/repo/.git"
[ "$(gen)" = "unknown" ] && echo "ok: outside git: unknown" || { echo "FAIL: outside git"; fail=1; }
# the binary under test: built from this tree, so it names its commit
if [ -e "$SRC/.git" ]; then
  got=$("$SOCAP" --version | sed -n 's/.*(commit \(.*\))/\1/p')
  want=$("$git" -C "$SRC" rev-parse --short=12 HEAD)
  case "$got" in
    "$want" | "$want-dirty") echo "ok: socap --version names HEAD ($got)" ;;
    *) echo "FAIL: socap --version says commit '$got', the tree is at $want (rebuild?)"; fail=1 ;;
  esac
fi
exit $fail
