// The settings form: reads the scheme options and the source choice, offers every format of the
// core's registry (qp.schemes(), never a list of our own) with the controls each one takes, and
// follows the tensor (axis choices limited to its rank, unit slider limited to the unit count).
import { SYNTHETIC } from './tensors.mjs';

const $ = (id) => document.getElementById(id);

/** The integer grid's own options (affine/symmetric, signed, numerics, a fixed clip range) belong to 'int'. */
const GRID_FORMAT = 'int';
/** "The last axis" before the tensor's rank is known: the worker clamps the axis to rank − 1. */
const LAST_AXIS = 2 ** 31 - 1;

export class Controls {
  /** @param {{exampleLabel: string}} options  exampleLabel: the bundled example's menu entry */
  constructor({ exampleLabel }) {
    this.form = $('controls');
    this.source = $('source');
    this.seed = $('seed');
    this.format = $('format');
    this.bits = $('bits');
    this.axis = $('axis');
    this.groupSize = $('group-size');
    this.calibration = $('calibration');
    this.doubleQuant = $('double-quant');
    this.saturate = $('saturate');
    this.channel = $('channel');
    this.schemes = new Map();  // name -> registry entry
    /** A clipping range chosen by the user ([lo, hi]), or null: the calibrator chooses. */
    this.clip = null;
    this._fileOption = null;
    this._rank = 2;
    // Set by a link (applyUrlState) until the next reply: the axis and unit it asked for, sent as
    // they are (the worker fits them to the tensor, whose shape may not be known yet).
    this.wantedAxis = undefined;
    this.wantedChannel = undefined;
    this.source.append(new Option(exampleLabel, 'example'));
    for (const [key, gen] of Object.entries(SYNTHETIC)) this.source.append(new Option(gen.label, `synthetic:${key}`));
    this.bits.addEventListener('input', () => { $('bits-out').value = this.bits.value; });
    this.channel.addEventListener('input', () => { $('channel-out').value = this.channel.value; });
    // 'input' fires before the page's own listener (registered later) reads the options.
    this.form.addEventListener('input', (e) => {
      // Groups usually run along the reduction axis, the last one of a [out, in] weight.
      if (e.target.name === 'granularity' && e.target.value === 'group' && this.axis.options.length)
        this.axis.value = String(this.axis.options.length - 1);
      if (['format', 'granularity'].includes(e.target.name)) this.sync();
    });
    this._syncSeed();
    this.sync();
  }

  /** The registry (qp.schemes()) fills the Format menu; 'int' stays selected. */
  setSchemes(schemes) {
    this.schemes = new Map(schemes.map((s) => [s.name, s]));
    const chosen = this.format.value || GRID_FORMAT;
    const families = new Map();
    for (const s of schemes) {
      if (!families.has(s.family)) families.set(s.family, Object.assign(document.createElement('optgroup'), { label: s.family }));
      const option = new Option(s.name, s.name);
      option.title = s.summary;
      families.get(s.family).append(option);
    }
    this.format.replaceChildren(...families.values());
    this.format.value = this.schemes.has(chosen) ? chosen : schemes[0]?.name ?? '';
    this.sync();
  }

  /** The calibrators the core accepts (probed by the worker). */
  setCalibrations(names) {
    const chosen = this.calibration.value;
    this.calibration.replaceChildren(...names.map((n) => new Option(n, n)));
    this.calibration.value = names.includes(chosen) ? chosen : names[0] ?? 'minmax';
  }

  scheme() {
    return this.schemes.get(this.format.value) ?? null;
  }

  /** Enable the controls the selected scheme takes; the others stay visible but disabled. */
  sync() {
    const s = this.scheme();
    const f = this.form.elements;
    const fixedBits = s ? !(s.minBits > 0) : false;
    if (s && !fixedBits) {
      this.bits.min = String(s.minBits);
      this.bits.max = String(s.maxBits);
      const b = Math.min(s.maxBits, Math.max(s.minBits, Number(this.bits.value)));
      this.bits.value = String(b);
    }
    this.bits.disabled = fixedBits;
    $('bits-out').value = fixedBits ? 'fixed' : this.bits.value;
    const grid = !s || s.name === GRID_FORMAT;
    for (const id of ['scheme-set', 'signed-set', 'mode-set']) $(id).disabled = !grid;
    const granular = !s || s.takesGranularity;
    $('granularity-set').disabled = !granular;
    for (const radio of f.granularity) if (radio.value !== 'tensor') radio.disabled = !granular || this._rank === 0;
    const g = granular ? f.granularity.value : 'tensor';
    this.axis.disabled = g === 'tensor' || !this.axis.options.length;
    this.groupSize.disabled = g !== 'group';
    this.calibration.disabled = !(s?.takesCalibration ?? true) || this.calibration.options.length <= 1;
    // Only nf4 takes double quantization and only the float formats a choice of saturation.
    this.doubleQuant.disabled = s?.name !== 'nf4';
    this.saturate.disabled = s?.family !== 'float';
    const summary = s ? `${s.summary}. Reference: ${s.reference}.` : '';
    $('format-summary').textContent = summary;
  }

  /** The options for runScheme(), as chosen in the form. */
  options() {
    const f = this.form.elements;
    const g = f.granularity.value;
    let axis = g !== 'tensor' && this.axis.options.length ? Number(this.axis.value) : null;
    if (g !== 'tensor' && this.wantedAxis !== undefined) axis = this.wantedAxis ?? (g === 'group' ? LAST_AXIS : 0);
    return {
      format: this.format.value || GRID_FORMAT,
      bits: Number(this.bits.value),
      scheme: f.scheme.value,
      signed: f.signed.value === 'signed',
      axis,
      groupSize: g === 'group' && axis !== null ? Math.max(1, Math.trunc(Number(this.groupSize.value)) || 1) : null,
      mode: f.mode.value,
      calibration: this.calibration.value || 'minmax',
      // Only where the format takes them: "Add the current setting" in the Compare tab sends these
      // options as they are, and the core refuses them elsewhere.
      doubleQuant: !this.doubleQuant.disabled && this.doubleQuant.checked,
      saturate: this.saturate.disabled || this.saturate.checked,
      clip: this.clip,
    };
  }

  /** The integer-grid options of the form (the whole-model analysis quantizes with these). */
  gridOptions() {
    const { bits, scheme, signed, axis, groupSize, mode } = this.options();
    const grid = { bits: Math.min(8, Math.max(2, bits)), scheme, signed, axis, mode };
    return groupSize ? { ...grid, groupSize } : grid;  // the report names a group size only when there is one
  }

  /** Set the form to `options` (a comparison row's), e.g. to show that scheme in the Tensor tab. */
  apply(options) {
    const f = this.form.elements;
    if (this.schemes.has(options.format)) this.format.value = options.format;
    if (options.bits) this.bits.value = String(options.bits);
    if (options.scheme) f.scheme.value = options.scheme;
    if (options.signed !== undefined) f.signed.value = options.signed ? 'signed' : 'unsigned';
    if (options.mode) f.mode.value = options.mode;
    f.granularity.value = options.axis === null || options.axis === undefined ? 'tensor' : options.groupSize ? 'group' : 'channel';
    if (options.axis !== null && options.axis !== undefined) this.axis.value = String(options.axis);
    if (options.groupSize) this.groupSize.value = String(options.groupSize);
    if (options.calibration && [...this.calibration.options].some((o) => o.value === options.calibration))
      this.calibration.value = options.calibration;
    this.doubleQuant.checked = !!options.doubleQuant;
    this.saturate.checked = options.saturate ?? true;
    this.clip = options.clip ?? null;
    this.sync();
  }

  channelIndex() {
    return this.wantedChannel ?? Number(this.channel.value);
  }

  /**
   * The form as URL state (url_state.mjs keys). Keys that do not apply (the group size of a
   * per-channel setting, the seed of the bundled example) keep their default so links stay short;
   * the axis is null when it is the page's own choice (0 per channel, the last axis per group).
   * source is null for the user's own file: a link cannot carry it.
   */
  urlState() {
    const f = this.form.elements;
    const o = this.options();
    const g = f.granularity.value;
    const s = this.scheme();
    const source = this.sourceKey();
    let axis = null;
    if (g !== 'tensor') {
      if (this.wantedAxis !== undefined) axis = this.wantedAxis;
      else if (this.axis.options.length) {
        const natural = g === 'group' ? this.axis.options.length - 1 : 0;
        axis = o.axis === natural ? null : o.axis;
      }
    }
    return {
      source: source === 'file' ? null : source,
      seed: source.startsWith('synthetic:') ? this.seedValue() : 1,
      format: o.format,
      bits: s && !(s.minBits > 0) ? 8 : o.bits,
      scheme: o.scheme,
      signed: o.signed,
      granularity: g,
      axis,
      groupSize: g === 'group' ? Math.max(1, Math.trunc(Number(this.groupSize.value)) || 1) : 32,
      calibration: o.calibration,
      numerics: o.mode,
      doubleQuant: !this.doubleQuant.disabled && this.doubleQuant.checked,
      saturate: this.saturate.disabled || this.saturate.checked,
      channel: this.channelIndex(),
    };
  }

  /**
   * Set the form to a URL state (already checked by url_state.parse against this core's formats
   * and calibrators). Returns messages for values this format cannot take (bits out of its range).
   * The axis and unit go with the next request as asked; the page checks the reply.
   */
  applyUrlState(state) {
    const f = this.form.elements;
    const notes = [];
    if (this.schemes.has(state.format)) this.format.value = state.format;
    f.scheme.value = state.scheme;
    f.signed.value = state.signed ? 'signed' : 'unsigned';
    f.mode.value = state.numerics;
    f.granularity.value = state.granularity;
    if ([...this.calibration.options].some((o) => o.value === state.calibration)) this.calibration.value = state.calibration;
    this.groupSize.value = String(state.groupSize);
    this.doubleQuant.checked = state.doubleQuant;
    this.saturate.checked = state.saturate;
    this.clip = null;
    this.sync();  // the format's bit range
    const s = this.scheme();
    if (s && s.minBits > 0) {
      const b = Math.min(s.maxBits, Math.max(s.minBits, state.bits));
      if (b !== state.bits) notes.push(`bits=${state.bits} is outside ${s.name}'s range ${s.minBits}…${s.maxBits}; using ${b}.`);
      this.bits.value = String(b);
    }
    this.wantedAxis = state.granularity === 'tensor' ? undefined : state.axis;
    this.wantedChannel = state.channel;
    this.sync();
    return notes;
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

  /** Follow a worker reply: the options actually used, axis choices for the shape, unit range, clip range. */
  follow(reply) {
    this.wantedAxis = undefined;  // the reply says which axis and unit the worker used
    this.wantedChannel = undefined;
    const { shape } = reply.tensor;
    const { options, view } = reply;
    const key = shape.join(',');
    this._rank = shape.length;
    if (this.axis.dataset.shape !== key) {
      this.axis.dataset.shape = key;
      this.axis.replaceChildren(...shape.map((n, a) => new Option(`${a} (size ${n})`, String(a))));
    }
    const f = this.form.elements;
    if (this.schemes.has(options.format)) this.format.value = options.format;
    // The scheme may have dropped the granularity (a format with a fixed layout): the form keeps the
    // user's choice, disabled, so switching back restores it.
    if (this.scheme()?.takesGranularity ?? true) {
      f.granularity.value = options.axis === null ? 'tensor' : options.groupSize ? 'group' : 'channel';
      if (options.axis !== null) this.axis.value = String(options.axis);
      if (options.groupSize) this.groupSize.value = String(options.groupSize);
    }
    if (this.scheme()?.minBits > 0) this.bits.value = String(options.bits);
    this.sync();

    const units = view.channels;
    $('channel-row').hidden = units <= 1;
    const noun = view.group ? 'Group' : 'Channel';
    $('channel-label').textContent = noun;
    this.channel.max = String(Math.max(0, units - 1));
    this.channel.value = String(view.channel);
    $('channel-out').value = `${view.channel} of ${units}`;
    this.channel.setAttribute('aria-valuetext', `${view.unitName}, ${view.channel + 1} of ${units}`);

    // The inputs hold the range the user asked for (the chart shows the grid's real range, which
    // the zero point's rounding shifts a little), or the calibrator's range when none was asked.
    $('clip-tools').hidden = !view.clipEditable;
    const asked = view.userClip ? options.clip : view.clip;
    if (view.clipEditable && asked) {
      for (const [id, v] of [['clip-lo', asked[0]], ['clip-hi', asked[1]]]) {
        const input = $(id);
        if (document.activeElement !== input) input.value = String(v);
      }
    }
    $('clip-reset').disabled = !view.userClip;
  }
}
