// The widgets' bundle entry (built as dist/qp-widgets.js, a fixed name documentation pages link to):
//   <script type="module" src="https://your.host/path/qp-widgets.js"></script>
// Each module defines its own element (guarded by customElements.get, so loading the bundle twice
// or next to another copy is harmless); this entry only gathers them and re-exports the runtime.
import './qp_value.mjs';
import './qp_float_bits.mjs';
import './qp_tensor.mjs';
import './qp_compare.mjs';
import './qp_network.mjs';
import './qp_playground.mjs';

export { widgetCore, assetUrl } from './runtime.mjs';

/** Every widget element this bundle may define (those defined so far are in customElements). */
export const WIDGET_NAMES = Object.freeze(['qp-value', 'qp-float-bits', 'qp-tensor', 'qp-compare', 'qp-network', 'qp-playground']);
