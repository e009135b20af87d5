// "Sources": how the core reads a file, synchronously and piecewise, without holding it whole.
// Each is { name, size, read(offset, length) -> Uint8Array }.

/** A file already in memory. */
export function sourceFromBytes(name, bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return { name, size: u8.length, read: (offset, length) => u8.subarray(offset, offset + length) };
}

/**
 * A File (or Blob with a name) read slice by slice with FileReaderSync, which exists only in
 * Workers: the page itself never reads file bytes on the main thread. Counts bytes read so the
 * caller can show progress and measure I/O.
 */
export function sourceFromFile(file) {
  const reader = new FileReaderSync();
  const source = {
    name: file.name,
    size: file.size,
    bytesRead: 0,
    read(offset, length) {
      source.bytesRead += length;
      return new Uint8Array(reader.readAsArrayBuffer(file.slice(offset, offset + length)));
    },
  };
  return source;
}
