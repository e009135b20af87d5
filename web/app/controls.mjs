// The settings form: reads the quantization options and the source choice, and follows the
// tensor (axis choices limited to its rank, channel slider limited to the axis size).
import { SYNTHETIC } from './tensors.mjs';

const $ = (id) => document.getElementById(id);

export class Controls {
  /** @param {{exampleLabel: string}} options  exampleLabel: the bundled example's menu entry */
  constructor({ exampleLabel }) {
    this.form = $('controls');
    this.source = $('source');
    this.seed = $('seed');
    this.bits = $('bits');
    this.axis = $('axis');
    this.channel = $('channel');
    this._fileOption = null;
    this.source.append(new Option(exampleLabel, 'example'));
    for (const [key, gen] of Object.entries(SYNTHETIC)) this.source.append(new Option(gen.label, `synthetic:${key}`));
    this.bits.addEventListener('input', () => { $('bits-out').value = this.bits.value; });
    this.channel.addEventListener('input', () => { $('channel-out').value = this.channel.value; });
    this._syncSeed();
  }

  /** The options for quantize(), as chosen in the form. */
  options() {
    const f = this.form.elements;
    const perChannel = f.granularity.value === 'channel';
    return {
      bits: Number(this.bits.value),
      scheme: f.scheme.value,
      signed: f.signed.value === 'signed',
      axis: perChannel && this.axis.options.length ? Number(this.axis.value) : null,
      mode: f.mode.value,
    };
  }

  channelIndex() {
    return Number(this.channel.value);
  }

  /** 'example' | 'synthetic:<name>' | 'file' */
  sourceKey() {
    return this.source.value;
  }

  seedValue() {
    return Math.max(0, Math.min(4294967295, Math.trunc(Number(this.seed.value)) || 0));
  }

  /** Show (or rename) the entry for the tensor from the user's files. */
  setFileSource(label) {
    if (!this._fileOption) {
      this._fileOption = new Option('', 'file');
      this.source.append(this._fileOption);
    }
    this._fileOption.textContent = `File: ${label}`;
  }

  selectSource(key) {
    this.source.value = key;
    this._syncSeed();
  }

  _syncSeed() {
    $('seed-row').hidden = !this.source.value.startsWith('synthetic:');
  }

  /** Follow a worker reply: the options actually used, axis choices for the shape, channel range. */
  follow(reply) {
    const { shape } = reply.tensor;
    const { options, view } = reply;
    const key = shape.join(',');
    if (this.axis.dataset.shape !== key) {
      this.axis.dataset.shape = key;
      this.axis.replaceChildren(...shape.map((n, a) => new Option(`${a} (size ${n})`, String(a))));
    }
    const perChannel = options.axis !== null;
    const f = this.form.elements;
    f.granularity.value = perChannel ? 'channel' : 'tensor';
    for (const radio of f.granularity) if (radio.value === 'channel') radio.disabled = shape.length === 0;
    if (perChannel) this.axis.value = String(options.axis);
    this.axis.disabled = !perChannel;
    this.bits.value = String(options.bits);
    $('bits-out').value = String(options.bits);

    $('channel-row').hidden = !perChannel;
    this.channel.max = String(Math.max(0, view.channels - 1));
    this.channel.value = String(view.channel);
    $('channel-out').value = `${view.channel} of ${view.channels}`;
    this.channel.setAttribute('aria-valuetext', `channel ${view.channel} of ${view.channels}`);
  }
}
