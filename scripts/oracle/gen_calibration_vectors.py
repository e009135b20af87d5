#!/usr/bin/python3
"""Generates the range-calibration reference families under tests/vectors/:

  calibration      MinMaxObserver and MovingAverageMinMaxObserver fed several batches (torch 1.13),
                   and numpy.percentile's two tails (method 'linear')
  torch_histogram  HistogramObserver(bins=2048, upsample_rate=128), one to three batches, in the
                   layout of shared/fixtures/oracle-sample/torch_histogram

Run with Debian's interpreter (python3-torch 1.13.1, python3-numpy 1.24.2):

  /usr/bin/python3 scripts/oracle/gen_calibration_vectors.py [--out tests/vectors]

Deterministic: inputs come from numpy's default_rng with fixed seeds, torch runs on one thread.
Both family folders are removed and rewritten. Numpy models of the moving average (float32) and of
numpy's percentile interpolation re-derive the expected values; their mismatch counts go into
`semantics_verification` and the script exits non-zero if any is not 0.
HistogramObserver cases whose histc range torch truncates to integers differently from the float
range (fixtures README §3) are marked `informational`.
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
from torch.ao.quantization import HistogramObserver, MinMaxObserver, MovingAverageMinMaxObserver

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_torch_vectors import producer  # noqa: E402
from oracle_common import TOLERANCE_CONVENTIONS, dump_manifest, family_size, fresh_dir, write_ref  # noqa: E402

F32 = np.float32
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
QSCHEMES = {"affine": (torch.quint8, torch.per_tensor_affine), "symmetric": (torch.qint8, torch.per_tensor_symmetric)}


def rng(seed):
    return np.random.default_rng(seed)


def f32(a):
    return np.asarray(a, dtype=F32)


# ----------------------------------------------------------------------------------------------
# calibration: minmax, moving-average, percentile

def batch_sets():
    """name -> list of float32 batches."""
    g = rng(7)
    s = {}
    s["normal_3x"] = [f32(g.normal(0, 1, 500)), f32(g.normal(0.5, 2, 300)), f32(g.normal(-1, 0.5, 700))]
    s["drifting_5x"] = [f32(g.normal(0.2 * k, 1 + 0.3 * k, 257)) for k in range(5)]
    s["relu_4x"] = [f32(np.maximum(0, g.normal(0, 1.5, 400))) for _ in range(4)]
    s["outlier_batch_3x"] = [f32(g.normal(0, 1, 300)), f32(np.append(g.normal(0, 1, 299), 40.0)),
                             f32(g.normal(0, 1, 300))]
    s["single_1x"] = [f32(g.normal(0, 1, 1000))]
    s["sizes_1_2_17"] = [f32([0.75]), f32([-3.5, 2.25]), f32(g.uniform(-1, 1, 17))]
    s["ten_small_batches"] = [f32(g.laplace(0, 1, 64)) for _ in range(10)]
    return s


def moving_average_model(batches, c):
    cf = F32(c)
    mn, mx = None, None
    for b in batches:
        bmn, bmx = F32(b.min()), F32(b.max())
        if mn is None:
            mn, mx = bmn, bmx
        else:
            mn = F32(mn + F32(cf * F32(bmn - mn)))
            mx = F32(mx + F32(cf * F32(bmx - mx)))
    return mn, mx


def percentile_model(x, q):
    """numpy 'linear' percentile: float32 difference, float64 interpolation (see calib_sketch.cpp)."""
    s = np.sort(x)
    idx = (len(s) - 1) * (q / 100.0)
    k = math.floor(idx)
    if k + 1 >= len(s):
        return float(s[-1])
    g = idx - k
    a, b = s[k], s[k + 1]
    d = float(F32(b - a))
    return float(b) - d * (1 - g) if g >= 0.5 else float(a) + d * g


def observer_case(fdir, cid, calib, observer, batches, scheme, desc):
    for b in batches:
        observer(torch.from_numpy(b))
    scale, zp = observer.calculate_qparams()
    inputs = {"batch%d" % i: write_ref(fdir, cid, "batch%d" % i, b) for i, b in enumerate(batches)}
    expected = {
        "min_val": write_ref(fdir, cid, "min_val", f32(observer.min_val.item())),
        "max_val": write_ref(fdir, cid, "max_val", f32(observer.max_val.item())),
        "scale": write_ref(fdir, cid, "scale", f32(scale.numpy()).reshape(1)),
        "zero_point": write_ref(fdir, cid, "zero_point", np.asarray(zp.numpy(), dtype=np.int64).reshape(1)),
    }
    dtype, _ = QSCHEMES[scheme]
    return {
        "id": cid, "description": desc, "tags": ["calibration", calib.split(":")[0]],
        "flags": ["round_half_to_even", "scale_clamped_to_eps"],
        "inputs": inputs,
        "params": {"calibration": calib, "mode": "pytorch", "bits": 8, "signed": dtype == torch.qint8,
                   "scheme": scheme, "batches": len(batches), "observer": repr(observer)},
        "expected": expected,
        "tolerance": {k: {"kind": "exact"} for k in expected},
    }


def gen_calibration(out):
    fam = "calibration"
    fdir = os.path.join(out, fam)
    fresh_dir(fdir)
    cases = []
    ver = {"cases": 0, "moving_average_model_mismatch": 0, "percentile_model_mismatch": 0,
           "minmax_model_mismatch": 0}
    sets = batch_sets()
    for name, batches in sets.items():
        for scheme in ("affine", "symmetric"):
            dtype, qscheme = QSCHEMES[scheme]
            obs = MinMaxObserver(dtype=dtype, qscheme=qscheme)
            c = observer_case(fdir, "minmax__%s__%s" % (scheme, name), "minmax", obs, batches, scheme,
                              "MinMaxObserver over %d batches (%s)" % (len(batches), name))
            allv = np.concatenate(batches)
            ver["minmax_model_mismatch"] += int(F32(obs.min_val.item()) != allv.min() or F32(obs.max_val.item()) != allv.max())
            cases.append(c)
        for const in (0.01, 0.1, 0.5, 1.0):
            for scheme in (("affine", "symmetric") if const == 0.1 else ("affine",)):
                dtype, qscheme = QSCHEMES[scheme]
                obs = MovingAverageMinMaxObserver(averaging_constant=const, dtype=dtype, qscheme=qscheme)
                calib = "moving-average" if const == 0.01 else "moving-average:%g" % const
                c = observer_case(fdir, "moving_average_%g__%s__%s" % (const, scheme, name), calib, obs, batches,
                                  scheme, "MovingAverageMinMaxObserver(averaging_constant=%g) over %d batches (%s); "
                                  "the first batch initialises min/max" % (const, len(batches), name))
                mn, mx = moving_average_model(batches, const)
                ver["moving_average_model_mismatch"] += int(mn != F32(obs.min_val.item()) or mx != F32(obs.max_val.item()))
                cases.append(c)
    # percentile: numpy over the concatenation of the batches (the calibrator sees them one by one)
    g = rng(11)
    extra = {
        "ties": [f32(np.round(g.normal(0, 2, 999)))],
        "gaussian_outliers": [f32(np.concatenate([g.normal(0, 1, 5000), [25.0, -31.0, 18.5]]))],
        "one_value": [f32([2.5])],
        "constant": [f32(np.full(50, -1.25))],
    }
    for name, batches in list(sets.items()) + list(extra.items()):
        allv = np.concatenate(batches)
        for p in (99.99, 99.9, 99.0, 90.0, 100.0, 50.5):
            cid = "percentile_%g__%s" % (p, name)
            lo, hi = np.percentile(allv, 100.0 - p), np.percentile(allv, p)
            ver["percentile_model_mismatch"] += int(F32(lo) != F32(percentile_model(allv, 100.0 - p)) or
                                                    F32(hi) != F32(percentile_model(allv, p)))
            calib = "percentile" if p == 99.99 else "percentile:%g" % p
            cases.append({
                "id": cid,
                "description": "numpy.percentile(x, [100 - P, P]) over %d values in %d batches (%s)" % (
                    allv.size, len(batches), name),
                "tags": ["calibration", "percentile"], "flags": [],
                "inputs": {"batch%d" % i: write_ref(fdir, cid, "batch%d" % i, b) for i, b in enumerate(batches)},
                "params": {"calibration": calib, "percentile": p, "batches": len(batches),
                           "numpy_call": "numpy.percentile(x, %r) and numpy.percentile(x, 100.0 - %r), method='linear'" % (p, p)},
                "expected": {"lo": write_ref(fdir, cid, "lo", f32(lo)), "hi": write_ref(fdir, cid, "hi", f32(hi)),
                             "lo_f64": write_ref(fdir, cid, "lo_f64", np.float64(lo)),
                             "hi_f64": write_ref(fdir, cid, "hi_f64", np.float64(hi))},
                "tolerance": {"lo": {"kind": "exact"}, "hi": {"kind": "exact"},
                              "lo_f64": {"kind": "informational"}, "hi_f64": {"kind": "informational"}},
            })
    ver["cases"] = len(cases)
    manifest = {
        "schema_version": 1, "family": fam,
        "title": "Range calibration: torch 1.13 MinMaxObserver / MovingAverageMinMaxObserver over several batches, "
                 "numpy percentile tails",
        "producer": producer(),
        "generator": {"script": "scripts/oracle/gen_calibration_vectors.py",
                      "observers": "observer(batch) for each batch, then calculate_qparams(); expected min_val/max_val "
                                   "are the observer buffers, scale float32 [1], zero_point int64 [1]",
                      "percentile": "lo = float32(numpy.percentile(x, 100 - P)), hi = float32(numpy.percentile(x, P)) "
                                    "over all batches concatenated; the float64 values are kept as lo_f64/hi_f64"},
        "tolerance_conventions": TOLERANCE_CONVENTIONS,
        "semantics_verification": ver,
        "cases": cases,
    }
    dump_manifest(os.path.join(fdir, "manifest.json"), manifest)
    return fam, fdir, ver


# ----------------------------------------------------------------------------------------------
# torch_histogram

def histc_edges(lo_arg, hi_arg, x):
    """The float range torch.histc(x, min=lo_arg, max=hi_arg) actually bins over."""
    lo, hi = float(lo_arg), float(hi_arg)
    if lo == hi:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    return lo, hi


def hist_batch_sets():
    g = rng(23)
    s = {}
    s["normal_small_range"] = ("N(0, 0.25^2) clipped to (-1, 1)", [f32(np.clip(g.normal(0, 0.25, 4096), -0.999, 0.999))])
    s["relu_like_pinned"] = ("max(0, N(0, 1.5^2)) pinned to [0, 6]",
                             [f32(np.concatenate([np.clip(np.maximum(0, g.normal(0, 1.5, 4094)), 0, 6), [0.0, 6.0]]))])
    s["laplace_pinned"] = ("Laplace(0, 1) clipped and pinned to [-8, 8]",
                           [f32(np.concatenate([np.clip(g.laplace(0, 1, 6142), -8, 8), [-8.0, 8.0]]))])
    s["int_outliers"] = ("N(0, 1) with integer outliers -17 and 13",
                         [f32(np.concatenate([g.normal(0, 1, 8190), [-17.0, 13.0]]))])
    s["uniform_pinned"] = ("U(-3, 5) pinned to [-3, 5]", [f32(np.concatenate([g.uniform(-3, 5, 3070), [-3.0, 5.0]]))])
    s["tiny_range"] = ("N(0, 1e-3^2): |x| < 1, histc uses the data range", [f32(g.normal(0, 1e-3, 2048))])
    s["skewed_positive_small"] = ("0.05 + 0.9 * Beta(2, 5): in (0, 1)", [f32(0.05 + 0.9 * g.beta(2, 5, 3000))])
    s["two_batches_widen_max"] = ("[0, 4] then [0, 6] (pinned): downsample path, e = 0",
                                  [f32(np.concatenate([np.clip(np.abs(g.normal(0, 1, 2046)), 0, 4), [0.0, 4.0]])),
                                   f32(np.concatenate([np.clip(np.abs(g.normal(0, 2, 2046)), 0, 6), [0.0, 6.0]]))])
    s["two_batches_widen_both"] = ("[-2, 2] then [-4, 6] (pinned): start_idx > 0",
                                   [f32(np.concatenate([np.clip(g.normal(0, 0.7, 3070), -2, 2), [-2.0, 2.0]])),
                                    f32(np.concatenate([np.clip(g.normal(1, 1.5, 3070), -4, 6), [-4.0, 6.0]]))])
    s["two_batches_same_range"] = ("[-4, 4] twice (pinned): histograms simply added",
                                   [f32(np.concatenate([np.clip(g.normal(0, 1, 2046), -4, 4), [-4.0, 4.0]])),
                                    f32(np.concatenate([np.clip(g.normal(0, 1.2, 2046), -4, 4), [-4.0, 4.0]]))])
    s["three_batches_fractional"] = ("[-1, 1], [-2, 2], [-4, 8] (pinned): interpolated, fractional counts",
                                     [f32(np.concatenate([np.clip(g.normal(0, 0.3, 1022), -1, 1), [-1.0, 1.0]])),
                                      f32(np.concatenate([np.clip(g.normal(0, 0.6, 1022), -2, 2), [-2.0, 2.0]])),
                                      f32(np.concatenate([np.clip(g.normal(2, 2, 1022), -4, 8), [-4.0, 8.0]]))])
    s["constant_then_normal"] = ("a constant batch, then [-3, 3]: torch restarts from the second batch",
                                 [f32(np.full(100, 1.5)), f32(np.concatenate([np.clip(g.normal(0, 1, 1022), -3, 3), [-3.0, 3.0]]))])
    # L2 trimming only pays when the rounding error of the bulk outweighs an outlier's clipping error,
    # which takes ~10^5 values; integer values are stored as int8 to keep the file small.
    s["many_values_int_outliers"] = ("300000 values round(N(0, 6^2)) in [-30, 30] plus -100 and 100: the search trims",
                                     [f32(np.concatenate([np.clip(np.round(g.normal(0, 6, 299998)), -30, 30),
                                                          [-100.0, 100.0]]))])
    s["outliers_unpinned_BUG"] = ("N(0,1) with non-integer outliers -17.3, 13.7, 9.2",
                                  [f32(np.concatenate([g.normal(0, 1, 8189), [-17.3, 13.7, 9.2]]))])
    s["two_batches_unit_range_BUG"] = ("two batches inside (-1, 1): torch bins the second over its own data range",
                                       [f32(np.clip(g.normal(0, 0.2, 2048), -0.9, 0.9)),
                                        f32(np.clip(g.normal(0, 0.4, 2048), -0.95, 0.95))])
    return s


def compact(b):
    """Large integer-valued batches are stored as int8 (the tests read every dtype as float32)."""
    if b.size >= 65536 and np.all(b == np.round(b)) and b.min() >= -128 and b.max() <= 127:
        return b.astype(np.int8)
    return b


def run_histogram(batches, dtype, qscheme):
    obs = HistogramObserver(bins=2048, upsample_rate=128, dtype=dtype, qscheme=qscheme, reduce_range=False)
    safe = True
    for b in batches:
        t = torch.from_numpy(b)
        first = obs.min_val.item() == float("inf") or obs.min_val.item() == obs.max_val.item()
        obs(t)
        mn, mx = obs.min_val.item(), obs.max_val.item()
        used = histc_edges(int(mn), int(mx), b)
        meant = histc_edges(mn, mx, b) if first else (mn, mx)
        safe = safe and used == meant
    new_min, new_max = obs._non_linear_param_search()
    scale, zp = obs.calculate_qparams()
    mn, mx = obs.min_val, obs.max_val
    bw = (mx - mn) / obs.bins
    start = [k for k in range(obs.bins) if (mn + bw * k).item() == new_min.item()]
    end = [k for k in range(obs.bins) if (mn + bw * (k + 1)).item() == new_max.item()]
    return obs, safe, new_min, new_max, scale, zp, start[0], end[-1]


def gen_torch_histogram(out):
    fam = "torch_histogram"
    fdir = os.path.join(out, fam)
    fresh_dir(fdir)
    cases = []
    ver = {"cases": 0, "informational_cases": 0}
    approx_note = ("HistogramObserver is a greedy L2 search over a float32 histogram. A faithful port lands on the same "
                   "search_start_bin/search_end_bin; torch sums the L2 estimate in float32, so a port that sums "
                   "differently may flip a step where two estimates tie to ~1e-7.")
    for scheme in ("affine", "symmetric"):
        dtype, qscheme = QSCHEMES[scheme]
        for name, (desc, batches) in hist_batch_sets().items():
            if scheme == "symmetric" and name not in ("laplace_pinned", "many_values_int_outliers", "two_batches_widen_both"):
                continue
            cid = "%s_%s__%s" % ("quint8" if dtype == torch.quint8 else "qint8", scheme, name)
            obs, safe, new_min, new_max, scale, zp, sb, eb = run_histogram(batches, dtype, qscheme)
            exp = {
                "scale": write_ref(fdir, cid, "scale", f32(scale.numpy()).reshape(1)),
                "zero_point": write_ref(fdir, cid, "zero_point", np.asarray(zp.numpy(), dtype=np.int64).reshape(1)),
                "search_new_min": write_ref(fdir, cid, "search_new_min", f32(new_min.item())),
                "search_new_max": write_ref(fdir, cid, "search_new_max", f32(new_max.item())),
                "observer_min_val": write_ref(fdir, cid, "observer_min_val", f32(obs.min_val.item())),
                "observer_max_val": write_ref(fdir, cid, "observer_max_val", f32(obs.max_val.item())),
                "histogram": write_ref(fdir, cid, "histogram", f32(obs.histogram.numpy())),
            }
            if safe:
                tol = {k: {"kind": "approximate", "scale_rel": 1e-05, "zero_point_abs": 1, "note": approx_note}
                       for k in ("scale", "zero_point", "search_new_min", "search_new_max")}
                tol["observer_min_val"] = {"kind": "exact"}
                tol["observer_max_val"] = {"kind": "exact"}
                tol["histogram"] = {"kind": "approximate", "note": "float32 histc counts; bit-exact for a port that bins over "
                                    "the same float range; fractional after interpolation (float64 cumsum order)"}
                flags = ["approximate-reference"]
            else:
                tol = {k: {"kind": "informational"} for k in exp}
                flags = ["approximate-reference", "informational_only", "producer_bug_histc_int_range"]
                ver["informational_cases"] += 1
            cases.append({
                "id": cid, "description": desc, "tags": ["histogram"], "flags": flags,
                "inputs": {"batch%d" % i: write_ref(fdir, cid, "batch%d" % i, compact(b)) for i, b in enumerate(batches)},
                "params": {"observer": {"class": "torch.ao.quantization.HistogramObserver", "bins": 2048,
                                        "upsample_rate": 128, "dtype": str(dtype), "qscheme": str(qscheme),
                                        "reduce_range": False, "repr": repr(obs)},
                           "batches": len(batches), "search_start_bin": sb, "search_end_bin": eb,
                           "histogram_total_count": float(obs.histogram.sum().item()),
                           "input_count": int(sum(b.size for b in batches)), "range_is_int_safe": safe},
                "expected": exp, "tolerance": tol,
                "notes": "torch 1.13 bins with torch.histc(x, bins, min=int(min_val), max=int(max_val)); cases where "
                         "that range differs from the float range torch means are informational (range_is_int_safe).",
            })
    ver["cases"] = len(cases)
    manifest = {
        "schema_version": 1, "family": fam,
        "title": "PyTorch HistogramObserver qparams, 1-3 batches - approximate reference",
        "description": "observer = HistogramObserver(bins=2048, upsample_rate=128, dtype, qscheme, reduce_range=False); "
                       "observer(batch) for each batch; (scale, zero_point) = observer.calculate_qparams(). Also recorded: "
                       "the histogram/min/max buffers and _non_linear_param_search's (new_min, new_max) and bins.",
        "producer": producer(),
        "generator": {"script": "scripts/oracle/gen_calibration_vectors.py"},
        "tolerance_conventions": TOLERANCE_CONVENTIONS,
        "family_flags": ["approximate-reference"],
        "semantics_verification": ver,
        "cases": cases,
    }
    dump_manifest(os.path.join(fdir, "manifest.json"), manifest)
    return fam, fdir, ver


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "vectors"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    bad = False
    for gen in (gen_calibration, gen_torch_histogram):
        fam, fdir, ver = gen(args.out)
        fails = {k: v for k, v in ver.items() if k.endswith("mismatch") and v}
        print("%-16s %4d cases %8d bytes  %s" % (fam, ver["cases"], family_size(fdir), ver))
        if fails:
            print("  MISMATCH:", fails, file=sys.stderr)
            bad = True
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
