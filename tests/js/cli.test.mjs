// The qplay CLI as a user runs it: output, the .npz layout, exit codes and one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { sourceFromPath } from '../../web/lib/node_sources.mjs';
import { repoRoot, weightLike, sameBytes } from './helpers.mjs';

const cli = path.join(repoRoot, 'web/cli/qplay.mjs');
const work = mkdtempSync(path.join(tmpdir(), 'qplay-cli-'));
const qp = await loadQplay();

function qplay(...args) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const x = weightLike(6, 10, 42);
x[7] = 0;
const input = path.join(work, 'w.npy');
writeFileSync(input, qp.encodeNpy(x, [6, 10]));

test('inspect prints dtype, shape, statistics and non-finite counts', () => {
  const r = qplay('inspect', input);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /<f4 \[6, 10\], 60 values/);
  assert.match(r.out, /NaN 0 {2}\+Inf 0 {2}-Inf 0/);
  const withNan = Float32Array.from(x);
  withNan[3] = NaN;
  withNan[4] = -Infinity;
  const bad = path.join(work, 'nan.npy');
  writeFileSync(bad, qp.encodeNpy(withNan, [60]));
  const j = qplay('inspect', bad, '--json');
  assert.equal(j.code, 0, j.err);
  const info = JSON.parse(j.out);
  assert.equal(info.format, 'npy');
  const st = info.tensors[0].stats;
  assert.equal(st.nanCount, 1);
  assert.equal(st.negInfCount, 1);
  assert.equal(st.finiteCount, 58);
  const s = qp.stats(withNan);
  assert.equal(st.mean, s.mean);
});

test('quantize writes the documented .npz and --json matches the API', () => {
  const out = path.join(work, 'q.npz');
  const r = qplay('quantize', input, '--bits', '4', '--scheme', 'symmetric', '--per-channel', '0',
                  '--mode', 'onnx', '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(r.out);
  const api = qp.quantize(x, [6, 10], { bits: 4, scheme: 'symmetric', axis: 0, mode: 'onnx' });
  assert.equal(summary.tensors.length, 1);
  assert.deepEqual(summary.tensors[0].scales, Array.from(api.scales));
  assert.equal(summary.tensors[0].metrics.sqnrDb, api.metrics.sqnrDb);
  const files = unzipSync(readFileSync(out));
  assert.deepEqual(Object.keys(files).sort(),
    ['codes.npy', 'dequantized.npy', 'observed_max.npy', 'observed_min.npy', 'scales.npy', 'zero_points.npy']);
  const codes = qp.readNpy(files['codes.npy']);
  assert.equal(codes.dtype, '|i1');
  assert.deepEqual(codes.shape, [6, 10]);
  assert.deepEqual(Array.from(codes.data), Array.from(api.codes));
  const deq = qp.readNpy(files['dequantized.npy']);
  assert.ok(sameBytes(deq.data, api.dequantized));
  assert.equal(qp.readNpy(files['scales.npy']).dtype, '<f4');
  assert.equal(qp.readNpy(files['zero_points.npy']).dtype, '<i4');
  assert.deepEqual(qp.readNpy(files['scales.npy']).shape, [6]);
});

test('--unsigned writes uint8 codes; the text summary names the scheme', () => {
  const out = path.join(work, 'u.npz');
  const r = qplay('quantize', input, '--bits', '8', '--unsigned', '--out', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /int8u affine per tensor \(pytorch\)/);
  assert.match(r.out, /SQNR [\d.]+ dB/);
  assert.equal(qp.readNpy(unzipSync(readFileSync(out))['codes.npy']).dtype, '|u1');
});

test('bad input: one line on stderr, no stack trace, non-zero exit', () => {
  const garbage = path.join(work, 'garbage.npy');
  writeFileSync(garbage, 'definitely not numpy');
  const nan = path.join(work, 'nan2.npy');
  writeFileSync(nan, qp.encodeNpy(new Float32Array([1, NaN]), [2]));
  const out = path.join(work, 'o.npz');
  const cases = [
    [['quantize', path.join(work, 'missing.npy'), '--bits', '4', '--out', out], 1, /no such file/],
    [['quantize', garbage, '--bits', '4', '--out', out], 1, /not a valid \.npy file/],
    [['quantize', nan, '--bits', '4', '--out', out], 1, /1 NaN/],
    [['quantize', input, '--bits', '9', '--out', out], 1, /takes 2 to 8 bits, got 9/],
    [['quantize', input, '--bits', 'four', '--out', out], 2, /--bits needs an integer/],
    [['quantize', input, '--bits', '4'], 2, /needs --out/],
    [['quantize', input, '--bits', '4', '--out', out, '--scheme', 'asym'], 1, /unknown scheme/],
    [['quantize', input, '--bits', '4', '--out', out, '--per-channel', '5'], 1, /axis 5 is out of range/],
    [['quantize', input, '--bits', '4', '--out', path.join(work, 'no/such/dir/o.npz')], 1, /cannot write/],
    [['inspect', input, '--frobnicate'], 2, /Unknown option/],
    [['explode', input], 2, /unknown command/],
    [['inspect', input, '--tensor', 'nope'], 1, /no tensor named 'nope'/],
    [['quantize', input, '--bits', '4', '--out', path.join(work, 'o.bin')], 2, /\.npz or \.safetensors/],
    [['inspect', path.join(repoRoot, 'tests/malformed/safetensors/overlap.safetensors')], 1, /overlap\.safetensors: tensor 'b' overlaps/],
    [[], 2, /usage/],
  ];
  for (const [args, code, message] of cases) {
    const r = qplay(...args);
    const text = r.err + (code === 2 && args.length === 0 ? r.out : '');
    assert.equal(r.code, code, `${args.join(' ')}: exit ${r.code}, stderr ${r.err}`);
    assert.match(text, message, args.join(' '));
    assert.doesNotMatch(r.err, /\n\s+at /, `stack trace for ${args.join(' ')}`);
    assert.ok(r.err.trim().split('\n').length <= 1, `more than one line for ${args.join(' ')}`);
  }
});

const fixtures = path.join(repoRoot, 'tests/fixtures/safetensors');

test('inspect lists a sharded safetensors checkpoint as one model, --tensor filters', () => {
  const shards = ['model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']
    .map((f) => path.join(fixtures, f));
  const r = qplay('inspect', ...shards, '--json');
  assert.equal(r.code, 0, r.err);
  const info = JSON.parse(r.out);
  assert.equal(info.format, 'safetensors');
  assert.deepEqual(info.tensors.map((t) => t.name), ['layers.0.weight', 'layers.1.weight', 'layers.2.weight', 'layers.3.weight']);
  assert.equal(info.parameters, 4 * 32);
  const one = qplay('inspect', ...shards, '--tensor', 'layers.3.weight');
  assert.equal(one.code, 0, one.err);
  assert.match(one.out, /layers\.3\.weight: F32 \[8, 4\], 32 values, 128 B\n {2}min /);
  const missing = qplay('inspect', shards[0], shards[1]);
  assert.match(missing.out, /warning: missing shards.*model-00002-of-00002/);
});

test('quantize a safetensors model: quantized and dequantized exports re-open with the same values', () => {
  const src = path.join(fixtures, 'all_dtypes.safetensors');
  const out = path.join(work, 'q.safetensors');
  const fq = path.join(work, 'fq.safetensors');
  const r = qplay('quantize', src, '--bits', '8', '--scheme', 'symmetric', '--per-channel', '0',
                  '--out', out, '--dequantized-out', fq, '--json');
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(r.out);
  // Default selection: float tensors of rank >= 2.
  assert.deepEqual(summary.tensors.map((t) => t.name), ['weight.f32', 'weight.f64', 'weight.f16']);
  // fp8.e4m3 holds every byte pattern, NaN included: skipped with a note, kept unchanged.
  assert.deepEqual(summary.skipped.map((t) => t.name), ['fp8.e4m3']);
  assert.match(r.err, /note: skipped tensor 'fp8\.e4m3': .*NaN/);
  const original = qp.openModel([sourceFromPath(src)]);
  const q = qp.openModel([sourceFromPath(out)]);
  const deq = qp.openModel([sourceFromPath(fq)]);
  for (const t of summary.tensors) {
    const x = original.readTensor(t.name);
    const api = qp.quantize(x.data, x.shape, { bits: 8, scheme: 'symmetric', axis: 0 });
    assert.equal(q.tensors.find((e) => e.name === t.name).dtype, 'i8');
    assert.deepEqual(Array.from(q.readTensor(t.name).data), Array.from(api.codes), t.name);
    assert.deepEqual(Array.from(q.readTensor(`${t.name}.scale`).data), Array.from(api.scales));
    assert.deepEqual(Array.from(q.readTensor(`${t.name}.zero_point`).data), Array.from(api.zeroPoints));
    assert.ok(sameBytes(deq.readTensor(t.name).data, api.dequantized), t.name);
  }
  // Everything else travels along unchanged (as float32).
  const kept = original.tensors.filter((t) => !summary.tensors.some((s) => s.name === t.name));
  assert.equal(kept.length, 14);
  for (const t of kept) {
    assert.ok(sameBytes(deq.readTensor(t.name).data, original.readTensor(t.name).data), t.name);
  }
  const layout = JSON.parse(Object.fromEntries(q.metadata)['qplay.quantization']);
  assert.equal(layout['weight.f32'].axis, 0);
  assert.equal(layout['weight.f32'].scheme, 'symmetric');
});

test('per-group quantize: scales have the tensor shape with the axis cut into groups, and broadcast back', () => {
  const out = path.join(work, 'g.safetensors');
  const r = qplay('quantize', input, '--bits', '4', '--per-channel', '1', '--group-size', '4', '--narrow-range',
                  '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const t = JSON.parse(r.out).tensors[0];
  assert.equal(t.groupSize, 4);
  assert.equal(t.narrowRange, true);
  assert.equal(t.qmin, -7);
  const q = qp.openModel([sourceFromPath(out)]);
  const name = q.tensors.find((e) => e.dtype === 'i8').name;
  const codes = q.readTensor(name).data;
  const scale = q.readTensor(`${name}.scale`);
  const zp = q.readTensor(`${name}.zero_point`).data;
  assert.deepEqual(scale.shape, [6, 3]);  // [6, 10] in groups of 4 along axis 1: 4 + 4 + 2
  // Dequantizing with the broadcast scales reproduces the API's reconstruction exactly.
  const api = qp.quantize(x, [6, 10], { bits: 4, axis: 1, groupSize: 4, narrowRange: true });
  for (let row = 0; row < 6; row++) {
    for (let col = 0; col < 10; col++) {
      const u = row * 3 + Math.floor(col / 4);
      const v = Math.fround((codes[row * 10 + col] - zp[u]) * scale.data[u]);
      assert.equal(v, api.dequantized[row * 10 + col]);
    }
  }
  q.close();
  const bad = qplay('quantize', input, '--bits', '4', '--group-size', '4', '--out', out);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--group-size needs --per-channel AXIS/);
});

test('compare prints the schemes with the Pareto front; --json matches the API; schemes lists the registry', () => {
  const r = qplay('compare', input, '--json');
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out);
  const api = qp.compareSchemes(x, [6, 10]);
  assert.deepEqual(out.rows.map((row) => row.label), api.map((row) => row.label));
  assert.deepEqual(out.rows.map((row) => row.pareto), api.map((row) => row.pareto));
  assert.deepEqual(out.rows.map((row) => row.metrics.mse), api.map((row) => row.metrics.mse));
  const text = qplay('compare', input);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^\* .*int8 sym per channel/m);
  const list = qplay('schemes');
  assert.equal(list.code, 0, list.err);
  for (const s of qp.schemes()) assert.match(list.out, new RegExp(`^${s.name} `, 'm'));
});

test('quantize --format: any registered format writes its reconstruction; --out needs the int format', () => {
  const fq = path.join(work, 'ternary.safetensors');
  const r = qplay('quantize', input, '--format', 'ternary', '--per-channel', '0', '--dequantized-out', fq, '--json');
  assert.equal(r.code, 0, r.err);
  const t = JSON.parse(r.out).tensors[0];
  const api = qp.runScheme(x, [6, 10], { format: 'ternary', axis: 0 });
  assert.equal(t.label, api.label);
  assert.equal(t.bitsPerWeight, api.bitsPerWeight);
  const back = qp.openModel([sourceFromPath(fq)]);
  assert.ok(sameBytes(back.readTensor(0).data, api.dequantized));
  assert.equal(JSON.parse(Object.fromEntries(back.metadata)['qplay.dequantized_from'])[back.tensors[0].name].format, 'ternary');
  back.close();
  const bad = qplay('quantize', input, '--format', 'ternary', '--out', path.join(work, 'x.npz'));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--out writes integer codes.*needs --format int/);
  const unknown = qplay('quantize', input, '--format', 'int3000', '--dequantized-out', fq);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /unknown format 'int3000' \(expected one of: int, binary, ternary/);
});
