// Runs a worker job (analysis, export, comparison) with a progress bar and a Cancel button. By
// default the bar appears only when the job lasts more than half a second, so quick jobs do not
// flash it. Each view that runs jobs has its own runner and its own bar.
const $ = (id) => document.getElementById(id);
const SHOW_AFTER_MS = 500;

export class JobRunner {
  /**
   * @param {import('./client.mjs').WorkerClient} client
   * @param {{box?: string, bar?: string, text?: string, cancel?: string, showAfterMs?: number}} ids
   *   element ids of the progress group (defaults: the model analysis's)
   */
  constructor(client, { box = 'progress', bar = 'progress-bar', text = 'progress-text', cancel = 'progress-cancel',
    showAfterMs = SHOW_AFTER_MS } = {}) {
    this._client = client;
    this._ids = { box, bar, text, cancel };
    this._showAfterMs = showAfterMs;
    this._running = null;  // {id}
    this.onBusyChange = () => {};
    $(cancel).addEventListener('click', () => this.cancel());
  }

  get busy() {
    return this._running !== null;
  }

  /**
   * Start `type` with `fields`; resolves with the reply, or rejects (an error named 'Cancelled'
   * when the user cancelled). `label` names the work ("Analysing", "Exporting"); `noun` what is
   * counted; onProgress sees every progress message (e.g. a comparison's rows as they come).
   */
  async run(type, fields, label, { noun = 'tensors', onProgress } = {}) {
    if (this._running) throw new Error('another job is still running');
    const bar = $(this._ids.bar), text = $(this._ids.text), box = $(this._ids.box);
    bar.removeAttribute('value');  // indeterminate until the first report
    text.textContent = `${label}…`;
    const job = this._client.job(type, fields, {
      onProgress: (msg) => {
        const { done, total, name } = msg;
        bar.max = Math.max(1, total);
        bar.value = done;
        text.textContent = `${label}: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ${noun}` +
          (name ? ` (${name})` : '');
        onProgress?.(msg);
      },
    });
    this._running = { id: job.id };
    this.onBusyChange(true);
    $(this._ids.cancel).disabled = false;
    const show = () => { box.hidden = false; };
    const timer = this._showAfterMs > 0 ? setTimeout(show, this._showAfterMs) : (show(), 0);
    try {
      return await job.done;
    } finally {
      clearTimeout(timer);
      box.hidden = true;
      this._running = null;
      this.onBusyChange(false);
    }
  }

  cancel() {
    if (!this._running) return;
    $(this._ids.cancel).disabled = true;
    $(this._ids.text).textContent += ' — cancelling…';
    this._client.call('cancel', { job: this._running.id });
  }
}
