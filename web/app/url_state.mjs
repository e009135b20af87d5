// The app's state in the URL hash (`index.html#tab=compare&bits=4`), from one schema: every key
// with its type, default and allowed values. parse() reads a hash into a full state (defaults filled
// in) and lists what it had to refuse; serialize() writes a state back, omitting defaults, so a link
// names only what differs from the page as it opens. DOM-free: Node tests import it, and the
// <qp-playground> widget passes its `state` attribute through as this hash (docs/widgets.md).
//
// Values that only the running core knows (the formats of its registry, its calibrators) are
// checked against `choices` when the caller has them; without them any well-formed name passes.
import { SYNTHETIC } from './tensors.mjs';

export const TABS = Object.freeze(['tensor', 'compare', 'model', 'kernels', 'network']);
export const SOURCES = Object.freeze(['example', ...Object.keys(SYNTHETIC).map((name) => `synthetic:${name}`)]);
/** The Network tab's modes, by kind (weight-only covers its int8 and int4 rows). */
export const NETWORK_MODES = Object.freeze(['float', 'weight-only', 'dynamic', 'static']);

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,63}$/;  // a format or calibrator name ("q4_0", "percentile:99.99")

/**
 * type: 'enum' (values) | 'int' (min, max; nullable: absent means "the natural choice") | 'bool' |
 * 'name' (a registry name, checked against choices[key] when given) | 'list' (comma-separated subset
 * of values, written in the order of values, at least one).
 */
export const SCHEMA = Object.freeze([
  { key: 'tab', type: 'enum', default: 'tensor', values: TABS },
  { key: 'source', type: 'enum', default: 'example', values: SOURCES },
  { key: 'seed', type: 'int', default: 1, min: 0, max: 4294967295 },
  { key: 'format', type: 'name', default: 'int' },
  { key: 'bits', type: 'int', default: 8, min: 1, max: 32 },
  { key: 'scheme', type: 'enum', default: 'affine', values: ['affine', 'symmetric'] },
  { key: 'signed', type: 'bool', default: true },
  { key: 'granularity', type: 'enum', default: 'tensor', values: ['tensor', 'channel', 'group'] },
  // null: per channel along axis 0, per group along the last axis (what the page picks by itself).
  { key: 'axis', type: 'int', default: null, nullable: true, min: 0, max: 31 },
  { key: 'groupSize', type: 'int', default: 32, min: 1, max: 1048576 },
  { key: 'calibration', type: 'name', default: 'minmax' },
  { key: 'numerics', type: 'enum', default: 'pytorch', values: ['pytorch', 'onnx'] },
  { key: 'doubleQuant', type: 'bool', default: false },
  { key: 'saturate', type: 'bool', default: true },
  { key: 'channel', type: 'int', default: 0, min: 0, max: 2 ** 31 - 1 },
  { key: 'model', type: 'enum', default: 'mlp', values: ['mlp', 'cnn'] },
  { key: 'modes', type: 'list', default: NETWORK_MODES, values: NETWORK_MODES },
]);

const BY_KEY = new Map(SCHEMA.map((p) => [p.key, p]));

/** The state of a page opened without a hash. */
export function defaults() {
  return Object.fromEntries(SCHEMA.map((p) => [p.key, Array.isArray(p.default) ? [...p.default] : p.default]));
}

/** One value from its URL text: {value} or {reason} (why it was refused). */
function readValue(p, text, choices) {
  if (text === '') return { reason: 'is empty' };
  switch (p.type) {
    case 'enum':
      return p.values.includes(text) ? { value: text } : { reason: `is not one of ${p.values.join(', ')}` };
    case 'int': {
      if (!/^\d+$/.test(text)) return { reason: 'is not a whole number' };
      const n = Number(text);
      return n >= p.min && n <= p.max ? { value: n } : { reason: `is outside ${p.min}…${p.max}` };
    }
    case 'bool':
      return text === 'true' || text === '1' ? { value: true }
        : text === 'false' || text === '0' ? { value: false } : { reason: 'is not true or false' };
    case 'name': {
      const allowed = choices?.[p.key];
      if (allowed) return allowed.includes(text) ? { value: text } : { reason: `is not one of ${allowed.join(', ')}` };
      return NAME.test(text) ? { value: text } : { reason: 'is not a valid name' };
    }
    case 'list': {
      const items = text.split(',');
      const bad = items.filter((x) => !p.values.includes(x));
      if (bad.length) return { reason: `names ${bad.join(', ')}, not among ${p.values.join(', ')}` };
      return { value: p.values.filter((v) => items.includes(v)) };
    }
    default:
      throw new Error(`url_state: unknown type ${p.type}`);
  }
}

function decode(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;  // a malformed %-escape
  }
}

/**
 * Read a hash ('#a=1&b=2', the '#' optional). Returns {state, problems, unknown, given}: state has
 * every key (a refused or missing value is the default); problems: [{key, value, reason, message}]
 * for values refused; unknown: the keys the schema does not know (ignored, as the contract says);
 * given: the keys the hash set (a default written out counts: the page may treat it differently
 * from an absent key, e.g. keep the user's own file open when the link names no source).
 * choices: {format?: string[], calibration?: string[]} the names the running core accepts.
 */
export function parse(hash, { choices } = {}) {
  const state = defaults();
  const problems = [];
  const unknown = [];
  const given = new Set();
  const text = String(hash ?? '').replace(/^#/, '');
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const raw = eq < 0 ? '' : part.slice(eq + 1);
    const p = key === null ? null : BY_KEY.get(key);
    if (!p) {
      unknown.push(key ?? part);
      continue;
    }
    const value = decode(raw);
    const read = value === null ? { reason: 'is not a valid URL escape' } : readValue(p, value, choices);
    if ('value' in read) {
      state[key] = read.value;
      given.add(key);
    } else {
      given.delete(key);
      const shown = value ?? raw;
      problems.push({ key, value: shown, reason: read.reason,
        message: `${key}=${shown} ${read.reason}; using ${describeDefault(p)}.` });
      state[key] = defaults()[key];  // a later valid repeat of the key may still set it
    }
  }
  return { state, problems, unknown, given: SCHEMA.map((p) => p.key).filter((k) => given.has(k)) };
}

function describeDefault(p) {
  if (p.default === null) return `the page's choice`;
  return `the default (${Array.isArray(p.default) ? p.default.join(',') : p.default})`;
}

function same(a, b) {
  return Array.isArray(a) ? Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]) : a === b;
}

// Readable links: ':' and ',' (source=synthetic:normal, modes=float,static) need no escape in a hash.
const encode = (s) => encodeURIComponent(s).replace(/%3A/gi, ':').replace(/%2C/gi, ',');

/** Write a state as a hash without '#', keys in schema order, defaults and unknown keys left out ('' when all default). */
export function serialize(state) {
  const parts = [];
  for (const p of SCHEMA) {
    let v = state[p.key];
    if (Array.isArray(v)) v = p.values.filter((x) => v.includes(x));  // canonical order
    if (v === undefined || v === null || same(v, p.default)) continue;  // null: the page's choice (nullable keys)
    const text = Array.isArray(v) ? v.join(',') : String(v);
    parts.push(`${encode(p.key)}=${encode(text)}`);
  }
  return parts.join('&');
}
