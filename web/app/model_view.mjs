// The model view: what the open files hold (every tensor in a filterable, sortable table, the
// totals, metadata, the ONNX graph summary, warnings). Clicking a tensor asks for it in the
// quantization view through onSelect(index).
import { LazyTable } from './lazy_table.mjs';
import * as fmt from './format.mjs';

const $ = (id) => document.getElementById(id);

const FORMAT_NAMES = { safetensors: 'safetensors', npy: 'NumPy .npy', npz: 'NumPy .npz', onnx: 'ONNX',
  gguf: 'GGUF', pytorch: 'PyTorch checkpoint' };

export class ModelView {
  /** @param {{onSelect(index: number, tensor: object): void}} handlers */
  constructor({ onSelect }) {
    this.model = null;
    this._onSelect = onSelect;
    this.table = new LazyTable({
      table: $('tensor-table'), more: $('tensor-more'), count: $('tensor-count'), noun: 'tensors',
      columns: this._columns(),
      rowAttributes: (t, tr) => {
        tr.dataset.name = t.name;
        tr.dataset.index = String(t.index);
        if (t.problem) tr.classList.add('has-problem');
        tr.addEventListener('click', (e) => {
          if (e.target.closest('button') || t.problem) return;  // the name button handles itself
          this._onSelect(t.index, t);
        });
      },
    });
    $('tensor-filter').addEventListener('input', (e) => this.table.setFilter(e.target.value));
  }

  _columns() {
    const multiFile = () => (this.model?.files.length ?? 0) > 1;
    return [
      { key: 'name', label: 'Name', filter: true, value: (t) => t.name, cell: (t) => this._nameCell(t) },
      { key: 'dtype', label: 'dtype', filter: true, value: (t) => t.storedType, cell: (t) => t.storedType },
      { key: 'shape', label: 'Shape', value: (t) => t.shape.length ? t.shape.join('×') : '', cell: (t) => fmt.shape(t.shape),
        dataValue: (t) => JSON.stringify(t.shape) },
      { key: 'parameters', label: 'Parameters', numeric: true, value: (t) => t.parameters, cell: (t) => fmt.integer(t.parameters),
        dataValue: (t) => String(t.parameters) },
      { key: 'bytes', label: 'Bytes', numeric: true, value: (t) => t.bytes, cell: (t) => fmt.bytesText(t.bytes),
        dataValue: (t) => String(t.bytes) },
      { key: 'file', label: 'File', filter: true, value: (t) => (multiFile() ? this.model.files[t.file]?.name ?? '' : ''),
        cell: (t) => this.model.files[t.file]?.name ?? '' },
      { key: 'problem', label: 'Problem', filter: true, value: (t) => t.problem, cell: (t) => t.problem },
    ];
  }

  _nameCell(t) {
    if (t.problem) {
      const span = document.createElement('span');
      span.className = 'tensor-name';
      span.textContent = t.name;
      return span;
    }
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link tensor-name';
    button.textContent = t.name;
    button.title = 'Show this tensor in the quantization view';
    button.addEventListener('click', () => this._onSelect(t.index, t));
    return button;
  }

  /** Show a model listing from the worker (see worker_model.mjs listing()). */
  show(model) {
    this.model = model;
    const tensors = model.tensors.map((t, index) => ({ ...t, index }));
    $('model-empty').hidden = true;
    $('model-body').hidden = false;
    $('panel-model').dataset.token = String(model.token);  // changes with every opened model (tests wait on it)
    $('model-count').textContent = `(${fmt.integer(tensors.length)})`;

    const files = model.files.map((f) => f.name);
    $('model-title').textContent = files.length > 3 ? `${files.slice(0, 3).join(', ')} and ${files.length - 3} more` : files.join(', ');
    $('model-format').textContent = FORMAT_NAMES[model.format] ?? model.format;
    const parameters = tensors.reduce((a, t) => a + t.parameters, 0);
    const bytes = tensors.reduce((a, t) => a + t.bytes, 0);
    setValue('model-tensors', tensors.length, fmt.integer(tensors.length));
    setValue('model-parameters', parameters, fmt.integer(parameters));
    setValue('model-bytes', bytes, `${fmt.bytesText(bytes)} (${fmt.integer(bytes)} bytes)`);
    const problems = tensors.filter((t) => t.problem).length;
    setValue('model-problems', problems, problems ? `${fmt.integer(problems)} cannot be read (see the Problem column)` : 'none');
    $('pickle-note').hidden = model.format !== 'pytorch';
    this._showWarnings(model.warnings);
    this._showMetadata(model.metadata);
    this._showGraph(model.graph);

    // The column "File" only says something when several files were opened together.
    $('tensor-table').classList.toggle('single-file', files.length <= 1);
    $('tensor-filter').value = '';
    this.table.filterText = '';
    this.table.clearSort();  // a new model starts in file order
    this.table.setRows(tensors);
  }

  _showWarnings(warnings) {
    const list = $('model-warnings');
    list.replaceChildren(...warnings.map((w) => Object.assign(document.createElement('li'), { textContent: w })));
    list.hidden = warnings.length === 0;
  }

  _showMetadata(entries) {
    const panel = $('metadata-panel');
    panel.hidden = entries.length === 0;
    panel.open = entries.length > 0 && entries.length <= 12;  // a GGUF's dozens of keys start folded
    $('metadata-count').textContent = `(${fmt.integer(entries.length)})`;
    const dl = $('metadata-list');
    const items = [];
    for (const [k, v] of entries) {
      items.push(Object.assign(document.createElement('dt'), { textContent: k }));
      items.push(Object.assign(document.createElement('dd'), { textContent: v }));
    }
    dl.replaceChildren(...items);
  }

  _showGraph(graph) {
    const panel = $('graph-panel');
    panel.hidden = !graph || graph.nodeCount === 0;
    if (panel.hidden) return;
    $('graph-nodes').textContent = `${fmt.integer(graph.nodeCount)} nodes`;
    $('graph-ops').replaceChildren(...graph.opCounts.map(({ opType, count }) => {
      const li = document.createElement('li');
      li.append(Object.assign(document.createElement('code'), { textContent: opType }), ` × ${fmt.integer(count)}`);
      return li;
    }));
    const list = (id, items) => $(id).replaceChildren(...items.map((s) =>
      Object.assign(document.createElement('li'), { textContent: s })));
    list('graph-inputs', graph.inputs);
    list('graph-outputs', graph.outputs);
  }

  /** Mark the row shown in the quantization view. */
  markCurrent(index) {
    for (const tr of $('tensor-table').querySelectorAll('tr[aria-current]')) tr.removeAttribute('aria-current');
    if (index !== null) $('tensor-table').querySelector(`tr[data-index="${index}"]`)?.setAttribute('aria-current', 'true');
  }
}

function setValue(id, value, text) {
  const el = $(id);
  el.dataset.value = String(value);
  el.textContent = text;
}
