/**
 * MNIST as an `ImageDataset`: the 10,000 digits of the `mnist` package, split by class: the
 * last 100 digits of each class are the test split (1,000), all the others the training split.
 * The fixed order interleaves the classes (the first digit of each class, `0` to `9`, then the
 * second, …, skipping classes that have run out), so the first ten test images are `0` to `9`.
 * Pixels are scaled from [0, 1] to [-1, 1]; at size 32 the 28×28 digit is padded by 2 on every
 * side with -1 (black), as LeNet and CTRL use.
 */
import {InMemoryImageDataset} from './in_memory';
import {ImageDataset} from './dataset';
import {MNIST_CLASS_SIZES, mnistDigit} from './mnist';
import {digitImages} from './mnist_idx';
import * as v from '../util/validate';

/** Digits per class in the test split: the last ones of each class. */
export const MNIST_TEST_PER_CLASS = 100;

export interface MnistDatasetOptions {
  /** `'train'` (9,000 digits) or `'test'` (the last 100 of each class, 1,000). Default 'train'. */
  split?: 'train' | 'test';
  /** Image side: 28 (native) or 32 (padded with -1). Default 32. */
  size?: 28 | 32;
}

/** The `(class, index in class)` of each image of a split, in the split's fixed order. */
export function mnistSplitIndex(split: 'train' | 'test'): Array<[number, number]> {
  const ranges = MNIST_CLASS_SIZES.map((n) => split === 'test' ? [n - MNIST_TEST_PER_CLASS, n] : [0, n - MNIST_TEST_PER_CLASS]);
  const out: Array<[number, number]> = [];
  const longest = Math.max(...ranges.map(([a, b]) => b - a));
  for (let k = 0; k < longest; k++) {
    ranges.forEach(([a, b], digit) => {
      if (a + k < b) out.push([digit, a + k]);
    });
  }
  return out;
}

/** MNIST digits as an in-memory image data set, `[size, size, 1]` in [-1, 1]. */
export function mnistDataset(options: MnistDatasetOptions = {}): ImageDataset {
  const owner = 'mnistDataset';
  const split = v.oneOf(owner, 'split', options.split ?? 'train', ['train', 'test'] as const);
  const size = options.size ?? 32;
  if (size !== 28 && size !== 32) v.reject(owner, 'size', '28 or 32', size);
  const index = mnistSplitIndex(split);
  const digits = index.map(([digit, k]) => mnistDigit(digit, k));
  const pixels = digitImages(index.length, size, (i, p) => digits[i][p]);
  const labels = Int32Array.from(index, ([digit]) => digit);
  const classes = Array.from({length: 10}, (_, d) => String(d));
  return new InMemoryImageDataset(`mnist-${split}`, classes, [size, size, 1], pixels, labels);
}
