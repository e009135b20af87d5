// The runtime-independent part of the network benchmark (issue #6): one model through our engines
// and onnxruntime-web, cross-check, batch-256 throughput, batch-1 latency, the ratios and the
// markdown table. Used by scripts/bench_network.mjs (Node) and network_browser.mjs (Chromium page).
import { argmaxRows, ortRunner, ourRunner } from './network_runners.mjs';

export const FLOAT_TOLERANCE = 0.001;   // share of differing predictions, float vs float: rounding-order ties
// int8 vs our static (float-multiplier requantization, as ORT's): the input is quantized by ORT
// dividing by the scale, by us multiplying by its inverse (PyTorch), and the float products round apart.
export const INT8_TOLERANCE = 0.005;

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function predictAll(runner, x, count, sample, classes) {
  const preds = new Int32Array(count);
  const logits = new Float32Array(count * classes);
  for (let b = 0; b < count; b += 256) {
    const n = Math.min(256, count - b);
    const y = await runner.logits(x.subarray(b * sample, (b + n) * sample), n);
    logits.set(y.subarray(0, n * classes), b * classes);
    argmaxRows(y, n, classes, preds, b);
  }
  return { preds, logits };
}

function compare(a, b) {
  let differ = 0, maxAbs = 0;
  for (let i = 0; i < a.preds.length; i++) differ += a.preds[i] !== b.preds[i];
  for (let i = 0; i < a.logits.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a.logits[i] - b.logits[i]));
  return { differ, maxAbsLogitDiff: maxAbs };
}

/**
 * One model through every runner. source: { name, file (for the record), bytes, standIn };
 * onnxFor(ranges) → { float, qdq?, qop? } as { name, bytes } (Node: network_onnx.py; the page: files
 * the driver made); data: { test, calib, calibrationCount } (core datasets); opts: { limit, repeats,
 * latencyRuns, forms }; cpuSeconds() (Node: process CPU time) adds images per CPU second, a figure
 * less disturbed by other jobs on a shared machine than the wall-clock one.
 */
export async function benchModel({ qp, ort, data, source, onnxFor, opts, log, cpuSeconds = null }) {
  const { test, calib, calibrationCount } = data;
  const network = qp.loadNetwork(source.bytes, `${source.name}.safetensors`);
  const count = Math.min(opts.limit, test.count);
  const sample = test.sample.reduce((p, v) => p * v, 1);
  const inputShape = network.info.input;
  const classes = network.info.classes;
  const ranges = network.calibrate(calib, { count: calibrationCount });
  const files = await onnxFor(ranges);
  const runners = [
    ourRunner(network, { name: 'ours float32', kind: 'float', options: { mode: 'float' } }),
    // Static int8 requantizes with a float multiplier as ONNX Runtime does (the engine's default);
    // the integer-only gemmlowp/TFLite fixed-point variant is timed beside it.
    ourRunner(network, { name: 'ours static int8', kind: 'static', options: { mode: 'static', bits: 8, ranges, requantization: 'float' } }),
    ourRunner(network, { name: 'ours static int8 fixed-point', kind: 'static-fixed', options: { mode: 'static', bits: 8, ranges, requantization: 'fixed-point' } }),
    ourRunner(network, { name: 'ours dynamic int8', kind: 'dynamic', options: { mode: 'dynamic', bits: 8 } }),
  ];
  const ortNames = { float: 'ORT float32', qdq: 'ORT int8 QDQ', qop: 'ORT int8 QOperator' };
  for (const form of ['float', ...opts.forms]) {
    if (!files[form]) continue;
    runners.push(await ortRunner(ort, { name: ortNames[form], kind: form, modelBytes: files[form].bytes, inputShape }));
  }
  const x = test.inputs(0, count);
  const labels = test.labels.subarray(0, count);

  // 1. Cross-check: ORT float against ours float, every int8 runner against ours static int8.
  log(`${source.name}: predictions of ${runners.length} runners on ${count} images`);
  const out = new Map();
  for (const r of runners) out.set(r, await predictAll(r, x, count, sample, classes));
  const byKind = (k) => runners.find((r) => r.kind === k);
  const rows = runners.map((r) => {
    const p = out.get(r).preds;
    let correct = 0;
    for (let i = 0; i < count; i++) correct += p[i] === labels[i];
    const ref = r.side === 'ours' ? null : r.kind === 'float' ? byKind('float') : byKind('static');
    const check = ref ? { against: ref.name, ...compare(out.get(r), out.get(ref)) } : null;
    const tolerance = ref ? Math.ceil((r.kind === 'float' ? FLOAT_TOLERANCE : INT8_TOLERANCE) * count) : null;
    const agrees = !check || check.differ <= tolerance;
    return { runner: r, name: r.name, side: r.side, kind: r.kind, modelBytes: r.modelBytes, accuracy: correct / count,
      check: check && { ...check, tolerance, agrees }, agrees, imagesPerSecond: null, passSeconds: [], imagesPerCpuSecond: null, passCpuSeconds: [], batch1MedianUs: null, batch1Us: [] };
  });
  // ours dynamic vs ours float, for information (different numerics, no tolerance).
  // For information (other numerics, no tolerance): dynamic against float, fixed-point against float-multiplier static.
  for (const [kind, against] of [['dynamic', 'float'], ['static-fixed', 'static']]) {
    const r = rows.find((x) => x.kind === kind);
    r.check = { against: byKind(against).name, ...compare(out.get(r.runner), out.get(byKind(against))), tolerance: null, agrees: true };
  }
  out.clear();
  const timed = rows.filter((r) => r.agrees);
  for (const r of rows) if (!r.agrees) log(`${source.name}: ${r.name} DISAGREES with ${r.check.against}: ${r.check.differ} predictions differ (tolerance ${r.check.tolerance}); not timed`);

  // 2. Throughput at batch 256 over the whole set, best of R, runners interleaved per repeat.
  const batches = [];
  for (let b = 0; b < count; b += 256) batches.push([x.subarray(b * sample, Math.min(b + 256, count) * sample), Math.min(256, count - b)]);
  const prepared = new Map(timed.map((r) => [r, batches.map(([v, n]) => r.runner.prepare(v, n))]));
  for (const r of timed) await r.runner.runPrepared(prepared.get(r)[0]);  // warm-up
  for (let rep = 0; rep < opts.repeats; rep++) {
    for (const r of timed) {
      const c0 = cpuSeconds?.();
      const t0 = performance.now();
      for (const t of prepared.get(r)) await r.runner.runPrepared(t);
      r.passSeconds.push((performance.now() - t0) / 1e3);
      if (cpuSeconds) r.passCpuSeconds.push(cpuSeconds() - c0);
    }
    log(`${source.name}: throughput pass ${rep + 1}/${opts.repeats}`);
  }
  for (const r of timed) {
    r.imagesPerSecond = count / Math.min(...r.passSeconds);
    if (cpuSeconds) r.imagesPerCpuSecond = count / Math.min(...r.passCpuSeconds);
  }

  // 3. Batch-1 latency: image i through every runner in turn, median per runner.
  const runs = Math.min(opts.latencyRuns, count);
  const singles = Array.from({ length: runs }, (_, i) => x.subarray(i * sample, (i + 1) * sample));
  const prepared1 = new Map(timed.map((r) => [r, singles.map((v) => r.runner.prepare(v, 1))]));
  for (const r of timed) for (let i = 0; i < Math.min(5, runs); i++) await r.runner.runPrepared(prepared1.get(r)[i]);
  for (let i = 0; i < runs; i++) {
    for (const r of timed) {
      const t0 = performance.now();
      await r.runner.runPrepared(prepared1.get(r)[i]);
      r.batch1Us.push((performance.now() - t0) * 1e3);
    }
  }
  for (const r of timed) r.batch1MedianUs = median(r.batch1Us);
  for (const r of runners) await r.dispose();
  network.release();
  return { model: source.name, file: source.file, standIn: source.standIn, count,
    latencyRuns: runs, ranges, onnx: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.name])),
    rows: rows.map(({ runner, batch1Us, ...r }) => r) };
}

/** The ratios the issue sets targets for (throughput at 256: a/b; latency at 1: b/a). */
export function ratios(m) {
  const row = (name) => m.rows.find((r) => r.name === name && r.imagesPerSecond !== null);
  const bestOrtInt8 = m.rows.filter((r) => r.side === 'ort' && r.kind !== 'float' && r.imagesPerSecond !== null)
    .sort((a, b) => b.imagesPerSecond - a.imagesPerSecond)[0];
  const bestOrtInt8Latency = m.rows.filter((r) => r.side === 'ort' && r.kind !== 'float' && r.batch1MedianUs !== null)
    .sort((a, b) => a.batch1MedianUs - b.batch1MedianUs)[0];
  const ortInt8Cpu = m.rows.filter((r) => r.side === 'ort' && r.kind !== 'float' && r.imagesPerCpuSecond !== null)
    .sort((a, b) => b.imagesPerCpuSecond - a.imagesPerCpuSecond);
  // Per CPU second: the same ratio with each pass's process CPU time instead of its wall time.
  // On a shared machine the best wall-clock pass of each runner falls in quieter or busier moments;
  // CPU time is much less sensitive to that (Node only).
  const pair = (a, b, bLat = b, bCpu = b) => {
    const perCpuSecond = a?.imagesPerCpuSecond && bCpu?.imagesPerCpuSecond ? a.imagesPerCpuSecond / bCpu.imagesPerCpuSecond : null;
    return {
      throughput: a && b ? a.imagesPerSecond / b.imagesPerSecond : null,
      perCpuSecond,
      latency: a && bLat ? bLat.batch1MedianUs / a.batch1MedianUs : null,
      vs: [a?.name ?? null, b?.name ?? null, bLat?.name ?? null, perCpuSecond === null ? null : bCpu?.name ?? null],
    };
  };
  return {
    oursInt8OverOursFloat: pair(row('ours static int8'), row('ours float32')),
    oursInt8OverOrtInt8: pair(row('ours static int8'), bestOrtInt8, bestOrtInt8Latency, ortInt8Cpu[0] ?? bestOrtInt8),
    oursFloatOverOrtFloat: pair(row('ours float32'), row('ORT float32')),
    oursDynamicOverOursFloat: pair(row('ours dynamic int8'), row('ours float32')),
    oursFixedPointOverOursFloat: pair(row('ours static int8 fixed-point'), row('ours float32')),
    oursFixedPointOverOrtInt8: pair(row('ours static int8 fixed-point'), bestOrtInt8, bestOrtInt8Latency, ortInt8Cpu[0] ?? bestOrtInt8),
  };
}

const fmt = (v, d = 2) => (v === null || v === undefined ? '–' : v.toFixed(d));
const times = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(2)}×`);

export function formatMarkdown(result) {
  const { meta } = result;
  const lines = [`# Network benchmark (issue #6), ${meta.runtime} ${meta.runtimeVersion}, ${meta.date}`, '',
    `CPU: ${meta.cpu} (${meta.cores} cores${meta.cpuDetail ? `; ${meta.cpuDetail}` : ''}). ` +
    `ORT: onnxruntime-web ${meta.ort.version}, ${meta.ort.backend}, ${meta.ort.numThreads} thread. Ours: ${meta.ours}.`,
    `Load average (1, 5, 15 min): before ${meta.loadBefore.map((v) => v.toFixed(2)).join(' ')}, ` +
    `after ${meta.loadAfter.map((v) => v.toFixed(2)).join(' ')}` +
    (typeof meta.cpuShare === 'number' ? `; during the timed passes this process got ${meta.cpuShare.toFixed(2)} CPU-s per wall-clock second.` : '.') +
    (meta.quick ? ' **--quick: rough numbers.**' : ''),
    ...(meta.runtime === 'chromium' ? ['Batch-1 times come from performance.now(), which Chromium coarsens to 5 µs steps (100 µs without cross-origin isolation); no CPU time in a page.'] : []),
    ...(meta.note ? [`Note: ${meta.note}`] : []), ''];
  for (const m of result.models) {
    lines.push(`## ${m.model}${m.standIn ? ' (stand-in: random features + class-mean readout, not trained)' : ''}: ${m.count} test images, ` +
      `batch 256 best of ${meta.repeats}, batch-1 median of ${m.latencyRuns}`, '',
    '| runner | accuracy | differing predictions (vs) | img/s @256 | img per CPU-s @256 | batch-1 µs (median) |', '|---|---:|---|---:|---:|---:|');
    for (const r of m.rows) {
      const check = r.check ? `${r.check.differ} vs ${r.check.against}${r.check.tolerance !== null ? ` (tol. ${r.check.tolerance})` : ''}` +
        (r.check.agrees ? '' : ' **DISAGREES: not timed**') : '–';
      lines.push(`| ${r.name} | ${(100 * r.accuracy).toFixed(2)}% | ${check} | ${fmt(r.imagesPerSecond, 0)} | ${fmt(r.imagesPerCpuSecond, 0)} | ${fmt(r.batch1MedianUs, 1)} |`);
    }
    const q = m.ratios;
    const line = (label, q2, target) =>
      `| ${label} | ${times(q2.throughput)} | ${times(q2.perCpuSecond)} | ${times(q2.latency)} | ${target} |`;
    lines.push('', '| ratio | batch 256 (img/s) | batch 256 (img per CPU-s) | batch 1 (latency) | target |', '|---|---:|---:|---:|---|',
      line('ours int8 (static, float requantization) / ours float', q.oursInt8OverOursFloat, '≥ 2×'),
      line(`ours int8 / ORT int8 (best form by img/s: ${q.oursInt8OverOrtInt8.vs[1] ?? '–'}; per CPU-s: ${q.oursInt8OverOrtInt8.vs[3] ?? '–'}; ` +
        `batch 1: ${q.oursInt8OverOrtInt8.vs[2] ?? '–'})`, q.oursInt8OverOrtInt8, '≥ 1.5×'),
      line('ours float / ORT float', q.oursFloatOverOrtFloat, '–'),
      line('ours dynamic int8 / ours float', q.oursDynamicOverOursFloat, '–'),
      line('ours int8 fixed-point / ours float', q.oursFixedPointOverOursFloat, '–'),
      line('ours int8 fixed-point / ORT int8', q.oursFixedPointOverOrtInt8, '–'), '');
  }
  return `${lines.join('\n')}\n`;
}

