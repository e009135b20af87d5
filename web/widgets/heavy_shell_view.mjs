// What <qp-compare>, <qp-network> and <qp-playground> share: a shadow root whose styles are
// constructed stylesheets (a <style> element would be an inline style, refused by a strict
// `style-src 'self'` such as the app's own), the theme colours for light and dark, the `controls`
// attribute, the `data-state` attribute and a message area for errors, and a progress bar with
// Cancel. No element is defined here.

export const BASE_CSS = `
:host {
  display: block;
  color-scheme: light dark;
  --qp-bg: #ffffff; --qp-text: #1b1f24; --qp-muted: #5b6470; --qp-rule: #d9dde3;
  --accent: #2456c7; --qp-error-bg: #fdecec; --qp-error-text: #8a1414;
  --chart-text: #4a525c; --chart-rule: #e6e9ee; --chart-clip: #d23a2a;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--qp-text);
  max-width: 100%;
}
@media (prefers-color-scheme: dark) {
  :host {
    --qp-bg: #1a1e24; --qp-text: #e5e8ec; --qp-muted: #9aa3ae; --qp-rule: #2d333b;
    --accent: #7ea6ff; --qp-error-bg: #3a1717; --qp-error-text: #ffb4a8;
    --chart-text: #aeb6c0; --chart-rule: #2a3038; --chart-clip: #ff7a66;
  }
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.box { background: var(--qp-bg); border: 1px solid var(--qp-rule); border-radius: 8px; padding: 0.75rem; min-width: 0; }
.title { margin: 0 0 0.4rem; font-size: 1rem; font-weight: 600; }
.controls { display: flex; flex-wrap: wrap; gap: 0.4rem 0.9rem; align-items: end; margin-bottom: 0.5rem; }
.controls label { display: flex; flex-direction: column; gap: 0.1rem; font-size: 0.85rem; color: var(--qp-muted); }
select, input, button {
  font: inherit; font-size: 0.9rem; color: var(--qp-text); background: var(--qp-bg);
  border: 1px solid var(--qp-rule); border-radius: 6px; padding: 0.3rem 0.5rem; min-height: 2rem;
}
input[type="number"] { width: 7rem; }
button { cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--qp-bg); font-weight: 600; }
button:disabled { opacity: 0.55; cursor: default; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.status { margin: 0.3rem 0; font-size: 0.88rem; color: var(--qp-muted); min-height: 1.3em; }
.message { margin: 0.4rem 0; padding: 0.5rem 0.7rem; border-radius: 6px; background: var(--qp-error-bg);
  color: var(--qp-error-text); font-size: 0.9rem; overflow-wrap: anywhere; }
.progress { display: flex; flex-wrap: wrap; gap: 0.4rem 0.7rem; align-items: center; margin: 0.3rem 0; font-size: 0.88rem; }
.progress progress { flex: 1; min-width: 7rem; height: 0.9rem; accent-color: var(--accent); }
.table-scroll { overflow: auto; max-height: 26rem; margin-top: 0.5rem; border: 1px solid var(--qp-rule); border-radius: 6px; }
table.data { border-collapse: collapse; width: 100%; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
table.data caption { text-align: left; padding: 0.3rem 0.6rem; color: var(--qp-muted); font-size: 0.82rem; caption-side: bottom; }
table.data th, table.data td { padding: 0.25rem 0.55rem; border-bottom: 1px solid var(--qp-rule); text-align: left; white-space: nowrap; }
table.data th { position: sticky; top: 0; background: var(--qp-bg); z-index: 1; }
table.data th button.sort { font: inherit; font-weight: 600; background: none; border: 0; border-radius: 0; padding: 0;
  min-height: 0; color: var(--qp-text); }
table.data th[aria-sort="ascending"] button::after { content: " ▲"; font-size: 0.7em; }
table.data th[aria-sort="descending"] button::after { content: " ▼"; font-size: 0.7em; }
table.data .num { text-align: right; }
table.data tr[aria-current="true"] { background: color-mix(in srgb, var(--accent) 14%, transparent); }
table.data tr.has-problem td { color: var(--qp-error-text); }
button.link { background: none; border: 0; padding: 0; min-height: 0; color: var(--accent); text-decoration: underline;
  text-decoration-color: color-mix(in srgb, var(--accent) 40%, transparent); text-align: left; font-size: inherit; }
.footer { margin: 0.4rem 0 0; font-size: 0.78rem; color: var(--qp-muted); }
`;

const sheets = new Map();  // css text -> CSSStyleSheet, shared by every element of the page

function sheetFor(css) {
  if (!sheets.has(css)) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    sheets.set(css, sheet);
  }
  return sheets.get(css);
}

/** An open shadow root styled by BASE_CSS and `css`. */
export function attachShell(host, css) {
  const root = host.attachShadow({ mode: 'open' });
  if ('adoptedStyleSheets' in root) {
    root.adoptedStyleSheets = [sheetFor(BASE_CSS), sheetFor(css)];
  } else {
    // Engines without constructed stylesheets: a <style> element (a strict CSP may refuse it).
    root.append(Object.assign(document.createElement('style'), { textContent: BASE_CSS + css }));
  }
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
 * none for "none", else the listed ones. Unknown names are reported, not fatal.
 * @returns {{shown: Set<string>, unknown: string[]}}
 */
export function parseControls(attr, all) {
  if (attr === null || attr.trim() === '') return { shown: new Set(all), unknown: [] };
  const names = attr.trim().toLowerCase().split(/[\s,]+/);
  if (names.length === 1 && names[0] === 'none') return { shown: new Set(), unknown: [] };
  return { shown: new Set(names.filter((n) => all.includes(n))), unknown: names.filter((n) => !all.includes(n)) };
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

  start(text) {
    this.bar.removeAttribute('value');
    this.text.textContent = text;
    this.cancel.disabled = false;
    this.element.hidden = false;
  }

  update(done, total, text) {
    this.bar.max = Math.max(1, total);
    this.bar.value = done;
    this.text.textContent = text;
  }

  stop() {
    this.element.hidden = true;
  }
}

/** The reader's message for a failed request: the core's own words for its refusals. */
export function errorText(e) {
  if (e?.name === 'QplayError') return e.message;
  return `Something went wrong: ${e?.message ?? e}`;
}
