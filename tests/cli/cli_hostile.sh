#!/usr/bin/env bash
# Hostile inputs: huge, missing, unreadable; a clean error and exit 2, never a crash.
. "$(dirname "$0")/lib.sh"
truncate -s 100M "$tmp/big.yaml"
expect 2 "$nsasim" check "$tmp/big.yaml"
err_is "$tmp/big.yaml:1:1: error: file is 104857600 bytes; a spec file may be at most 4194304 bytes"
expect 2 "$nsasim" predict --workload "$tmp/big.yaml"
expect 2 "$nsasim" check "$tmp/missing.yaml"
err_is "$tmp/missing.yaml: error: cannot open: No such file or directory"
expect 2 "$nsasim" predict --arch "$tmp"
err_is "$tmp: error: cannot read: not a regular file"
head -c 65536 /dev/urandom >"$tmp/random.yaml"
"$nsasim" check "$tmp/random.yaml" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "random bytes: exit $rc"
printf 'a: &x [1]\nb: *x\n' >"$tmp/alias.yaml"
expect 2 "$nsasim" check "$tmp/alias.yaml"
err_is "$tmp/alias.yaml:1:1: error: unknown key 'a' in 'top level' (see \`nsasim params\` for the keys)"
finish
