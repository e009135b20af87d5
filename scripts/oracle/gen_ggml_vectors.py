#!/usr/bin/python3
"""Generates tests/vectors/ggml_more: Q6_K (and more Q4_K) cases from a numpy model of ggml's reference
quantizers, `derived` (no ggml producer can be installed here).

    /usr/bin/python3 scripts/oracle/gen_ggml_vectors.py [--out tests/vectors]

Why derived: the shared oracle sample (shared/fixtures/oracle-sample/ggml_blocks) has Q8_0 ... Q5_1 and
Q4_K from ggml itself, but no Q6_K. Debian 12 has no python3-gguf (its quants.py would be a numpy
producer), pip has no gguf package here, and ggml itself cannot be fetched. So this script follows
quantize_row_q6_K_ref / make_qx_quants(rmse_type = 1) and quantize_row_q4_K_ref / make_qkx2_quants of
ggml src/ggml-quants.c in numpy float32, one operation at a time:
- every constant is an np.float32 (numpy 1.24 would otherwise promote scalar arithmetic to float64);
- sums are sequential (np.add.accumulate), as ggml's loops are, never numpy's pairwise sum;
- nearest_int is ggml's magic-number round: bits of (v + 12582912f), low 23 bits minus 2^22;
- fp16 headers go through astype(float16) (round to nearest even, overflow to inf).
It is written from the algorithm's description, apart from the C++ code it checks (src/quant/ggml_kquants.cpp).

Verification: the same model's Q4_K reproduces the three Q4_K cases of the shared oracle sample (made by
ggml d99724f) byte for byte, which checks the float32 discipline above; the counts are recorded in the
manifest's semantics_verification. Deterministic: fixed seeds.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_common import (TOLERANCE_CONVENTIONS, dump_manifest, family_size, fresh_dir,  # noqa: E402
                           write_ref)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FAMILY = "ggml_more"
ORACLE = os.path.join(REPO, "..", "shared", "fixtures", "oracle-sample", "ggml_blocks")
F = np.float32


def seqsum(a):
    """Left-to-right float32 sum, starting from 0 (0 + a0 is exact)."""
    a = np.asarray(a, dtype=F)
    return np.add.accumulate(a, dtype=F)[-1] if a.size else F(0)


def nearest_int(v):
    b = (np.asarray(v, dtype=F) + F(12582912.0)).astype(F)
    return (b.view(np.int32) & 0x007FFFFF) - 0x00400000


def f16_bytes(v):
    return np.array([v], dtype=F).astype("<f2").tobytes()


def from_f16(b):
    return F(np.frombuffer(b, dtype="<f2")[0])


# --- Q6_K ------------------------------------------------------------------------------------

def q6_fit(x):
    """make_qx_quants(16, 32, x, L, rmse_type=1, NULL): returns (codes 0..63, scale)."""
    ax = np.abs(x)
    k = int(np.argmax(ax))  # first index of the largest |x|, as the strict '>' scan keeps
    amax, mx = ax[k], x[k]
    if amax < F(1e-15):
        return np.zeros(16, dtype=np.int64), F(0)
    w = (x * x).astype(F)

    def evaluate(iscale):
        l = np.clip(nearest_int(F(iscale) * x), -32, 31)
        lf = l.astype(F)
        return l, seqsum(w * x * lf), seqsum(w * lf * lf)

    l, sumlx, suml2 = evaluate(F(-32) / mx)
    L = l + 32
    scale = F(sumlx / suml2) if suml2 != 0 else F(0)
    best = F(scale * sumlx)
    for i in range(-9, 10):
        if i == 0:
            continue
        iscale = F(-(F(32) + F(0.1) * F(i)) / mx)
        l, sumlx, suml2 = evaluate(iscale)
        if suml2 > 0 and F(sumlx * sumlx) > F(best * suml2):
            L = l + 32
            scale = F(sumlx / suml2)
            best = F(scale * sumlx)
    return L, scale


def q6_block(x):
    L = np.zeros(256, dtype=np.int64)
    scales = np.zeros(16, dtype=F)
    max_scale, max_abs = F(0), F(0)
    for ib in range(16):
        L[16 * ib:16 * ib + 16], scales[ib] = q6_fit(x[16 * ib:16 * ib + 16])
        if abs(scales[ib]) > max_abs:
            max_abs, max_scale = abs(scales[ib]), scales[ib]
    if max_abs < F(1e-15):
        return bytes(210)
    iscale = F(F(-128) / max_scale)
    d16 = f16_bytes(F(1) / iscale)
    sc = np.array([((min(127, int(nearest_int(iscale * s))) + 128) % 256) - 128 for s in scales], dtype=np.int8)
    d_all = from_f16(d16)
    for j in range(16):
        d = F(d_all * F(sc[j]))
        if d == 0:
            continue
        L[16 * j:16 * j + 16] = np.clip(nearest_int(x[16 * j:16 * j + 16] / d), -32, 31) + 32
    ql = np.zeros(128, dtype=np.uint8)
    qh = np.zeros(64, dtype=np.uint8)
    for h in range(2):
        for k in range(4):  # element 128h + 32k + l
            for l in range(32):
                q = int(L[128 * h + 32 * k + l])
                ql[64 * h + 32 * (k % 2) + l] |= (q & 15) << (4 * (k // 2))
                qh[32 * h + l] |= (q >> 4) << (2 * k)
    return ql.tobytes() + qh.tobytes() + sc.tobytes() + d16


def q6_dequant(b):
    ql = np.frombuffer(b[:128], np.uint8)
    qh = np.frombuffer(b[128:192], np.uint8)
    sc = np.frombuffer(b[192:208], np.int8)
    d = from_f16(b[208:210])
    y = np.zeros(256, dtype=F)
    for e in range(256):
        h, k, l = e // 128, (e % 128) // 32, e % 32
        q = ((int(ql[64 * h + 32 * (k % 2) + l]) >> (4 * (k // 2))) & 15) | (((int(qh[32 * h + l]) >> (2 * k)) & 3) << 4)
        y[e] = F(d * F(sc[e // 16])) * F(q - 32)
    return y


# --- Q4_K ------------------------------------------------------------------------------------

def q4_fit(x, w):
    """make_qkx2_quants(32, 15, x, w, rmin=-1, rdelta=0.1, nstep=20, use_mad=false):
    returns (codes, scale, -min)."""
    mn, mx = F(np.min(x)), F(np.max(x))
    sum_w, sum_x = seqsum(w), seqsum(w * x)
    if mn > 0:
        mn = F(0)
    if mx == mn:
        return np.zeros(32, dtype=np.int64), F(0), F(-mn)
    iscale = F(F(15) / F(mx - mn))
    scale = F(F(1) / iscale)
    L = np.clip(nearest_int(iscale * (x - mn)), 0, 15)
    diff = (F(scale) * L.astype(F) + mn - x).astype(F)
    best = seqsum(w * (diff * diff))
    for i in range(21):
        iscale = F(F(F(-1) + F(0.1) * F(i)) + F(15)) / F(mx - mn)
        la = np.clip(nearest_int(F(iscale) * (x - mn)), 0, 15)
        lf = la.astype(F)
        sum_l, sum_l2, sum_xl = seqsum(w * lf), seqsum(w * lf * lf), seqsum(w * lf * x)
        D = F(F(sum_w * sum_l2) - F(sum_l * sum_l))
        if D > 0:
            this_scale = F(F(F(sum_w * sum_xl) - F(sum_x * sum_l)) / D)
            this_min = F(F(F(sum_l2 * sum_x) - F(sum_l * sum_xl)) / D)
            if this_min > 0:
                this_min = F(0)
                this_scale = F(sum_xl / sum_l2)
            diff = (this_scale * lf + this_min - x).astype(F)
            cur = seqsum(w * (diff * diff))
            if cur < best:
                L, best, scale, mn = la, cur, this_scale, this_min
    return L, scale, F(-mn)


def q4_block(x):
    L = np.zeros(256, dtype=np.int64)
    scales, mins = np.zeros(8, dtype=F), np.zeros(8, dtype=F)
    for j in range(8):
        xs = x[32 * j:32 * j + 32]
        av = F(np.sqrt(F(seqsum(xs * xs) / F(32))))
        w = (av + np.abs(xs)).astype(F)
        L[32 * j:32 * j + 32], scales[j], mins[j] = q4_fit(xs, w)
    max_scale, max_min = F(0), F(0)
    for j in range(8):
        max_scale = scales[j] if scales[j] > max_scale else max_scale
        max_min = mins[j] if mins[j] > max_min else max_min
    inv_s = F(F(63) / max_scale) if max_scale > 0 else F(0)
    inv_m = F(F(63) / max_min) if max_min > 0 else F(0)
    ls = [min(63, int(nearest_int(inv_s * scales[j])) % 256) for j in range(8)]
    lm = [min(63, int(nearest_int(inv_m * mins[j])) % 256) for j in range(8)]
    s = [0] * 12
    for j in range(8):  # 6-bit scale and min packing (get_scale_min_k4 reads it back)
        if j < 4:
            s[j], s[j + 4] = ls[j], lm[j]
        else:
            s[j + 4] = (ls[j] & 15) | ((lm[j] & 15) << 4)
            s[j - 4] |= (ls[j] >> 4) << 6
            s[j] |= (lm[j] >> 4) << 6
    d16, m16 = f16_bytes(max_scale / F(63)), f16_bytes(max_min / F(63))
    d_all, m_all = from_f16(d16), from_f16(m16)
    for j in range(8):
        d = F(d_all * F(ls[j]))
        if d == 0:
            continue
        dm = F(m_all * F(lm[j]))
        L[32 * j:32 * j + 32] = np.clip(nearest_int((x[32 * j:32 * j + 32] + dm) / d), 0, 15)
    qs = bytearray(128)
    for c in range(4):
        for l in range(32):
            qs[32 * c + l] = int(L[64 * c + l]) | (int(L[64 * c + 32 + l]) << 4)
    return d16 + m16 + bytes(s) + bytes(qs)


def q4_dequant(b):
    d, m = from_f16(b[0:2]), from_f16(b[2:4])
    s = b[4:16]
    y = np.zeros(256, dtype=F)
    for e in range(256):
        j, c, l = e // 32, e // 64, e % 32
        if j < 4:
            sc, mn = s[j] & 63, s[j + 4] & 63
        else:
            sc, mn = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4), (s[j + 4] >> 4) | ((s[j] >> 6) << 4)
        q = (b[16 + 32 * c + l] >> (4 * (j % 2))) & 15
        y[e] = F(F(d * F(sc)) * F(q)) - F(m * F(mn))
    return y


TYPES = {"q6_K": (q6_block, q6_dequant, 210), "q4_K": (q4_block, q4_dequant, 144)}


def quantize(kind, x):
    block, dequant, nbytes = TYPES[kind]
    flat = x.reshape(-1)
    blocks = [block(flat[i:i + 256]) for i in range(0, flat.size, 256)]
    raw = np.frombuffer(b"".join(blocks), dtype=np.uint8).reshape(len(blocks), nbytes)
    y = np.concatenate([dequant(bytes(b)) for b in blocks]).reshape(x.shape)
    return raw, y


# --- inputs ----------------------------------------------------------------------------------

def inputs(rng):
    n = lambda *s: rng.standard_normal(s).astype(F)  # noqa: E731
    u = lambda *s: rng.uniform(-1, 1, s).astype(F)  # noqa: E731
    cases = {
        "normal_1x256": n(1, 256),
        "normal_4x256": n(4, 256),
        "uniform_2x256": u(2, 256),
        "skewed_pos_1x256": (u(1, 256) * F(0.02) + F(0.01)).astype(F),
        "negative_only_1x256": (-np.abs(n(1, 256)) - F(0.5)).astype(F),
        "outliers_1x256": np.where(np.arange(256) % 37 == 5, n(1, 256) * F(40), n(1, 256)).astype(F),
        "ties_quarters_1x256": (np.round(u(1, 256) * 16) / 4).astype(F),
        "zeros_1x256": np.zeros((1, 256), F),
        "const_pos_1x256": np.full((1, 256), 0.75, F),
        "single_nonzero_1x256": np.where(np.arange(256) == 77, F(-3.5), F(0)).reshape(1, 256).astype(F),
        "zero_subblocks_1x256": np.where((np.arange(256) // 16) % 3 == 0, F(0), n(256)).reshape(1, 256).astype(F),
        "tiny_1e-8_1x256": (n(1, 256) * F(1e-8)).astype(F),
        "large_1e4_1x256": (n(1, 256) * F(1e4)).astype(F),
        "block_magnitudes_1x1024": (n(1, 1024) * np.repeat(F(10.0) ** np.arange(-3, 1, dtype=F), 256)).astype(F),
    }
    return cases


def verify_against_oracle():
    """The model's Q4_K against ggml's own bytes in the shared sample."""
    out = {"q4_K cases of shared ggml_blocks": 0, "byte mismatches": 0, "dequant bit mismatches": 0}
    manifest = os.path.join(ORACLE, "manifest.json")
    if not os.path.exists(manifest):
        return {"skipped": "shared oracle sample not found"}
    for c in json.load(open(manifest))["cases"]:
        if c["params"]["type"] != "q4_K":
            continue
        x = np.load(os.path.join(ORACLE, c["inputs"]["x"]["file"]))
        want = np.load(os.path.join(ORACLE, c["expected"]["blocks"]["file"]))
        want_y = np.load(os.path.join(ORACLE, c["expected"]["dequant"]["file"]))
        raw, y = quantize("q4_K", x)
        out["q4_K cases of shared ggml_blocks"] += 1
        out["byte mismatches"] += int(np.count_nonzero(raw != want))
        out["dequant bit mismatches"] += int(np.count_nonzero(y.view(np.uint32) != want_y.view(np.uint32)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "vectors"))
    args = ap.parse_args()
    verification = verify_against_oracle()
    if verification.get("byte mismatches", 0) or verification.get("dequant bit mismatches", 0):
        sys.exit("the numpy model does not reproduce ggml's Q4_K bytes: %s" % verification)
    fam = os.path.join(args.out, FAMILY)
    fresh_dir(fam)
    rng = np.random.default_rng(20260603)
    cases = []
    for kind in ("q6_K", "q4_K"):
        for name, x in inputs(rng).items():
            cid = "%s__%s" % (kind, name)
            raw, y = quantize(kind, x)
            cases.append({
                "id": cid,
                "description": "%s on %s (%d super-blocks of 256), numpy model of quantize_row_%s_ref" % (
                    kind, name, raw.shape[0], kind),
                "tags": [kind, name.rsplit("_", 1)[0]],
                "flags": ["derived", "float_op_order_sensitive"],
                "inputs": {"x": write_ref(fam, cid, "x", x)},
                "params": {"type": kind, "block_size": 256, "block_bytes": TYPES[kind][2], "n": int(x.size),
                           "quantize_fn": "quantize_row_%s_ref" % kind, "dequantize_fn": "dequantize_row_%s" % kind},
                "expected": {"blocks": write_ref(fam, cid, "blocks", raw), "dequant": write_ref(fam, cid, "dequant", y)},
                "tolerance": {"blocks": {"kind": "exact"}, "dequant": {"kind": "exact"}},
            })
    manifest = {
        "schema_version": 1,
        "family": FAMILY,
        "title": "ggml Q6_K and Q4_K super-blocks from a numpy model of ggml's reference quantizers (derived)",
        "description": "x (float32, rows of whole 256-blocks) -> quantize_row_<type>_ref model -> raw block bytes "
                       "(little-endian ggml structs) -> dequantize_row_<type> model -> float32. Same case format "
                       "as shared ggml_blocks.",
        "producer": {"name": "derived: numpy %s model of ggml src/ggml-quants.c (make_qx_quants, make_qkx2_quants)"
                             % np.__version__,
                     "why": "no ggml producer installable here (Debian 12 has no python3-gguf; no gguf on pip)"},
        "generator": "scripts/oracle/gen_ggml_vectors.py",
        "tolerance_conventions": TOLERANCE_CONVENTIONS,
        "semantics_verification": verification,
        "cases": cases,
    }
    dump_manifest(os.path.join(fam, "manifest.json"), manifest)
    print("%s: %d cases, %d bytes; verification %s" % (fam, len(cases), family_size(fam), verification))


if __name__ == "__main__":
    main()
