# Helpers for the CLI test scripts: each assertion prints what failed and
# counts; the script exits non-zero if any failed.
fails=0
nsasim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect RC CMD...: run CMD, keep stdout/stderr in $tmp/out and $tmp/err.
expect() {
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" -eq "$want" ] || fail "exit $rc (want $want): $* :: $(head -c 300 "$tmp/err")"
}
has_out() { grep -qF -- "$1" "$tmp/out" || fail "stdout lacks '$1'"; }
has_err() { grep -qF -- "$1" "$tmp/err" || fail "stderr lacks '$1' (got: $(head -c 300 "$tmp/err"))"; }
err_is() { [ "$(cat "$tmp/err")" == "$1" ] || fail "stderr is '$(cat "$tmp/err")', want '$1'"; }
out_empty() { [ ! -s "$tmp/out" ] || fail "stdout not empty: $(head -c 200 "$tmp/out")"; }
finish() { [ "$fails" -eq 0 ] && echo "all passed" ; exit $((fails > 0)); }
