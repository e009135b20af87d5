#!/usr/bin/python3
"""Checks the layout of reference-vector families (tests/vectors/* by default):

- manifest.json has family, producer, generator, cases[]; each case has id, description, tags, flags,
  inputs, params, expected, tolerance (one kind per expected tensor);
- every ref's file exists, is .npy format 1.0, little-endian (or single-byte), C order, and its dtype,
  shape, value and hex agree with the manifest;
- case ids are unique, each case's files live in its own folder, and no file is left unreferenced
  (models/ excepted when the cases point at them).

  /usr/bin/python3 scripts/oracle/check_vectors.py [FAMILY_DIR ...]
"""
import json
import os
import struct
import sys

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
KINDS = {"exact", "abs", "ulp", "approximate", "informational"}


def check_npy(path, ref, errors, where):
    with open(path, "rb") as f:
        major, minor = np.lib.format.read_magic(f)
        if (major, minor) != (1, 0):
            errors.append("%s: npy version %d.%d" % (where, major, minor))
        shape, fortran, dtype = np.lib.format._read_array_header(f, (major, minor))
    if fortran:
        errors.append("%s: fortran order" % where)
    if dtype.itemsize > 1 and dtype.byteorder not in ("<", "=") or (dtype.byteorder == "=" and sys.byteorder != "little"):
        errors.append("%s: not little-endian (%s)" % (where, dtype.str))
    arr = np.load(path)
    if str(arr.dtype) != ref["dtype"]:
        errors.append("%s: dtype %s != manifest %s" % (where, arr.dtype, ref["dtype"]))
    if list(arr.shape) != ref["shape"]:
        errors.append("%s: shape %s != manifest %s" % (where, list(arr.shape), ref["shape"]))
    if "value" in ref:
        v = arr.reshape(-1)[0]
        if arr.dtype.kind == "f":
            if not (float(v) == ref["value"] or (np.isnan(v) and ref["value"] is None)):
                errors.append("%s: value %r != manifest %r" % (where, float(v), ref["value"]))
            if "hex" in ref and arr.dtype == np.float32:
                h = "0x%08x" % struct.unpack("<I", struct.pack("<f", float(v)))[0]
                if h != ref["hex"]:
                    errors.append("%s: hex %s != manifest %s" % (where, h, ref["hex"]))
        elif int(v) != ref["value"]:
            errors.append("%s: value %d != manifest %d" % (where, int(v), ref["value"]))


def check_family(fdir):
    errors = []
    m = json.load(open(os.path.join(fdir, "manifest.json")))
    for k in ("family", "producer", "generator", "cases"):
        if k not in m:
            errors.append("manifest: missing %s" % k)
    if m.get("family") != os.path.basename(os.path.normpath(fdir)):
        errors.append("manifest: family %r != folder name" % m.get("family"))
    seen_ids = set()
    used = {"manifest.json"}
    for c in m["cases"]:
        cid = c.get("id")
        if cid in seen_ids:
            errors.append("duplicate id %s" % cid)
        seen_ids.add(cid)
        for k in ("id", "description", "tags", "flags", "inputs", "params", "expected", "tolerance"):
            if k not in c:
                errors.append("%s: missing %s" % (cid, k))
        if set(c["tolerance"]) != set(c["expected"]):
            errors.append("%s: tolerance names %s != expected names %s" % (cid, sorted(c["tolerance"]), sorted(c["expected"])))
        for name, tol in c["tolerance"].items():
            if tol.get("kind") not in KINDS:
                errors.append("%s: tolerance %s kind %r" % (cid, name, tol.get("kind")))
        for group in ("inputs", "expected"):
            for name, ref in c[group].items():
                where = "%s %s.%s" % (cid, group, name)
                if not ref["file"].startswith(cid + "/"):
                    errors.append("%s: file %s outside the case folder" % (where, ref["file"]))
                path = os.path.join(fdir, ref["file"])
                if not os.path.isfile(path):
                    errors.append("%s: missing file %s" % (where, ref["file"]))
                    continue
                used.add(ref["file"])
                check_npy(path, ref, errors, where)
        model = c["params"].get("model")
        if model:
            if not os.path.isfile(os.path.join(fdir, model)):
                errors.append("%s: missing model %s" % (cid, model))
            used.add(model)
    for root, _, files in os.walk(fdir):
        for f in files:
            rel = os.path.relpath(os.path.join(root, f), fdir)
            if rel not in used:
                errors.append("unreferenced file %s" % rel)
    return len(m["cases"]), errors


def main():
    dirs = sys.argv[1:]
    if not dirs:
        root = os.path.join(REPO, "tests", "vectors")
        dirs = sorted(os.path.join(root, d) for d in os.listdir(root)
                      if os.path.isfile(os.path.join(root, d, "manifest.json")))
    bad = 0
    for d in dirs:
        m = json.load(open(os.path.join(d, "manifest.json")))
        if "cases" not in m and "files" in m:
            # A sample of files written by a library (npy_numpy), read back by the reader tests:
            # no cases to check, only that every listed file is there.
            missing = [f for f in m["files"] if not os.path.isfile(os.path.join(d, f if isinstance(f, str) else f.get("file", "")))]
            print("%-60s %4d files  %s" % (d, len(m["files"]), "ok" if not missing else "missing %s" % missing[:5]))
            bad += len(missing)
            continue
        n, errors = check_family(d)
        print("%-60s %4d cases  %s" % (d, n, "ok" if not errors else "%d problems" % len(errors)))
        for e in errors[:20]:
            print("   ", e)
        bad += len(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
