#!/usr/bin/python3
"""Generates tests/vectors/nf4: NF4 block-64 quantization with and without double quantization.

    /usr/bin/python3 scripts/oracle/gen_nf4_vectors.py [--out tests/vectors]

DERIVED reference: bitsandbytes cannot be installed here, so this script re-implements, in torch,
the semantics of bitsandbytes' torch ("default") backend: quantize_4bit / dequantize_4bit for NF4
and, for double quantization (compress_statistics=True), functional.quantize_4bit's
`offset = absmax.mean(); quantize_blockwise(absmax - offset, blocksize=256)` with the default
backend's quantize_blockwise (reciprocal multiply, clamp to [-1, 1], argmin |s - code|) over the
8-bit dynamic map (create_dynamic_map(signed=True, max_exponent_bits=7)).

Choices where this script departs from, or pins down, bitsandbytes (all stated in the manifest):
- The NF4 rules are those of the shared fixtures README §7: a full block multiplies by fl(1/absmax),
  the trailing partial block divides x / absmax, absmax is floored at 1e-38. (bitsandbytes' current
  default backend source multiplies by the reciprocal in the partial block too; the two differ only
  on near-tie elements, and the case `tail_mul_div_differ` is built so that they differ.)
- Codes: argmin |s - level| in float32 (bitsandbytes' torch backend) is computed and checked equal to
  the midpoint count #{fl((c_i + c_i+1)/2) < s} that the C++ core uses.
- The dynamic map: bitsandbytes builds it with torch.linspace, whose float32 results depend on the
  torch version (torch 1.13's vectorized CPU kernel differs from torch 2.x's serial one in the last
  bit of some points). This script builds the map with torch 2.x's serial linspace formula (step =
  (1 - 0.1)/(steps - 1) in float32, first half start + step*k, second half end - step*(steps-1-k));
  how many entries torch 1.13's linspace would change is recorded.
- offset = fl32(mean of the absmax values in float64); torch's float32 .mean() may differ by an ulp
  (recorded per case).
- A double-quant block whose centred absmax values are all 0 would give NaN in bitsandbytes (0 * inf);
  here its scale is floored at 1e-38 like the NF4 blocks, so it decodes to the offset.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_common import (TOLERANCE_CONVENTIONS, dump_manifest, family_size, fresh_dir,  # noqa: E402
                           write_ref)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FAMILY = "nf4"
BLOCK = 64
DQ_BLOCK = 256
FLOOR = np.float32(1e-38)

torch.set_num_threads(1)

NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
                -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                0.7229568362236023, 1.0], dtype=np.float32)
MIDS = ((NF4[:-1] + NF4[1:]) / np.float32(2)).astype(np.float32)


def serial_linspace_f32(steps):
    start, end = np.float32(0.1), np.float32(1.0)
    step = np.float32((end - start) / np.float32(steps - 1))
    half = steps // 2
    out = [start + step * np.float32(k) if k < half else end - step * np.float32(steps - k - 1) for k in range(steps)]
    return np.array(out, dtype=np.float32)


def dynamic_map(linspace):
    data = []
    for i in range(7):
        b = linspace(2 ** i + 1)
        means = ((b[:-1] + b[1:]) / np.float32(2)).astype(np.float32)
        scale = np.float32(10.0 ** (i - 6)) if i < 6 else np.float32(1)
        data += list((means * scale).astype(np.float32))
        data += list((means * -scale).astype(np.float32))
    data += [np.float32(0), np.float32(1)]
    return np.sort(np.array(data, dtype=np.float32))


DMAP = dynamic_map(serial_linspace_f32)
DMAP_TORCH113 = dynamic_map(lambda s: torch.linspace(0.1, 1, s).numpy())


def nf4_quantize(x):
    """bitsandbytes default-backend quantize_4bit (NF4) on the flattened tensor, README §7 rules."""
    a = torch.from_numpy(x.reshape(-1).copy())
    n = a.numel()
    full, rem = n // BLOCK, n % BLOCK
    absmax = torch.zeros(full + (1 if rem else 0), dtype=torch.float32)
    parts = []
    if full:
        blocks = a[: n - rem].reshape(full, BLOCK)
        absmax[:full] = blocks.abs().max(dim=-1)[0]
        inv = 1 / torch.clamp(absmax[:full], min=float(FLOOR))
        parts.append(torch.clamp(blocks * inv.view(-1, 1), -1, 1).reshape(-1))
    if rem:
        tail = a[n - rem:]
        absmax[-1] = tail.abs().max()
        parts.append(torch.clamp(tail / torch.clamp(absmax[-1], min=float(FLOOR)), -1, 1))
    scaled = torch.cat(parts)
    codes = torch.argmin(torch.abs(scaled.view(-1, 1) - torch.from_numpy(NF4)), dim=-1).to(torch.uint8)
    by_midpoints = np.searchsorted(MIDS, scaled.numpy(), side="left").astype(np.uint8)
    return codes.numpy(), absmax.numpy(), int(np.count_nonzero(codes.numpy() != by_midpoints)), scaled


def pack(codes):
    c = codes.reshape(-1)
    if c.size % 2:
        c = np.concatenate([c, np.zeros(1, np.uint8)])
    return ((c[0::2] << 4) | c[1::2]).astype(np.uint8)


def double_quantize(absmax):
    offset = np.float32(absmax.astype(np.float64).mean())
    torch_mean = np.float32(torch.from_numpy(absmax).mean().item())
    centred = torch.from_numpy((absmax - offset).astype(np.float32))
    m = centred.numel()
    nb = (m + DQ_BLOCK - 1) // DQ_BLOCK
    absmax2 = torch.zeros(nb, dtype=torch.float32)
    parts = []
    for b in range(nb):
        blk = centred[b * DQ_BLOCK:(b + 1) * DQ_BLOCK]
        absmax2[b] = blk.abs().max()
        parts.append(torch.clamp(blk * (1 / torch.clamp(absmax2[b], min=float(FLOOR))), -1, 1))
    scaled = torch.cat(parts)
    codes = torch.argmin(torch.abs(scaled.view(-1, 1) - torch.from_numpy(DMAP)), dim=-1).to(torch.uint8)
    # dequantize_blockwise (code[q] * absmax2) then `absmax += offset`, float32 throughout
    deq = torch.from_numpy(DMAP)[codes.long()] * absmax2.repeat_interleave(DQ_BLOCK)[:m] + torch.tensor(offset)
    return offset, codes.numpy(), absmax2.numpy(), deq.numpy(), bool(torch_mean == offset)


def nf4_dequantize(codes, absmax):
    c = codes.reshape(-1)
    scale = np.repeat(absmax, BLOCK)[: c.size]
    return (torch.from_numpy(NF4)[torch.from_numpy(c).long()] * torch.from_numpy(scale)).numpy()


def make_case(cid, desc, x, tags, double_quant=False, flags=()):
    codes, absmax, argmin_vs_mid, scaled = nf4_quantize(x)
    n = x.size
    expected = {"codes": codes.reshape(x.shape), "packed": pack(codes), "absmax": absmax}
    verify = {"argmin_vs_midpoint_code_mismatches": argmin_vs_mid}
    params = {"blocksize": BLOCK, "quant_type": "nf4", "double_quant": double_quant, "n": int(n),
              "blocks": int(absmax.size)}
    scale = absmax
    if double_quant:
        offset, qcodes, absmax2, deq, mean_same = double_quantize(absmax)
        expected.update({"absmax_codes": qcodes, "absmax2": absmax2, "offset": np.array(offset, dtype=np.float32),
                         "absmax_dequant": deq})
        params.update({"dq_blocksize": DQ_BLOCK, "dq_blocks": int(absmax2.size)})
        verify["torch_float32_mean_equals_offset"] = mean_same
        scale = deq
    expected["dequant"] = nf4_dequantize(codes, scale).reshape(x.shape)
    return {"id": cid, "description": desc, "tags": tags, "flags": ["derived"] + list(flags),
            "inputs": {"x": x}, "params": params, "expected": expected, "verify": verify}


def tail_where_mul_and_div_differ(rng):
    """A [1, 100] tensor whose trailing 36-element block has elements on which x * fl(1/a) and x / a
    give different NF4 codes (found by search near the midpoints)."""
    a = np.float32(0.7)
    inv = np.float32(1) / a
    found = []
    for mid in MIDS:
        v = np.float32(mid * a)
        for _ in range(4000):
            code_mul = np.searchsorted(MIDS, np.float32(v * inv), side="left")
            code_div = np.searchsorted(MIDS, np.float32(v / a), side="left")
            if code_mul != code_div:
                found.append(v)
                break
            v = np.nextafter(v, np.float32(np.inf), dtype=np.float32)
        if len(found) >= 4:
            break
    tail = rng.uniform(-0.6, 0.6, 36).astype(np.float32)
    tail[0] = a
    tail[1:1 + len(found)] = found
    head = rng.standard_normal(64).astype(np.float32)
    return np.concatenate([head, tail]).reshape(1, 100), len(found)


def cases(rng):
    out = []
    g = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    for shape in [(1, 64), (3, 128), (1, 1), (15,), (17,), (2, 65), (7, 100), (4, 16, 64)]:
        sid = "x".join(str(d) for d in shape)
        out.append(make_case("normal_%s" % sid, "NF4 b64 of standard normal %s" % (shape,), g(*shape), ["normal"]))
    heavy = (rng.standard_t(3, (16, 192)) * 0.02).astype(np.float32)
    out.append(make_case("student_t3_16x192", "NF4 b64 of heavy-tailed (Student t, 3 dof) weights", heavy, ["heavy"]))
    z = np.zeros((2, 64), np.float32)
    z[1, 5] = -3.5
    out.append(make_case("zero_block_2x64", "an all-zero block (absmax 0, floored) then a one-spike block", z, ["zero"]))
    x, k = tail_where_mul_and_div_differ(rng)
    c = make_case("tail_mul_div_differ", "partial block of 36 with %d elements on which x*fl(1/a) and x/a "
                  "round to different NF4 codes: the README rule (divide) decides" % k, x, ["tail"],
                  flags=["tail_block_uses_division", "recip_vs_div"])
    c["verify"]["elements_where_mul_and_div_differ"] = k
    out.append(c)
    # double quantization: >256 blocks so the absmax values span several 256-blocks, one partial
    for shape in [(300, 64), (513, 128), (8, 64)]:
        sid = "x".join(str(d) for d in shape)
        scale = np.exp(rng.normal(0, 0.5, (shape[0], 1))).astype(np.float32)
        out.append(make_case("dq_%s" % sid, "NF4 b64 + double quant (absmax offset by its mean, 8-bit dynamic map, "
                             "blocks of 256) on normal rows with log-normal row scales %s" % (shape,),
                             (g(*shape) * scale).astype(np.float32), ["double_quant"], double_quant=True))
    const = np.full((4, 64), 0.25, np.float32)
    out.append(make_case("dq_equal_absmax_4x64", "double quant where every absmax equals the mean: the 256-block "
                         "scale is 0 and is floored (bitsandbytes would give NaN)", const, ["double_quant", "zero"],
                         double_quant=True, flags=["departure_absmax2_floor"]))
    return out


def write_family(out_root, all_cases):
    fam = os.path.join(out_root, FAMILY)
    fresh_dir(fam)
    entries, verification = [], {}
    map_case = {"id": "dynamic_map", "description": "bitsandbytes' 8-bit dynamic map (signed, 7 exponent bits) "
                "with torch 2.x's serial float32 linspace", "tags": ["codebook"], "flags": ["derived"],
                "inputs": {}, "params": {"entries": 256}, "expected": {"map": DMAP},
                "verify": {"entries_changed_by_torch_1_13_linspace": int(np.count_nonzero(
                    DMAP.view(np.uint32) != DMAP_TORCH113.view(np.uint32)))}}
    for c in [map_case] + all_cases:
        e = {"id": c["id"], "description": c["description"], "tags": c["tags"], "flags": c["flags"],
             "inputs": {}, "params": c["params"], "expected": {}, "tolerance": {}}
        for name, arr in c["inputs"].items():
            e["inputs"][name] = write_ref(fam, c["id"], name, arr)
        for name, arr in c["expected"].items():
            e["expected"][name] = write_ref(fam, c["id"], name, arr)
            e["tolerance"][name] = {"kind": "exact"}
        entries.append(e)
        verification[c["id"]] = c["verify"]
    manifest = {
        "schema_version": 1,
        "family": FAMILY,
        "title": "NF4 block-64 quantization, with and without double quantization - DERIVED",
        "description": __doc__.strip(),
        "producer": {"name": "own torch script (derived reference, bitsandbytes' torch-backend semantics)",
                     "torch": torch.__version__, "numpy": np.__version__,
                     "codebook_source": "bitsandbytes functional.py get_4bit_type('nf4') (as in the shared fixtures)"},
        "generator": "scripts/oracle/gen_nf4_vectors.py",
        "tolerance_conventions": TOLERANCE_CONVENTIONS,
        "cases": entries,
        "semantics_verification": verification,
    }
    dump_manifest(os.path.join(fam, "manifest.json"), manifest)
    return fam


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "vectors"))
    args = ap.parse_args()
    rng = np.random.default_rng(20261129)
    all_cases = cases(rng)
    fam = write_family(args.out, all_cases)
    bad = [(c["id"], c["verify"]) for c in all_cases if c["verify"]["argmin_vs_midpoint_code_mismatches"] != 0]
    tail = [c for c in all_cases if c["id"] == "tail_mul_div_differ"][0]
    if tail["verify"]["elements_where_mul_and_div_differ"] == 0:
        bad.append(("tail_mul_div_differ", "no element separates multiply from divide"))
    print("%s: %d cases, %d bytes" % (fam, len(all_cases) + 1, family_size(fam)))
    for c in all_cases:
        print(" ", c["id"], c["verify"])
    if bad:
        for b in bad:
            print("semantics check failed:", b, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
