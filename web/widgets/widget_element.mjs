// The base of the widgets' custom elements (docs/widgets.md): a shadow root with the shared styles,
// settings from attributes (with defaults), one core request per render (a newer render cancels
// the older one, so a stale reply never draws), data-state = loading | ready | error, the last
// reply as `result`, `controls` to show all, none or some controls, and `qp-change` after the
// reader changed a setting. Errors become a message in the widget, never an exception in the page.
import { widgetCore } from './runtime.mjs';
import { adoptStyles } from './widget_style.mjs';

let started = false;  // a core request went out on this page: later widgets say "computing", not "starting"

export class QpWidget extends HTMLElement {
  /** Attribute name -> default (strings, as attributes are); subclasses override. */
  static defaults = {};
  /** Control names in display order (each a setting the reader may change). */
  static controlNames = [];
  /** Extra CSS of the widget. */
  static css = '';

  static get observedAttributes() {
    return [...Object.keys(this.defaults), 'controls'];
  }

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    adoptStyles(root, this.constructor.css);
    this._box = document.createElement('div');
    this._box.className = 'box';
    this._box.setAttribute('part', 'box');
    this._controls = document.createElement('div');
    this._controls.className = 'controls';
    this._body = document.createElement('div');
    this._body.className = 'body';
    this._status = document.createElement('p');
    this._status.className = 'status';
    this._status.setAttribute('role', 'status');
    this._error = document.createElement('p');
    this._error.className = 'error';
    this._error.setAttribute('role', 'alert');
    this._box.append(this._controls, this._body, this._error, this._status);
    root.append(this._box);
    this._inputs = new Map();  // control name -> {wrap, input}
    this._seq = 0;
    this._abort = null;
    this._pending = false;
    /** The last reply drawn (null before the first). */
    this.result = null;
    // Charts are drawn at the widget's width: redraw the last reply when the width changes
    // (a phone turned, a column resized), without asking the core again.
    this._drawn = null;  // {reply, settings, width}
    let frame = 0;
    new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const width = this._body.clientWidth;
        if (!this._drawn || this.dataset.state !== 'ready' || Math.abs(width - this._drawn.width) < 8) return;
        this._drawn.width = width;
        try {
          this.draw(this._drawn.reply, this._drawn.settings);
        } catch (e) {
          this._showError(e);
        }
      });
    }).observe(this._body);
    try {
      this.buildControls();
    } catch (e) {
      this._showError(e);
    }
  }

  connectedCallback() {
    this._schedule();
  }

  disconnectedCallback() {
    this._abort?.abort();
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue !== newValue && this.isConnected) this._schedule();
  }

  /** The current settings: every attribute, or its default. */
  get settings() {
    const out = {};
    for (const [name, fallback] of Object.entries(this.constructor.defaults))
      out[name] = this.getAttribute(name) ?? fallback;
    return out;
  }

  // ---- controls ----

  /** Adds a labelled control; `input` is an <input> or <select> whose value is the attribute's. */
  addControl(name, label, input, { event = 'change' } = {}) {
    const wrap = document.createElement('label');
    wrap.className = 'control';
    wrap.append(label, input);
    input.name = name;
    input.addEventListener(event, () => this.userChange(name, input.value));
    this._controls.append(wrap);
    this._inputs.set(name, { wrap, input });
    return input;
  }

  /** A <select> of [value, label] pairs. */
  static select(options) {
    const select = document.createElement('select');
    for (const [value, label] of options) select.append(new Option(label ?? value, value));
    return select;
  }

  static numberInput({ step = 'any', min, max } = {}) {
    const input = document.createElement('input');
    input.type = 'number';
    input.step = step;
    if (min !== undefined) input.min = min;
    if (max !== undefined) input.max = max;
    input.inputMode = 'decimal';
    return input;
  }

  /** The reader changed `name`: store it as the attribute (which re-renders) and tell the page. */
  userChange(name, value) {
    this.setAttribute(name, String(value));
    this.dispatchEvent(new CustomEvent('qp-change', { detail: { ...this.settings }, bubbles: true, composed: true }));
  }

  /** Which controls show: all (no attribute), none (`controls="none"`), or the listed names. */
  _syncControls(settings) {
    const spec = this.getAttribute('controls');
    const shown = spec === null || spec.trim() === '' ? null : new Set(spec.trim().split(/\s+/));
    for (const [name, { wrap, input }] of this._inputs) {
      wrap.hidden = shown !== null && !shown.has(name);
      const value = settings[name];
      if (value !== undefined && input !== this.shadowRoot.activeElement && input.value !== value) {
        // A <select> keeps its value only if it has the option: add the attribute's one if missing.
        if (input.tagName === 'SELECT' && ![...input.options].some((o) => o.value === value)) input.append(new Option(value, value));
        input.value = value;
      }
    }
  }

  // ---- rendering ----

  _schedule() {
    if (this._pending) return;
    this._pending = true;
    queueMicrotask(() => {
      this._pending = false;
      this._render().catch((e) => this._showError(e));
    });
  }

  async _render() {
    const seq = ++this._seq;
    this._abort?.abort();
    this._abort = null;
    const settings = this.settings;
    this._syncControls(settings);
    let request;
    try {
      request = this.request(settings);  // {type, fields} or throws a message about the attributes
    } catch (e) {
      this._showError(e);
      return;
    }
    if (!request) return;
    const abort = new AbortController();
    this._abort = abort;
    this.dataset.state = 'loading';
    this._box.classList.add('busy');
    this._status.textContent = started ? 'Computing…' : 'Starting the WebAssembly core…';
    started = true;
    let reply;
    try {
      reply = await widgetCore().call(request.type, request.fields, { signal: abort.signal });
    } catch (e) {
      if (e?.name === 'AbortError' || seq !== this._seq) return;
      this._showError(e);
      return;
    }
    if (seq !== this._seq) return;
    this._abort = null;
    this._error.textContent = '';
    this.result = this.draw(reply, settings) ?? reply;
    this._drawn = { reply, settings, width: this._body.clientWidth };
    this._box.classList.remove('busy');
    this._status.textContent = this.footer(reply, settings);
    this.dataset.state = 'ready';
  }

  _showError(e) {
    this._box.classList.remove('busy');
    this._status.textContent = '';
    // The core's messages (QplayError) are meant for the reader; others get a prefix.
    const message = e?.name === 'QplayError' || e?.name === 'WidgetError' ? e.message : `Something went wrong: ${e?.message ?? e}`;
    this._error.textContent = message;
    this.dataset.state = 'error';
  }

  /** Subclasses: build the controls once (addControl). */
  buildControls() {}
  /** Subclasses: {type, fields} of the core request for these settings; throw widgetError(...) on bad ones. */
  request(settings) { throw new Error(`${this.localName} has no request`); }
  /** Subclasses: draw the reply into this.body; return what `result` should hold (default: the reply). */
  draw(reply, settings) {}
  /** The line under the widget once drawn. */
  footer() {
    const core = widgetCore();
    return core.mode === 'main-thread' ? 'Computed by the WebAssembly core (on the main thread).' : 'Computed by the WebAssembly core.';
  }

  get body() {
    return this._body;
  }
}

/** An error about the widget's attributes: its message is shown as is. */
export function widgetError(message) {
  const e = new Error(message);
  e.name = 'WidgetError';
  return e;
}

/** A number attribute, or a WidgetError naming it. */
export function numberSetting(settings, name, { integer = false, min = -Infinity, max = Infinity } = {}) {
  const raw = settings[name];
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    const what = integer ? 'an integer' : 'a number';
    const range = min > -Infinity && max < Infinity ? ` from ${min} to ${max}` : '';
    throw widgetError(`${name}="${raw}" is not valid: expected ${what}${range}`);
  }
  return v;
}

/** One of `allowed`, or a WidgetError listing them. */
export function choiceSetting(settings, name, allowed) {
  const v = String(settings[name]).trim();
  if (!allowed.includes(v)) throw widgetError(`${name}="${settings[name]}" is not valid: expected one of ${allowed.join(', ')}`);
  return v;
}

/** "true"/"false" (also "", "1", "0", "yes", "no"). */
export function booleanSetting(settings, name) {
  const v = String(settings[name]).trim().toLowerCase();
  if (['', 'true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw widgetError(`${name}="${settings[name]}" is not valid: expected true or false`);
}

/** Define `name` unless the page (or a second copy of the bundle) already did. */
export function defineWidget(name, element) {
  if (!customElements.get(name)) customElements.define(name, element);
}

/** The shortest decimal that reads back as the same float32 (3.0117648, not 3.0117647647857666). */
export function float32String(x) {
  if (!Number.isFinite(x) || x === 0) return Object.is(x, -0) ? '-0' : String(x);
  for (let p = 1; p < 10; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(x);
}

/** Dense grids fade (a line every pixel would grey the chart out); sparse ones stay visible. */
export function gridOpacity(width, levels, strongest) {
  return Math.max(0.06, Math.min(strongest, (strongest * width) / Math.max(1, levels) / 6)).toFixed(3);
}

/** A short display of a float64 (errors, metrics). */
export function short(x, digits = 4) {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return String(Number(x.toPrecision(digits)));
}

/** Small SVG helper: an element with attributes (presentation attributes are allowed by CSP). */
export function svg(tag, attrs = {}, children = []) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** An HTML element with properties and children. */
export function html(tag, props = {}, children = []) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') el.className = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'scope') el.setAttribute(k, v);
    else el[k] = v;
  }
  for (const c of children) el.append(c);
  return el;
}
