#!/usr/bin/python3
"""Writes .npy files with numpy itself (Debian python3-numpy) into tests/vectors/npy_numpy/, so the
reader in src/io/npy.cpp is tested against the format's own implementation, not only hand-made bytes.
Each entry of manifest.json names a file and the values it holds in C order, as float32.
Run: /usr/bin/python3 scripts/oracle/gen_npy_samples.py"""
import json
import os
import numpy as np

out = os.path.join(os.path.dirname(__file__), '..', '..', 'tests', 'vectors', 'npy_numpy')
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20261128)
base = rng.standard_normal((3, 4, 5)).astype(np.float64) * 50

samples = {
    'f4_c_3x4x5': base.astype('<f4'),
    'f8_big_endian_fortran_3x4x5': np.asfortranarray(base.astype('>f8')),
    'f2_4x5': base[0].astype('<f2'),
    'i1_fortran_4x5': np.asfortranarray(np.clip(base[1], -128, 127).astype('i1')),
    'u1_20': np.arange(0, 256, 13, dtype='u1')[:20],
    'i2_big_endian_4x5': base[2].astype('>i2'),
    'u2_7': np.array([0, 1, 2, 300, 65535, 4096, 7], dtype='<u2'),
    'i4_3x4': (base[0, :3, :4] * 1000).astype('<i4'),
    'u4_3': np.array([0, 4000000000, 17], dtype='<u4'),
    'i8_3': np.array([-3, 2**40, 123456789], dtype='<i8'),
    'u8_2': np.array([5, 2**53], dtype='<u8'),
    'b1_6': np.array([True, False, True, True, False, False]),
    'scalar_0d': np.array(2.5, dtype='<f4'),
    'empty_0x3': np.zeros((0, 3), dtype='<f4'),
}
manifest = {'producer': {'name': 'numpy', 'version': np.__version__}, 'files': []}
for name, arr in samples.items():
    path = os.path.join(out, name + '.npy')
    np.save(path, arr)
    manifest['files'].append({
        'file': name + '.npy', 'descr': arr.dtype.str, 'shape': list(arr.shape),
        'fortran_order': bool(arr.flags.f_contiguous and not arr.flags.c_contiguous),
        'values_c_order': [float(v) for v in np.ascontiguousarray(arr).astype(np.float32).ravel()],
    })
# Version 2.0 (4-byte header length) and 3.0 (utf-8 header), written explicitly.
for version, name in (((2, 0), 'f4_v2_2x3'), ((3, 0), 'f4_v3_2x3')):
    arr = base[0, :2, :3].astype('<f4')
    with open(os.path.join(out, name + '.npy'), 'wb') as f:
        np.lib.format.write_array(f, arr, version=version)
    manifest['files'].append({'file': name + '.npy', 'descr': '<f4', 'shape': [2, 3], 'fortran_order': False,
                              'values_c_order': [float(v) for v in arr.ravel()]})
with open(os.path.join(out, 'manifest.json'), 'w') as f:
    json.dump(manifest, f, indent=1)
print(f"wrote {len(manifest['files'])} files to {out}")
