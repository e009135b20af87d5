#!/usr/bin/python3
"""Python half of the onnx_ort_more generator (driven by gen_onnx_vectors.mjs; not run by hand).

  build     writes the single-node models (python3-onnx, opset 13, IR 7) under <family>/models/,
            the input tensors of every case, and a JSON plan of the cases for the node runner
  finalize  reads the raw ONNX Runtime outputs the runner wrote, stores them as .npy, re-derives
            every expected output with a numpy model of the ONNX Runtime formulas (true divide,
            ties to even, DynamicQuantizeLinear scale 1.0 on an all-zero input), and writes
            manifest.json with the mismatch counts in `semantics_verification`

Inputs are deterministic: numpy default_rng with fixed seeds, or constructed values.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_common import (TOLERANCE_CONVENTIONS, bits_equal, dump_manifest, family_size,  # noqa: E402
                           fresh_dir, ref_of, save_npy)

F32 = np.float32
OPSET = 13
IR_VERSION = 7
RANGES = {"u8": (0, 255, np.uint8, TensorProto.UINT8), "i8": (-128, 127, np.int8, TensorProto.INT8)}


# ----------------------------------------------------------------------------------------------
# models

def model_name(op, dt=None, axis=None, rank=2):
    """e.g. quantize_linear_u8, dequantize_linear_i8_axis1, quantize_linear_u8_axis1_3d,
    dynamic_quantize_linear_4d. Rank-2 models carry no rank suffix."""
    base = op if op == "dynamic_quantize_linear" else "%s_%s%s" % (op, dt, "" if axis is None else "_axis%d" % axis)
    return base if rank == 2 else "%s_%dd" % (base, rank)


def build_model(op, dt, axis, rank):
    """One-node model; x and y have `rank` symbolic dims (onnx's checker wants shapes on graph inputs
    and outputs), scale/zero_point are scalars or [C]."""
    name = model_name(op, dt, axis, rank)
    dims = ["d%d" % i for i in range(rank)]
    if op == "dynamic_quantize_linear":
        node = helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "y_scale", "y_zero_point"])
        ins = [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)]
        outs = [helper.make_tensor_value_info("y", TensorProto.UINT8, dims),
                helper.make_tensor_value_info("y_scale", TensorProto.FLOAT, []),
                helper.make_tensor_value_info("y_zero_point", TensorProto.UINT8, [])]
        inputs, outputs = ["x"], ["y", "y_scale", "y_zero_point"]
    else:
        qtype = RANGES[dt][3]
        pshape = [] if axis is None else [dims[axis]]
        attrs = {} if axis is None else {"axis": axis}
        if op == "quantize_linear":
            node = helper.make_node("QuantizeLinear", ["x", "scale", "zero_point"], ["y"], **attrs)
            xtype, ytype = TensorProto.FLOAT, qtype
        else:
            node = helper.make_node("DequantizeLinear", ["x", "scale", "zero_point"], ["y"], **attrs)
            xtype, ytype = qtype, TensorProto.FLOAT
        ins = [helper.make_tensor_value_info("x", xtype, dims),
               helper.make_tensor_value_info("scale", TensorProto.FLOAT, pshape),
               helper.make_tensor_value_info("zero_point", qtype, pshape)]
        outs = [helper.make_tensor_value_info("y", ytype, dims)]
        inputs, outputs = ["x", "scale", "zero_point"], ["y"]
    graph = helper.make_graph([node], name, ins, outs)
    model = helper.make_model(graph, producer_name="quantization-playground scripts/oracle",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return name, model, {"opset": OPSET, "ir_version": IR_VERSION, "op_types": [node.op_type],
                         "axis": axis, "rank": rank, "inputs": inputs, "outputs": outputs}


# ----------------------------------------------------------------------------------------------
# qparams "chosen from the data's min/max"

def minmax_qparams(x, dt, symmetric=False):
    """float32 (scale, zero_point) covering [min(x,0), max(x,0)]; scale 1.0 for an all-zero range."""
    qmin, qmax, _, _ = RANGES[dt]
    mn = min(F32(x.min()), F32(0))
    mx = max(F32(x.max()), F32(0))
    if symmetric:
        amax = max(F32(-mn), mx)
        scale = F32(amax / F32(127))
        zp = 0 if dt == "i8" else 128
    else:
        scale = F32(F32(mx - mn) / F32(qmax - qmin))
        zp = None
    if scale == 0:
        scale = F32(1.0)
    if zp is None:
        zp = int(np.clip(np.rint(F32(F32(qmin) - F32(mn / scale))), qmin, qmax))
    return scale, zp


def per_axis_qparams(x, axis, dt):
    xt = np.moveaxis(x, axis, 0).reshape(x.shape[axis], -1)
    sc, zp = zip(*(minmax_qparams(row, dt) for row in xt))
    return np.array(sc, F32), np.array(zp, RANGES[dt][2])


def bshape(x, axis):
    s = [1] * x.ndim
    s[axis] = -1
    return s


# ----------------------------------------------------------------------------------------------
# numpy model of ONNX Runtime (shared fixtures README, family 4)

def np_quantize_linear(x, scale, zp, dt, axis, recip=False):
    qmin, qmax, _, _ = RANGES[dt]
    if axis is not None:
        scale = scale.reshape(bshape(x, axis))
        zp = zp.reshape(bshape(x, axis))
    v = (x * (F32(1) / scale).astype(F32)) if recip else (x / scale)
    v = np.rint(v.astype(F32)).astype(np.float64) + zp.astype(np.float64)
    return np.clip(v, qmin, qmax), v


def np_dequantize_linear(x, scale, zp, axis):
    if axis is not None:
        scale = scale.reshape(bshape(x, axis))
        zp = zp.reshape(bshape(x, axis))
    return ((x.astype(np.int32) - zp.astype(np.int32)).astype(F32) * scale).astype(F32)


def np_dynamic_quantize_linear(x, recip=False):
    mn = min(F32(x.min()), F32(0))
    mx = max(F32(x.max()), F32(0))
    if mx == mn:
        return np.zeros(x.shape, np.uint8), F32(1.0), 0, None
    scale = F32(F32(mx - mn) / F32(255))
    zp = int(np.clip(np.rint(F32(F32(0) - F32(mn / scale))), 0, 255))
    v = (x * F32(F32(1) / scale)) if recip else (x / scale)
    v = np.rint(v.astype(F32)).astype(np.float64) + zp
    return np.clip(v, 0, 255).astype(np.uint8), scale, zp, v


def has_ties(q_float):
    return bool(np.any(np.abs(q_float - np.floor(q_float)) == 0.5))


# ----------------------------------------------------------------------------------------------
# inputs

def rng(seed):
    return np.random.default_rng(seed)


def dyn_inputs():
    s = 2.0 ** -5
    a = 100
    ties = np.concatenate([(np.arange(-a, 255 - a) + 0.5) * s, [-a * s, (255 - a) * s]]).astype(F32)
    return [
        ("normal_17x33", "normal", rng(301).standard_normal((17, 33)).astype(F32)),
        ("uniform_1x1000", "uniform", rng(302).uniform(-0.7, 2.3, (1, 1000)).astype(F32)),
        ("positive_only_3x7", "positive", rng(303).uniform(0.2, 4.0, (3, 7)).astype(F32)),
        ("negative_only_3x7", "negative", (-rng(304).uniform(0.2, 4.0, (3, 7))).astype(F32)),
        ("zeros_3x7", "zeros", np.zeros((3, 7), F32)),
        ("const_pos_3x7", "const", np.full((3, 7), 0.7, F32)),
        ("const_neg_2x5", "const", np.full((2, 5), -2.5, F32)),
        ("tiny_1e-8_3x7", "tiny", rng(305).uniform(-1e-8, 1e-8, (3, 7)).astype(F32)),
        ("huge_1e6_4x16", "huge", rng(306).uniform(-1e6, 3e6, (4, 16)).astype(F32)),
        ("ties_1x%d" % ties.size, "ties", ties.reshape(1, -1)),
        ("single_pos_1x1", "single", np.array([[3.0]], F32)),
        ("single_neg_1x1", "single", np.array([[-0.37]], F32)),
        ("normal_2x3x4x5", "normal", rng(307).standard_normal((2, 3, 4, 5)).astype(F32)),
    ]


def recip_div_input(scale, zp, dt, n, seed):
    """Values for which rint(x / scale) and rint(x * fl(1/scale)) differ (x / scale within 2 ulp of a
    .5 tie), inside the code range so that the clamp does not hide the difference."""
    qmin, qmax, _, _ = RANGES[dt]
    r = rng(seed)
    inv = F32(F32(1) / scale)
    found = []
    while len(found) < n:
        k = r.integers(qmin - zp + 1, qmax - zp - 1, 4096).astype(np.float64) + 0.5
        up = down = (k * np.float64(scale)).astype(F32)
        cands = [up]
        for _ in range(2):
            up = np.nextafter(up, F32(np.inf))
            down = np.nextafter(down, F32(-np.inf))
            cands += [up, down]
        x = np.concatenate(cands)
        differ = np.rint((x / scale).astype(F32)) != np.rint((x * inv).astype(F32))
        for v in x[differ].tolist():
            if v not in found:
                found.append(v)
    return np.array(found[:n], F32).reshape(1, n)


# ----------------------------------------------------------------------------------------------
# build

def build(fdir, plan_path):
    fresh_dir(fdir)
    os.makedirs(os.path.join(fdir, "models"))
    models = {}

    def model(op, dt=None, axis=None, rank=2):
        name = model_name(op, dt, axis, rank)
        if name not in models:
            _, m, info = build_model(op, dt, axis, rank)
            path = "models/%s.onnx" % name
            onnx.save(m, os.path.join(fdir, path))
            info["file"] = path
            models[name] = info
        return models[name]["file"]

    cases = []

    def add(cid, desc, tags, mpath, axis, inputs, notes=None):
        refs = {}
        for k, arr in inputs.items():
            file = "%s/%s.npy" % (cid, k)
            save_npy(os.path.join(fdir, file), arr)
            refs[k] = ref_of(arr, file)
        c = {"id": cid, "description": desc, "tags": tags, "inputs": refs,
             "params": {"model": mpath, "axis": axis}}
        if notes:
            c["notes"] = notes
        cases.append(c)

    # DynamicQuantizeLinear
    for name, kind, x in dyn_inputs():
        add("dynql__" + name, "DynamicQuantizeLinear on input %s %s" % (name, list(x.shape)),
            ["dynamic_quantize_linear", kind], model("dynamic_quantize_linear", rank=x.ndim), None, {"x": x})

    # DynamicQuantizeLinear on values where x / scale and x * fl(1/scale) round differently; the first two
    # elements pin min/max (and so scale and zero point)
    ends = np.array([-2.3, 4.9], F32)
    _, s_dyn, z_dyn, _ = np_dynamic_quantize_linear(ends)
    x = np.concatenate([ends.reshape(1, 2), recip_div_input(s_dyn, z_dyn, "u8", 48, 308)], axis=1)
    add("dynql__recip_vs_div_1x50", "DynamicQuantizeLinear on values where x/scale and x*(1/scale) round "
        "differently (min -2.3 and max 4.9 set the scale)", ["dynamic_quantize_linear", "recip_vs_div"],
        model("dynamic_quantize_linear"), None, {"x": x})

    for dt in ("u8", "i8"):
        qmin, qmax, npdt, _ = RANGES[dt]
        # QuantizeLinear, per tensor
        per_tensor = [
            ("normal_17x33", "normal", rng(401).standard_normal((17, 33)).astype(F32), "minmax", None),
            ("uniform_2x3x4x5", "uniform", rng(402).uniform(-1.5, 2.5, (2, 3, 4, 5)).astype(F32), "minmax", None),
            ("skewed_positive_1x64", "skewed", (rng(403).exponential(0.7, (1, 64)) + 0.25).astype(F32), "minmax", None),
            ("symmetric_normal_3x7", "symmetric", rng(404).standard_normal((3, 7)).astype(F32), "symmetric",
             "scale = amax / 127, zero_point %d" % (0 if dt == "i8" else 128)),
            ("saturation_normal_3x7", "saturation", rng(405).standard_normal((3, 7)).astype(F32) * F32(3), "inner",
             "scale/zero_point from min/max of the inner 50% of the values, so the tails saturate"),
        ]
        for name, kind, x, how, note in per_tensor:
            if how == "symmetric":
                s, z = minmax_qparams(x, dt, symmetric=True)
            elif how == "inner":
                lo, hi = np.quantile(x, [0.25, 0.75])
                s, z = minmax_qparams(np.array([lo, hi], F32), dt)
            else:
                s, z = minmax_qparams(x, dt)
            add("ql_%s__%s" % (dt, name), "QuantizeLinear %s per-tensor, qparams from %s, input %s %s" % (
                dt, how, name, list(x.shape)), ["quantize_linear_" + dt, kind], model("quantize_linear", dt, rank=x.ndim),
                None, {"x": x, "scale": np.array(s, F32), "zero_point": np.array(z, npdt)}, note)
        # ties: data min/max give scale 2^-3 exactly; x / scale = k + 0.5
        s = 2.0 ** -3
        a = 60
        x = np.concatenate([(np.arange(-a, 255 - a) + 0.5) * s, [-a * s, (255 - a) * s]]).astype(F32).reshape(1, -1)
        sc, z = minmax_qparams(x, dt)
        assert sc == F32(s)
        add("ql_%s__ties_1x%d" % (dt, x.size), "QuantizeLinear %s per-tensor on exact .5 ties (scale %g, zero_point %d)"
            % (dt, s, z), ["quantize_linear_" + dt, "ties"], model("quantize_linear", dt), None,
            {"x": x, "scale": np.array(sc, F32), "zero_point": np.array(z, npdt)})
        # recip vs div
        xs = rng(406).uniform(-3, 5, (1, 200)).astype(F32)
        sc, z = minmax_qparams(xs, dt)
        x = recip_div_input(sc, z, dt, 48, 407)
        add("ql_%s__recip_vs_div_1x48" % dt, "QuantizeLinear %s per-tensor on values where x/scale and "
            "x*(1/scale) round differently (scale from min/max of uniform(-3,5) data)" % dt,
            ["quantize_linear_" + dt, "recip_vs_div"], model("quantize_linear", dt), None,
            {"x": x, "scale": np.array(sc, F32), "zero_point": np.array(z, npdt)})

        # QuantizeLinear, per axis
        per_axis = []
        x = rng(411).standard_normal((6, 9)).astype(F32) * np.array([0.01, 1, 5, 1, 100, 0.3], F32).reshape(6, 1)
        x[3] = 0.0
        per_axis.append(("axis0_6x9", "channel 3 all zero (scale 1.0)", x.astype(F32), 0))
        x = rng(412).standard_normal((5, 8)).astype(F32) * np.geomspace(1e-3, 1e3, 8).astype(F32).reshape(1, 8)
        x[:, 2] = np.abs(x[:, 2])
        x[:, 5] = -np.abs(x[:, 5])
        per_axis.append(("axis1_5x8", "column 2 positive-only, column 5 negative-only, magnitudes 1e-3..1e3",
                         x.astype(F32), 1))
        x = rng(413).uniform(-1, 1, (4, 6, 5)).astype(F32) * np.array([1, 2, 4, 0.5, 8, 0.1], F32).reshape(1, 6, 1)
        per_axis.append(("axis1_4x6x5", "3-D input, axis 1", x.astype(F32), 1))
        for name, note, x, axis in per_axis:
            sc, zp = per_axis_qparams(x, axis, dt)
            add("ql_%s_%s" % (dt, name), "QuantizeLinear %s axis=%d, per-channel qparams from channel min/max (%s)" % (
                dt, axis, note), ["quantize_linear_%s_axis%d" % (dt, axis), "per_axis"],
                model("quantize_linear", dt, axis, x.ndim), axis, {"x": x, "scale": sc, "zero_point": zp})
        # per-axis ties: channel scales 2^-2, 2^-4, 1, 8 exactly
        chs = [2.0 ** -2, 2.0 ** -4, 1.0, 8.0]
        k = np.arange(-40, 40) + 0.5
        x = np.stack([np.concatenate([k * c, [-90 * c, 165 * c]]) for c in chs]).astype(F32)
        sc, zp = per_axis_qparams(x, 0, dt)
        assert np.array_equal(sc, np.array(chs, F32))
        add("ql_%s_axis0_ties_4x82" % dt, "QuantizeLinear %s axis=0 on exact .5 ties, channel scales 1/4, 1/16, 1, 8 "
            "(from channel min/max)" % dt, ["quantize_linear_%s_axis0" % dt, "per_axis", "ties"],
            model("quantize_linear", dt, 0), 0, {"x": x, "scale": sc, "zero_point": zp})

        # DequantizeLinear
        data = rng(421).standard_normal((1, 256)).astype(F32) * F32(2.5)
        sc, z = minmax_qparams(data, dt)
        codes = np.arange(qmin, qmax + 1).astype(npdt).reshape(1, 256)
        add("dql_%s__all_codes_1x256" % dt, "DequantizeLinear %s per-tensor on every code, qparams from min/max of "
            "normal*2.5 data" % dt, ["dequantize_linear_" + dt], model("dequantize_linear", dt), None,
            {"x": codes, "scale": np.array(sc, F32), "zero_point": np.array(z, npdt)})
        data = rng(422).uniform(-4, 1, (17, 33)).astype(F32)
        sc, z = minmax_qparams(data, dt)
        codes = np.clip(np.rint(data / sc) + z, qmin, qmax).astype(npdt)
        add("dql_%s__quantized_uniform_17x33" % dt, "DequantizeLinear %s per-tensor on codes of uniform(-4,1) data "
            "quantized with its min/max qparams" % dt, ["dequantize_linear_" + dt], model("dequantize_linear", dt),
            None, {"x": codes, "scale": np.array(sc, F32), "zero_point": np.array(z, npdt)})
        for name, shape, axis, seed in (("axis0_6x9", (6, 9), 0, 431), ("axis1_5x8", (5, 8), 1, 432),
                                        ("axis1_4x6x5", (4, 6, 5), 1, 433)):
            r = rng(seed)
            C = shape[axis]
            mags = np.geomspace(1e-2, 1e2, C).astype(F32).reshape(bshape(np.zeros(shape), axis))
            data = (r.standard_normal(shape).astype(F32) * mags + F32(0.3) * mags).astype(F32)
            sc, zp = per_axis_qparams(data, axis, dt)
            codes = r.integers(qmin, qmax + 1, shape).astype(npdt)
            add("dql_%s_%s" % (dt, name), "DequantizeLinear %s axis=%d on random codes, per-channel qparams from "
                "channel min/max of scaled normal data" % (dt, axis), ["dequantize_linear_%s_axis%d" % (dt, axis),
                                                                      "per_axis"],
                model("dequantize_linear", dt, axis, len(shape)), axis, {"x": codes, "scale": sc, "zero_point": zp})

    plan = {"family_dir": fdir, "models": models, "cases": cases, "onnx_python_version": onnx.__version__,
            "numpy_version": np.__version__}
    with open(plan_path, "w") as f:
        json.dump(plan, f)


# ----------------------------------------------------------------------------------------------
# finalize

NP_OF_ORT = {"float32": np.float32, "uint8": np.uint8, "int8": np.int8, "int32": np.int32, "int64": np.int64}


def load_in(fdir, ref):
    return np.load(os.path.join(fdir, ref["file"]))


def finalize(plan_path, results_path):
    plan = json.load(open(plan_path))
    res = json.load(open(results_path))
    fdir = plan["family_dir"]
    out_cases = []
    ver_keys = {
        "ql": "QuantizeLinear: clamp(rint(x / scale) + zp) [float32 divide, ties-to-even]",
        "dql": "DequantizeLinear: float32(int32(x) - int32(zp)) * scale",
        "dyn": ("DynamicQuantizeLinear: scale=(max(0,max)-min(0,min))/255, zp=clamp(rint(-min/scale)), "
                "y=clamp(rint(x/scale)+zp); if max==min==0: scale=1, zp=0, y=0"),
    }
    ver = {v: {"elements": 0, "mismatches": 0, "cases": 0} for v in ver_keys.values()}
    recip_total = {"QuantizeLinear": 0, "DynamicQuantizeLinear": 0}
    failures = 0
    for c in plan["cases"]:
        r = res["cases"][c["id"]]
        if "error" in r:
            failures += 1
            print("ORT failed on %s: %s" % (c["id"], r["error"]), file=sys.stderr)
            continue
        outs = {}
        expected = {}
        for name, o in r["outputs"].items():
            raw = np.fromfile(os.path.join(res["raw_dir"], o["raw"]), dtype=NP_OF_ORT[o["type"]])
            arr = raw.reshape(o["dims"])
            outs[name] = arr
            file = "%s/%s.npy" % (c["id"], name)
            save_npy(os.path.join(fdir, file), arr)
            expected[name] = ref_of(arr, file)
        x = load_in(fdir, c["inputs"]["x"])
        axis = c["params"]["axis"]
        model = c["params"]["model"]
        flags = []
        cross = {}
        if "dynamic_quantize_linear" in model:
            y, s, z, v = np_dynamic_quantize_linear(x)
            key = ver_keys["dyn"]
            mis = int(np.count_nonzero(y != outs["y"])) + bits_equal([s], outs["y_scale"].reshape(1)) + \
                int(int(outs["y_zero_point"]) != z)
            n = x.size + 2
            if v is not None:
                yr, _, _, _ = np_dynamic_quantize_linear(x, recip=True)
                cross["elements_differing_if_x_times_reciprocal"] = int(np.count_nonzero(yr != y))
                recip_total["DynamicQuantizeLinear"] += cross["elements_differing_if_x_times_reciprocal"]
                if has_ties((x / s).astype(F32).astype(np.float64)):
                    flags.append("round_half_to_even")
                if cross["elements_differing_if_x_times_reciprocal"]:
                    flags.append("recip_vs_div")
            else:
                flags.append("all_zero_scale_one")
            if s < F32(np.finfo(F32).eps):
                flags.append("scale_below_float32_eps")
        elif "dequantize_linear" in model:
            s = load_in(fdir, c["inputs"]["scale"])
            z = load_in(fdir, c["inputs"]["zero_point"])
            y = np_dequantize_linear(x, s, z, axis)
            key = ver_keys["dql"]
            mis = bits_equal(y, outs["y"])
            n = x.size
        else:
            s = load_in(fdir, c["inputs"]["scale"])
            z = load_in(fdir, c["inputs"]["zero_point"])
            dt = "i8" if z.dtype == np.int8 else "u8"
            y, v = np_quantize_linear(x, s, z, dt, axis)
            yr, _ = np_quantize_linear(x, s, z, dt, axis, recip=True)
            key = ver_keys["ql"]
            mis = int(np.count_nonzero(y != outs["y"].astype(np.float64)))
            n = x.size
            cross["elements_differing_if_x_times_reciprocal"] = int(np.count_nonzero(yr != y))
            recip_total["QuantizeLinear"] += cross["elements_differing_if_x_times_reciprocal"]
            qmin, qmax, _, _ = RANGES[dt]
            if has_ties((x / (s.reshape(bshape(x, axis)) if axis is not None else s)).astype(F32).astype(np.float64)):
                flags.append("round_half_to_even")
            if np.any((v < qmin) | (v > qmax)):
                flags.append("saturation")
            if cross["elements_differing_if_x_times_reciprocal"]:
                flags.append("recip_vs_div")
        ver[key]["elements"] += n
        ver[key]["mismatches"] += mis
        ver[key]["cases"] += 1
        case = {
            "id": c["id"], "description": c["description"], "tags": c["tags"], "flags": flags,
            "inputs": c["inputs"], "params": c["params"], "expected": expected,
            "tolerance": {k: {"kind": "exact"} for k in expected},
            "ort_outputs": list(r["outputs"].keys()),
        }
        if cross:
            case["cross_checks"] = cross
        if "notes" in c:
            case["notes"] = c["notes"]
        out_cases.append(case)
    ver["QuantizeLinear/DynamicQuantizeLinear elements that x * fl(1/scale) would change (informational)"] = \
        recip_total
    manifest = {
        "schema_version": 1,
        "family": "onnx_ort_more",
        "title": "ONNX QuantizeLinear/DequantizeLinear (u8/i8, per-tensor and per-axis) and DynamicQuantizeLinear "
                 "via onnxruntime-node",
        "description": (
            "Single-node ONNX models (opset 13, IR 7, built with python3-onnx, saved under models/) run by "
            "onnxruntime-node on the CPU execution provider with 1 thread and graph optimizations disabled. "
            "Each case lists its model (params.model), the axis of per-axis QuantizeLinear/DequantizeLinear "
            "(params.axis; null for per-tensor and DynamicQuantizeLinear), the feeds (inputs) and ORT's outputs "
            "(expected). Scales and zero points of QuantizeLinear/DequantizeLinear cases are chosen from the data's "
            "min/max: scale = (max(x,0) - min(x,0)) / (qmax - qmin) in float32 (1.0 for an all-zero range), "
            "zero_point = clamp(rint(qmin - min(x,0) / scale)), unless the case description says otherwise."),
        "producer": res["producer"],
        "generator": {
            "script": "scripts/oracle/gen_onnx_vectors.mjs (drives scripts/oracle/onnx_cases.py build/finalize)",
            "command": "cd scripts/oracle && ONNXRUNTIME_NODE_INSTALL=skip npm ci && node gen_onnx_vectors.mjs",
            "seeds": "numpy.random.default_rng(301..308, 401..433) per input; tie inputs are constructed",
            "onnx_python_version": plan["onnx_python_version"],
            "numpy": plan["numpy_version"],
        },
        "tolerance_conventions": TOLERANCE_CONVENTIONS,
        "models": plan["models"],
        "notes": [
            "DynamicQuantizeLinear's y_scale and y_zero_point come back from ORT with shape [] (the ONNX backend "
            "test data uses [1]).",
            "Models are rank-specific (symbolic dims d0..d{r-1}, since onnx's checker wants shapes on graph inputs "
            "and outputs): rank-2 models have no suffix, others end in _3d/_4d (e.g. quantize_linear_u8_axis1_3d). "
            "params.axis gives the axis, so the model name need not be parsed.",
            "ORT's QuantizeLinear and DynamicQuantizeLinear divide (x / scale); cross_checks count the elements a "
            "reciprocal multiply x * fl(1/scale) (PyTorch's way) would change.",
        ],
        "ort_failures": failures,
        "cases": out_cases,
        "semantics_verification": ver,
    }
    dump_manifest(os.path.join(fdir, "manifest.json"), manifest)
    total_mis = sum(v["mismatches"] for k, v in ver.items() if "mismatches" in v)
    print("%-22s %4d cases %8d bytes  %s" % ("onnx_ort_more", len(out_cases), family_size(fdir),
                                             json.dumps(ver)))
    return 1 if (total_mis or failures) else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--out", required=True, help="family folder (removed and rewritten)")
    b.add_argument("--plan", required=True)
    f = sub.add_parser("finalize")
    f.add_argument("--plan", required=True)
    f.add_argument("--results", required=True)
    args = ap.parse_args()
    if args.cmd == "build":
        build(os.path.abspath(args.out), args.plan)
        return 0
    return finalize(args.plan, args.results)


if __name__ == "__main__":
    sys.exit(main())
