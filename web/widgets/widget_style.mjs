// The widgets' shared shadow-root styles. Adopted as a constructed stylesheet: a <style> element
// would be refused by a host page whose CSP has style-src 'self' (as ours has), an adopted sheet
// is not. One sheet per document, shared by every widget on the page.
// Theme: light, or dark when the system asks for it; a host page may override the --qp-* colours.
const CSS = `
:host {
  display: block;
  color-scheme: light dark;
  --qp-bg: #ffffff;
  --qp-panel: #f6f7f9;
  --qp-text: #1b1f24;
  --qp-muted: #5b6470;
  --qp-rule: #d9dde3;
  --qp-accent: #2456c7;
  --qp-error-bg: #fdecec;
  --qp-error-text: #8a1414;
  --qp-bar: #6f8fd6;
  --qp-level: #1b1f24;
  --qp-clip: #d23a2a;
  --qp-clip-fill: rgba(210, 58, 42, 0.10);
  --qp-sign: #c2185b;
  --qp-exponent: #2f7d32;
  --qp-mantissa: #2456c7;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px;
  line-height: 1.45;
  color: var(--qp-text);
  max-width: 100%;
}
@media (prefers-color-scheme: dark) {
  :host {
    --qp-bg: #1a1e24;
    --qp-panel: #111418;
    --qp-text: #e5e8ec;
    --qp-muted: #9aa3ae;
    --qp-rule: #2d333b;
    --qp-accent: #7ea6ff;
    --qp-error-bg: #3a1717;
    --qp-error-text: #ffb4a8;
    --qp-bar: #5b7cc4;
    --qp-level: #e5e8ec;
    --qp-clip: #ff7b6b;
    --qp-clip-fill: rgba(255, 123, 107, 0.12);
    --qp-sign: #f48fb1;
    --qp-exponent: #81c784;
    --qp-mantissa: #7ea6ff;
  }
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.box {
  background: var(--qp-bg);
  border: 1px solid var(--qp-rule);
  border-radius: 8px;
  padding: 12px;
  min-width: 0;
}
.title { margin: 0 0 8px; font-size: 1em; font-weight: 600; }
.controls { display: flex; flex-wrap: wrap; gap: 8px 12px; margin-bottom: 10px; }
.controls:empty { display: none; }
.control { display: flex; flex-direction: column; gap: 2px; font-size: 0.85em; color: var(--qp-muted); min-width: 0; }
.control[hidden] { display: none; }
input, select, button {
  font: inherit;
  font-size: 15px;
  color: var(--qp-text);
  background: var(--qp-panel);
  border: 1px solid var(--qp-rule);
  border-radius: 6px;
  padding: 4px 6px;
  min-height: 32px;
}
input[type="number"] { width: 7.5em; }
input:focus-visible, select:focus-visible, button:focus-visible, [tabindex]:focus-visible {
  outline: 2px solid var(--qp-accent);
  outline-offset: 2px;
}
.status { margin: 6px 0 0; color: var(--qp-muted); font-size: 0.85em; min-height: 1.2em; }
.error {
  margin: 6px 0 0;
  padding: 8px 10px;
  border-radius: 6px;
  background: var(--qp-error-bg);
  color: var(--qp-error-text);
}
.error:empty { display: none; }
.busy .body { opacity: 0.6; transition: opacity 0.2s 0.15s; }
svg { display: block; width: 100%; height: auto; overflow: visible; }
svg text { fill: var(--qp-muted); font-size: 11px; font-family: inherit; }
.steps { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
.steps th, .steps td { text-align: left; padding: 3px 8px 3px 0; border-bottom: 1px solid var(--qp-rule); vertical-align: top; }
.steps th { font-weight: 500; color: var(--qp-muted); white-space: nowrap; }
.steps td.formula { color: var(--qp-muted); font-size: 0.9em; }
.steps td.num { white-space: nowrap; }
.num { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.strong { font-weight: 700; color: var(--qp-text); }
.note { color: var(--qp-muted); font-size: 0.85em; margin: 6px 0 0; }
.scroll { overflow-x: auto; }
`;

const sheets = new Map();  // CSS text -> its constructed sheet, shared by every instance

function sheetOf(css) {
  let sheet = sheets.get(css);
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    sheets.set(css, sheet);
  }
  return sheet;
}

/** Give a shadow root the shared styles (plus `extra`, the widget's own rules). */
export function adoptStyles(root, extra = '') {
  if (typeof CSSStyleSheet === 'function' && 'adoptedStyleSheets' in Document.prototype) {
    root.adoptedStyleSheets = extra ? [sheetOf(CSS), sheetOf(extra)] : [sheetOf(CSS)];
  } else {
    const style = document.createElement('style');
    style.textContent = CSS + extra;
    root.append(style);
  }
}
