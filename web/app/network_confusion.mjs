// The Network tab's detail of one mode: its confusion matrix (true class × predicted class, cells
// shaded by their share of the row) and a gallery of the test images where float32 and that mode
// give different answers, each drawn from its pixels on a small canvas with both predictions and
// the true label. For the float32 row itself, the gallery shows float32's mistakes.

const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

export const GALLERY_MAX = 40;

/** A short column header for a class name ("T-shirt/top" → "T-shirt"). */
const short = (name) => name.split(/[/ ]/)[0];

/** confusion: Uint32Array classes × classes [true][predicted]; names: class names. */
export function renderConfusion(table, confusion, names) {
  const n = names.length;
  const head = el('tr', {}, el('th', { scope: 'col', textContent: 'true ↓ / predicted →' }),
    ...names.map((name) => el('th', { scope: 'col', className: 'num', textContent: short(name), title: name })));
  const body = el('tbody');
  for (let t = 0; t < n; t++) {
    let rowTotal = 0;
    for (let p = 0; p < n; p++) rowTotal += confusion[t * n + p];
    const tr = el('tr', {}, el('th', { scope: 'row', textContent: names[t] }));
    for (let p = 0; p < n; p++) {
      const count = confusion[t * n + p];
      const td = el('td', { className: 'num', textContent: String(count) });
      td.dataset.true = String(t);
      td.dataset.predicted = String(p);
      td.dataset.value = String(count);
      const share = rowTotal ? count / rowTotal : 0;
      if (count) {
        // CSSOM (the CSP forbids style attributes): the share of the row as the accent's strength.
        td.style.backgroundColor = `color-mix(in srgb, var(${t === p ? '--accent' : '--chart-clip'}) ${Math.round(8 + 72 * share)}%, transparent)`;
        if (share > 0.55) td.classList.add('strong');
      }
      td.title = `${count} ${names[t]} predicted as ${names[p]} (${(100 * share).toFixed(1)}% of the row)`;
      tr.append(td);
    }
    body.append(tr);
  }
  table.replaceChildren(el('thead', {}, head), body);
}

/**
 * Indices (< count) where `a` and `b` differ, or where `a` is wrong against `labels` when b is
 * null; at most `max`, plus the total found.
 */
export function disagreements(a, b, labels, count, max = GALLERY_MAX) {
  const out = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (b ? a[i] !== b[i] : a[i] !== labels[i]) {
      total++;
      if (out.length < max) out.push(i);
    }
  }
  return { indices: out, total };
}

/** items: [{index, image: Float32Array (c·h·w), h, w, label, float, mode}] (class indices); names. */
export function renderGallery(list, items, names, modeLabel) {
  const name = (c) => (c >= 0 && c < names.length ? names[c] : `class ${c}`);
  list.replaceChildren(...items.map((it) => {
    const canvas = el('canvas', { width: it.w, height: it.h });
    canvas.setAttribute('aria-hidden', 'true');
    const img = new ImageData(it.w, it.h);
    for (let i = 0; i < it.w * it.h; i++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, it.image[i])));
      img.data.set([v, v, v, 255], 4 * i);
    }
    canvas.getContext('2d').putImageData(img, 0, 0);
    const caption = el('span', { className: 'gallery-text' },
      el('span', { textContent: `#${it.index} true: ${name(it.label)}` }),
      el('span', { textContent: `float32: ${name(it.float)}`, className: it.float === it.label ? 'right' : 'wrong' }));
    if (it.mode !== null) {
      caption.append(el('span', { textContent: `${modeLabel}: ${name(it.mode)}`, className: it.mode === it.label ? 'right' : 'wrong' }));
    }
    const li = el('li', {}, canvas, caption);
    li.dataset.index = String(it.index);
    return li;
  }));
}
