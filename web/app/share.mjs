// "Copy link" and "Copy embed snippet": the page's URL with its state hash, and the two ways to put
// this state into another page (the <qp-playground> web component with its script tag, and the
// iframe of embed.html), with URLs resolved against the page's own location so a copy served from a
// sub-path gives links that work there. The clipboard may be refused (permissions, an http origin,
// an old browser): the text is then shown selected in a read-only field for the user to copy.

const $ = (id) => document.getElementById(id);

/** Text safe inside a double-quoted HTML attribute. */
export function attribute(text) {
  return String(text).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The embed snippet for a state hash (without '#'), both forms, for a page at `pageUrl`.
 * DOM-free (the URLs come from pageUrl), so it is the same text the tests compute.
 */
export function embedSnippet(hash, pageUrl) {
  const script = new URL('qp-widgets.js', pageUrl).href;
  const sizer = new URL('qp-embed.js', pageUrl).href;
  const iframe = new URL('embed.html', pageUrl);
  iframe.search = new URLSearchParams({ widget: 'qp-playground', state: hash }).toString();
  return [
    '<!-- With a script tag (the page may load scripts from this host): -->',
    `<script type="module" src="${attribute(script)}"></script>`,
    `<qp-playground state="${attribute(hash)}"></qp-playground>`,
    '',
    '<!-- Or as an iframe (for pages that cannot add scripts): -->',
    `<iframe src="${attribute(iframe.href)}" title="Quantization Playground" width="100%" height="760" loading="lazy"></iframe>`,
    '<!-- Optional, where one classic script is allowed: the iframe then follows its content\'s height. -->',
    `<script src="${attribute(sizer)}" defer></script>`,
  ].join('\n');
}

/** The page's URL with its state: location already carries the hash the page keeps written. */
export function pageLink() {
  return location.href;
}

export class ShareButtons {
  /**
   * @param {{hash(): string, caveat(): string}} deps  hash: the current state hash, without '#';
   *   caveat: what the copied text cannot carry ('' when nothing), said beside "copied"
   */
  constructor({ hash, caveat = () => '' }) {
    this._hash = hash;
    this._caveat = caveat;
    this.field = $('share-text');
    this.note = $('share-note');
    $('copy-link').addEventListener('click', () => this.copy(pageLink(), 'Link'));
    $('copy-embed').addEventListener('click', () => this.copy(embedSnippet(this._hash(), location.href), 'Embed snippet'));
  }

  async copy(text, what) {
    this.field.value = text;
    this.field.dataset.what = what;
    this.field.rows = Math.min(8, text.split('\n').length + (text.length > 80 ? 1 : 0));
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard API');
      await navigator.clipboard.writeText(text);
      this.field.hidden = true;
      this.note.textContent = `${what} copied to the clipboard.${this._caveat() ? ` ${this._caveat()}` : ''}`;
    } catch {
      // Refused: show the text selected; Ctrl+C / ⌘C (or the long-press menu) copies it.
      this.field.hidden = false;
      this.field.focus();
      this.field.select();
      this.note.textContent = `The browser refused the clipboard: the ${what.toLowerCase()} is selected below, copy it from there.` +
        `${this._caveat() ? ` ${this._caveat()}` : ''}`;
    }
  }
}
