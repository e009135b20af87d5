// The page's entry point: starts the Worker, loads the tensor the URL names (the bundled example by
// default), and wires the settings, file opening (input and drag-and-drop, several files = one
// model), the state in the URL hash, and the tabs, whose views other than Tensor load on demand
// (lazy_views.mjs). All computation happens in worker.mjs.
import { worker } from './start_worker.mjs';  // first: see that module
import { WorkerClient } from './client.mjs';
import { Controls } from './controls.mjs';
import { HistogramView, MARKER_COLORS } from './histogram.mjs';
import { UnitChart } from './unit_chart.mjs';
import { renderResults } from './results.mjs';
import { EXAMPLE } from './tensors.mjs';
import { Tabs } from './tabs.mjs';
import { lazyViews } from './lazy_views.mjs';
import { ShareButtons } from './share.mjs';
import { linkState } from './link_state.mjs';
import { foldSettingsOnPhones } from './fold_settings.mjs';
import * as fmt from './format.mjs';

const $ = (id) => document.getElementById(id);
const results = $('results');
const controls = new Controls({ exampleLabel: EXAMPLE.label });
foldSettingsOnPhones($('controls'), $('settings-toggle'));
const chart = new HistogramView($('chart'), { onClipChange: (clip) => setClip(clip) });
const errorChart = new HistogramView($('error-chart'), {
  height: { wide: 200, narrow: 180 },
  describe: (v) => `Histogram of the error x − x̂ of ${fmt.integer(v.count)} values, from ${fmt.sig(v.min)} to ${fmt.sig(v.max)}.`,
});
const unitChart = new UnitChart($('unit-chart'), {
  onSelect(unit) {
    controls.channel.value = String(unit);
    requestUpdate();
  },
});

let runtime = null;       // {build, kernelTier} from the worker
let shownSource = null;   // source key of the tensor on screen
let lastReply = null;
let model = null;         // the open model's listing (worker_model.mjs), null before any
let fileTensor = null;    // the last model tensor shown: its load, chosen again from the menu
let openingTensor = null; // the model tensor whose load is in flight; becomes fileTensor once shown
let core = null;          // the worker's hello: {schemes, calibrations, ...}
let lastLoadReply = null; // the last reply of a load (it carries the default comparison for its shape)

// ---- messages ------------------------------------------------------------------------------

function showError(message) {
  $('error-text').textContent = message;
  $('error').hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error-text').textContent = '';
}

$('error-close').addEventListener('click', clearError);
window.addEventListener('error', (e) => {
  if (!e.error && /ResizeObserver loop/.test(e.message)) return;  // benign, not ours to show
  showError(`Internal error: ${e.message}`);
});
window.addEventListener('unhandledrejection', (e) => showError(`Internal error: ${e.reason?.message ?? e.reason}`));

// ---- worker --------------------------------------------------------------------------------

const client = new WorkerClient(worker, {
  // Called after the last result or error was delivered (busy false): tests wait for 'idle'.
  onBusy(busy) {
    results.setAttribute('aria-busy', String(busy));
    results.dataset.state = busy ? 'busy' : shownSource ? 'idle' : 'error';
  },
  onResult(reply, request) {
    if (request.load) {
      shownSource = request.load.key;
      if (shownSource === 'file') {
        controls.setFileSource(request.load.label);
        if (openingTensor === request.load) fileTensor = openingTensor;
        views.now.model?.modelView.markCurrent(request.load.token === model?.token ? request.load.index : null);
      } else {
        views.now.model?.modelView.markCurrent(null);
      }
      if (reply.notice) showError(reply.notice);
      else clearError();
      lastLoadReply = reply;
    }
    controls.selectSource(shownSource);
    views.now.compare?.tensorChanged(reply);  // the worker's tensor: comparisons of another one are stale
    // A load delivered while a newer update waits: keep the source, but do not roll the controls
    // back to the load's options (the user has moved on) nor draw what is about to be replaced.
    if (request.load && client.hasWaiting) return;
    link.check(request, reply);  // a link's axis or unit the tensor could not take
    controls.follow(reply);
    renderResults(reply, runtime);
    lastReply = reply;
    drawCharts();
    showMarkers(reply);
    results.dataset.options = JSON.stringify(reply.options);
    results.dataset.channel = String(reply.channel);
    results.dataset.source = shownSource;
    results.dataset.serial = String(reply.tensor.serial);
    $('status').textContent = `${reply.tensor.name}: ${fmt.shape(reply.tensor.shape)}, ${reply.quant.label}, ` +
      `${fmt.fixed(reply.quant.bitsPerWeight, 3)} bits per weight.`;
    link.write();
    if (!firstShown) {
      firstShown = true;
      views.whenIdle();  // the other tabs' code, once the first view is up
      // Then the offline copy (web/sw.js): loaded after the first view, outside its budget; optional.
      import('./offline.mjs').then(({ offerOffline }) => offerOffline('./', document.querySelector('footer')), () => {});
      // In a frame (<qp-playground height="auto">): tell the embedding page the app's height.
      if (window.parent !== window) import('../widgets/embed_size.mjs').then(({ reportEmbedSize }) => reportEmbedSize(), () => {});
    }
  },
  onError(error, request) {
    const what = request.load?.kind === 'npy' ? `Could not open ${request.load.name}: `
      : request.load?.kind === 'modelTensor' ? `Could not quantize ${request.load.label}: ` : '';
    showError(error.name === 'QplayError' ? `${what}${error.message}` : `${what}Internal error: ${error.message}`);
    if (request.load) controls.selectSource(shownSource);  // the previous tensor stays
  },
});

let loadRequested = false;  // control changes before the first load have nothing to quantize
let firstShown = false;

/** load (optional): {key: source key, kind, ...} as the worker expects it (see worker.mjs). */
function requestUpdate(load) {
  if (load) {
    loadRequested = true;
    controls.clip = null;  // a dragged clipping range belongs to the tensor it was chosen on
  } else if (!loadRequested) return;
  client.update({ load, options: controls.options(), channel: controls.channelIndex() });
}

async function fetchExample() {
  const response = await fetch(EXAMPLE.file);
  if (!response.ok) throw new Error(`the bundled example (${EXAMPLE.file}) is missing: HTTP ${response.status}`);
  return response.arrayBuffer();
}
// The default view's tensor, fetched now, beside the core's start, rather than after its hello
// (about 0.3 s later); used by the first load of the example, later ones fetch again.
let examplePrefetch = fetchExample();
examplePrefetch.catch(() => {});  // a failure is reported by the load that uses it

async function loadSource(key) {
  try {
    if (key === 'example') {
      const bytes = await (examplePrefetch ?? fetchExample());
      examplePrefetch = null;
      requestUpdate({ key, kind: 'npy', name: EXAMPLE.file.split('/').pop(), bytes });
    } else if (key.startsWith('synthetic:')) {
      requestUpdate({ key, kind: 'synthetic', generator: key.slice('synthetic:'.length), seed: controls.seedValue() });
    } else if (key === 'file' && fileTensor) {
      showModelTensor(fileTensor);
    }
  } catch (e) {
    showError(e.message);
    controls.selectSource(shownSource);
  }
}

function showModelTensor(load) {
  openingTensor = load;
  requestUpdate(load);
}

/**
 * Open the user's files as one model. The File objects go to the worker (no bytes are copied:
 * it reads slices with FileReaderSync). A refused file leaves the previous model and tensor as
 * they were. A model of one tensor (a .npy, say) goes straight to the quantization view.
 */
async function openFiles(files) {
  if (!files.length) return;
  // Pickers and drops hand files over in no particular order; by name, shards list in order.
  const byName = new Intl.Collator('en', { numeric: true });
  files = [...files].sort((a, b) => byName.compare(a.name, b.name));
  let reply;
  try {
    reply = await client.call('open', { files });
  } catch (e) {
    showError(e.name === 'QplayError' ? `Could not open: ${e.message}` : `Could not open: internal error: ${e.message}`);
    return;
  }
  clearError();
  let m;
  try {
    m = await views.model();
  } catch {
    return;  // said by lazy_views
  }
  model = reply.model;
  m.modelView.show(model);
  m.analysisView.modelChanged();
  m.modelCompareView.modelChanged();
  const readable = model.tensors.filter((t) => !t.problem);
  if (model.tensors.length === 1 && readable.length === 1) {
    selectModelTensor(0);
  } else {
    tabs.select('tab-model');
  }
}

function selectModelTensor(index) {
  const t = model.tensors[index];
  const label = model.format === 'npy' && model.tensors.length === 1 ? model.files[0].name : t.name;
  tabs.select('tab-tensor');
  showModelTensor({ key: 'file', kind: 'modelTensor', token: model.token, index, label });
}

const views = lazyViews({
  client,
  showError,
  core: () => core,
  tensorReplies: () => [lastLoadReply, lastReply].filter((r, i, all) => r && all.indexOf(r) === i),
  compare: {
    currentOptions: () => controls.options(),
    onSelect(options) {
      controls.apply(options);
      tabs.select('tab-tensor');
      requestUpdate();
    },
  },
  model: { onSelect: (index) => selectModelTensor(index), gridOptions: () => controls.gridOptions(), model: () => model },
  onMade(name) {
    if (name === 'network') views.now.network.setActive(selectedTab === 'tab-network');
  },
});

let selectedTab = 'tab-tensor';

/** The Kernels tab asks the worker what the device runs when first shown (that probe loads the threads build). */
function startKernelsIfShown() {
  if (selectedTab === 'tab-kernels' && core) views.kernels().then((v) => v.startOnce(), () => {});
}
const tabs = new Tabs($('view-tabs'), {
  onSelect(id) {
    selectedTab = id;
    views.now.network?.setActive(id === 'tab-network');
    views.forTab(id).catch(() => {});  // said by lazy_views
    startKernelsIfShown();
    link.write();
  },
});

// ---- charts and the clipping range ---------------------------------------------------------

function drawCharts() {
  if (!lastReply) return;
  chart.show(lastReply.view, { logY: $('log-y').checked });
  const e = lastReply.errors;
  errorChart.show({ histogram: e.histogram, grid: [], clip: null, min: e.min, max: e.max, count: e.count },
    { logY: $('log-y').checked });
  unitChart.show(lastReply.unitErrors);
}

/**
 * The calibrators' markers of a reply: drawn now when the worker had them, else asked for once
 * this view is on screen and drawn if it is still the view shown. #results[data-markers] says
 * 'pending' or 'ready' (tests wait for it).
 */
function showMarkers(reply) {
  const { markersPending, markersKey } = reply.view;
  results.dataset.markers = markersPending ? 'pending' : 'ready';
  if (!markersPending) {
    renderMarkers(reply.view.markers);
    return;
  }
  renderMarkers([], 'Each calibrator\'s range: computing…');
  client.call('markers', { key: markersKey }).then(({ markers }) => {
    if (!markers || lastReply?.view.markersKey !== markersKey) return;  // a newer view replaced it
    lastReply.view.markers = markers;
    lastReply.view.markersPending = false;
    drawCharts();
    renderMarkers(markers);
    results.dataset.markers = 'ready';
  }, (error) => showError(`Could not compute the calibrators' ranges: ${error.message}`));
}

/** Each calibrator's clipping range, in the chart's colours, with what it costs. */
function renderMarkers(markers, placeholder = '') {
  if (placeholder) {
    $('markers').replaceChildren(Object.assign(document.createElement('li'), { textContent: placeholder }));
    return;
  }
  $('markers').replaceChildren(...markers.map((m, i) => {
    const li = document.createElement('li');
    li.dataset.name = m.name;
    const swatch = Object.assign(document.createElement('span'), { className: 'swatch marker' });
    swatch.style.borderColor = MARKER_COLORS[i % MARKER_COLORS.length];
    li.append(swatch);
    if (m.error) {
      li.append(` ${m.name}: ${m.error}`);
      li.classList.add('has-problem');
    } else {
      li.dataset.lo = String(m.lo);
      li.dataset.hi = String(m.hi);
      li.append(` ${m.name}: [${fmt.sig(m.lo)}, ${fmt.sig(m.hi)}], MSE ${fmt.sig(m.mse)}, SQNR ${fmt.fixed(m.sqnrDb, 2)} dB`);
    }
    return li;
  }));
}

/** A clipping range chosen by the user (handles or inputs): quantize with it (updates coalesce). */
function setClip(clip) {
  const [lo, hi] = clip;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) return;
  controls.clip = [lo, hi];
  if (document.activeElement !== $('clip-lo')) $('clip-lo').value = String(lo);
  if (document.activeElement !== $('clip-hi')) $('clip-hi').value = String(hi);
  requestUpdate();
}

for (const id of ['clip-lo', 'clip-hi']) {
  $(id).addEventListener('input', () => {
    const lo = $('clip-lo').valueAsNumber, hi = $('clip-hi').valueAsNumber;
    const ok = Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi;
    $(id).setAttribute('aria-invalid', String(!ok));
    if (ok) setClip([lo, hi]);
  });
}
$('clip-reset').addEventListener('click', () => {
  controls.clip = null;
  requestUpdate();
});

// ---- controls ------------------------------------------------------------------------------

controls.form.addEventListener('submit', (e) => e.preventDefault());
controls.form.addEventListener('input', (e) => {
  if (['format', 'bits', 'scheme', 'signed', 'granularity', 'axis', 'groupSize', 'mode', 'calibration', 'doubleQuant', 'saturate'].includes(e.target.name)) {
    if (e.target.name === 'calibration') controls.clip = null;  // choosing a calibrator hands the range back to it
    requestUpdate();
  }
});
controls.source.addEventListener('change', () => {
  controls.selectSource(controls.sourceKey());
  loadSource(controls.sourceKey());
});
controls.seed.addEventListener('change', () => {
  if (controls.sourceKey().startsWith('synthetic:')) loadSource(controls.sourceKey());
});
controls.channel.addEventListener('input', () => requestUpdate());
$('file').addEventListener('change', (e) => {
  const files = [...e.target.files];
  e.target.value = '';  // choosing the same files again still fires 'change'
  openFiles(files);
});
$('log-y').addEventListener('change', () => drawCharts());
// Light and dark follow the system, also when it changes while the page is open: the charts read
// their colours from the stylesheet when built, so build them again.
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  chart.themeChanged();
  errorChart.themeChanged();
  drawCharts();
});

// Drag and drop anywhere on the page.
let dragDepth = 0;
const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
document.addEventListener('dragenter', (e) => {
  if (!hasFiles(e)) return;
  dragDepth++;
  $('drop-overlay').hidden = false;
});
document.addEventListener('dragleave', () => {
  if (--dragDepth <= 0) {
    dragDepth = 0;
    $('drop-overlay').hidden = true;
  }
});
document.addEventListener('dragover', (e) => {
  if (hasFiles(e)) e.preventDefault();
});
document.addEventListener('drop', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth = 0;
  $('drop-overlay').hidden = true;
  openFiles([...e.dataTransfer.files]);
});

// ---- the state in the URL hash and sharing ------------------------------------------------------

const link = linkState({
  controls, tabs, views,
  selectedTab: () => selectedTab,
  shownSource: () => shownSource,
  loadSource,
  requestUpdate,
});

new ShareButtons({
  hash: () => link.hash(),
  caveat: () => (controls.sourceKey() === 'file' ? 'Your own file stays here: the link opens with the bundled example instead.' : ''),
});

// ---- start ---------------------------------------------------------------------------------

client.call('hello').then((info) => {
  runtime = info;
  core = info;
  controls.setSchemes(info.schemes);
  controls.setCalibrations(info.calibrations);
  views.now.compare?.setCore(info);
  startKernelsIfShown();
  controls.selectSource('example');
  return link.start();
}, (e) => {
  results.dataset.state = 'error';
  $('status').textContent = 'The WebAssembly core could not be started.';
  showError(`Could not start the WebAssembly core: ${e.message}`);
});
