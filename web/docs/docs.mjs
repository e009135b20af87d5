// The article's own script (the widgets come from ../qp-widgets.js): fills the snippets with the
// address this site is actually served from, so a copied snippet works as pasted, and adds a Copy
// button under each snippet. External module: the site's CSP forbids inline scripts.
import { offerOffline } from '../app/offline.mjs';

/** The folder that holds qp-widgets.js and embed.html: the parent of this page's folder. */
function siteBase() {
  const base = new URL('../', document.baseURI);
  // From file:// the snippets keep their placeholder: a file path is no use on another site.
  return /^https?:$/.test(base.protocol) ? base.href : null;
}

function fillSiteBase() {
  const base = siteBase();
  if (!base) return;
  for (const span of document.querySelectorAll('.site-base')) span.textContent = base;
}

async function copyText(text) {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Older browsers, or a page without clipboard permission: copy a selection.
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'visually-hidden';
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

function addCopyButtons() {
  for (const pre of document.querySelectorAll('details.snippet pre')) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy';
    button.textContent = 'Copy';
    button.setAttribute('aria-label', `Copy: ${pre.previousElementSibling?.textContent.trim() ?? 'snippet'}`);
    button.addEventListener('click', async () => {
      try {
        await copyText(pre.textContent);
        button.textContent = 'Copied';
      } catch {
        button.textContent = 'Select and copy by hand';
      }
      setTimeout(() => { button.textContent = 'Copy'; }, 2000);
    });
    pre.after(button);
  }
}

fillSiteBase();
addCopyButtons();
// The offline copy of the whole site (web/sw.js), once the page and its widgets have loaded.
addEventListener('load', () => offerOffline('../', document.querySelector('footer')), { once: true });
