// The Network tab's drawing pad: pointer events (mouse, pen, touch) paint light round strokes on a
// dark 280×280 canvas, which is averaged down to 28×28 (each network pixel is the mean of a 10×10
// block: area averaging, so edges come out anti-aliased as in Fashion-MNIST) and optionally shifted
// so its centre of mass sits in the middle, as the dataset's items are centred. The result,
// pixel / 255 in [0, 1] like the IDX loader's, goes to onChange (at most once per frame).

const SIZE = 28;

export class DrawingPad {
  /**
   * @param {HTMLCanvasElement} canvas  the pad (its width is SIZE × an integer factor)
   * @param {{preview?: HTMLCanvasElement, brush?: () => number, center?: () => boolean,
   *   onChange(input: Float32Array | null): void}} options
   */
  constructor(canvas, { preview, brush = () => 22, center = () => true, onChange }) {
    Object.assign(this, { _canvas: canvas, _preview: preview, _brush: brush, _center: center, _onChange: onChange });
    this._ctx = canvas.getContext('2d', { willReadFrequently: true });
    this._factor = canvas.width / SIZE;
    this._last = null;       // the previous point of the stroke being drawn
    this._frame = 0;
    this.empty = true;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      this._last = this._point(e);
      this._stroke(this._last, this._last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this._last || !canvas.hasPointerCapture(e.pointerId)) return;
      // Coalesced events: a fast finger on a phone reports several points per frame.
      for (const ev of e.getCoalescedEvents?.() ?? [e]) {
        const p = this._point(ev);
        this._stroke(this._last, p);
        this._last = p;
      }
    });
    const end = () => { this._last = null; };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  clear() {
    this._ctx.fillStyle = '#000';
    this._ctx.fillRect(0, 0, this._canvas.width, this._canvas.height);
    this.empty = true;
    this._drawPreview(new Float32Array(SIZE * SIZE));
    this._onChange(null);
  }

  /** Show a 28×28 image (values in [0, 1], e.g. a test image) on the pad, scaled up. */
  showImage(values) {
    const img = new ImageData(SIZE, SIZE);
    for (let i = 0; i < SIZE * SIZE; i++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, values[i])));
      img.data.set([v, v, v, 255], 4 * i);
    }
    const small = new OffscreenCanvas(SIZE, SIZE);
    small.getContext('2d').putImageData(img, 0, 0);
    this._ctx.imageSmoothingEnabled = false;
    this._ctx.drawImage(small, 0, 0, this._canvas.width, this._canvas.height);
    this.empty = false;
    this._schedule();
  }

  _point(e) {
    const r = this._canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * this._canvas.width, y: ((e.clientY - r.top) / r.height) * this._canvas.height };
  }

  _stroke(a, b) {
    const ctx = this._ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = this._brush();
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x + 0.01, b.y);  // a zero-length line draws no cap in some engines
    ctx.stroke();
    this.empty = false;
    this._schedule();
  }

  _schedule() {
    if (this._frame) return;
    this._frame = requestAnimationFrame(() => {
      this._frame = 0;
      const input = this.input();
      this._drawPreview(input);
      this._onChange(input);
    });
  }

  /** The pad as the network's input: 28×28 float32 in [0, 1]. */
  input() {
    const f = this._factor;
    const { data } = this._ctx.getImageData(0, 0, this._canvas.width, this._canvas.height);
    const out = new Float32Array(SIZE * SIZE);
    const width = this._canvas.width;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        let sum = 0;
        for (let dy = 0; dy < f; dy++) {
          let p = 4 * ((y * f + dy) * width + x * f);
          for (let dx = 0; dx < f; dx++, p += 4) sum += data[p];
        }
        out[y * SIZE + x] = sum / (f * f * 255);
      }
    }
    return this._center() ? centred(out) : out;
  }

  _drawPreview(input) {
    if (!this._preview) return;
    const img = new ImageData(SIZE, SIZE);
    for (let i = 0; i < SIZE * SIZE; i++) {
      const v = Math.round(255 * input[i]);
      img.data.set([v, v, v, 255], 4 * i);
    }
    this._preview.getContext('2d').putImageData(img, 0, 0);
  }
}

/** The image shifted by whole pixels so its centre of mass is at the middle (what falls off is dropped). */
export function centred(img) {
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const v = img[y * SIZE + x];
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  if (mass === 0) return img;
  const sx = Math.round((SIZE - 1) / 2 - mx / mass), sy = Math.round((SIZE - 1) / 2 - my / mass);
  if (sx === 0 && sy === 0) return img;
  const out = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    const ty = y + sy;
    if (ty < 0 || ty >= SIZE) continue;
    for (let x = 0; x < SIZE; x++) {
      const tx = x + sx;
      if (tx >= 0 && tx < SIZE) out[ty * SIZE + tx] = img[y * SIZE + x];
    }
  }
  return out;
}
