// The widget worker's requests for <qp-compare> (docs/widgets.md): the schemes comparison of #4 on
// one tensor named by the request (stateless: nothing stays in the worker between requests).
//
//   → {type: 'compareRun', tensor: {src: absolute URL of a .npy} | {distribution, seed, size},
//      schemes: 'label, label, …' (labels or format names) | null (the core's default comparison for the shape)}
//   ← progress {done, total, name, index, row, pareto} as each scheme finishes (pareto: the front
//      flags of the rows so far), then {rows, tensor: {name, shape, count}}
//   Cancel stops before the next scheme (worker_jobs.mjs: the runtime's 'cancel' names the job).
import { runCancellable } from '../app/worker_jobs.mjs';
import { describeOptions } from '../lib/compare_report.mjs';
import { makeWidgetTensor } from './widget_tensor.mjs';

function userError(message) {
  const e = new Error(message);
  e.name = 'QplayError';
  return e;
}

async function loadTensor(qp, spec) {
  if (spec?.src) {
    let response;
    try {
      response = await fetch(spec.src);
    } catch (e) {
      throw userError(`cannot fetch ${spec.src} (${e.message}); a file on another origin needs Access-Control-Allow-Origin`);
    }
    if (!response.ok) throw userError(`cannot fetch ${spec.src}: HTTP ${response.status}`);
    const npy = qp.readNpy(new Uint8Array(await response.arrayBuffer()));
    return { name: decodeURIComponent(new URL(spec.src).pathname.split('/').pop()), shape: npy.shape, data: npy.data };
  }
  return makeWidgetTensor(spec ?? {});
}

// ---- choosing schemes by label -------------------------------------------------------------------

/**
 * A scheme's label depends on its options only (the core builds it from them), so the labels of a
 * list are read by running it once on a small stand-in tensor of the same rank whose dimensions
 * every default block and group size divides. Cached: the list for a rank rarely changes.
 */
const labelCache = new Map();

function standInShape(rank) {
  if (rank === 0) return [];
  if (rank === 1) return [4096];
  return [...Array(rank - 2).fill(1), 16, 256];
}

function labelOf(qp, options, rank) {
  const key = JSON.stringify([rank, options]);
  if (!labelCache.has(key)) {
    const shape = standInShape(rank);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)) * 0.01);
    let label;
    try {
      label = qp.compareSchemes(data, shape, [options])[0].label;
    } catch {
      label = null;
    }
    labelCache.set(key, label || describeOptions(options));
  }
  return labelCache.get(key);
}

const normalize = (s) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * The entries of a `schemes` attribute: comma-separated, but a comma inside parentheses belongs to
 * the label ("Q8_0 (ggml, blocks of 32)").
 */
export function splitSchemeList(text) {
  const out = [];
  let depth = 0, current = '';
  for (const ch of String(text)) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out.map((s) => s.trim()).filter(Boolean);
}

/**
 * The options list for `requested` (labels or format names) on a tensor of `shape`: each entry
 * matches a scheme of the core's default comparison by its label (as the table shows it, or as
 * describeOptions writes it), or names a format of the registry (one scheme of it: the default
 * comparison's if it has exactly one, else the format at 4 bits per tensor as the app's Compare tab
 * offers it). An entry that matches nothing or several schemes is refused with the choices.
 */
export function resolveSchemes(qp, shape, requested) {
  const defaults = qp.defaultComparison(shape);
  if (!requested || !requested.length) return defaults;
  const rank = shape.length;
  const candidates = defaults.map((options) => ({ options, label: labelOf(qp, options, rank) }));
  const registry = qp.schemes();
  const chosen = [];
  for (const entry of requested) {
    const want = normalize(entry);
    let match = candidates.find((c) => normalize(c.label) === want || normalize(describeOptions(c.options)) === want);
    if (!match) {
      const format = registry.find((s) => s.name.toLowerCase() === want);
      if (format) {
        const same = candidates.filter((c) => c.options.format === format.name);
        if (same.length > 1) {
          throw userError(`"${entry}" names ${same.length} schemes of the comparison; choose one by its label: ` +
            same.map((c) => `"${c.label}"`).join(', '));
        }
        if (same.length === 1) {
          match = same[0];
        } else {
          const bits = format.minBits > 0 ? Math.min(format.maxBits, Math.max(format.minBits, 4)) : 8;
          const options = { ...defaults[0], format: format.name, bits, axis: null, groupSize: null, calibration: 'minmax' };
          match = { options, label: labelOf(qp, options, rank) };
        }
      }
    }
    if (!match) {
      throw userError(`unknown scheme "${entry}" in schemes: use labels of the comparison (` +
        candidates.map((c) => `"${c.label}"`).join(', ') + `) or format names (${registry.map((s) => s.name).join(', ')})`);
    }
    if (!chosen.includes(match.options)) chosen.push(match.options);
  }
  return chosen;
}

// ---- the request ---------------------------------------------------------------------------------

// The job is registered before the fetch, so a cancel that arrives meanwhile stops it at the first tick.
function compareRun(qp, msg, post) {
  return runCancellable(msg.id, post, async (tick) => {
    const tensor = await loadTensor(qp, msg.tensor);
    const options = resolveSchemes(qp, tensor.shape,
      Array.isArray(msg.schemes) ? msg.schemes : msg.schemes ? splitSchemeList(msg.schemes) : null);
    await tick(0, options.length, { name: '' });
    const held = qp.holdTensor(tensor.data, tensor.shape);
    try {
      const rows = [];
      for (let i = 0; i < options.length; i++) {
        rows.push(held.compare(options[i]));
        qp.markParetoFront(rows);
        await tick(i + 1, options.length, { name: rows[i].label, index: i, row: rows[i], pareto: rows.map((r) => r.pareto) });
      }
      return { rows, tensor: { name: tensor.name, shape: tensor.shape, count: tensor.data.length } };
    } finally {
      held.release();
    }
  }, { always: true, yieldEvery: true });
}

export const handlers = { compareRun };
