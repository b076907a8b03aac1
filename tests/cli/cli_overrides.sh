#!/usr/bin/env bash
# --set KEY=VALUE: same checks as the files, errors name the override.
. "$(dirname "$0")/lib.sh"
expect 2 "$nsasim" predict --set problem.seq_len=abc; out_empty
err_is "--set problem.seq_len=abc: error: 'problem.seq_len' must be an integer in [1, 16777216] (tokens), got 'abc'"
expect 2 "$nsasim" predict --set problem.seq_len=0
err_is "--set problem.seq_len=0: error: 'problem.seq_len' = 0 is out of range: must be an integer in [1, 16777216] (tokens)"
expect 2 "$nsasim" predict --set problem.heads_kv=5
err_is "--set problem.heads_kv=5: error: 'problem.heads_q' = 64 is not a multiple of 'problem.heads_kv' = 5"
expect 2 "$nsasim" predict --set problem.seqlen=8
err_is "--set problem.seqlen=8: error: unknown key 'problem.seqlen' (arch keys start with 'arch.'; see \`nsasim params\`)"
expect 2 "$nsasim" predict --set arch.hbm=1
err_is "--set arch.hbm=1: error: 'arch.hbm' is a mapping; set one of its keys instead"
expect 2 "$nsasim" predict --set problem.seq_len
err_is "--set problem.seq_len: error: expected KEY=VALUE with KEY a dotted path such as problem.seq_len"
expect 2 "$nsasim" predict --set arch.sm.count=
err_is "--set arch.sm.count=: error: 'arch.sm.count' has no value; it must be an integer in [1, 65536] (SMs)"
expect 2 "$nsasim" predict --set kernel.window.block_n=1024
has_err "--set kernel.window.block_n=1024: error: kernel.window (block_m 128, block_n 1024"
# Overrides change the numbers they should.
# (Half the measured issue interval, so that the decode kernels are bound by the stream.)
expect 0 "$nsasim" predict --format json --set problem.phase=decode --set problem.batch=64 --set arch.sm.dependent_issue_cycles=2.31
base=$(grep -m1 '"total_time_s"' "$tmp/out" | sed 's/.*: //; s/,$//')
expect 0 "$nsasim" predict --format json --set problem.phase=decode --set problem.batch=64 --set arch.sm.dependent_issue_cycles=2.31 --set arch.hbm.bandwidth=9.6e12
has_out '"bandwidth": 9.6e+12'
has_out '"arch.hbm.bandwidth=9.6e12"'
fast=$(grep -m1 '"total_time_s"' "$tmp/out" | sed 's/.*: //; s/,$//')
awk -v a="$base" -v b="$fast" 'BEGIN{exit !(b < a * 0.8)}' || fail "2x HBM bandwidth: $base s -> $fast s, want < 0.8x on memory-bound decode"
expect 0 "$nsasim" predict --format json --set attention.window=1024 --set kernel.selected.design=kv_outer
has_out '"window": 1024'; has_out '"design": "kv_outer"'
# A key absent from the file is added by --set.
expect 0 "$nsasim" predict --format json --set problem.q_len=4096
has_out '"q_len": 4096'
# check takes --set too.
expect 2 "$nsasim" check --set attention.window=0 "$src/workloads/nsa-paper.yaml"
has_err "--set attention.window=0: error: 'attention.window' = 0 is out of range"
finish
