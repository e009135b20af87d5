// Builds tiny ONNX models in memory for the benchmark's onnxruntime-web peer: one node,
// MatMulInteger (uint8|int8 A × int8 B → int32) or MatMul (float32), with B and the zero points
// stored as initializers so ORT can pre-pack the weights once, as it does for a real model.
//
// Protocol-buffer wire format, written directly (the reader side is src/io/protobuf_wire.cpp):
// a message is a sequence of (tag, value) with tag = field_number << 3 | wire_type; we emit only
// wire type 0 (varint: integers, enums) and 2 (length-delimited: strings, bytes, sub-messages).
// Only the fields ORT needs are written; field numbers are those of onnx/onnx.proto.
// No Node or DOM imports: used by the Node bench and the headless-Chromium page alike.

const VARINT = 0;
const LEN = 2;

// TensorProto.DataType values (onnx.proto).
export const ONNX_FLOAT = 1;
export const ONNX_UINT8 = 2;
export const ONNX_INT8 = 3;
export const ONNX_INT32 = 6;

const utf8 = new TextEncoder();

/** Accumulates the bytes of one message. Nested messages are encoded first, then embedded as bytes. */
class ProtoWriter {
  constructor() { this.parts = []; this.length = 0; }

  _push(bytes) { this.parts.push(bytes); this.length += bytes.length; }

  _varint(value) {
    // Non-negative integers below 2^53 only (sizes, enums, versions): 7 bits per byte, low first.
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`varint out of range: ${value}`);
    const out = [];
    while (value >= 0x80) { out.push((value % 0x80) | 0x80); value = Math.floor(value / 0x80); }
    out.push(value);
    this._push(Uint8Array.from(out));
  }

  int(field, value) { this._varint(field * 8 + VARINT); this._varint(value); return this; }

  bytes(field, data) { this._varint(field * 8 + LEN); this._varint(data.length); this._push(data); return this; }

  string(field, text) { return this.bytes(field, utf8.encode(text)); }

  message(field, writer) { return this.bytes(field, writer.finish()); }

  finish() {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) { out.set(p, at); at += p.length; }
    return out;
  }
}

// TypeProto { tensor_type(1): TypeProto.Tensor { elem_type(1), shape(2): TensorShapeProto {
// dim(1): Dimension { dim_value(1) } } } }, inside ValueInfoProto { name(1), type(2) }.
// Fixed dims (no dim_param): every session is built for one shape, so ORT may plan for it.
function valueInfo(name, elemType, dims) {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, new ProtoWriter().int(1, d));
  const tensorType = new ProtoWriter().int(1, elemType).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

// TensorProto { dims(1) repeated int64, data_type(2), name(8), raw_data(9) }. raw_data holds the
// values little-endian, which is also the byte order of typed arrays on every engine we run on.
// dims are written one tag per value (unpacked), like protobuf's own proto2 encoder; no dims = scalar.
function initializer(name, dataType, dims, typed) {
  const t = new ProtoWriter();
  for (const d of dims) t.int(1, d);
  t.int(2, dataType).string(8, name);
  return t.bytes(9, new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
}

// NodeProto { input(1) repeated, output(2) repeated, name(3), op_type(4) }; an empty input name
// marks an omitted optional input (ONNX convention), which keeps b_zero_point positional.
function node(opType, inputs, outputs) {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  return n.string(3, `${opType}_0`).string(4, opType);
}

// ModelProto { ir_version(1), producer_name(2), graph(7), opset_import(8): OperatorSetIdProto {
// domain(1) = '' (the default ai.onnx domain, written explicitly), version(2) } }.
// GraphProto { node(1), name(2), initializer(5), input(11), output(12) }.
// ir_version 8 with opset 13: both ops exist unchanged there (MatMulInteger since opset 10,
// MatMul since 13) and any ORT of the last years loads this pair.
function model({ nodes, initializers, inputs, outputs }) {
  const g = new ProtoWriter();
  for (const n of nodes) g.message(1, n);
  g.string(2, 'qplay_bench');
  for (const t of initializers) g.message(5, t);
  for (const v of inputs) g.message(11, v);
  for (const v of outputs) g.message(12, v);
  return new ProtoWriter()
    .int(1, 8)
    .string(2, 'quantization-playground bench')
    .message(7, g)
    .message(8, new ProtoWriter().string(1, '').int(2, 13))
    .finish();
}

/**
 * MatMulInteger: Y int32 [M,N] = (A − a_zero_point) · (B − b_zero_point).
 * A is the graph input 'A' (uint8 or int8 [M,K]); B (int8 [K,N]) and the zero points are
 * initializers. aZeroPoint/bZeroPoint: a number (scalar per-tensor zero point) or null to omit the
 * input (ONNX: zero point 0). a_zero_point has A's type, b_zero_point int8.
 */
export function matMulIntegerModel({ M, K, N, aType, b, aZeroPoint = null, bZeroPoint = null }) {
  if (aType !== 'uint8' && aType !== 'int8') throw new Error(`aType must be 'uint8' or 'int8', got ${aType}`);
  if (!(b instanceof Int8Array) || b.length !== K * N) throw new Error(`B must be an Int8Array of ${K}×${N}`);
  const aOnnx = aType === 'uint8' ? ONNX_UINT8 : ONNX_INT8;
  const AZp = aType === 'uint8' ? Uint8Array : Int8Array;
  const initializers = [initializer('B', ONNX_INT8, [K, N], b)];
  const inputs = ['A', 'B', '', ''];
  if (aZeroPoint !== null) {
    initializers.push(initializer('a_zero_point', aOnnx, [], AZp.of(aZeroPoint)));
    inputs[2] = 'a_zero_point';
  }
  if (bZeroPoint !== null) {
    initializers.push(initializer('b_zero_point', ONNX_INT8, [], Int8Array.of(bZeroPoint)));
    inputs[3] = 'b_zero_point';
  }
  while (inputs[inputs.length - 1] === '') inputs.pop();  // trailing omitted inputs: simply absent
  return model({
    nodes: [node('MatMulInteger', inputs, ['Y'])],
    initializers,
    inputs: [valueInfo('A', aOnnx, [M, K])],
    outputs: [valueInfo('Y', ONNX_INT32, [M, N])],
  });
}

/** MatMul float32: Y [M,N] = A [M,K] · B [K,N], B an initializer. */
export function matMulFloatModel({ M, K, N, b }) {
  if (!(b instanceof Float32Array) || b.length !== K * N) throw new Error(`B must be a Float32Array of ${K}×${N}`);
  return model({
    nodes: [node('MatMul', ['A', 'B'], ['Y'])],
    initializers: [initializer('B', ONNX_FLOAT, [K, N], b)],
    inputs: [valueInfo('A', ONNX_FLOAT, [M, K])],
    outputs: [valueInfo('Y', ONNX_FLOAT, [M, N])],
  });
}
