#!/usr/bin/python3
"""Generates tests/vectors/float_formats: float32 <-> fp16 / bf16 / FP8 conversions by real producers.

    /usr/bin/python3 scripts/oracle/gen_float_vectors.py [--out tests/vectors]

Producers:
- fp16: numpy `ndarray.astype(np.float16)` (cross-checked with torch `Tensor.half()`).
- bf16: torch `Tensor.bfloat16()` / `.float()` (cross-checked with a numpy model of round-to-nearest-even
  on the low 16 bits).
- FP8 E4M3FN / E5M2: onnxruntime-node (scripts/oracle/package.json, `ONNXRUNTIME_NODE_INSTALL=skip npm ci`)
  running ONNX Cast (opset 21, `saturate` 0 or 1) float32 -> float8 -> float32, and QuantizeLinear +
  DequantizeLinear with a float8 zero point (opset 21). torch 1.13 has no float8 dtypes, so ORT is the
  only producer; its expected values are cross-checked with an independent numpy model (nearest value
  of the format's value table, ties to the even code). The models are built with Debian's onnx 1.12,
  which has no float8 enum names but stores the type numbers (17 = FLOAT8E4M3FN, 19 = FLOAT8E5M2).
- FP4 E2M1: no producer here (torch 1.13 has no float4; ORT 1.30's CPU EP has no Cast kernel for
  float4e2m1), so no vectors: the C++ tests check FP4 against the spec formula.

Every tensor is stored as raw bits (uint32 for float32, uint16 for fp16/bf16), so comparisons are
bit-exact; NaN outputs match any NaN. Deterministic: fixed seeds, ORT with one thread.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_common import (TOLERANCE_CONVENTIONS, dump_manifest, family_size, fresh_dir,  # noqa: E402
                           write_ref)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FAMILY = "float_formats"

torch.set_num_threads(1)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def bits32(a):
    return f32(a).reshape(-1).view(np.uint32).copy()


def from_bits32(b):
    return np.asarray(b, dtype=np.uint32).view(np.float32)


def with_neighbours(x):
    """x, and the float32 values one ulp above and below each (toward +inf and -inf)."""
    x = f32(x)
    return np.concatenate([x, np.nextafter(x, f32(np.inf)), np.nextafter(x, f32(-np.inf))])


def both_signs(x):
    x = f32(x)
    return np.concatenate([x, -x])


def log_uniform(rng, n, lo, hi):
    """n float32 values with |x| = 2^U(lo, hi) and random signs."""
    mag = np.exp2(rng.uniform(lo, hi, n))
    return f32(mag * rng.choice([-1.0, 1.0], n))


# ---- fp16 ---------------------------------------------------------------------------------------

F16_POS_FINITE = np.arange(0, 0x7C00, dtype=np.uint16)  # +0 .. 65504


def f16_value(codes):
    return np.asarray(codes, dtype=np.uint16).view(np.float16).astype(np.float64)


def f16_midpoints(codes):
    """Midpoint between fp16 code c and c + 1 (for 0x7BFF: between 65504 and 2^16, i.e. 65520)."""
    codes = np.asarray(codes, dtype=np.uint16)
    lo = f16_value(codes)
    hi = np.where(codes == 0x7BFF, 65536.0, f16_value(np.minimum(codes + 1, 0x7BFF)))
    mid = (lo + hi) / 2
    assert np.all(f32(mid).astype(np.float64) == mid)  # 12 significant bits: exact in float32
    return f32(mid)


def f16_cases(rng):
    specials_codes = np.array([0x0000, 0x0001, 0x03FE, 0x03FF, 0x0400, 0x3BFF, 0x3C00, 0x7BFE, 0x7BFF], np.uint16)
    tie_codes = np.concatenate([specials_codes, rng.choice(F16_POS_FINITE, 400, replace=False)])
    ties = both_signs(f16_midpoints(tie_codes))
    cases = []
    random = np.concatenate([
        log_uniform(rng, 1000, -26, 17),          # subnormal range through overflow
        f32(rng.normal(0, 1, 500)),
        f32([65504, 65519, 65519.996, 65520, 65536, 1e6, 3.4e38, 2.0 ** -24, 2.0 ** -25, 2.0 ** -26, 1e-45,
             0.0, -0.0, np.inf, -np.inf]),
    ])
    cases.append(("f32_to_f16__random", "log-uniform values from 2^-26 to 2^17 (subnormals, normals, "
                  "overflow), normal(0,1) values, boundaries and ±inf", random, ["round_half_to_even", "subnormal",
                                                                               "overflow_to_inf"]))
    cases.append(("f32_to_f16__ties", "exact midpoints between consecutive fp16 values (409 of them, both signs: "
                  "subnormal/normal boundary, 65520 between 65504 and 2^16) and the float32 values one ulp "
                  "above and below each", with_neighbours(ties), ["round_half_to_even", "subnormal",
                                                                  "overflow_to_inf"]))
    out = []
    for cid, desc, x, flags in cases:
        x = f32(x)
        y = x.astype(np.float16).view(np.uint16)
        y_torch = torch.from_numpy(x.copy()).half().view(torch.int16).numpy().view(np.uint16)
        mism = int(np.count_nonzero(y != y_torch))
        out.append(dict(id=cid, description=desc, tags=["f32_to_f16"], flags=flags,
                        inputs={"x_f32_bits": bits32(x)}, expected={"f16_bits": y},
                        params={"conversion": "float32 -> IEEE binary16, round-to-nearest-even, overflow -> inf, "
                                              "gradual underflow"},
                        verify={"numpy_vs_torch_half_mismatches": mism}))
    return out


# ---- bf16 ---------------------------------------------------------------------------------------

def bf16_numpy_model(x):
    """Round to nearest even on the low 16 bits (finite and inf inputs)."""
    b = bits32(x).astype(np.uint64)
    lsb = (b >> 16) & 1
    return ((b + 0x7FFF + lsb) >> 16).astype(np.uint16)


def torch_bf16_bits(x):
    return torch.from_numpy(f32(x).copy()).bfloat16().view(torch.int16).numpy().view(np.uint16)


def bf16_cases(rng):
    # Ties: the float32 pattern (c << 16) | 0x8000 is exactly halfway between bf16 codes c and c + 1.
    tie_codes = np.concatenate([
        np.array([0x0000, 0x0001, 0x007F, 0x0080, 0x3F7F, 0x3F80, 0x7F7E, 0x7F7F], np.uint32),
        rng.choice(np.arange(0, 0x7F80, dtype=np.uint32), 400, replace=False)])
    ties = both_signs(from_bits32((tie_codes << 16) | 0x8000))
    random_bits = rng.integers(0, 0x7F800000, 1200, dtype=np.uint32) | (
        rng.integers(0, 2, 1200, dtype=np.uint32) << 31)
    random = np.concatenate([from_bits32(random_bits), f32(rng.normal(0, 1, 300)),
                             log_uniform(rng, 300, -149, -120)])  # float32 subnormals and bf16's small normals
    nonfinite = f32([np.inf, -np.inf, 3.4028235e38, -3.4028235e38, from_bits32(0x7F7F7FFF), from_bits32(0x7F7F8000),
                     0.0, -0.0])
    cases = [
        ("f32_to_bf16__random", "uniformly random finite float32 bit patterns (both signs), normal(0,1) values, "
         "values around the float32 subnormal range", random, ["round_half_to_even", "subnormal"]),
        ("f32_to_bf16__ties", "exact midpoints between consecutive bf16 values (408, both signs, including "
         "subnormals and 0x7F7F8000 -> inf) and the float32 values one ulp above and below each",
         with_neighbours(ties), ["round_half_to_even", "subnormal", "overflow_to_inf"]),
        ("f32_to_bf16__overflow_and_inf", "±inf, ±FLT_MAX, the largest value that rounds to 0x7F7F and the tie "
         "that rounds to inf, ±0 (NaN is left out: torch's vectorized path returns 0xFFFF)", nonfinite,
         ["overflow_to_inf"]),
    ]
    out = []
    for cid, desc, x, flags in cases:
        x = f32(x)
        y = torch_bf16_bits(x)
        mism = int(np.count_nonzero(y != bf16_numpy_model(x)))
        out.append(dict(id=cid, description=desc, tags=["f32_to_bf16"], flags=flags,
                        inputs={"x_f32_bits": bits32(x)}, expected={"bf16_bits": y},
                        params={"conversion": "float32 -> bfloat16, round-to-nearest-even on the low 16 bits "
                                              "(torch c10::BFloat16 round_to_nearest_even)"},
                        verify={"torch_vs_numpy_model_mismatches": mism}))
    codes = np.concatenate([np.array([0x0000, 0x8000, 0x0001, 0x807F, 0x7F7F, 0xFF7F, 0x7F80, 0xFF80], np.uint16),
                            rng.integers(0, 0x10000, 1024, dtype=np.uint32).astype(np.uint16)])
    codes = codes[~((codes & 0x7F80) == 0x7F80) | ((codes & 0x7F) == 0)]  # NaN payloads are outside the contract
    y = torch.from_numpy(codes.view(np.int16).copy()).view(torch.bfloat16).float().numpy().view(np.uint32)
    mism = int(np.count_nonzero(y != (codes.astype(np.uint32) << 16)))
    out.append(dict(id="bf16_to_f32__sample", description="random bf16 bit patterns (NaNs left out) and the "
                    "boundary codes, widened by torch .float()", tags=["bf16_to_f32"], flags=[],
                    inputs={"bf16_bits": codes}, expected={"f32_bits": y},
                    params={"conversion": "bfloat16 -> float32 (exact: bits << 16)"},
                    verify={"torch_vs_shift_mismatches": mism}))
    return out


# ---- FP8 ----------------------------------------------------------------------------------------

FP8 = {
    # name: ONNX type number, mantissa bits, emin (1 - bias), largest finite magnitude code, has inf
    "fp8-e4m3": dict(onnx_type=17, onnx_name="FLOAT8E4M3FN", mant=3, emin=-6, max_code=0x7E, has_inf=False),
    "fp8-e5m2": dict(onnx_type=19, onnx_name="FLOAT8E5M2", mant=2, emin=-14, max_code=0x7B, has_inf=True),
}


def fp8_table(spec):
    """Values of the magnitude codes 0 .. max_code + 1 by the spec formula (the last one is the first value
    past the maximum, where an unbounded exponent would put the next code)."""
    m_bits, emin = spec["mant"], spec["emin"]
    vals = []
    for c in range(spec["max_code"] + 2):
        e, m = c >> m_bits, c & ((1 << m_bits) - 1)
        vals.append(m * 2.0 ** (emin - m_bits) if e == 0 else (2 ** m_bits + m) * 2.0 ** (emin + e - 1 - m_bits))
    return np.array(vals)


def fp8_model(x, spec, saturate):
    """Independent model of the OCP conversion: nearest entry of the value table, ties to the even code;
    the entry past the maximum means overflow. Returns the decoded float32 values."""
    x = f32(x).reshape(-1)
    table = fp8_table(spec)
    fmax = table[spec["max_code"]]
    out = np.empty(x.size, np.float32)
    overflow = np.nan if not spec["has_inf"] else np.inf
    for i, v in enumerate(x.astype(np.float64)):
        if np.isnan(v):
            out[i] = np.nan
            continue
        a = abs(v)
        if np.isinf(a):
            r = fmax if saturate else overflow
        else:
            j = int(np.searchsorted(table, a, side="right")) - 1  # table[j] <= a
            if j >= len(table) - 1:
                k = len(table) - 1
            else:
                d_lo, d_hi = a - table[j], table[j + 1] - a
                k = j if d_lo < d_hi else j + 1 if d_hi < d_lo else (j if j % 2 == 0 else j + 1)
            r = table[k] if k <= spec["max_code"] else (fmax if saturate else overflow)
        out[i] = np.copysign(r, v)
    return out


def ort_band(spec_name, saturate, a):
    """Where onnxruntime 1.30's CPU conversion departs from the OCP/IEEE rule (non-saturating mode only)."""
    if saturate:
        return np.zeros(a.shape, bool)
    if spec_name == "fp8-e4m3":
        return (a >= 480) & (a < 496)     # ORT gives ±448; overflow (NaN) is correct
    return (a >= 61440) & (a < 65536)     # ORT gives NaN; rounding to 2^16 is inf


def ort_band_model(spec_name, x):
    """ORT's values inside its band (see ort_band)."""
    return f32(np.copysign(448.0, x)) if spec_name == "fp8-e4m3" else f32(np.full(x.shape, np.nan))


def fp8_inputs(rng, spec_name, spec):
    table = fp8_table(spec)
    values = f32(table[: spec["max_code"] + 1])
    mids = f32((table[:-1] + table[1:]) / 2)
    assert np.all(mids.astype(np.float64) == (table[:-1] + table[1:]) / 2)
    top = table[spec["max_code"] + 1]
    sweep = f32(np.linspace(table[spec["max_code"] - 1], 2 * top, 97))
    specials = f32([0.0, -0.0, np.inf, -np.inf, 3.4028235e38, -3.4028235e38, 1e-45, -1e-45, 2.0 ** -126,
                    from_bits32(0x7FC00000), from_bits32(0xFFC00000), from_bits32(0x7F800001)])
    lo = np.log2(table[1]) - 2
    return np.concatenate([both_signs(values), with_neighbours(both_signs(mids)), both_signs(sweep), specials,
                           log_uniform(rng, 600, lo, np.log2(top) + 2)])


def cast_model(path, spec, saturate):
    n1 = helper.make_node("Cast", ["x"], ["q"], to=spec["onnx_type"], saturate=int(saturate))
    n2 = helper.make_node("Cast", ["q"], ["y"], to=TensorProto.FLOAT)
    g = helper.make_graph([n1, n2], "cast_roundtrip", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])])
    save_model(g, path)


def qdq_model(path, spec, saturate):
    zp = TensorProto()  # onnx 1.12's make_tensor does not know the float8 types: fill the proto directly
    zp.name = "zp"
    zp.data_type = spec["onnx_type"]
    zp.raw_data = b"\x00"
    n1 = helper.make_node("QuantizeLinear", ["x", "scale", "zp"], ["q"], saturate=int(saturate))
    n2 = helper.make_node("DequantizeLinear", ["q", "scale", "zp"], ["y"])
    g = helper.make_graph([n1, n2], "qdq", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"]),
                                            helper.make_tensor_value_info("scale", TensorProto.FLOAT, [])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])], initializer=[zp])
    save_model(g, path)


def save_model(graph, path):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], producer_name="gen_float_vectors.py")
    m.ir_version = 10  # opset 21 needs IR 10; onnx 1.12's checker does not know either, so it is not run
    onnx.save(m, path)


def fp8_plan(rng):
    """Cases to run through ORT: (case dict without expected, run descriptions)."""
    cases = []
    for spec_name, spec in FP8.items():
        x_all = fp8_inputs(rng, spec_name, spec)
        fmax = float(fp8_table(spec)[spec["max_code"]])
        for saturate in (True, False):
            mode = "sat" if saturate else "nonsat"
            band = ort_band(spec_name, saturate, np.abs(x_all.astype(np.float64)))
            base = dict(format=spec_name, saturate=saturate, model="cast_%s_%s.onnx" % (spec_name, mode),
                        params={"op": "Cast float32 -> %s (saturate=%d) -> float32, ONNX opset 21"
                                      % (spec["onnx_name"], int(saturate)), "format": spec_name,
                                "saturate": saturate})
            cases.append(dict(base, id="%s_%s__cast" % (spec_name, mode), x=x_all[~band],
                              tags=["fp8_cast"], description=(
                                  "every value, every midpoint between neighbours (including the one past the "
                                  "maximum) and the float32 values one ulp around it, both signs; a sweep across "
                                  "the overflow threshold; ±0, ±inf, NaN, FLT_MAX, float32 subnormals; random "
                                  "log-uniform values") + ("" if saturate else "; inputs in ORT's band (see the "
                                                                              "__ort_band case) left out")))
            if band.any():
                cases.append(dict(base, id="%s_%s__ort_band" % (spec_name, mode), x=x_all[band], tags=["fp8_cast"],
                                  informational=True, description=(
                                      "inputs where onnxruntime departs from round-to-nearest-even + overflow: "
                                      + ("|x| in [480, 496) gives ±448 instead of NaN" if spec_name == "fp8-e4m3"
                                         else "|x| in [61440, 65536) gives NaN instead of ±inf"))))
        # QuantizeLinear/DequantizeLinear with a scale: y = fl(decode(encode(fl(x / s))) * s).
        x_norm = f32(np.concatenate([rng.normal(0, 1, 480), rng.normal(0, 8, 32)]))
        s_norm = f32(np.max(np.abs(x_norm)) / np.float32(fmax))
        x_sat = f32(rng.standard_t(3, 512))
        s_sat = f32(np.quantile(np.abs(x_sat), 0.5) / np.float32(fmax))  # half the values overflow
        s_tie = f32(0.3)
        table = fp8_table(spec)
        mids = f32((table[:-1] + table[1:]) / 2)
        cand = f32(np.concatenate([both_signs(mids), both_signs(f32(table[1:-1]))]) * s_tie)
        cand = np.unique(with_neighbours(with_neighbours(cand)))  # up to 2 ulps around each
        by_div = fp8_model(f32(cand / s_tie), spec, True)
        by_recip = fp8_model(f32(cand * f32(np.float32(1) / s_tie)), spec, True)
        differ = np.unique(cand[by_div.view(np.uint32) != by_recip.view(np.uint32)])
        x_tie = f32(np.concatenate([differ[:200], f32(mids[: spec["max_code"]] * s_tie)]))
        for saturate in (True, False):
            mode = "sat" if saturate else "nonsat"
            for kind, x, s, desc in [
                ("normal", x_norm, s_norm, "normal(0,1) with a few normal(0,8) values, scale = amax / %g" % fmax),
                ("saturation", x_sat, s_sat, "Student-t(3) values, scale = median|x| / %g: half the values "
                                             "are out of range" % fmax),
                ("div_vs_recip", x_tie, s_tie, "scale 0.3: %d values where x / scale and x * fl(1/scale) round to "
                                               "different codes, and exact midpoints times the scale"
                                               % min(200, differ.size)),
            ]:
                band = ort_band(spec_name, saturate, np.abs(f32(x / s).astype(np.float64)))
                cases.append(dict(
                    id="%s_%s__qdq_%s" % (spec_name, mode, kind), x=x[~band], scale=s, format=spec_name,
                    saturate=saturate, tags=["fp8_qdq"], model="qdq_%s_%s.onnx" % (spec_name, mode),
                    description=desc + ("" if not band.any() else "; %d inputs in ORT's band left out"
                                        % int(band.sum())),
                    params={"op": "QuantizeLinear(x, scale, zero_point=%s 0, saturate=%d) -> DequantizeLinear, "
                                  "ONNX opset 21" % (spec["onnx_name"], int(saturate)), "format": spec_name,
                            "saturate": saturate},
                    cross_checks={"values_where_divide_and_reciprocal_multiply_give_different_codes": int(
                        np.count_nonzero(fp8_model(f32(x / s), spec, saturate).view(np.uint32)
                                         != fp8_model(f32(x * f32(np.float32(1) / s)), spec, saturate)
                                         .view(np.uint32)))}))
    return cases


def run_ort(cases):
    tmp = tempfile.mkdtemp(prefix="float-vectors-")
    try:
        runs = []
        for spec_name, spec in FP8.items():
            for saturate in (True, False):
                mode = "sat" if saturate else "nonsat"
                cast_model(os.path.join(tmp, "cast_%s_%s.onnx" % (spec_name, mode)), spec, saturate)
                qdq_model(os.path.join(tmp, "qdq_%s_%s.onnx" % (spec_name, mode)), spec, saturate)
        for c in cases:
            feeds = {"x": c["id"] + "__x.f32"}
            f32(c["x"]).tofile(os.path.join(tmp, feeds["x"]))
            if "scale" in c:
                feeds["scale"] = c["id"] + "__scale.f32"
                f32([c["scale"]]).tofile(os.path.join(tmp, feeds["scale"]))
            runs.append({"model": c["model"], "feeds": feeds, "output": c["id"] + "__y.f32"})
        plan = os.path.join(tmp, "plan.json")
        with open(plan, "w") as f:
            json.dump({"runs": runs}, f)
        subprocess.run(["node", os.path.join(HERE, "gen_float_vectors_ort.mjs"), plan], check=True, cwd=HERE)
        for c in cases:
            c["y"] = np.fromfile(os.path.join(tmp, c["id"] + "__y.f32"), dtype=np.float32)
        with open(os.path.join(tmp, "ort_producer.json")) as f:
            return json.load(f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def nan_aware_mismatches(a, b):
    a, b = f32(a), f32(b)
    both_nan = np.isnan(a) & np.isnan(b)
    return int(np.count_nonzero((a.view(np.uint32) != b.view(np.uint32)) & ~both_nan))


def fp8_finalize(cases):
    out = []
    for c in cases:
        spec = FP8[c["format"]]
        x, y = f32(c["x"]), f32(c["y"])
        if "scale" in c:
            s = np.float32(c["scale"])
            model = f32(fp8_model(f32(x / s), spec, c["saturate"]) * s)
        else:
            model = fp8_model(x, spec, c["saturate"])
        verify = {"ort_vs_numpy_model_mismatches": nan_aware_mismatches(y, model)}
        if c.get("informational"):
            verify = {"ort_vs_numpy_model_mismatches": verify["ort_vs_numpy_model_mismatches"],
                      "ort_vs_documented_ort_band_mismatches": nan_aware_mismatches(y, ort_band_model(c["format"], x))}
        inputs = {"x_f32_bits": bits32(x)}
        if "scale" in c:
            inputs["scale"] = f32([c["scale"]])
        d = dict(id=c["id"], description=c["description"], tags=c["tags"],
                 flags=["round_half_to_even", "subnormal", "saturation"] + (
                     ["recip_vs_div"] if "div_vs_recip" in c["id"] else []) + (
                     ["informational_only", "producer_bug"] if c.get("informational") else []),
                 inputs=inputs, expected={"y_f32_bits": bits32(y)}, params=c["params"], verify=verify,
                 informational=c.get("informational", False))
        if "cross_checks" in c:
            d["cross_checks"] = c["cross_checks"]
        out.append(d)
    return out


# ---- manifest -----------------------------------------------------------------------------------

def write_family(out_root, cases, ort_producer):
    fam = os.path.join(out_root, FAMILY)
    fresh_dir(fam)
    manifest_cases = []
    verification = {}
    for c in cases:
        entry = {"id": c["id"], "description": c["description"], "tags": c["tags"], "flags": c["flags"],
                 "inputs": {}, "params": c["params"], "expected": {}, "tolerance": {}}
        for name, arr in c["inputs"].items():
            entry["inputs"][name] = write_ref(fam, c["id"], name, arr)
        for name, arr in c["expected"].items():
            entry["expected"][name] = write_ref(fam, c["id"], name, arr)
            tol = {"kind": "informational" if c.get("informational") else "exact"}
            if tol["kind"] == "exact":
                tol["note"] = "bit patterns; a NaN matches any NaN"
            else:
                tol["note"] = "a departure of the producer from the spec, recorded; see the description"
            entry["tolerance"][name] = tol
        if "cross_checks" in c:
            entry["cross_checks"] = c["cross_checks"]
        manifest_cases.append(entry)
        verification[c["id"]] = c["verify"]
    manifest = {
        "schema_version": 1,
        "family": FAMILY,
        "title": "float32 <-> fp16 / bf16 / FP8 E4M3FN / FP8 E5M2 conversions (round-to-nearest-even)",
        "description": "Raw bit patterns (uint32 for float32, uint16 for fp16/bf16). FP8 values are the float32 "
                       "decodes that ORT's float8 -> float32 Cast/DequantizeLinear returns. FP4 E2M1 has no "
                       "producer here (torch 1.13: no float4; ORT 1.30 CPU: no float4e2m1 Cast kernel).",
        "producer": {
            "float16": "numpy %s ndarray.astype(np.float16) (cross-checked with torch Tensor.half())" % np.__version__,
            "bfloat16": "torch %s Tensor.bfloat16() / Tensor.float() (Debian python3-torch 1.13.1+dfsg-4)"
                        % torch.__version__,
            "float8": ort_producer,
            "onnx_models_built_with": "onnx %s (Debian python3-onnx), opset 21, IR 10" % onnx.__version__,
        },
        "generator": "scripts/oracle/gen_float_vectors.py (+ gen_float_vectors_ort.mjs)",
        "tolerance_conventions": TOLERANCE_CONVENTIONS,
        "cases": manifest_cases,
        "skipped": ["FP4 E2M1: no producer available (torch 1.13.1 has no float4 dtype; onnxruntime-node 1.30.0's "
                    "CPU execution provider has no Cast kernel for float4e2m1)",
                    "fp16/bf16 saturating conversions: neither numpy nor torch 1.13 has one"],
        "semantics_verification": verification,
    }
    dump_manifest(os.path.join(fam, "manifest.json"), manifest)
    return fam


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "vectors"))
    args = ap.parse_args()
    rng = np.random.default_rng(20240404)
    cases = f16_cases(rng) + bf16_cases(rng)
    fp8 = fp8_plan(rng)
    producer = run_ort(fp8)
    cases += fp8_finalize(fp8)
    fam = write_family(args.out, cases, producer)
    bad = []
    for c in cases:
        v = c["verify"]
        if c.get("informational"):
            if v["ort_vs_documented_ort_band_mismatches"] != 0 or v["ort_vs_numpy_model_mismatches"] != len(c["inputs"]["x_f32_bits"]):
                bad.append((c["id"], v))
        elif any(n != 0 for n in v.values()):
            bad.append((c["id"], v))
    print("%s: %d cases, %d bytes" % (fam, len(cases), family_size(fam)))
    if bad:
        for b in bad:
            print("semantics check failed:", b, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    with np.errstate(over="ignore", invalid="ignore"):  # casts of inf/NaN/overflowing values are the point
        main()
