// The page's entry point: starts the Worker, loads the bundled example, and wires the settings,
// file opening (input and drag-and-drop, several files = one model), the tensor and model views.
// All computation happens in worker.mjs.
import { WorkerClient } from './client.mjs';
import { Controls } from './controls.mjs';
import { HistogramView } from './histogram.mjs';
import { renderResults } from './results.mjs';
import { EXAMPLE } from './tensors.mjs';
import { ModelView } from './model_view.mjs';
import { AnalysisView } from './analysis_view.mjs';
import { JobRunner } from './progress.mjs';
import { Tabs } from './tabs.mjs';
import * as fmt from './format.mjs';

const $ = (id) => document.getElementById(id);
const results = $('results');
const controls = new Controls({ exampleLabel: EXAMPLE.label });
const chart = new HistogramView($('chart'));

let runtime = null;       // {build, kernelTier} from the worker
let shownSource = null;   // source key of the tensor on screen
let lastView = null;
let model = null;         // the open model's listing (worker_model.mjs), null before any
let fileTensor = null;    // the last model tensor shown: its load, chosen again from the menu
let openingTensor = null; // the model tensor whose load is in flight; becomes fileTensor once shown

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

const worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module', name: 'qplay' });
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
        modelView.markCurrent(request.load.token === model?.token ? request.load.index : null);
      } else {
        modelView.markCurrent(null);
      }
      clearError();
    }
    controls.selectSource(shownSource);
    // A load delivered while a newer update waits: keep the source, but do not roll the controls
    // back to the load's options (the user has moved on) nor draw what is about to be replaced.
    if (request.load && client.hasWaiting) return;
    controls.follow(reply);
    renderResults(reply, runtime);
    lastView = reply.view;
    chart.show(reply.view, { logY: $('log-y').checked });
    results.dataset.options = JSON.stringify(reply.options);
    results.dataset.channel = String(reply.channel);
    results.dataset.source = shownSource;
    $('status').textContent = `${reply.tensor.name}: ${fmt.shape(reply.tensor.shape)}, ` +
      `${reply.options.bits}-bit ${reply.options.scheme} ${reply.options.signed ? 'signed' : 'unsigned'}, ` +
      `${reply.options.axis === null ? 'per tensor' : `per channel (axis ${reply.options.axis})`}, ` +
      `${reply.options.mode === 'onnx' ? 'ONNX' : 'PyTorch'} numerics.`;
  },
  onError(error, request) {
    const what = request.load?.kind === 'npy' ? `Could not open ${request.load.name}: `
      : request.load?.kind === 'modelTensor' ? `Could not quantize ${request.load.label}: ` : '';
    showError(error.name === 'QplayError' ? `${what}${error.message}` : `${what}Internal error: ${error.message}`);
    if (request.load) controls.selectSource(shownSource);  // the previous tensor stays
  },
});

let loadRequested = false;  // control changes before the first load have nothing to quantize

/** load (optional): {key: source key, kind, ...} as the worker expects it (see worker.mjs). */
function requestUpdate(load) {
  if (load) loadRequested = true;
  else if (!loadRequested) return;
  client.update({ load, options: controls.options(), channel: controls.channelIndex() });
}

async function loadSource(key) {
  try {
    if (key === 'example') {
      const response = await fetch(EXAMPLE.file);
      if (!response.ok) throw new Error(`the bundled example (${EXAMPLE.file}) is missing: HTTP ${response.status}`);
      requestUpdate({ key, kind: 'npy', name: EXAMPLE.file.split('/').pop(), bytes: await response.arrayBuffer() });
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
  model = reply.model;
  modelView.show(model);
  analysisView.modelChanged();
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

const tabs = new Tabs($('view-tabs'));
const modelView = new ModelView({ onSelect: (index) => selectModelTensor(index) });
const jobs = new JobRunner(client);
const analysisView = new AnalysisView({ jobs, options: () => controls.options(), model: () => model, showError });

// ---- controls ------------------------------------------------------------------------------

controls.form.addEventListener('submit', (e) => e.preventDefault());
controls.form.addEventListener('input', (e) => {
  if (['bits', 'scheme', 'signed', 'granularity', 'axis', 'mode'].includes(e.target.name)) requestUpdate();
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
$('log-y').addEventListener('change', () => {
  if (lastView) chart.show(lastView, { logY: $('log-y').checked });
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

// ---- start ---------------------------------------------------------------------------------

client.call('hello').then((info) => {
  runtime = info;
  controls.selectSource('example');
  return loadSource('example');
}, (e) => {
  results.dataset.state = 'error';
  $('status').textContent = 'The WebAssembly core could not be started.';
  showError(`Could not start the WebAssembly core: ${e.message}`);
});
