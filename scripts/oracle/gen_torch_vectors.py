#!/usr/bin/python3
"""Generates the PyTorch reference-vector families under tests/vectors/:

  torch_bits            per-tensor MinMaxObserver + quantize_per_tensor at 2..8 bits,
                        signed/unsigned x affine/symmetric
  torch_per_channel_nd  PerChannelMinMaxObserver + quantize_per_channel on 3-D/4-D tensors

Run with Debian's interpreter (python3-torch 1.13.1, python3-numpy 1.24.2):

  /usr/bin/python3 scripts/oracle/gen_torch_vectors.py [--out tests/vectors]

Deterministic: every input comes from numpy's default_rng with a fixed seed, torch runs on one
thread. Each family folder is removed and rewritten. A numpy model of the formulas in
shared/fixtures/oracle-sample/README.md re-derives every expected tensor; the mismatch counts go
into the manifest's `semantics_verification` and the script exits non-zero if any is not 0.
"""
import argparse
import os
import platform
import subprocess
import sys

import numpy as np
import torch
from torch.ao.quantization import MinMaxObserver, PerChannelMinMaxObserver

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_common import (TOLERANCE_CONVENTIONS, bits_equal, dump_manifest, family_size,  # noqa: E402
                           fresh_dir, write_ref)

F32 = np.float32
EPS = F32(np.finfo(np.float32).eps)  # 1.1920929e-07, MinMaxObserver's default eps
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


# ----------------------------------------------------------------------------------------------
# producer description

def debian_version(pkg):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                              text=True, check=True).stdout.strip()
    except Exception:  # not a Debian system
        return None


def producer():
    return {
        "name": "PyTorch",
        "torch.__version__": torch.__version__,
        "debian_package": "python3-torch %s" % debian_version("python3-torch"),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "device": "cpu",
        "num_threads": torch.get_num_threads(),
        "quantized_engines_supported": list(torch.backends.quantized.supported_engines),
        "quantized_engine_default": torch.backends.quantized.engine,
        "built_with_fbgemm": "fbgemm" in torch.backends.quantized.supported_engines,
        "machine": platform.machine(),
    }


# ----------------------------------------------------------------------------------------------
# numpy model of the torch formulas (shared fixtures README, families 1 and 2)

def f32(v):
    return F32(v)


def np_qparams(mn_raw, mx_raw, qmin, qmax, symmetric, signed, default_range):
    """MinMaxObserver._calculate_qparams for one channel, in float32."""
    mn = min(f32(mn_raw), f32(0))
    mx = max(f32(mx_raw), f32(0))
    if symmetric:
        amax = max(f32(-mn), mx)
        raw = f32(amax / f32((qmax - qmin) / 2.0))  # true divide by (qmax-qmin)/2, e.g. 127.5
        scale = max(raw, EPS)
        if signed:
            zp = 0
        else:
            zp = 128 if default_range else (qmin + qmax) // 2
    else:
        raw = f32(f32(mx - mn) / f32(qmax - qmin))
        scale = max(raw, EPS)
        zp = qmin - int(np.rint(f32(mn / scale)))
        zp = min(max(zp, qmin), qmax)
    return f32(scale), int(zp), bool(raw < EPS)


def np_quantize(x, scale, zp, qmin, qmax):
    """q = clamp(zp + rint(fl(x * fl(1/scale))), qmin, qmax); also the unclamped value."""
    inv = f32(f32(1.0) / f32(scale))
    v = np.rint((x.astype(F32) * inv).astype(F32)).astype(np.float64) + zp
    return np.clip(v, qmin, qmax).astype(np.int32), v


def np_quantize_div(x, scale, zp, qmin, qmax):
    v = np.rint((x.astype(F32) / f32(scale)).astype(F32)).astype(np.float64) + zp
    return np.clip(v, qmin, qmax).astype(np.int32)


def np_dequant(codes, scale, zp):
    return ((codes.astype(np.int64) - zp).astype(F32) * f32(scale)).astype(F32)


def has_ties(x, scale):
    inv = f32(f32(1.0) / f32(scale))
    p = (x.astype(F32) * inv).astype(F32).astype(np.float64)
    return bool(np.any(np.abs(p - np.floor(p)) == 0.5))


# ----------------------------------------------------------------------------------------------
# torch_bits

def bit_range(bits, signed):
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


def bits_inputs():
    """Inputs shared by every (bits, signed, scheme) config; the tie input is built per config."""
    out = []
    r = np.random.default_rng(101)
    out.append(("normal_17x33", "normal", r.standard_normal((17, 33)).astype(F32)))
    r = np.random.default_rng(102)
    out.append(("uniform_2x3x4x5", "uniform", r.uniform(-1.5, 2.5, (2, 3, 4, 5)).astype(F32)))
    r = np.random.default_rng(103)
    out.append(("skewed_positive_1x64", "skewed", (r.exponential(0.7, (1, 64)) + 0.25).astype(F32)))
    r = np.random.default_rng(104)
    out.append(("negative_only_3x7", "negative", (-r.uniform(0.1, 5.0, (3, 7))).astype(F32)))
    r = np.random.default_rng(105)
    out.append(("tiny_1e-8_3x7", "tiny", r.uniform(-1e-8, 1e-8, (3, 7)).astype(F32)))
    out.append(("zeros_3x7", "zeros", np.zeros((3, 7), dtype=F32)))
    return out


def ties_input(bits, symmetric):
    """Values whose x * (1/scale) are exact .5 ties: the observer's scale is the power of two 1/16."""
    s = 2.0 ** -4
    L = (1 << bits) - 1
    if symmetric:
        # amax = L*s/2, so scale = amax / (L/2) = s and +-amax map to +-(2^(b-1) - 0.5)
        j = np.arange(-(1 << (bits - 1)), 1 << (bits - 1))
        vals = (j + 0.5) * s
    else:
        # mn = -a*s, mx = (L-a)*s, so scale = (mx-mn)/L = s and zp = qmin + a
        a = L // 3
        j = np.arange(-a, L - a)
        vals = np.concatenate([(j + 0.5) * s, [-a * s, (L - a) * s, 0.0, s, -s]])
    return vals.astype(F32).reshape(1, -1)


def torch_per_tensor(x_np, bits, signed, symmetric):
    dtype = torch.qint8 if signed else torch.quint8
    qscheme = torch.per_tensor_symmetric if symmetric else torch.per_tensor_affine
    qmin, qmax = bit_range(bits, signed)
    kw = {} if bits == 8 else {"quant_min": qmin, "quant_max": qmax}
    obs = MinMaxObserver(dtype=dtype, qscheme=qscheme, **kw)
    x = torch.from_numpy(x_np.copy())
    obs(x)
    scale, zp = obs.calculate_qparams()
    q = torch.quantize_per_tensor(x, float(scale), int(zp), dtype)
    codes = torch.clamp(q.int_repr().to(torch.int32), qmin, qmax)
    scale_f32 = scale.to(torch.float32)
    deq = (codes - int(zp)).float() * scale_f32
    # checks against torch's own dequantize
    store_dtype = torch.int8 if signed else torch.uint8
    qt = torch._make_per_tensor_quantized_tensor(codes.to(store_dtype), float(scale), int(zp))
    checks = {
        "dequant_vs_make_per_tensor_quantized_tensor_dequantize": bits_equal(deq.numpy(), qt.dequantize().numpy()),
        "int_repr_vs_unclamped_int_repr": int((q.int_repr().to(torch.int32) != codes).sum()),
    }
    if bits == 8:
        checks["dequant_vs_torch_dequantize"] = bits_equal(deq.numpy(), q.dequantize().numpy())
    fq = torch.fake_quantize_per_tensor_affine(x, float(scale), int(zp), qmin, qmax)
    call = {
        "observer": "MinMaxObserver(dtype=%s, qscheme=%s%s)" % (
            dtype, qscheme, "" if bits == 8 else ", quant_min=%d, quant_max=%d" % (qmin, qmax)),
        "observer_quant_range": [int(obs.quant_min), int(obs.quant_max)],
        "zero_point_dtype_returned": str(zp.dtype),
    }
    return {
        "scale": scale.numpy().astype(F32).reshape(1),
        "zero_point": zp.numpy().astype(np.int64).reshape(1),
        "int_repr": codes.numpy().astype(np.int32),
        "dequant": deq.numpy().astype(F32),
        "fake_quant": fq.numpy().astype(F32),
        "observer_min": float(obs.min_val),
        "observer_max": float(obs.max_val),
    }, checks, call


def gen_torch_bits(out_root):
    fam = "torch_bits"
    fdir = os.path.join(out_root, fam)
    fresh_dir(fdir)
    cases = []
    ver = {"cases": 0, "elements": 0, "qparam_mismatch": 0, "int_repr_mismatch": 0,
           "dequant_bit_mismatch": 0,
           "dequant_vs_torch_dequantize_mismatch_b8": 0,
           "dequant_vs_make_per_tensor_quantized_tensor_dequantize_mismatch": 0,
           "div_instead_of_recip_mismatch": 0,
           "fake_quantize_per_tensor_affine_dequant_differences": 0,
           "cases_where_fake_quantize_differs": 0,
           "tie_elements_with_odd_zero_point": 0,
           "elements_changed_by_clamp_to_quant_range": 0}
    shared_inputs = bits_inputs()
    for bits in range(2, 9):
        for signed in (True, False):
            for symmetric in (False, True):
                scheme = "symmetric" if symmetric else "affine"
                qmin, qmax = bit_range(bits, signed)
                cfg = "b%d_%s_%s" % (bits, "signed" if signed else "unsigned", scheme)
                inputs = list(shared_inputs)
                inputs.append(("ties_1x%d" % ties_input(bits, symmetric).size, "ties",
                               ties_input(bits, symmetric)))
                for name, kind, x in inputs:
                    cid = "%s__%s" % (cfg, name)
                    res, checks, call = torch_per_tensor(x, bits, signed, symmetric)
                    # numpy model
                    scale, zp, clamped = np_qparams(x.min(), x.max(), qmin, qmax, symmetric, signed, bits == 8)
                    codes, unclamped = np_quantize(x, scale, zp, qmin, qmax)
                    deq = np_dequant(codes, scale, zp)
                    div_codes = np_quantize_div(x, scale, zp, qmin, qmax)
                    qmis = int(bits_equal(res["scale"], [scale]) != 0 or int(res["zero_point"][0]) != zp)
                    imis = int(np.count_nonzero(codes != res["int_repr"]))
                    dmis = bits_equal(deq, res["dequant"])
                    dvd = int(np.count_nonzero(div_codes != res["int_repr"]))
                    fqd = bits_equal(res["fake_quant"], res["dequant"])
                    ver["cases"] += 1
                    ver["elements"] += int(x.size)
                    ver["qparam_mismatch"] += qmis
                    ver["int_repr_mismatch"] += imis
                    ver["dequant_bit_mismatch"] += dmis
                    ver["dequant_vs_torch_dequantize_mismatch_b8"] += checks.get("dequant_vs_torch_dequantize", 0)
                    ver["dequant_vs_make_per_tensor_quantized_tensor_dequantize_mismatch"] += \
                        checks["dequant_vs_make_per_tensor_quantized_tensor_dequantize"]
                    ver["div_instead_of_recip_mismatch"] += dvd
                    ver["elements_changed_by_clamp_to_quant_range"] += checks["int_repr_vs_unclamped_int_repr"]
                    ver["fake_quantize_per_tensor_affine_dequant_differences"] += fqd
                    ver["cases_where_fake_quantize_differs"] += int(fqd > 0)
                    if zp % 2:
                        inv = f32(f32(1.0) / scale)
                        p = (x * inv).astype(F32).astype(np.float64)
                        ver["tie_elements_with_odd_zero_point"] += int(np.count_nonzero(np.abs(p - np.floor(p)) == 0.5))
                    flags = []
                    if has_ties(x, scale):
                        flags.append("round_half_to_even")
                    if np.any((unclamped < qmin) | (unclamped > qmax)):
                        flags.append("saturation")
                    if clamped:
                        flags.append("scale_clamped_to_eps")
                    if dvd:
                        flags.append("recip_vs_div")
                    case = {
                        "id": cid,
                        "description": "%d-bit %s %s per-tensor (MinMaxObserver%s) on input %s %s" % (
                            bits, "signed" if signed else "unsigned", scheme,
                            "" if bits == 8 else " quant_min=%d quant_max=%d" % (qmin, qmax),
                            name, list(x.shape)),
                        "tags": ["bits%d" % bits, "signed" if signed else "unsigned", scheme, kind],
                        "flags": flags,
                        "inputs": {"x": write_ref(fdir, cid, "x", x)},
                        "params": {"mode": "pytorch", "bits": bits, "signed": signed, "scheme": scheme,
                                   "axis": None, "quant_min": qmin, "quant_max": qmax},
                        "expected": {
                            "scale": write_ref(fdir, cid, "scale", res["scale"]),
                            "zero_point": write_ref(fdir, cid, "zero_point", res["zero_point"]),
                            "int_repr": write_ref(fdir, cid, "int_repr", res["int_repr"]),
                            "dequant": write_ref(fdir, cid, "dequant", res["dequant"]),
                        },
                        "tolerance": {k: {"kind": "exact"} for k in ("scale", "zero_point", "int_repr", "dequant")},
                        "torch_call": call,
                        "cross_checks": {
                            "observer_min_val": res["observer_min"],
                            "observer_max_val": res["observer_max"],
                            "elements_differing_if_x_divided_by_scale": dvd,
                            "dequant_elements_differing_from_fake_quantize_per_tensor_affine": fqd,
                            "elements_changed_by_clamp_to_quant_range": checks["int_repr_vs_unclamped_int_repr"],
                        },
                    }
                    if symmetric and not signed and bits < 8:
                        case["notes"] = ("unsigned symmetric with a custom range: zero_point = (quant_min + quant_max) // 2 "
                                         "= %d, so the negative side saturates first (-amax maps to %d - %d)" % (
                                             zp, zp, 1 << (bits - 1)))
                    cases.append(case)
    manifest = {
        "schema_version": 1,
        "family": fam,
        "title": "PyTorch per-tensor quantization at 2..8 bits (MinMaxObserver + quantize_per_tensor + clamp)",
        "description": (
            "For bits b: signed quant range [-2^(b-1), 2^(b-1)-1] (torch.qint8), unsigned [0, 2^b-1] (torch.quint8). "
            "observer = MinMaxObserver(dtype, qscheme=per_tensor_affine|per_tensor_symmetric, quant_min, quant_max) "
            "for b < 8; for b = 8 no quant_min/quant_max are passed (the default range, so unsigned symmetric "
            "zero_point is 128, not 127). (scale, zero_point) = observer.calculate_qparams(); "
            "int_repr = clamp(quantize_per_tensor(x, float(scale), int(zero_point), dtype).int_repr().int32, qmin, qmax); "
            "dequant = (int_repr - zero_point).float() * scale in float32 (equal to torch.dequantize at b = 8, "
            "and to _make_per_tensor_quantized_tensor(int_repr, scale, zp).dequantize() at every b)."),
        "producer": producer(),
        "generator": {
            "script": "scripts/oracle/gen_torch_vectors.py",
            "command": "/usr/bin/python3 scripts/oracle/gen_torch_vectors.py",
            "seeds": "numpy.random.default_rng(101..105) per input; tie inputs are constructed, not random",
        },
        "tolerance_conventions": TOLERANCE_CONVENTIONS,
        "notes": [
            "torch.fake_quantize_per_tensor_affine is documented (and implemented in some kernels and versions) as "
            "clamp(rint(x * inv_scale + zero_point)) - adding the zero point before rounding - which differs from "
            "quantize_per_tensor on exact .5 ties with an odd zero point (and rarely elsewhere). These vectors follow "
            "quantize_per_tensor, which rounds first and adds the zero point after. Measured here: Debian's 1.13.1 CPU "
            "fake_quantize_per_tensor_affine rounds first too, so cross_checks show 0 differing dequant elements, "
            "including the tie cases with an odd zero point (semantics_verification.tie_elements_with_odd_zero_point).",
            "Quantize is a float32 reciprocal multiply rint(x * fl(1/scale)), not a divide; "
            "cross_checks.elements_differing_if_x_divided_by_scale counts where a divide would differ.",
            "Symmetric scale = max(-min, max) / ((quant_max - quant_min) / 2), a float32 true divide (1.5, 3.5, ..., 127.5).",
            "For b < 8 the codes come from quantize_per_tensor in the 8-bit dtype, then torch.clamp to [quant_min, quant_max].",
            "observer_min_val/observer_max_val are recorded in cross_checks only (not expected tensors); "
            "torch_call names the observer each case built.",
        ],
        "cases": cases,
        "semantics_verification": ver,
    }
    dump_manifest(os.path.join(fdir, "manifest.json"), manifest)
    return fam, fdir, ver


# ----------------------------------------------------------------------------------------------
# torch_per_channel_nd

def pc_inputs():
    """(name, kind, x, axis, note) for per-channel cases."""
    out = []
    # 4-D [2,3,4,5], one input per axis
    r = np.random.default_rng(201)
    x = r.standard_normal((2, 3, 4, 5)).astype(F32)
    x[1] = 0.0
    out.append(("nd4_zero_channel_2x3x4x5", "zero_channel", x, 0, "channel 1 of axis 0 is all zero"))
    r = np.random.default_rng(202)
    x = r.standard_normal((2, 3, 4, 5)).astype(F32)
    x[:, 0] *= F32(1e-3)
    x[:, 1] = np.abs(x[:, 1]) + F32(0.5)
    x[:, 2] = -np.abs(x[:, 2]) * F32(100.0)
    out.append(("nd4_mixed_channels_2x3x4x5", "mixed", x.astype(F32), 1,
                "channels: 1e-3 scale, positive-only, negative-only x100"))
    r = np.random.default_rng(203)
    x = r.standard_normal((2, 3, 4, 5)).astype(F32) * np.array([0.1, 1.0, 1.0, 10.0], F32).reshape(1, 1, 4, 1)
    x[:, :, 2, :] = 0.0
    out.append(("nd4_zero_channel_2x3x4x5", "zero_channel", x.astype(F32), 2, "channel 2 of axis 2 is all zero"))
    r = np.random.default_rng(204)
    x = r.uniform(-1.0, 3.0, (2, 3, 4, 5)).astype(F32)
    x[..., 1] = F32(0.75)
    x[..., 3] = r.uniform(-1e-8, 1e-8, (2, 3, 4)).astype(F32)
    out.append(("nd4_const_tiny_channels_2x3x4x5", "const_tiny", x, 3,
                "channel 1 of axis 3 is the constant 0.75, channel 3 has a 1e-8 range (eps-clamped scale)"))
    # 3-D [4,6,5]
    r = np.random.default_rng(205)
    x = r.standard_normal((4, 6, 5)).astype(F32) * np.array([1, 2, 0.5, 1, 4, 0.25], F32).reshape(1, 6, 1)
    x[:, 3, :] = 0.0
    out.append(("nd3_zero_channel_4x6x5", "zero_channel", x.astype(F32), 1, "channel 3 of axis 1 is all zero"))
    r = np.random.default_rng(206)
    x = r.standard_normal((4, 6, 5)).astype(F32) * np.array([0.01, 0.1, 1, 10, 100], F32).reshape(1, 1, 5)
    out.append(("nd3_scaled_channels_4x6x5", "scaled", x.astype(F32), 2, "channel magnitudes 0.01..100"))
    # conv weight [8,3,3,3], axis 0
    r = np.random.default_rng(207)
    x = (r.uniform(-1, 1, (8, 3, 3, 3)) / np.sqrt(27)).astype(F32)
    out.append(("conv_weight_8x3x3x3", "conv", x, 0, "kaiming-like uniform conv weight"))
    x = x.copy()
    x[5] = 0.0
    x[2] = np.abs(x[2])
    out.append(("conv_weight_zero_filter_8x3x3x3", "conv", x, 0,
                "filter 5 all zero, filter 2 positive-only"))
    return out


def np_per_channel(x, axis, qmin, qmax, symmetric, signed):
    xt = np.moveaxis(x, axis, 0)
    C = xt.shape[0]
    rows = xt.reshape(C, -1)
    scales = np.zeros(C, F32)
    zps = np.zeros(C, np.int64)
    codes = np.zeros_like(rows, dtype=np.int32)
    deq = np.zeros_like(rows, dtype=F32)
    div_codes = np.zeros_like(rows, dtype=np.int32)
    clamped_any = sat = ties = False
    for c in range(C):
        s, z, cl = np_qparams(rows[c].min(), rows[c].max(), qmin, qmax, symmetric, signed, True)
        scales[c], zps[c] = s, z
        codes[c], unc = np_quantize(rows[c], s, z, qmin, qmax)
        deq[c] = np_dequant(codes[c], s, z)
        div_codes[c] = np_quantize_div(rows[c], s, z, qmin, qmax)
        clamped_any |= cl
        sat |= bool(np.any((unc < qmin) | (unc > qmax)))
        ties |= has_ties(rows[c], s)

    def back(a):
        return np.moveaxis(a.reshape(xt.shape), 0, axis)
    return scales, zps, back(codes), back(deq), back(div_codes), clamped_any, sat, ties


def gen_torch_per_channel_nd(out_root):
    fam = "torch_per_channel_nd"
    fdir = os.path.join(out_root, fam)
    fresh_dir(fdir)
    cases = []
    ver = {"cases": 0, "elements": 0, "qparam_mismatch": 0, "int_repr_mismatch": 0,
           "dequant_bit_mismatch": 0, "dequant_formula_vs_torch_dequantize_mismatch": 0,
           "div_instead_of_recip_mismatch": 0}
    for name, kind, x, axis, note in pc_inputs():
        for signed in (True, False):
            for symmetric in (True, False):
                scheme = "symmetric" if symmetric else "affine"
                dtype = torch.qint8 if signed else torch.quint8
                qscheme = torch.per_channel_symmetric if symmetric else torch.per_channel_affine
                qmin, qmax = bit_range(8, signed)
                cid = "%s_%s_axis%d__%s" % ("qint8" if signed else "quint8", scheme, axis, name)
                obs = PerChannelMinMaxObserver(ch_axis=axis, dtype=dtype, qscheme=qscheme)
                xt = torch.from_numpy(x.copy())
                obs(xt)
                scales, zps = obs.calculate_qparams()
                q = torch.quantize_per_channel(xt, scales, zps, axis, dtype)
                codes = q.int_repr().to(torch.int32)
                deq_t = q.dequantize()
                bshape = [1] * x.ndim
                bshape[axis] = -1
                deq_f = (codes - zps.to(torch.int64).view(bshape)).float() * scales.to(torch.float32).view(bshape)
                res_scales = scales.numpy().astype(F32)
                res_zps = zps.numpy().astype(np.int64)
                res_codes = codes.numpy().astype(np.int32)
                res_deq = deq_t.numpy().astype(F32)
                n_s, n_z, n_codes, n_deq, n_div, clamped, sat, ties = np_per_channel(
                    x, axis, qmin, qmax, symmetric, signed)
                qmis = bits_equal(res_scales, n_s) + int(np.count_nonzero(res_zps != n_z))
                imis = int(np.count_nonzero(n_codes != res_codes))
                dmis = bits_equal(n_deq, res_deq)
                fmis = bits_equal(deq_f.numpy(), res_deq)
                dvd = int(np.count_nonzero(n_div != res_codes))
                ver["cases"] += 1
                ver["elements"] += int(x.size)
                ver["qparam_mismatch"] += qmis
                ver["int_repr_mismatch"] += imis
                ver["dequant_bit_mismatch"] += dmis
                ver["dequant_formula_vs_torch_dequantize_mismatch"] += fmis
                ver["div_instead_of_recip_mismatch"] += dvd
                flags = []
                if ties:
                    flags.append("round_half_to_even")
                if sat:
                    flags.append("saturation")
                if clamped:
                    flags.append("scale_clamped_to_eps")
                if dvd:
                    flags.append("recip_vs_div")
                cases.append({
                    "id": cid,
                    "description": "per_channel_%s %s, ch_axis=%d, input %s %s (%s)" % (
                        scheme, "qint8" if signed else "quint8", axis, name, list(x.shape), note),
                    "tags": [scheme, "signed" if signed else "unsigned", "axis%d" % axis, "%dd" % x.ndim, kind],
                    "flags": flags,
                    "inputs": {"x": write_ref(fdir, cid, "x", x)},
                    "params": {"mode": "pytorch", "bits": 8, "signed": signed, "scheme": scheme, "axis": axis,
                               "quant_min": qmin, "quant_max": qmax},
                    "expected": {
                        "scales": write_ref(fdir, cid, "scales", res_scales),
                        "zero_points": write_ref(fdir, cid, "zero_points", res_zps),
                        "int_repr": write_ref(fdir, cid, "int_repr", res_codes),
                        "dequant": write_ref(fdir, cid, "dequant", res_deq),
                    },
                    "tolerance": {k: {"kind": "exact"} for k in ("scales", "zero_points", "int_repr", "dequant")},
                    "torch_call": {
                        "observer": "PerChannelMinMaxObserver(ch_axis=%d, dtype=%s, qscheme=%s)" % (
                            axis, dtype, qscheme),
                        "zero_points_dtype_returned": str(zps.dtype),
                    },
                    "cross_checks": {
                        "observer_min_val": [float(v) for v in obs.min_val],
                        "observer_max_val": [float(v) for v in obs.max_val],
                        "elements_differing_if_x_divided_by_scale": dvd,
                    },
                })
    manifest = {
        "schema_version": 1,
        "family": fam,
        "title": "PyTorch per-channel quantization on 3-D/4-D tensors (PerChannelMinMaxObserver + quantize_per_channel)",
        "description": (
            "observer = PerChannelMinMaxObserver(ch_axis=axis, dtype=qint8|quint8, "
            "qscheme=per_channel_affine|per_channel_symmetric, reduce_range=False); observer(x); "
            "(scales, zero_points) = observer.calculate_qparams(); q = torch.quantize_per_channel(x, scales, "
            "zero_points, axis, dtype); expected int_repr = q.int_repr() (stored as int32), dequant = q.dequantize(), "
            "scales float32 [C], zero_points int64 [C]. The formulas are those of torch_bits at 8 bits, per channel."),
        "producer": producer(),
        "generator": {
            "script": "scripts/oracle/gen_torch_vectors.py",
            "command": "/usr/bin/python3 scripts/oracle/gen_torch_vectors.py",
            "seeds": "numpy.random.default_rng(201..207) per input",
        },
        "tolerance_conventions": TOLERANCE_CONVENTIONS,
        "notes": [
            "calculate_qparams returns zero_points as int32 for per_channel_affine and int64 for "
            "per_channel_symmetric; stored as int64.",
            "quint8 per_channel_symmetric uses zero_point 128 (default range).",
            "An all-zero channel gets scale = eps (1.1920929e-07) and zero_point = quant_min (affine) or 0/128 (symmetric).",
            "int_repr is stored as int32 for every dtype, like torch_bits.",
        ],
        "cases": cases,
        "semantics_verification": ver,
    }
    dump_manifest(os.path.join(fdir, "manifest.json"), manifest)
    return fam, fdir, ver


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "vectors"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    bad = False
    for gen in (gen_torch_bits, gen_torch_per_channel_nd):
        fam, fdir, ver = gen(args.out)
        keys = [k for k in ver if k.endswith("mismatch") or k.endswith("mismatch_b8")]
        keys = [k for k in keys if not k.startswith("div_instead")]
        fails = {k: ver[k] for k in keys if ver[k]}
        print("%-22s %4d cases %8d bytes  %s" % (fam, ver["cases"], family_size(fdir), ver))
        if fails:
            print("  MISMATCH:", fails, file=sys.stderr)
            bad = True
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
