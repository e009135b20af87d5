// The views of the tabs other than Tensor, loaded with import() the first time they are needed (their
// tab opens, files are opened, a link names their tab) or when the browser is idle after the first
// result: the first view downloads and parses only the Tensor tab's code. Until a view is made its
// panel is inert (shown, but no control reacts), so nothing can be clicked before its handler exists.
// `now` holds the views made so far, for callers that must not wait (a reply to pass on).
import { JobRunner } from './progress.mjs';

const $ = (id) => document.getElementById(id);

/**
 * @param {{client: import('./client.mjs').WorkerClient, showError(message: string): void,
 *   core(): object|null, tensorReplies(): object[],
 *   compare: {currentOptions(): object, onSelect(options: object): void},
 *   model: {onSelect(index: number): void, gridOptions(): object, model(): object|null},
 *   onMade?(name: string): void}} deps
 *   core: the worker's hello (null before); tensorReplies: the Tensor tab's replies a new Compare
 *   view must see (the last load's, the last one), in order.
 */
export function lazyViews(deps) {
  const { client, showError } = deps;
  const now = { compare: null, model: null, kernels: null, network: null };
  const pending = new Map();

  /** Make a view once: its panel stays inert until `make` resolves. */
  function once(name, panelId, make) {
    if (!pending.has(name)) {
      const panel = $(panelId);
      const job = make().then((view) => {
        now[name] = view;
        panel.inert = false;
        panel.removeAttribute('data-view');
        deps.onMade?.(name);
        return view;
      }, (e) => {
        panel.removeAttribute('data-view');
        showError(`Could not load the ${name} view: ${e.message}`);
        pending.delete(name);  // another try when the tab opens again
        throw e;
      });
      pending.set(name, job);
    }
    return pending.get(name);
  }

  const views = {
    now,

    compare: () => once('compare', 'panel-compare', async () => {
      const { CompareView } = await import('./compare_view.mjs');
      const view = new CompareView({
        jobs: new JobRunner(client, { box: 'compare-progress', bar: 'compare-bar', text: 'compare-text',
          cancel: 'compare-cancel', showAfterMs: 0 }),
        currentOptions: deps.compare.currentOptions,
        onSelect: deps.compare.onSelect,
        showError,
      });
      const core = deps.core();
      if (core) view.setCore(core);
      for (const reply of deps.tensorReplies()) view.tensorChanged(reply);
      return view;
    }),

    /** The Model tab: the model listing, the whole-model analysis and the all-tensors comparison. */
    model: () => once('model', 'panel-model', async () => {
      const [{ ModelView }, { AnalysisView }, { ModelCompareView }, compare] = await Promise.all([
        import('./model_view.mjs'), import('./analysis_view.mjs'), import('./model_compare_view.mjs'), views.compare()]);
      const model = deps.model.model;
      return {
        modelView: new ModelView({ onSelect: deps.model.onSelect }),
        analysisView: new AnalysisView({ jobs: new JobRunner(client), options: deps.model.gridOptions, model, showError }),
        modelCompareView: new ModelCompareView({
          jobs: new JobRunner(client, { box: 'model-compare-progress', bar: 'model-compare-bar', text: 'model-compare-text',
            cancel: 'model-compare-cancel' }),
          recipes: () => compare.recipes(),
          model,
          showError,
        }),
      };
    }),

    kernels: () => once('kernels', 'panel-kernels', async () => {
      const { KernelsView } = await import('./kernels_view.mjs');
      const view = new KernelsView({
        client,
        jobs: new JobRunner(client, { box: 'kernel-progress', bar: 'kernel-bar', text: 'kernel-text', cancel: 'kernel-cancel',
          showAfterMs: 0 }),
        showError,
      });
      return view;  // started when its tab is first shown (startOnce): the probe loads the threads build
    }),

    network: () => once('network', 'panel-network', async () => {
      const { NetworkView } = await import('./network_view.mjs');
      return new NetworkView({
        client,
        jobs: new JobRunner(client, { box: 'net-progress', bar: 'net-bar', text: 'net-text', cancel: 'net-cancel', showAfterMs: 0 }),
        sweepJobs: new JobRunner(client, { box: 'net-sweep-progress', bar: 'net-sweep-bar', text: 'net-sweep-text',
          cancel: 'net-sweep-cancel', showAfterMs: 0 }),
        qatJobs: new JobRunner(client, { box: 'net-qat-progress', bar: 'net-qat-bar', text: 'net-qat-text', cancel: 'net-qat-cancel',
          showAfterMs: 0 }),
      });
    }),

    /** The view behind a tab id ('tab-compare' …); the Tensor tab has none. */
    forTab(tabId) {
      const name = tabId.replace(/^tab-/, '');
      return name in now ? views[name]() : Promise.resolve(null);
    },

    /** Load every view when the browser has nothing else to do (after the first result). */
    whenIdle() {
      const idle = self.requestIdleCallback ?? ((f) => setTimeout(f, 200));
      const names = ['compare', 'model', 'kernels', 'network'];
      const next = () => {
        const name = names.shift();
        if (!name) return;
        views[name]().catch(() => {}).finally(() => idle(next, { timeout: 2000 }));
      };
      idle(next, { timeout: 2000 });
    },
  };
  for (const id of ['panel-compare', 'panel-model', 'panel-kernels', 'panel-network']) {
    $(id).inert = true;
    $(id).dataset.view = 'loading';  // style.css dims it a little
  }
  return views;
}
