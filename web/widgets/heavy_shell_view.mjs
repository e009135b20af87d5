// What <qp-compare>, <qp-network> and <qp-playground> share: a shadow root with the widgets'
// adopted stylesheets (widget_style.mjs: a <style> element would be an inline style, refused by a
// strict `style-src 'self'` such as the app's own), attribute parsing (`controls`, numbers,
// choices), a progress bar with Cancel, error texts. No element is defined here.
import { adoptStyles } from './widget_style.mjs';

// On top of the widgets' shared theme (widget_style.mjs: the --qp-* colours, light and dark,
// controls, focus): the names the app's Scatter reads, tables, progress, messages.
export const HEAVY_CSS = `
:host {
  --accent: var(--qp-accent); --chart-text: var(--qp-muted); --chart-rule: var(--qp-rule); --chart-clip: var(--qp-clip);
}
[hidden] { display: none !important; }
.controls { align-items: end; }
button { cursor: pointer; }
button.primary { background: var(--qp-accent); border-color: var(--qp-accent); color: var(--qp-bg); font-weight: 600; }
button:disabled { opacity: 0.55; cursor: default; }
a:focus-visible { outline: 2px solid var(--qp-accent); outline-offset: 2px; }
.message { margin: 0.4rem 0; padding: 0.5rem 0.7rem; border-radius: 6px; background: var(--qp-error-bg);
  color: var(--qp-error-text); font-size: 0.9rem; overflow-wrap: anywhere; }
.progress { display: flex; flex-wrap: wrap; gap: 0.4rem 0.7rem; align-items: center; margin: 0.3rem 0; font-size: 0.88rem; }
.progress progress { flex: 1; min-width: 7rem; height: 0.9rem; accent-color: var(--qp-accent); }
.table-scroll { overflow: auto; max-height: 26rem; margin-top: 0.5rem; border: 1px solid var(--qp-rule); border-radius: 6px; }
table.data { border-collapse: collapse; width: 100%; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
table.data caption { text-align: left; padding: 0.3rem 0.6rem; color: var(--qp-muted); font-size: 0.82rem; caption-side: bottom; }
table.data th, table.data td { padding: 0.25rem 0.55rem; border-bottom: 1px solid var(--qp-rule); text-align: left; white-space: nowrap; }
table.data th { position: sticky; top: 0; background: var(--qp-bg); z-index: 1; }
table.data th button.sort { font: inherit; font-weight: 600; background: none; border: 0; border-radius: 0; padding: 0;
  min-height: 0; color: var(--qp-text); }
table.data th[aria-sort="ascending"] button::after { content: " ▲"; font-size: 0.7em; }
table.data th[aria-sort="descending"] button::after { content: " ▼"; font-size: 0.7em; }
table.data .num { text-align: right; font-family: inherit; }
table.data tr[aria-current="true"] { background: color-mix(in srgb, var(--qp-accent) 14%, transparent); }
table.data tr.has-problem td { color: var(--qp-error-text); }
button.link { background: none; border: 0; padding: 0; min-height: 0; color: var(--qp-accent); text-decoration: underline;
  text-decoration-color: color-mix(in srgb, var(--qp-accent) 40%, transparent); text-align: left; font-size: inherit; }
.footer { margin: 0.4rem 0 0; font-size: 0.78rem; color: var(--qp-muted); }
`;

/** An open shadow root styled by the shared theme, HEAVY_CSS and `css`. */
export function attachShell(host, css) {
  const root = host.attachShadow({ mode: 'open' });
  adoptStyles(root, HEAVY_CSS + css);
  return root;
}

/** Creates an element: el('button', {type: 'button', textContent: 'Run'}, child, ...). */
export function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

/**
 * The controls to show: every one of `all` without the attribute (or when it is empty),
 * none for "none", else the listed ones. Unknown names are reported (`error`: the message the
 * widget shows), not fatal.
 * @returns {{shown: Set<string>, unknown: string[], error: string | null}}
 */
export function parseControls(attr, all) {
  if (attr === null || attr.trim() === '') return { shown: new Set(all), unknown: [], error: null };
  const names = attr.trim().toLowerCase().split(/[\s,]+/);
  if (names.length === 1 && names[0] === 'none') return { shown: new Set(), unknown: [], error: null };
  const unknown = names.filter((n) => !all.includes(n));
  const error = unknown.length ? `controls="${attr}": unknown ${unknown.join(', ')} (use none or any of ${all.join(', ')})` : null;
  return { shown: new Set(names.filter((n) => all.includes(n))), unknown, error };
}

/** A whole number attribute within [min, max] (or its default when absent): {value} or {error}. */
export function intAttribute(host, name, fallback, min, max) {
  const text = host.getAttribute(name);
  if (text === null || text.trim() === '') return { value: fallback };
  const v = Number(text);
  if (!Number.isInteger(v) || v < min || v > max) return { error: `${name}="${text}" must be a whole number from ${min} to ${max}` };
  return { value: v };
}

/** One of `choices` (or the default when absent): {value} or {error}. */
export function choiceAttribute(host, name, fallback, choices) {
  const text = host.getAttribute(name);
  if (text === null || text.trim() === '') return { value: fallback };
  const v = text.trim().toLowerCase();
  if (!choices.includes(v)) return { error: `${name}="${text}" is not one of ${choices.join(', ')}` };
  return { value: v };
}

/**
 * A progress bar with a Cancel button: start(label) shows it (indeterminate), update(done, total,
 * text) fills it, stop() hides it; onCancel runs when the button is pressed.
 */
export class ProgressBox {
  constructor(onCancel, label) {
    this.bar = el('progress', { max: 1 });
    this.bar.setAttribute('aria-label', label);
    this.text = el('span', { className: 'progress-text' });
    this.cancel = el('button', { type: 'button', textContent: 'Cancel', className: 'cancel' });
    this.cancel.addEventListener('click', () => {
      this.cancel.disabled = true;
      this.text.textContent += ' — cancelling…';
      onCancel();
    });
    this.element = el('div', { className: 'progress', hidden: true }, this.bar, this.text, this.cancel);
  }

  /** Shown after `delayMs` only, so a quick job does not flash a bar (the status line says it runs). */
  start(text, delayMs = 300) {
    this.bar.removeAttribute('value');
    this.text.textContent = text;
    this.cancel.disabled = false;
    clearTimeout(this._timer);
    this._timer = setTimeout(() => { this.element.hidden = false; }, delayMs);
  }

  update(done, total, text) {
    this.bar.max = Math.max(1, total);
    this.bar.value = done;
    this.text.textContent = text;
  }

  stop() {
    clearTimeout(this._timer);
    this.element.hidden = true;
  }
}

/** The reader's message for a failed request: the core's own words for its refusals. */
export function errorText(e) {
  if (e?.name === 'QplayError') return e.message;
  return `Something went wrong: ${e?.message ?? e}`;
}
