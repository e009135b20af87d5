#!/usr/bin/python3
"""ONNX peers of a playground network for the network benchmark (issue #6, scripts/bench_network.mjs).

Reads a network .safetensors (the playground's state dict with "qp.architecture" metadata, or a
plain PyTorch MLP state dict) and writes, into --out-dir:

  <stem>.float.onnx  Conv / Gemm / Relu / MaxPool / Flatten, opset 13, dynamic batch "N".
  <stem>.qdq.onnx    what onnxruntime.quantization.quantize_static(..., quant_format=QDQ,
                     per_channel=True, activation_type=QUInt8, weight_type=QInt8) emits: a
                     QuantizeLinear/DequantizeLinear pair on every Conv/Gemm activation input, int8
                     symmetric per-channel weights and an int32 bias (scale S_x·S_w, zero point 0)
                     behind DequantizeLinear, MaxPool/Flatten inside the same grid, the Relu after a
                     Conv/Gemm removed because its output grid starts at 0 (the quantizer's
                     "removable activation"). ORT fuses it at load into QLinearConv / QGemm.
  <stem>.qop.onnx    the QOperator form of the same numbers: QuantizeLinear once at the input, then
                     QLinearConv, uint8 MaxPool / Flatten, com.microsoft QGemm (float output for the
                     last layer), nothing to fuse at load.

The activation ranges come from our core (--calibration JSON: {"ranges": [[lo, hi], ...]}, one per
weighted layer, the range of the tensor entering it; `qplay eval MODEL --mode static --json`
prints the same key), so both runtimes quantize with the same grids. The grids are computed as our
core does (docs/numerics.md §15): activations affine uint8 with PyTorch's qparams, weights
symmetric int8 per output channel with PyTorch's per_channel_symmetric scale max|w|/127.5 (ORT's
own quantizer would use max|w|/127; the speed does not depend on it, the predictions then match
ours), bias round(b / (S_x·S_w)). The last layer's output stays float (as our engine's logits).

--perturb CLASS adds 10 to that class's bias in the last layer of every model written (test fixture
for the benchmark's cross-check). Needs Debian's python3-onnx and python3-numpy (/usr/bin/python3).

  /usr/bin/python3 scripts/bench/network_onnx.py MODEL.safetensors --calibration RANGES.json \
      --out-dir DIR [--stem NAME] [--forms float,qdq,qop] [--perturb CLASS]
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
F32 = np.float32
PYTORCH_SCALE_EPS = F32(1.1920928955078125e-07)


# ---------------------------------------------------------------- safetensors and the layer list

def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f'{path}: too short for safetensors')
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n].decode('utf-8'))
    base = 8 + n
    meta = header.pop('__metadata__', {}) or {}
    tensors = {}
    order = []
    for name, t in header.items():
        begin, end = t['data_offsets']
        raw = data[base + begin:base + end]
        dtype = t['dtype']
        if dtype == 'F32':
            a = np.frombuffer(raw, dtype='<f4')
        elif dtype == 'F64':
            a = np.frombuffer(raw, dtype='<f8').astype(F32)
        elif dtype == 'F16':
            a = np.frombuffer(raw, dtype='<f2').astype(F32)
        elif dtype == 'BF16':
            a = (np.frombuffer(raw, dtype='<u2').astype(np.uint32) << 16).view(F32)
        else:
            raise ValueError(f'{path}: tensor {name} has dtype {dtype}; only float tensors are weights')
        tensors[name] = a.reshape(t['shape']).astype(F32)
        order.append((begin, name))
    return tensors, meta, [name for _, name in sorted(order)]


def layer_list(tensors, meta, file_order):
    """[(kind, dict)], input (c, h, w): from qp.architecture, else an MLP inferred like the core does."""
    if 'qp.architecture' in meta:
        c, h, w = (int(v) for v in meta['qp.input'].split('x'))
        return json.loads(meta['qp.architecture']), (c, h, w)
    # Plain MLP state dict: every 2-D "*.weight" with its "*.bias", in file order, ReLU between;
    # in_features 784 means a 1×28×28 image and a Flatten first (network.cpp infer_mlp).
    layers = []
    names = [n for n in file_order if n.endswith('.weight') and tensors[n].ndim == 2]
    for i, n in enumerate(names):
        prefix = n[:-len('.weight')]
        out_f, in_f = tensors[n].shape
        if i > 0:
            layers.append({'kind': 'relu'})
        layers.append({'kind': 'linear', 'name': prefix, 'in': in_f, 'out': out_f})
    first_in = layers[0]['in']
    shape = (1, 28, 28) if first_in == 784 else (first_in, 1, 1)
    return [{'kind': 'flatten'}] + layers, shape


# ---------------------------------------------------------------- the numbers of our static engine

def activation_qparams(lo, hi):
    """PyTorch affine uint8 qparams (quant/qparams.cpp choose_qparams_pytorch), float32 arithmetic."""
    mn = min(F32(lo), F32(0))
    mx = max(F32(hi), F32(0))
    scale = max(F32(F32(mx - mn) / F32(255)), PYTORCH_SCALE_EPS)
    zp = int(np.clip(F32(0) - np.rint(F32(mn / scale)), 0, 255))
    return F32(scale), zp


def weight_codes(w):
    """Symmetric int8 per output channel, PyTorch numerics: scale = max|w| / 127.5, x · (1/scale)."""
    flat = w.reshape(w.shape[0], -1)
    amax = np.maximum(-flat.min(axis=1), flat.max(axis=1)).astype(F32)
    amax = np.maximum(amax, F32(0))
    scales = np.maximum(amax / F32(127.5), PYTORCH_SCALE_EPS).astype(F32)
    inv = (F32(1) / scales).astype(F32)
    codes = np.clip(np.rint((flat * inv[:, None]).astype(F32)), -128, 127).astype(np.int8)
    return codes.reshape(w.shape), scales


def bias_codes(b, s_x, s_w):
    bias_scale = (F32(s_x) * s_w).astype(F32)
    q = np.rint((b / bias_scale).astype(F32).astype(np.float64))
    return np.clip(q, -2147483648.0, 2147483647.0).astype(np.int32), bias_scale


# ---------------------------------------------------------------- graph building

class Graph:
    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, base):
        self.count += 1
        return f'{base}_{self.count}'

    def init(self, base, array):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array), n))
        return n

    def node(self, op, inputs, base, domain=None, **attrs):
        out = self.name(base)
        kw = {'domain': domain} if domain else {}
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **kw, **attrs))
        return out

    def model(self, x_name, y_name, in_shape, classes, doc, extra_opsets=()):
        x = helper.make_tensor_value_info(x_name, TensorProto.FLOAT, ['N', *in_shape])
        y = helper.make_tensor_value_info(y_name, TensorProto.FLOAT, ['N', classes])
        g = helper.make_graph(self.nodes, 'network', [x], [y], self.inits)
        opsets = [helper.make_opsetid('', OPSET)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
        m = helper.make_model(g, opset_imports=opsets, producer_name='qplay scripts/bench/network_onnx.py',
                              doc_string=doc)
        m.ir_version = 7  # onnx 1.12 writes 8; 7 is what every ORT ≥ 1.8 reads
        return m


def rename_output(g, last, y_name='logits'):
    """Makes the graph's last node write `y_name`."""
    node = g.nodes[-1]
    assert node.output[0] == last
    node.output[0] = y_name
    return y_name


def weighted_params(tensors, layer):
    w = tensors[layer['name'] + '.weight'].astype(F32)
    b = tensors[layer['name'] + '.bias'].astype(F32)
    return w, b


def conv_attrs(layer):
    k, s, p = layer['kernel'], layer.get('stride', 1), layer.get('padding', 0)
    return {'kernel_shape': [k, k], 'strides': [s, s], 'pads': [p, p, p, p]}


def pool_attrs(layer):
    k, s = layer['kernel'], layer.get('stride', 1)
    return {'kernel_shape': [k, k], 'strides': [s, s]}


def check_supported(layers):
    for l in layers:
        if l['kind'] not in ('linear', 'conv2d', 'relu', 'maxpool2d', 'flatten'):
            raise ValueError(f"layer kind '{l['kind']}' is not exported by this script")


def float_model(tensors, layers, in_shape, classes):
    g = Graph()
    t = 'input'
    for l in layers:
        k = l['kind']
        if k in ('linear', 'conv2d'):
            w, b = weighted_params(tensors, l)
            if k == 'linear':
                t = g.node('Gemm', [t, g.init(l['name'] + '.weight', w), g.init(l['name'] + '.bias', b)], l['name'],
                           transB=1)
            else:
                t = g.node('Conv', [t, g.init(l['name'] + '.weight', w), g.init(l['name'] + '.bias', b)], l['name'],
                           **conv_attrs(l))
        elif k == 'relu':
            t = g.node('Relu', [t], 'relu')
        elif k == 'maxpool2d':
            t = g.node('MaxPool', [t], 'maxpool', **pool_attrs(l))
        elif k == 'flatten':
            t = g.node('Flatten', [t], 'flatten', axis=1)
    rename_output(g, t)
    return g.model('input', 'logits', in_shape, classes, 'float32 network')


def plan_static(tensors, layers, ranges):
    """Per weighted layer: its input grid, codes, scales, int32 bias; and which Relus fold into a grid."""
    weighted = [i for i, l in enumerate(layers) if l['kind'] in ('linear', 'conv2d')]
    if len(ranges) != len(weighted):
        raise ValueError(f'{len(ranges)} calibrated ranges for {len(weighted)} weighted layers')
    plan = {}
    for j, i in enumerate(weighted):
        w, b = weighted_params(tensors, layers[i])
        s_x, z_x = activation_qparams(*ranges[j])
        codes, s_w = weight_codes(w)
        qb, bias_scale = bias_codes(b, s_x, s_w)
        out = activation_qparams(*ranges[j + 1]) if j + 1 < len(weighted) else None
        plan[i] = {'s_x': s_x, 'z_x': z_x, 'codes': codes, 's_w': s_w, 'qb': qb, 'bias_scale': bias_scale, 'out': out}
    return plan, weighted


def qdq_model(tensors, layers, in_shape, classes, ranges):
    """QDQ: float tensors between the nodes, Q→DQ pairs where quantize_static puts them."""
    plan, weighted = plan_static(tensors, layers, ranges)
    g = Graph()
    t = 'input'
    grid = None  # (scale, zp) the current float tensor sits on (it came out of a DequantizeLinear)

    def qdq(t, scale, zp):
        s = g.init('scale', F32(scale))
        z = g.init('zero_point', np.uint8(zp))
        q = g.node('QuantizeLinear', [t, s, z], 'q')
        return g.node('DequantizeLinear', [q, s, z], 'dq')

    for idx, l in enumerate(layers):
        k = l['kind']
        if k in ('linear', 'conv2d'):
            p = plan[idx]
            if grid != (p['s_x'], p['z_x']):
                t = qdq(t, p['s_x'], p['z_x'])
            w = g.node('DequantizeLinear', [g.init(l['name'] + '.weight_quantized', p['codes']),
                                            g.init(l['name'] + '.weight_scale', p['s_w']),
                                            g.init(l['name'] + '.weight_zero_point', np.zeros(len(p['s_w']), np.int8))],
                       l['name'] + '.weight_dq', axis=0)
            b = g.node('DequantizeLinear', [g.init(l['name'] + '.bias_quantized', p['qb']),
                                            g.init(l['name'] + '.bias_scale', p['bias_scale']),
                                            g.init(l['name'] + '.bias_zero_point', np.zeros(len(p['qb']), np.int32))],
                       l['name'] + '.bias_dq', axis=0)
            if k == 'linear':
                t = g.node('Gemm', [t, w, b], l['name'], transB=1)
            else:
                t = g.node('Conv', [t, w, b], l['name'], **conv_attrs(l))
            grid = None
            if p['out'] is not None:
                t = qdq(t, *p['out'])
                grid = p['out']
        elif k == 'relu':
            if grid is not None and grid[1] == 0:
                continue  # the grid starts at 0: Relu is the requantization's clamp (removed, as ORT does)
            t = g.node('Relu', [t], 'relu')
            if grid is not None:
                t = qdq(t, *grid)
        elif k in ('maxpool2d', 'flatten'):
            # 8-bit-direct ops: computed on the codes, output on the input's grid (DQ → op → Q).
            t = g.node('MaxPool', [t], 'maxpool', **pool_attrs(l)) if k == 'maxpool2d' else \
                g.node('Flatten', [t], 'flatten', axis=1)
            if grid is not None:
                t = qdq(t, *grid)
    rename_output(g, t)
    return g.model('input', 'logits', in_shape, classes, 'static int8, QDQ format (quantize_static recipe)')


def qop_model(tensors, layers, in_shape, classes, ranges):
    """QOperator: uint8 tensors between the nodes, QLinearConv / QGemm (com.microsoft)."""
    plan, weighted = plan_static(tensors, layers, ranges)
    g = Graph()
    t = 'input'
    grid = None  # (scale, zp) when t holds uint8 codes
    uses_ms = False

    def scalar(base, v, dtype):
        return g.init(base, dtype(v))

    for idx, l in enumerate(layers):
        k = l['kind']
        if k in ('linear', 'conv2d'):
            p = plan[idx]
            if grid != (p['s_x'], p['z_x']):
                if grid is not None:
                    t = g.node('DequantizeLinear', [t, scalar('scale', grid[0], F32), scalar('zp', grid[1], np.uint8)], 'dq')
                t = g.node('QuantizeLinear', [t, scalar('scale', p['s_x'], F32), scalar('zp', p['z_x'], np.uint8)], 'q')
            xs, xz = scalar('x_scale', p['s_x'], F32), scalar('x_zp', p['z_x'], np.uint8)
            ws = g.init(l['name'] + '.weight_scale', p['s_w'])
            wz = g.init(l['name'] + '.weight_zero_point', np.zeros(len(p['s_w']), np.int8))
            wq = g.init(l['name'] + '.weight_quantized', p['codes'])
            bq = g.init(l['name'] + '.bias_quantized', p['qb'])
            if k == 'conv2d':
                if p['out'] is None:
                    raise ValueError('a Conv2d as the last layer is not exported in QOperator form')
                ys, yz = scalar('y_scale', p['out'][0], F32), scalar('y_zp', p['out'][1], np.uint8)
                t = g.node('QLinearConv', [t, xs, xz, wq, ws, wz, ys, yz, bq], l['name'], **conv_attrs(l))
            else:
                uses_ms = True
                ins = [t, xs, xz, wq, ws, wz, bq]
                if p['out'] is not None:
                    ins += [scalar('y_scale', p['out'][0], F32), scalar('y_zp', p['out'][1], np.uint8)]
                t = g.node('QGemm', ins, l['name'], domain='com.microsoft', transB=1)
            grid = p['out']
        elif k == 'relu':
            if grid is not None and grid[1] == 0:
                continue
            if grid is not None:
                t = g.node('DequantizeLinear', [t, scalar('scale', grid[0], F32), scalar('zp', grid[1], np.uint8)], 'dq')
                grid = None
            t = g.node('Relu', [t], 'relu')
        elif k == 'maxpool2d':
            t = g.node('MaxPool', [t], 'maxpool', **pool_attrs(l))  # uint8 MaxPool: opset ≥ 12
        elif k == 'flatten':
            t = g.node('Flatten', [t], 'flatten', axis=1)
    if grid is not None:
        t = g.node('DequantizeLinear', [t, scalar('scale', grid[0], F32), scalar('zp', grid[1], np.uint8)], 'dq')
    rename_output(g, t)
    return g.model('input', 'logits', in_shape, classes, 'static int8, QOperator format',
                   extra_opsets=[('com.microsoft', 1)] if uses_ms else ())


def perturb(tensors, layers, cls):
    last = [l for l in layers if l['kind'] in ('linear', 'conv2d')][-1]
    tensors = dict(tensors)
    b = tensors[last['name'] + '.bias'].copy()
    b[cls] += F32(10)
    tensors[last['name'] + '.bias'] = b
    return tensors


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('model')
    ap.add_argument('--calibration', help='JSON with "ranges": [[lo, hi], ...] (needed for qdq / qop)')
    ap.add_argument('--out-dir', required=True)
    ap.add_argument('--stem', help='file name stem (default: the model file name without extension)')
    ap.add_argument('--forms', default='float,qdq,qop')
    ap.add_argument('--perturb', type=int, help='add 10 to this class of the last bias (test fixture)')
    a = ap.parse_args(argv)
    tensors, meta, order = read_safetensors(a.model)
    layers, in_shape = layer_list(tensors, meta, order)
    check_supported(layers)
    if a.perturb is not None:
        tensors = perturb(tensors, layers, a.perturb)
    classes = [l for l in layers if l['kind'] in ('linear', 'conv2d')][-1]['out']
    forms = a.forms.split(',')
    ranges = None
    if any(f in ('qdq', 'qop') for f in forms):
        if not a.calibration:
            raise SystemExit('--calibration RANGES.json is needed for the qdq and qop forms')
        with open(a.calibration) as f:
            ranges = json.load(f)['ranges']
    stem = a.stem or os.path.splitext(os.path.basename(a.model))[0]
    os.makedirs(a.out_dir, exist_ok=True)
    builders = {'float': lambda: float_model(tensors, layers, in_shape, classes),
                'qdq': lambda: qdq_model(tensors, layers, in_shape, classes, ranges),
                'qop': lambda: qop_model(tensors, layers, in_shape, classes, ranges)}
    written = {}
    for form in forms:
        if form not in builders:
            raise SystemExit(f"unknown form '{form}': float, qdq, qop")
        m = builders[form]()
        if form != 'qop':
            onnx.checker.check_model(m)  # the checker does not know com.microsoft QGemm
        path = os.path.join(a.out_dir, f'{stem}.{form}.onnx')
        onnx.save(m, path)
        written[form] = path
    print(json.dumps(written))


if __name__ == '__main__':
    main(sys.argv[1:])
