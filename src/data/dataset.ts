/**
 * The image data set interface shared by MNIST and image folders, and the deterministic
 * randomness behind shuffling and flips.
 *
 * Every random choice is a pure function of `(seed, epoch, …)`: the order of an epoch is a
 * Fisher–Yates permutation driven by a generator seeded with `hash(seed, epoch, stream)`, and
 * image `i` is flipped in an epoch iff the low bit of `hash(seed, epoch, FLIP, i)` is set. So a
 * run resumed at `(epoch, startBatch)` sees exactly the batches it would have seen, whatever
 * happened before.
 */
import * as tf from '@tensorflow/tfjs';
import * as v from '../util/validate';

/** A batch of images with their class labels; the caller disposes both tensors. */
export interface ImageBatch {
  /** Images `[batch, h, w, c]`, float32 in [-1, 1]. */
  images: tf.Tensor4D;
  /** Class indices `[batch]`, int32, into `ImageDataset.classes`. */
  labels: tf.Tensor1D;
}

export interface BatchOptions {
  /** Images per batch. */
  batchSize: number;
  /** Epoch number: with `seed` it fixes the order, so a run resumed at (epoch, startBatch) sees exactly the same batches. Default 0. */
  epoch?: number;
  /** Skip this many batches of the epoch (resume). Default 0. */
  startBatch?: number;
  /** Shuffle the epoch's order (deterministically from `seed` and `epoch`). Default true. */
  shuffle?: boolean;
  /** Seed (an integer) of the order and of the flips. Default 0. */
  seed?: number;
  /** Random horizontal flips, deterministic from seed, epoch and image index. Default false. */
  flip?: boolean;
  /** Drop the last, incomplete batch of the epoch. Default true. */
  dropLast?: boolean;
}

export interface ImageDataset {
  readonly name: string;
  /** Number of images. */
  readonly count: number;
  /** Class names ('0'..'9' for MNIST, folder names otherwise); label `k` is `classes[k]`. */
  readonly classes: string[];
  /** `[h, w, c]` of every image. */
  readonly imageShape: [number, number, number];
  /** Batches in one epoch: `⌊count / batchSize⌋` with `dropLast` (the default), else `⌈count / batchSize⌉`. */
  batchesPerEpoch(batchSize: number, dropLast?: boolean): number;
  /** Batches of one epoch in a deterministic order; the caller disposes each batch's tensors. */
  batches(options: BatchOptions): AsyncIterableIterator<ImageBatch>;
  /** The first `count` images (from `offset`, default 0) in a fixed order (for eval / grids), `[count, h, w, c]` + labels. */
  take(count: number, offset?: number): Promise<ImageBatch>;
}

/** Batch options with every default filled in. */
export type ResolvedBatchOptions = Required<BatchOptions>;

/** The number of batches in an epoch of `count` images, with its argument checks. */
export function batchesPerEpoch(owner: string, count: number, batchSize: unknown,
                                dropLast: unknown = true): number {
  const b = v.positiveInt(owner, 'batchSize', batchSize);
  const drop = v.bool(owner, 'dropLast', dropLast);
  return drop ? Math.floor(count / b) : Math.ceil(count / b);
}

function integer(owner: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) v.reject(owner, name, 'an integer', value);
  return value;
}

/** Checks `options` of `batches()` for a data set of `count` images and fills in the defaults. */
export function resolveBatchOptions(owner: string, count: number, options: unknown): ResolvedBatchOptions {
  if (typeof options !== 'object' || options === null) v.reject(owner, 'options', 'an object', options);
  const o = options as BatchOptions;
  const batchSize = v.positiveInt(owner, 'batchSize', o.batchSize);
  const dropLast = v.bool(owner, 'dropLast', o.dropLast ?? true);
  const epoch = v.nonNegInt(owner, 'epoch', o.epoch ?? 0);
  const startBatch = v.nonNegInt(owner, 'startBatch', o.startBatch ?? 0);
  const total = batchesPerEpoch(owner, count, batchSize, dropLast);
  if (startBatch > total) {
    v.reject(owner, 'startBatch', `at most ${total} (the batches in an epoch of ${count} images at batchSize ${batchSize})`,
             startBatch);
  }
  return {
    batchSize, dropLast, epoch, startBatch,
    shuffle: v.bool(owner, 'shuffle', o.shuffle ?? true),
    seed: integer(owner, 'seed', o.seed ?? 0),
    flip: v.bool(owner, 'flip', o.flip ?? false),
  };
}

/** Checks the arguments of `take(count, offset)` against a data set of `size` images. */
export function checkTake(owner: string, size: number, count: unknown, offset: unknown): [number, number] {
  const n = v.positiveInt(owner, 'count', count);
  const o = v.nonNegInt(owner, 'offset', offset);
  if (o + n > size) v.reject(owner, 'offset + count', `at most ${size} (the images in the data set)`, o + n);
  return [n, o];
}

/** Stream numbers that keep the hashes of different random choices apart. */
export const STREAM = {order: 1, flip: 2, shards: 3, window: 4, storage: 5} as const;

/** Murmur3's 32-bit finaliser: a bijection on 32-bit words that mixes every input bit into every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a sequence of safe integers (each folded in as its low and high 32 bits). */
export function hash32(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const value of values) {
    const low = value >>> 0;
    const high = Math.floor(value / 4294967296) >>> 0;
    h = fmix32(Math.imul(h ^ low, 0x01000193) + high);
  }
  return h;
}

/** mulberry32: a uniform generator on [0, 1) with a 32-bit state (period 2³²). */
export function uniformGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `items` in place (Fisher–Yates) with the generator seeded by `hash32(...key)`; returns it. */
export function shuffleInPlace<T extends {length: number; [i: number]: any}>(items: T, ...key: number[]): T {
  const uniform = uniformGenerator(hash32(...key));
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

/** `[0, 1, …, n − 1]`. */
export function range(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Whether image `index` is flipped in `epoch` under `seed` (probability ½, independent across images). */
export function isFlipped(seed: number, epoch: number, index: number): boolean {
  return (hash32(seed, epoch, STREAM.flip, index) & 1) === 1;
}

/**
 * Copies image `from` of `src` (pixels `p`) to image `to` of `dst` as `scale · p + bias`,
 * reversing the columns when `flip` is set.
 */
export function copyImage(dst: Float32Array, to: number, src: ArrayLike<number>, from: number,
                          [h, w, c]: readonly number[], flip: boolean, scale: number, bias: number): void {
  const size = h * w * c;
  const d0 = to * size;
  const s0 = from * size;
  if (!flip) {
    for (let i = 0; i < size; i++) dst[d0 + i] = src[s0 + i] * scale + bias;
    return;
  }
  const row = w * c;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = d0 + y * row + x * c;
      const s = s0 + y * row + (w - 1 - x) * c;
      for (let k = 0; k < c; k++) dst[d + k] = src[s + k] * scale + bias;
    }
  }
}

/** Wraps filled pixel and label buffers as a batch of `n` images. */
export function toBatch(pixels: Float32Array, labels: Int32Array, n: number,
                        [h, w, c]: readonly number[]): ImageBatch {
  return {
    images: tf.tensor4d(pixels.subarray(0, n * h * w * c), [n, h, w, c]),
    labels: tf.tensor1d(labels.subarray(0, n), 'int32'),
  };
}
