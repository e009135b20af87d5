"""Small helpers shared by the reference-vector generators in scripts/oracle/.

- npy files: numpy's own writer (format 1.0, little-endian, C order).
- tensor refs: {file, dtype, shape} plus `value` (and a float32 `hex` bit pattern) for
  one-element tensors, as in shared/fixtures/oracle-sample.
- manifests: JSON with one-space indentation; lists of scalars, and objects holding only scalars
  (such as tensor refs), kept on one line.
"""
import json
import os
import shutil
import struct

import numpy as np

TOLERANCE_CONVENTIONS = {
    "exact": "bit-exact; float tensors are compared by bit pattern, except that any NaN matches any NaN",
    "abs": "|got - expected| <= atol elementwise",
    "ulp": "float32 distance <= max_ulp units in the last place",
    "approximate": "not a bit-exact reference; see the case notes",
    "informational": "records what the producer did (e.g. undefined behaviour); do not assert on it",
}


def f32_hex(v):
    return "0x%08x" % struct.unpack("<I", struct.pack("<f", float(np.float32(v))))[0]


def fresh_dir(path):
    """Removes and recreates a family folder, so regeneration leaves no stale files."""
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)


def save_npy(path, arr):
    arr = np.asarray(arr)
    le = arr.dtype.newbyteorder("<") if arr.dtype.itemsize > 1 else arr.dtype
    arr = np.array(arr, dtype=le, order="C")  # not ascontiguousarray: it turns 0-d into 1-d
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)


def ref_of(arr, file):
    """Manifest ref for an array stored at `file` (relative to the family folder)."""
    arr = np.asarray(arr)
    r = {"file": file, "dtype": str(arr.dtype), "shape": [int(d) for d in arr.shape]}
    if arr.size == 1:
        v = arr.reshape(-1)[0]
        if arr.dtype.kind == "f":
            r["value"] = float(v)
            r["hex"] = f32_hex(v) if arr.dtype == np.float32 else None
            if r["hex"] is None:
                del r["hex"]
        else:
            r["value"] = int(v)
    return r


def write_ref(family_dir, case_id, name, arr):
    file = "%s/%s.npy" % (case_id, name)
    save_npy(os.path.join(family_dir, file), arr)
    return ref_of(arr, file)


def _scalar_list(v):
    return isinstance(v, list) and all(not isinstance(e, (list, dict)) for e in v)


def _leaf_dict(v):
    return isinstance(v, dict) and all(
        not isinstance(e, (list, dict)) or _scalar_list(e) for e in v.values())


def _dump(v, ind, out):
    pad = " " * ind
    if (_leaf_dict(v) or len(json.dumps(v)) + ind <= 140) and len(json.dumps(v)) + ind <= 200:
        out.append(json.dumps(v, allow_nan=False))
    elif isinstance(v, dict):
        if not v:
            out.append("{}")
            return
        out.append("{\n")
        items = list(v.items())
        for i, (k, e) in enumerate(items):
            out.append(pad + " " + json.dumps(k) + ": ")
            _dump(e, ind + 1, out)
            out.append(",\n" if i + 1 < len(items) else "\n")
        out.append(pad + "}")
    elif isinstance(v, list) and not _scalar_list(v):
        out.append("[\n")
        for i, e in enumerate(v):
            out.append(pad + " ")
            _dump(e, ind + 1, out)
            out.append(",\n" if i + 1 < len(v) else "\n")
        out.append(pad + "]")
    else:
        out.append(json.dumps(v, allow_nan=False))


def dump_manifest(path, obj):
    out = []
    _dump(obj, 0, out)
    out.append("\n")
    with open(path, "w") as f:
        f.write("".join(out))
    # round-trip check: the compact writer must produce plain JSON equal to the object
    with open(path) as f:
        assert json.load(f) == json.loads(json.dumps(obj))


def rint_f32(a):
    """Round half to even on float32 values (numpy's rint is nearbyint in the default mode)."""
    return np.rint(np.asarray(a, dtype=np.float32)).astype(np.float32)


def bits_equal(a, b):
    """Number of elements whose float32 bit patterns differ (any NaN matches any NaN)."""
    a = np.asarray(a, dtype=np.float32).reshape(-1)
    b = np.asarray(b, dtype=np.float32).reshape(-1)
    if a.shape != b.shape:
        return max(a.size, b.size)
    both_nan = np.isnan(a) & np.isnan(b)
    diff = a.view(np.uint32) != b.view(np.uint32)
    return int(np.count_nonzero(diff & ~both_nan))


def family_size(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total
