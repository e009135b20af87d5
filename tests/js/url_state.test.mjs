// The app's URL state (web/app/url_state.mjs): parse and serialize from one schema. Round trips on
// seeded random states, defaults left out, bad values refused one by one (each falls back to its
// default and is reported), unknown keys ignored, the registry's own names checked when given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCHEMA, SOURCES, TABS, NETWORK_MODES, defaults, parse, serialize } from '../../web/app/url_state.mjs';
import { SYNTHETIC, rng } from '../../web/app/tensors.mjs';
import { loadQplay } from '../../web/lib/qplay.mjs';

/** A random valid state: each key default or a random allowed value. */
function randomState(rand, names) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const state = defaults();
  for (const p of SCHEMA) {
    if (rand() < 0.4) continue;  // keep some defaults
    switch (p.type) {
      case 'enum': state[p.key] = pick(p.values); break;
      case 'bool': state[p.key] = rand() < 0.5; break;
      case 'name': state[p.key] = pick(names[p.key]); break;
      case 'int': {
        // the ends of the range, 0 and 1 more often than the middle
        const r = rand();
        state[p.key] = r < 0.2 ? p.min : r < 0.4 ? p.max : p.min + Math.floor(rand() * (Math.min(p.max, 1e6) - p.min + 1));
        break;
      }
      case 'list': {
        const chosen = p.values.filter(() => rand() < 0.6);
        state[p.key] = chosen.length ? chosen : [pick(p.values)];
        break;
      }
      default: throw new Error(p.type);
    }
  }
  return state;
}

test('the schema lists every key of the contract with a default that its own check accepts', () => {
  const keys = SCHEMA.map((p) => p.key);
  for (const k of ['tab', 'source', 'seed', 'format', 'bits', 'scheme', 'signed', 'granularity', 'axis', 'groupSize',
    'calibration', 'numerics', 'channel', 'model', 'modes']) assert.ok(keys.includes(k), k);
  assert.equal(new Set(keys).size, keys.length, 'no key twice');
  assert.deepEqual(TABS, ['tensor', 'compare', 'model', 'kernels', 'network']);
  assert.deepEqual(SOURCES, ['example', ...Object.keys(SYNTHETIC).map((k) => `synthetic:${k}`)]);
  assert.equal(serialize(defaults()), '', 'the default state is the empty hash');
  assert.deepEqual(parse('').state, defaults());
  assert.deepEqual(parse('#').state, defaults());
});

test('round trip: parse(serialize(s)) gives s back, for 2000 seeded random states over the real registry', async () => {
  const qp = await loadQplay();
  const names = { format: qp.schemes().map((s) => s.name), calibration: ['minmax', 'percentile:99.99', 'mse', 'entropy'] };
  assert.ok(names.format.length > 3);
  const rand = rng(20261129);
  for (let i = 0; i < 2000; i++) {
    const s = randomState(rand, names);
    const hash = serialize(s);
    const back = parse(`#${hash}`, { choices: names });
    assert.deepEqual(back.problems, [], hash);
    assert.deepEqual(back.unknown, [], hash);
    assert.deepEqual(back.state, s, hash);
    assert.equal(serialize(back.state), hash, 'serialize is stable');
    // Defaults are left out: every key in the hash differs from its default.
    for (const part of hash ? hash.split('&') : []) {
      const key = part.split('=')[0];
      const p = SCHEMA.find((x) => x.key === key);
      assert.notDeepEqual(s[key], p.default, `${key} is written although it is the default`);
    }
  }
});

test('readable links: examples written by hand parse as meant', () => {
  const { state, problems } = parse('#tab=compare&source=synthetic:laplace&seed=7&bits=4&scheme=symmetric&signed=false' +
    '&granularity=group&axis=1&groupSize=64&numerics=onnx&channel=3&model=cnn&modes=static,float');
  assert.deepEqual(problems, []);
  assert.deepEqual(state, { ...defaults(), tab: 'compare', source: 'synthetic:laplace', seed: 7, bits: 4, scheme: 'symmetric',
    signed: false, granularity: 'group', axis: 1, groupSize: 64, numerics: 'onnx', channel: 3, model: 'cnn', modes: ['float', 'static'] });
  // Lists are written in the schema's order; ':' and ',' stay readable.
  assert.equal(serialize(state), 'tab=compare&source=synthetic:laplace&seed=7&bits=4&scheme=symmetric&signed=false' +
    '&granularity=group&axis=1&groupSize=64&numerics=onnx&channel=3&model=cnn&modes=float,static');
  assert.equal(serialize({ ...defaults(), calibration: 'percentile:99.99' }), 'calibration=percentile:99.99');
  assert.equal(parse('calibration=percentile%3A99.99').state.calibration, 'percentile:99.99', 'escaped or not');
  assert.equal(parse('signed=0&doubleQuant=1').state.signed, false);
  assert.deepEqual(parse('bits=8&tab=model&bits=x&theme=1&source=example').given, ['tab', 'source'],
    'given: keys set by the hash, in schema order (a refused repeat unsets it)');
});

test('bad values fall back to the default, each reported with its key; the good ones still apply', () => {
  const cases = [
    ['tab', 'settings'], ['source', 'file'], ['source', 'synthetic:nope'], ['seed', '-1'], ['seed', '4294967296'],
    ['seed', '1.5'], ['bits', '0'], ['bits', '33'], ['bits', 'eight'], ['bits', ''], ['scheme', 'Affine'], ['signed', 'yes'],
    ['granularity', 'row'], ['axis', '32'], ['axis', '-1'], ['groupSize', '0'], ['numerics', 'tflite'], ['channel', '1e3'],
    ['model', 'resnet'], ['modes', ''], ['modes', 'float,qat'], ['format', '<script>'], ['calibration', 'a b'],
    ['bits', '%E0%A4%A'],
  ];
  for (const [key, value] of cases) {
    // Two other keys around the bad one (never the same key: a later valid repeat would set it).
    const [before, after] = key === 'bits' ? [['seed', 9], ['tab', 'model']] : key === 'tab' ? [['bits', 4], ['model', 'cnn']]
      : [['bits', 4], ['tab', 'model']];
    const { state, problems } = parse(`#${before.join('=')}&${key}=${value}&${after.join('=')}`);
    const p = SCHEMA.find((x) => x.key === key);
    assert.equal(problems.length, 1, `${key}=${value}: ${JSON.stringify(problems)}`);
    assert.equal(problems[0].key, key);
    assert.match(problems[0].message, new RegExp(`^${key}=`));
    assert.deepEqual(state[key], p.default, `${key}=${value} falls back to the default`);
    assert.equal(state[before[0]], before[1], 'the other keys still apply');
    assert.equal(state[after[0]], after[1], 'the other keys still apply');
  }
});

test('registry names are checked against the choices when the caller has them', () => {
  const choices = { format: ['int', 'nf4', 'fp8-e4m3'], calibration: ['minmax', 'mse'] };
  assert.equal(parse('format=nf4', { choices }).state.format, 'nf4');
  const r = parse('format=q9_9&calibration=mse', { choices });
  assert.equal(r.state.format, 'int');
  assert.equal(r.state.calibration, 'mse');
  assert.deepEqual(r.problems.map((p) => p.key), ['format']);
  assert.match(r.problems[0].message, /nf4/, 'the message names what is allowed');
  // Without choices any well-formed name passes (the app checks it once the core has started).
  assert.equal(parse('format=q9_9').state.format, 'q9_9');
});

test('unknown keys are ignored and listed apart, not reported as problems', () => {
  const r = parse('#bits=3&theme=dark&utm_source=x&=5&bits_hide');
  assert.equal(r.state.bits, 3);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.unknown, ['theme', 'utm_source', '', 'bits_hide']);
  assert.deepEqual({ ...r.state, bits: 8 }, defaults());
  assert.equal(serialize({ ...defaults(), theme: 'dark' }), '', 'serialize writes only schema keys');
});

test('the modes list keeps the schema order and refuses an empty list', () => {
  assert.deepEqual(parse('modes=static,dynamic,static').state.modes, ['dynamic', 'static']);
  assert.deepEqual(NETWORK_MODES, ['float', 'weight-only', 'dynamic', 'static']);
  assert.equal(serialize({ ...defaults(), modes: ['static', 'float', 'dynamic', 'weight-only'] }), '', 'all modes = default');
});

test('the embed snippet: both forms, URLs beside the page (sub-path), the state escaped for HTML', async () => {
  const { embedSnippet, attribute } = await import('../../web/app/share.mjs');
  assert.equal(attribute('a&b="<c>"'), 'a&amp;b=&quot;&lt;c&gt;&quot;');
  const hash = 'tab=compare&bits=4&calibration=percentile:99.99';
  const text = embedSnippet(hash, 'https://docs.example/sub/dir/index.html#tab=compare&bits=4');
  assert.ok(text.includes('<script type="module" src="https://docs.example/sub/dir/qp-widgets.js"></script>'), text);
  assert.ok(text.includes('<qp-playground state="tab=compare&amp;bits=4&amp;calibration=percentile:99.99"></qp-playground>'), text);
  const src = text.match(/<iframe src="([^"]+)"/)[1].replace(/&amp;/g, '&');
  const url = new URL(src);
  assert.equal(`${url.origin}${url.pathname}`, 'https://docs.example/sub/dir/embed.html');
  assert.equal(url.searchParams.get('widget'), 'qp-playground');
  assert.equal(url.searchParams.get('state'), hash, 'the state survives the URL encoding');
  assert.deepEqual(parse(url.searchParams.get('state')).problems, []);
  assert.match(text, /<iframe [^>]*title="[^"]+"/, 'the iframe has a title (accessibility)');
  assert.ok(text.includes('<script src="https://docs.example/sub/dir/qp-embed.js" defer></script>'), text);
});
