// Accessibility of each tab, checked by axe-core (npm) in the page, in the light and the dark theme:
// no `serious` or `critical` violation. axe's source is evaluated through the DevTools protocol
// (page.evaluate), which the page's CSP (no inline scripts) does not apply to, so the app keeps its
// real policy during the test. Moderate and minor findings are printed, not failed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launchPage } from './browser.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const FAIL_ON = new Set(['serious', 'critical']);

let page, problems, close;

before(async () => {
  ({ page, problems, close } = await launchPage());
  await page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle', null, { timeout: 20000 });
  await page.evaluate(AXE_SOURCE);
});

after(async () => {
  await close?.();
});

/** Each tab once its view has something to show (the state its first screen has). */
const TABS = {
  tensor: () => page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle'),
  compare: () => page.waitForFunction(() => document.querySelectorAll('#compare-list input').length > 0),
  model: () => page.waitForFunction(() => !document.getElementById('panel-model').inert),
  kernels: () => page.waitForFunction(() => document.getElementById('cap-build').dataset.value !== undefined, null, { timeout: 15000 }),
  network: () => page.waitForFunction(() => ['ready', 'empty'].includes(document.getElementById('panel-network').dataset.state),
    null, { timeout: 30000 }),
};

async function violations(context = 'document') {
  const found = await page.evaluate(async (context) => {
    const r = await self.axe.run(context === 'document' ? document : context, { resultTypes: ['violations'] });
    self.__axePasses = r.passes.length;
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(1, 2).join('')}`) }));
  }, context);
  const minor = found.filter((v) => !FAIL_ON.has(v.impact));
  if (minor.length) console.log(`  (not failed) ${minor.map((v) => `${v.impact} ${v.id}: ${v.help}`).join('; ')}`);
  return found.filter((v) => FAIL_ON.has(v.impact));
}

test('the check can fail: an image without a text alternative and a nameless button are reported', async () => {
  await page.evaluate(() => {
    const probe = document.createElement('div');
    probe.id = 'axe-probe';
    probe.innerHTML = '<img src="data:,"><button type="button"></button>';
    document.body.append(probe);
  });
  try {
    const ids = (await violations('#axe-probe')).map((v) => v.id);  // only the probe: quick
    assert.ok(ids.includes('image-alt') && ids.includes('button-name'), ids.join());
  } finally {
    await page.evaluate(() => document.getElementById('axe-probe').remove());
  }
});

// Dark theme: the tabs with the most colour (charts, tables, the network's bars); the other two
// share their elements and rules. Each axe run over the whole page takes seconds on a busy machine.
const DARK = new Set(['tensor', 'compare', 'network']);
for (const scheme of ['light', 'dark']) {
  for (const [tab, ready] of Object.entries(TABS).filter(([t]) => scheme === 'light' || DARK.has(t))) {
    test(`${tab} tab, ${scheme} theme: no serious or critical axe violation`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.click(`[data-testid="tab-${tab}"]`);
      await ready();
      const bad = await violations();
      assert.deepEqual(bad, [], JSON.stringify(bad, null, 1));
      assert.ok(await page.evaluate(() => self.__axePasses) > 10, 'axe ran its rules');
    });
  }
}

test('keyboard: Tab walks the controls, and each focused control shows a focus ring', async () => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.click('[data-testid="tab-tensor"]');
  await page.focus('#copy-link');  // the first control of the page: the walk starts there
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');  // focused from the keyboard (:focus-visible)
  const seen = [];
  for (let i = 0; i < 60; i++) {  // once round the page: after the last control focus leaves it (body)
    if (i > 0) await page.keyboard.press('Tab');
    const one = await page.evaluate(() => {
      const e = document.activeElement;
      if (e === document.body) return null;
      // A visually hidden file input shows its ring on its label, the next element.
      const shown = e.classList.contains('visually-hidden') ? e.nextElementSibling : e;
      const s = getComputedStyle(shown);
      const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) || s.boxShadow !== 'none';
      return { name: e.id || e.getAttribute('name') || e.tagName.toLowerCase(), ring, visible: shown.getBoundingClientRect().width > 0 };
    });
    if (!one) break;
    seen.push(one);
  }
  const names = seen.map((x) => x.name);
  for (const id of ['copy-link', 'copy-embed', 'source', 'file', 'format', 'bits', 'calibration', 'tab-tensor'])
    assert.ok(names.includes(id), `Tab reaches #${id}: ${names.join(' ')}`);
  const bad = seen.filter((x) => !x.ring || !x.visible);
  assert.deepEqual(bad, [], `every focused control is visible and has a focus ring: ${names.join(' ')}`);
});

test('no console errors, page errors, CSP violations or requests to other origins', async () => {
  assert.deepEqual(await page.evaluate(() => self.__csp), []);
  assert.deepEqual(problems.foreign, []);
  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.console, []);
});
