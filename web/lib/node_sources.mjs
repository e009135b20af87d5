// Node-only source: a file on disk read with fs.readSync at the offsets the core asks for, so the
// CLI lists a multi-GB checkpoint without loading it.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';

export function sourceFromPath(filePath) {
  const fd = openSync(filePath, 'r');
  const size = fstatSync(fd).size;
  return {
    name: path.basename(filePath),
    size,
    read(offset, length) {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return done === length ? out : out.subarray(0, done);
    },
    close() { closeSync(fd); },
  };
}
