#!/usr/bin/env bash
# One bad input: `nsasim VERB NAME.yaml` (VERB check unless given) must print
# exactly NAME.err on stderr, nothing on stdout, and exit 2.
set -u
nsasim=$1 dir=$2 name=$3 verb=${4:-check}
cd "$dir" || exit 1
if [ "$verb" = sweep ]; then
  out=$("$nsasim" sweep "$name.yaml" --out /dev/null 2>/tmp/nsasim-err.$$)
else
  out=$("$nsasim" "$verb" "$name.yaml" 2>/tmp/nsasim-err.$$)
fi
rc=$?
err=$(cat /tmp/nsasim-err.$$); rm -f /tmp/nsasim-err.$$
want=$(cat "$name.err")
fail=0
[ "$rc" -eq 2 ] || { echo "exit code $rc, want 2"; fail=1; }
[ -z "$out" ] || { echo "stdout not empty: $out"; fail=1; }
[ "$err" == "$want" ] || { printf 'stderr:\n  got:  %s\n  want: %s\n' "$err" "$want"; fail=1; }
exit $fail
