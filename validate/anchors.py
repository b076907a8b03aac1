#!/usr/bin/env python3
"""validate/anchors.py — reference points measured in the same call as the kernels.

Device-to-device copy bandwidth (bytes read + written over time), and PyTorch's
scaled_dot_product_attention restricted to its FlashAttention-2 backend at the shapes of the
full_fwd matrix (causal, batch 1, 64 heads; K/V expanded to 64 heads since the FA2 backend is
MHA), counting 2*T^2*d*H FLOPs for a causal forward (the FlashAttention papers' convention).
Writes a CSV: anchor, shape, median_ms, value, unit. Median of 20 CUDA-event timings after warm-up.
"""
import sys

import torch
import torch.nn.functional as F


def median_ms(fn, runs=20, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


def main(path):
    rows = []
    n_bytes = 4 << 30
    src = torch.empty(n_bytes, dtype=torch.uint8, device="cuda").random_()
    dst = torch.empty_like(src)
    ms = median_ms(lambda: dst.copy_(src))
    rows.append(("copy_d2d", "4GiB", ms, 2 * n_bytes / ms / 1e6, "GB/s"))
    del src, dst
    from torch.nn.attention import SDPBackend, sdpa_kernel

    for d_qk, d_v in ((128, 128), (192, 128)):
        for T in (8192, 16384, 32768):
            H = 64
            q = torch.rand(1, H, T, d_qk, device="cuda", dtype=torch.bfloat16) * 4 - 2
            k = torch.rand(1, H, T, d_qk, device="cuda", dtype=torch.bfloat16) * 4 - 2
            v = torch.rand(1, H, T, d_v, device="cuda", dtype=torch.bfloat16) * 2 - 1
            try:
                with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                    ms = median_ms(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True))
            except RuntimeError as e:  # the FA2 backend needs d_qk == d_v
                print(f"sdpa flash d_qk={d_qk} d_v={d_v}: {str(e).splitlines()[0]}")
                continue
            flops = 2.0 * T * T * H * (d_qk + d_v) / 2
            rows.append((f"sdpa_flash_causal_d{d_qk}_{d_v}", f"b1_h{H}_t{T}", ms, flops / ms / 1e9, "TFLOP/s"))
            del q, k, v
    with open(path, "w") as f:
        f.write("anchor,shape,median_ms,value,unit\n")
        for r in rows:
            f.write(f"{r[0]},{r[1]},{r[2]:.4f},{r[3]:.1f},{r[4]}\n")
    for r in rows:
        print(f"{r[0]:34s} {r[1]:14s} {r[2]:10.4f} ms {r[3]:10.1f} {r[4]}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "anchors.csv")
