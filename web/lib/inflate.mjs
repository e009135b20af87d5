// Raw DEFLATE for the core's zip reader (.npz, .pt members). fflate: small, well kept and
// synchronous, which the core's synchronous read path needs (DecompressionStream is async only).
import { inflateSync, Inflate } from 'fflate';

/**
 * Decompress raw-deflate `src` into at most `maxOut` bytes. `src` may be only the start of a
 * stream when just the start of the output (a header) is wanted.
 */
export function inflateRaw(src, maxOut) {
  try {
    const out = inflateSync(src);
    return out.length > maxOut ? out.subarray(0, maxOut) : out;
  } catch (e) {
    // A truncated stream: decode what is there (streaming mode tolerates a missing end).
    const chunks = [];
    let total = 0;
    const inflater = new Inflate((chunk) => {
      if (total < maxOut) { chunks.push(chunk); total += chunk.length; }
    });
    try {
      inflater.push(src, false);
    } catch (streamError) {
      throw new Error(`corrupt compressed data (${streamError.message})`);
    }
    if (total === 0) throw new Error(`corrupt compressed data (${e.message})`);
    const out = new Uint8Array(Math.min(total, maxOut));
    let at = 0;
    for (const c of chunks) {
      if (at >= out.length) break;
      const part = c.subarray(0, out.length - at);
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}
