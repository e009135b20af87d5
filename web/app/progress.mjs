// Runs a worker job (analysis, export) with a progress bar and a Cancel button. The bar appears
// only when the job lasts more than half a second, so quick jobs do not flash it.
const $ = (id) => document.getElementById(id);
const SHOW_AFTER_MS = 500;

export class JobRunner {
  /** @param {import('./client.mjs').WorkerClient} client */
  constructor(client) {
    this._client = client;
    this._running = null;  // {id}
    this.onBusyChange = () => {};
    $('progress-cancel').addEventListener('click', () => this.cancel());
  }

  get busy() {
    return this._running !== null;
  }

  /**
   * Start `type` with `fields`; resolves with the reply, or rejects (an error named 'Cancelled'
   * when the user cancelled). `label` names the work ("Analysing", "Exporting").
   */
  async run(type, fields, label) {
    if (this._running) throw new Error('another job is still running');
    const bar = $('progress-bar'), text = $('progress-text'), box = $('progress');
    bar.removeAttribute('value');  // indeterminate until the first report
    text.textContent = `${label}…`;
    const job = this._client.job(type, fields, {
      onProgress: ({ done, total, name }) => {
        bar.max = Math.max(1, total);
        bar.value = done;
        text.textContent = `${label}: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} tensors` +
          (name ? ` (${name})` : '');
      },
    });
    this._running = { id: job.id };
    this.onBusyChange(true);
    $('progress-cancel').disabled = false;
    const timer = setTimeout(() => { box.hidden = false; }, SHOW_AFTER_MS);
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
    $('progress-cancel').disabled = true;
    $('progress-text').textContent += ' — cancelling…';
    this._client.call('cancel', { job: this._running.id });
  }
}
