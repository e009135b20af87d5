// The runners of the network benchmark (scripts/bench_network.mjs), one interface for both
// runtimes: { name, side: 'ours'|'ort', kind: 'float'|'static'|'dynamic'|'qdq'|'qop',
//   logits(batchInputs, n) → Promise<Float32Array n × classes>, prepare(batchInputs, n) → token,
//   runPrepared(token) → Promise, dispose() }.
// Both sides take the same JS Float32Array of NCHW images and give back JS logits: ours through
// engine.forward (copy in, run, copy out), ORT through session.run (the same copies inside ORT).
// `prepare` builds what a caller would hold between calls (ORT's Tensor wrapper), outside the timing.

/** Ours: the engines of web/lib/network.mjs. */
export function ourRunner(network, { name, kind, options }) {
  const engine = network.prepare(options);
  return {
    name, side: 'ours', kind, modelBytes: engine.info.modelBytes,
    logits: async (x, n) => engine.forward(x, n),
    prepare: (x, n) => ({ x, n }),
    runPrepared: async (t) => { engine.forward(t.x, t.n); },
    dispose: async () => engine.release(),
  };
}

/** ORT: a session on the wasm backend, one thread, every graph optimization (fusions) on. */
export async function ortRunner(ort, { name, kind, modelBytes, inputShape }) {
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1,
  });
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  const tensor = (x, n) => new ort.Tensor('float32', x, [n, ...inputShape]);
  return {
    name, side: 'ort', kind, modelBytes: modelBytes.length,
    logits: async (x, n) => (await session.run({ [inputName]: tensor(x, n) }))[outputName].data.slice(),
    prepare: (x, n) => ({ [inputName]: tensor(x, n) }),
    runPrepared: async (feeds) => { await session.run(feeds); },
    dispose: async () => { await session.release(); },
  };
}

/** Index of the first maximum of each row (as the core's predict). */
export function argmaxRows(logits, n, classes, out, offset) {
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (logits[i * classes + j] > logits[i * classes + best]) best = j;
    out[offset + i] = best;
  }
}
