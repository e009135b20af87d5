// embed.html: renders one widget from the URL parameters, for sites that can only add an iframe:
//   embed.html?widget=qp-value&value=3.6&min=-10&max=10&bits=8&scheme=symmetric
// `widget` names the element; every other parameter becomes one of its attributes. The page
// reports its height to the embedding page (embed_size.mjs), which may size the iframe to fit.
import { WIDGET_NAMES } from './qp-widgets.mjs';
import { reportEmbedSize } from './embed_size.mjs';

// The page's own styles, adopted (the page's CSP has style-src 'self': no inline <style>).
const sheet = new CSSStyleSheet();
sheet.replaceSync(`
  :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; padding: 8px; background: Canvas; color: CanvasText; }
  .message { margin: 0; padding: 10px 12px; border-radius: 6px; border: 1px solid #d23a2a; }
`);
document.adoptedStyleSheets = [sheet];

function show(text) {
  const p = document.getElementById('embed-message') ?? document.createElement('p');
  p.id = 'embed-message';
  p.className = 'message';
  p.setAttribute('role', 'alert');
  p.textContent = text;
  document.getElementById('widget').replaceChildren(p);
}

const params = new URLSearchParams(location.search);
const name = (params.get('widget') ?? '').trim().toLowerCase();
if (!name) {
  show(`No widget named: add ?widget=… to the URL, one of ${WIDGET_NAMES.join(', ')}.`);
} else if (!WIDGET_NAMES.includes(name) || !customElements.get(name)) {
  show(`Unknown widget '${name}'. This build has: ${WIDGET_NAMES.filter((n) => customElements.get(n)).join(', ')}.`);
} else {
  const element = document.createElement(name);
  try {
    for (const [key, value] of params) if (key !== 'widget') element.setAttribute(key, value);
    document.title = `${name} · Quantization Playground`;
    document.getElementById('widget').replaceChildren(element);
  } catch (e) {
    show(`The URL parameters cannot be used as attributes of <${name}>: ${e.message}`);
  }
}

reportEmbedSize();
