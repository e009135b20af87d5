// <qp-playground> (docs/widgets.md): the whole app in an iframe of the bundle's index.html, with
// the `state` attribute as its URL hash (the app reads it on load and on hashchange) and `height`
// (a length, or "auto": the frame follows the height the app reports, as embed.html's widgets do).
// The app keeps its own worker and memory: nothing here talks to the widgets' shared core.
import { assetUrl } from './runtime.mjs';
import { attachShell, el, parseControls } from './heavy_shell_view.mjs';
import { SIZE_MESSAGE, SIZE_REQUEST } from './embed_size.mjs';

const CONTROLS = ['open'];
const DEFAULT_HEIGHT = '720px';
const LENGTH = /^(\d+(?:\.\d+)?)(px|em|rem|vh|svh|dvh|lvh)?$/;
const MAX_AUTO_HEIGHT = 20000;  // a bound on what the frame can ask for (px)
const WATCH_MS = 700;  // how often a same-origin app's hash is read (it writes it with replaceState: no event)

const CSS = `
.frame-wrap { position: relative; }
iframe { display: block; box-sizing: content-box; width: 100%; border: 1px solid var(--qp-rule); border-radius: 8px;
  background: var(--qp-bg); }
.loading { position: absolute; inset: 0 auto auto 0; margin: 0.8rem; }
.links { margin: 0.3rem 0 0; font-size: 0.85rem; text-align: right; }
a { color: var(--qp-accent); }
`;

/** The `height` attribute as a CSS length: {value} or {error}. */
function readHeight(text) {
  if (text === null || text.trim() === '') return { value: DEFAULT_HEIGHT };
  if (text.trim() === 'auto') return { value: DEFAULT_HEIGHT, auto: true };  // until the app reports
  const m = LENGTH.exec(text.trim());
  if (!m || Number(m[1]) <= 0) return { error: `height="${text}" must be a length such as 640 (pixels), 640px or 80vh, or auto` };
  return { value: `${m[1]}${m[2] ?? 'px'}` };
}

/** The `state` attribute as a hash without '#' (the app validates each key itself). */
function readState(text) {
  return (text ?? '').trim().replace(/^#/, '');
}

export class QpPlayground extends HTMLElement {
  static observedAttributes = ['state', 'height', 'controls'];

  constructor() {
    super();
    this._root = attachShell(this, CSS);
    this._timer = 0;
    /** {src, state} of the app shown (state: the app's hash as last seen). */
    this.result = null;
    this._frame = el('iframe', { title: 'Quantization Playground (the whole app)', loading: 'lazy' });
    this._frame.setAttribute('allow', 'clipboard-write');
    this._frame.addEventListener('load', () => this._loaded());
    this._auto = false;
    this._onMessage = (event) => this._sized(event);
    this._loading = el('p', { className: 'status loading', textContent: 'Loading the playground…' });
    this._loading.setAttribute('role', 'status');
    this._message = el('p', { className: 'message', hidden: true });
    this._message.setAttribute('role', 'alert');
    this._open = el('a', { target: '_blank', rel: 'noopener', textContent: 'Open the playground in a new tab ↗' });
    this._links = el('p', { className: 'links' }, this._open);
    this._root.append(this._message, el('div', { className: 'frame-wrap' }, this._frame, this._loading), this._links);
  }

  connectedCallback() {
    addEventListener('message', this._onMessage);
    this._refresh();
  }

  disconnectedCallback() {
    removeEventListener('message', this._onMessage);
    clearInterval(this._timer);
    this._timer = 0;
  }

  attributeChangedCallback() {
    if (this.isConnected) this._refresh();
  }

  _refresh() {
    try {
      const errors = [];
      const height = readHeight(this.getAttribute('height'));
      if (height.error) errors.push(height.error);
      const controls = parseControls(this.getAttribute('controls'), CONTROLS);
      if (controls.error) errors.push(controls.error);
      if (errors.length) {
        this._fail(errors.join('; '));
        return;
      }
      this._message.hidden = true;
      this._frame.hidden = false;
      this._links.hidden = !controls.shown.has('open');
      // height="auto" keeps the last height the app reported (the default until it does).
      if (!height.auto || !this._auto) this._frame.style.height = height.value;
      // Turned to auto with the app already up: ask it for its height (it reports changes only).
      if (height.auto && !this._auto && this._loadedSrc) this._frame.contentWindow?.postMessage({ type: SIZE_REQUEST }, '*');
      this._auto = Boolean(height.auto);
      const state = readState(this.getAttribute('state'));
      const src = assetUrl('index.html') + (state ? `#${state}` : '');
      this._open.href = src;
      if (this._frame.getAttribute('src') === src && this._loadedSrc === src && this.dataset.state !== 'ready') {
        // Back from a bad attribute: the app is still there.
        this.result = { src, state };
        this.dataset.state = 'ready';
      } else if (this._frame.getAttribute('src') !== src) {
        // Only the hash differs once the app is up: the iframe stays, the app hears hashchange.
        const sameDocument = this._loadedSrc?.split('#')[0] === src.split('#')[0];
        this._frame.src = src;
        if (sameDocument) {
          this._loadedSrc = src;
          this.result = { src, state };
          this.dataset.state = 'ready';
        } else {
          this.result = null;
          this.dataset.state = 'loading';
          this._loading.hidden = false;
        }
      }
    } catch (e) {
      this._fail(`the playground cannot be shown: ${e?.message ?? e}`);
    }
  }

  /**
   * The app's height (web/app/main.mjs reports it when it runs in a frame), taken only from this
   * frame's window and from the origin its src names, and only with height="auto".
   */
  _sized(event) {
    const data = event.data;
    if (!this._auto || event.source !== this._frame.contentWindow || data?.type !== SIZE_MESSAGE) return;
    const src = this._frame.getAttribute('src');
    if (!src || new URL(src, document.baseURI).origin !== event.origin) return;
    if (typeof data.height !== 'number' || !Number.isFinite(data.height)) return;
    this._frame.style.height = `${Math.max(0, Math.min(MAX_AUTO_HEIGHT, Math.ceil(data.height)))}px`;
  }

  _loaded() {
    if (!this._frame.getAttribute('src')) return;
    this._loading.hidden = true;
    const src = this._frame.getAttribute('src');
    this._loadedSrc = src;
    this.result = { src, state: readState(new URL(src).hash) };
    this.dataset.state = 'ready';
    this._watch();
  }

  /**
   * A same-origin app's hash is readable: report the reader's changes as qp-change. An app on
   * another origin is opaque (its state stays what the attribute set).
   */
  _watch() {
    clearInterval(this._timer);
    this._timer = setInterval(() => {
      let hash;
      try {
        hash = this._frame.contentWindow?.location.hash;
      } catch {
        hash = undefined;  // cross-origin
      }
      if (hash === undefined) {
        clearInterval(this._timer);
        return;
      }
      const state = readState(hash);
      if (this.result && state !== this.result.state) {
        this.result = { ...this.result, state };
        this.dispatchEvent(new CustomEvent('qp-change', { bubbles: true, composed: true, detail: { state } }));
      }
    }, WATCH_MS);
  }

  _fail(text) {
    this._message.textContent = text;
    this._message.hidden = false;
    this._frame.hidden = true;
    this._loading.hidden = true;
    this.result = null;
    this.dataset.state = 'error';
  }
}

if (!customElements.get('qp-playground')) customElements.define('qp-playground', QpPlayground);
