// Loading labelled image sets for the network (DOM-free: page Worker, CLI and tests). Gzip is
// undone with the platform's DecompressionStream (browsers and Node ≥ 18 have it), so the core
// only ever sees plain IDX bytes.

/** The ten Fashion-MNIST classes, in label order. */
export const FASHION_MNIST_CLASSES = Object.freeze(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);

/** The bundled assets, relative to the site root (web/public/ at build time). */
export const BUNDLED = Object.freeze({
  models: { mlp: 'models/mlp.safetensors', cnn: 'models/cnn.safetensors' },
  test: { images: 'fmnist/t10k-images-idx3-ubyte.gz', labels: 'fmnist/t10k-labels-idx1-ubyte.gz' },
  // The first 5000 training images: calibration takes the first 1000, QAT all of them.
  train: { images: 'fmnist/train-5k-images-idx3-ubyte.gz', labels: 'fmnist/train-5k-labels-idx1-ubyte.gz' },
});
export const CALIBRATION_SAMPLES = 1000;

/** Bytes as they are, or gunzipped when they start with the gzip magic 1f 8b. */
export async function maybeGunzip(bytes) {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`the gzip data is corrupt or truncated (${e.message})`);
  }
}

/** A core dataset from a pair of IDX files (each plain or gzipped). */
export async function idxDataset(qp, imagesBytes, labelsBytes) {
  const [images, labels] = await Promise.all([maybeGunzip(imagesBytes), maybeGunzip(labelsBytes)]);
  return qp.datasetFromIdx(images, labels);
}
