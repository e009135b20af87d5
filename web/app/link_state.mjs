// The page's state in its URL hash (the schema is url_state.mjs): applied once the core has said which
// formats and calibrators it has, and again on every hashchange (an edited hash, back and forward);
// written back with history.replaceState after each change, so the address bar is always a link to
// what the page shows without adding a history entry per change. Values the link gets wrong fall back
// to their defaults and the notice above the results says which, also those only the tensor can judge
// (an axis it does not have, a unit beyond its last), checked against the worker's reply.
import * as urlState from './url_state.mjs';

const $ = (id) => document.getElementById(id);

/**
 * @param {{controls: import('./controls.mjs').Controls, tabs: import('./tabs.mjs').Tabs, views: object,
 *   selectedTab(): string, shownSource(): string|null, loadSource(key: string): Promise<void>,
 *   requestUpdate(): void}} page
 */
export function linkState(page) {
  const { controls, tabs, views } = page;
  let started = false;   // hello answered: the formats and calibrators a link may name are known
  let applying = false;  // a link is being applied: do not write a half-applied state back
  let pending = null;    // {axis, channel} a link asked for: checked against the next reply

  function showNotes(notes) {
    if (!notes.length) return;
    const text = $('url-notice-text');
    const before = $('url-notice').hidden ? [] : [text.textContent];
    text.textContent = [...before, ...notes].join(' ');
    $('url-notice').hidden = false;
  }
  $('url-notice-close').addEventListener('click', () => { $('url-notice').hidden = true; });

  /** The Network tab's choices, read from its controls (its view may not be loaded yet). */
  function networkState() {
    const model = $('net-model').value;
    const modes = [...document.querySelectorAll('input[name="net-mode"]:checked')].map((b) => b.value);
    return { model: model === 'file' ? null : model, modes: modes.length ? modes : urlState.defaults().modes };
  }

  function applyNetwork({ model, modes }, given) {
    const net = views.now.network;
    if (net?.busy || net?.opening) return;  // a run or a load in progress keeps its settings
    for (const box of document.querySelectorAll('input[name="net-mode"]')) box.checked = modes.includes(box.value);
    net?.modesChanged();
    const select = $('net-model');
    // A link without `model` keeps the user's own network file open.
    if (select.value === model || (select.value === 'file' && !given.includes('model'))) return;
    select.value = model;
    if (net?.loaded || net?.active) net.openBundled(model);  // else the tab opens it when first shown
  }

  function hash() {
    return urlState.serialize({ tab: page.selectedTab().replace(/^tab-/, ''), ...controls.urlState(), ...networkState() });
  }

  function write() {
    if (applying || !started) return;
    const h = hash();
    if (h === location.hash.replace(/^#/, '')) return;
    history.replaceState(history.state, '', h ? `#${h}` : `${location.pathname}${location.search}`);
    $('share-note').textContent = '';  // a copied link is now out of date
    $('share-text').hidden = true;
  }

  /** Apply the hash. first: the page's first load (the tensor comes from the link, or the example). */
  async function apply({ first = false } = {}) {
    const choices = { format: [...controls.schemes.keys()], calibration: [...controls.calibration.options].map((o) => o.value) };
    const { state, problems, given } = urlState.parse(location.hash, { choices });
    $('url-notice').hidden = true;
    applying = true;
    let load = null;
    try {
      const notes = problems.map((p) => p.message);
      notes.push(...controls.applyUrlState(state));
      pending = { axis: given.includes('axis') ? state.axis : null, channel: given.includes('channel') ? state.channel : null };
      // The tensor: a link without `source` keeps the user's own file (it cannot be in a link).
      const shown = page.shownSource();
      const keepFile = shown === 'file' && !given.includes('source');
      const seedChanged = controls.seedValue() !== state.seed;
      controls.seed.value = String(state.seed);
      if (first || (!keepFile && (state.source !== shown || (state.source.startsWith('synthetic:') && seedChanged)))) {
        controls.selectSource(state.source);
        load = state.source;
      }
      applyNetwork(state, given);
      tabs.select(`tab-${state.tab}`);
      showNotes(notes);
      // On a phone the results sit below the settings: a shared link opens at what it shows. (Our own
      // document only: scrollIntoView would also scroll a page that embeds the app in an iframe.)
      if (first && given.length && matchMedia('(max-width: 760px)').matches)
        window.scrollTo(0, $('results').getBoundingClientRect().top + window.scrollY);
    } finally {
      applying = false;
    }
    if (load) await page.loadSource(load);
    else page.requestUpdate();
  }

  /** The reply to a link's settings: say when the tensor could not take the axis or unit it named. */
  function check(request, reply) {
    if (!pending) return;
    const { axis, channel } = pending;
    pending = null;
    const notes = [];
    const used = reply.options.axis;
    if (axis !== null && request.options.axis === axis && used !== axis) {
      notes.push(used === null ? `axis=${axis}: this format quantizes the tensor as a whole.`
        : `axis=${axis} is beyond this tensor's ${reply.tensor.shape.length} axes; using axis ${used}.`);
    }
    if (channel !== null && request.channel === channel && reply.channel !== channel) {
      const units = reply.view.channels;
      notes.push(`channel=${channel}: this setting has ${units} unit${units === 1 ? '' : 's'}; showing unit ${reply.channel}.`);
    }
    showNotes(notes);
  }

  window.addEventListener('hashchange', () => {
    if (started) apply();
  });
  // The Network tab's choices do not go through the worker's update: written at once. (The
  // quantization settings are written with their reply: the worker may fit them to the tensor.)
  document.addEventListener('change', (e) => {
    if (e.target.closest('#panel-network')) write();
  });

  return {
    /** Called once the core answered hello: apply the page's own hash (loads the first tensor). */
    start() {
      started = true;
      return apply({ first: true });
    },
    write,
    check,
    hash,
  };
}
