// --pre-js of the ES modules: lets Node (>= 20.16) load the .wasm from disk next to the .mjs.
// Emscripten 3.1.6's loader would call fetch() on a file path, which Node's fetch rejects.
// Browsers and workers skip this block (no process.getBuiltinModule there).
if (typeof process == 'object' && typeof process.getBuiltinModule == 'function' &&
    !Module['wasmBinary'] && !Module['instantiateWasm']) {
  Module['instantiateWasm'] = function (imports, onInstance) {
    var url = wasmBinaryFile;  // an absolute file:// URL in ES6 builds
    var bytes = process.getBuiltinModule('fs').readFileSync(url.startsWith('file:') ? new URL(url) : url);
    WebAssembly.instantiate(bytes, imports).then(
      function (r) { onInstance(r.instance, r.module); },
      function (e) { readyPromiseReject(e); });
    return {};
  };
}
