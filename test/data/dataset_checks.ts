/**
 * Order, resume, flip and leak checks that every `ImageDataset` must pass. Images are told apart
 * by their pixels, so each data set under test must hold distinct images whose mirror images
 * are distinct too.
 */
import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {BatchOptions, ImageBatch, ImageDataset} from '../../src/data/dataset';

interface Seen {
  ids: number[];
  flipped: boolean[];
  sizes: number[];
}

function key(pixels: Float32Array): string {
  return Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength).toString('base64');
}

function mirror(pixels: Float32Array, [h, w, c]: number[]): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = pixels[(y * w + (w - 1 - x)) * c + k];
    }
  }
  return out;
}

/** Maps each image's pixels (and its mirror image's) to its index in `take` order. */
export async function imageKeys(ds: ImageDataset): Promise<Map<string, [number, boolean]>> {
  const all = await ds.take(ds.count);
  const values = all.images.dataSync() as Float32Array;
  labelCache.set(ds, all.labels.dataSync() as Int32Array);
  tf.dispose([all.images, all.labels]);
  const size = ds.imageShape.reduce((a, b) => a * b, 1);
  const keys = new Map<string, [number, boolean]>();
  for (let i = 0; i < ds.count; i++) {
    const image = values.subarray(i * size, (i + 1) * size);
    assert.ok(!keys.has(key(image)), `image ${i} is not distinct`);
    keys.set(key(image), [i, false]);
  }
  for (let i = 0; i < ds.count; i++) {
    const m = key(mirror(values.subarray(i * size, (i + 1) * size), ds.imageShape));
    assert.ok(!keys.has(m), `image ${i} equals a mirror image`);
    keys.set(m, [i, true]);
  }
  return keys;
}

/** Runs one epoch and tells which image (and whether flipped) each batch position holds; disposes every batch. */
export async function epoch(ds: ImageDataset, keys: Map<string, [number, boolean]>,
                            options: BatchOptions): Promise<Seen> {
  const size = ds.imageShape.reduce((a, b) => a * b, 1);
  const seen: Seen = {ids: [], flipped: [], sizes: []};
  for await (const batch of ds.batches(options)) {
    check(ds, batch);
    const values = batch.images.dataSync() as Float32Array;
    const labels = batch.labels.dataSync();
    const labelsOfIds = await labelsOf(ds);
    for (let i = 0; i < batch.labels.shape[0]; i++) {
      const found = keys.get(key(values.subarray(i * size, (i + 1) * size)));
      assert.ok(found, 'a batch holds an image that is not in the data set');
      seen.ids.push(found[0]);
      seen.flipped.push(found[1]);
      assert.equal(labels[i], labelsOfIds[found[0]], 'label of the image');
    }
    seen.sizes.push(batch.labels.shape[0]);
    tf.dispose([batch.images, batch.labels]);
  }
  return seen;
}

const labelCache = new WeakMap<ImageDataset, Int32Array>();
async function labelsOf(ds: ImageDataset): Promise<Int32Array> {
  let labels = labelCache.get(ds);
  if (!labels) {
    const all = await ds.take(ds.count);
    labels = all.labels.dataSync() as Int32Array;
    tf.dispose([all.images, all.labels]);
    labelCache.set(ds, labels);
  }
  return labels;
}

function check(ds: ImageDataset, batch: ImageBatch): void {
  assert.equal(batch.images.dtype, 'float32');
  assert.equal(batch.labels.dtype, 'int32');
  assert.deepEqual(batch.images.shape.slice(1), ds.imageShape);
  assert.equal(batch.images.shape[0], batch.labels.shape[0]);
}

/**
 * Registers the shared checks for the data set that `make()` returns (called in a `before`
 * hook), with batches of `batchSize` (which must not divide the count, so dropLast matters).
 */
export function describeDatasetOrder(make: () => Promise<ImageDataset>, batchSize: number): void {
  let ds: ImageDataset;
  let keys: Map<string, [number, boolean]>;
  before(async () => {
    ds = await make();
    keys = await imageKeys(ds);
    assert.notEqual(ds.count % batchSize, 0, 'the batch size must not divide the count');
  });

  it(`shuffle: false gives the fixed take() order without flips (batch ${batchSize})`, async () => {
    const seen = await epoch(ds, keys, {batchSize, shuffle: false, dropLast: false});
    assert.deepEqual(seen.ids, Array.from({length: ds.count}, (_, i) => i));
    assert.ok(seen.flipped.every((f) => !f));
  });

  it('every image exactly once per epoch (dropLast false), full batches only with dropLast', async () => {
    const all = await epoch(ds, keys, {batchSize, dropLast: false, seed: 3});
    assert.deepEqual([...all.ids].sort((a, b) => a - b), Array.from({length: ds.count}, (_, i) => i));
    assert.equal(all.sizes.length, ds.batchesPerEpoch(batchSize, false));
    assert.equal(all.sizes.at(-1), ds.count % batchSize);
    const full = await epoch(ds, keys, {batchSize, seed: 3});
    assert.equal(full.sizes.length, Math.floor(ds.count / batchSize));
    assert.ok(full.sizes.every((s) => s === batchSize));
    assert.equal(new Set(full.ids).size, full.ids.length, 'an image repeats');
    assert.deepEqual(full.ids, all.ids.slice(0, full.ids.length), 'dropLast only drops the tail');
  });

  it('same seed and epoch give the same order; another epoch or seed another order', async () => {
    const a = await epoch(ds, keys, {batchSize, seed: 7, epoch: 2});
    const b = await epoch(ds, keys, {batchSize, seed: 7, epoch: 2});
    const c = await epoch(ds, keys, {batchSize, seed: 7, epoch: 3});
    const d = await epoch(ds, keys, {batchSize, seed: 8, epoch: 2});
    assert.deepEqual(b.ids, a.ids);
    assert.notDeepEqual(c.ids, a.ids);
    assert.notDeepEqual(d.ids, a.ids);
    assert.notDeepEqual(a.ids, Array.from({length: a.ids.length}, (_, i) => i), 'shuffled');
  });

  it('resume: startBatch k gives the tail of the same epoch order', async () => {
    const whole = await epoch(ds, keys, {batchSize, seed: 5, epoch: 1, dropLast: false});
    for (const k of [1, Math.floor(ds.batchesPerEpoch(batchSize) / 2), ds.batchesPerEpoch(batchSize, false)]) {
      const tail = await epoch(ds, keys, {batchSize, seed: 5, epoch: 1, dropLast: false, startBatch: k});
      assert.deepEqual(tail.ids, whole.ids.slice(k * batchSize), `startBatch ${k}`);
    }
  });

  it('flips: same order, about half the images mirrored, the same ones for the same seed and epoch', async () => {
    const plain = await epoch(ds, keys, {batchSize, seed: 9, dropLast: false});
    const a = await epoch(ds, keys, {batchSize, seed: 9, dropLast: false, flip: true});
    const b = await epoch(ds, keys, {batchSize, seed: 9, dropLast: false, flip: true});
    const c = await epoch(ds, keys, {batchSize, seed: 9, dropLast: false, flip: true, epoch: 1});
    assert.deepEqual(a.ids, plain.ids);
    assert.deepEqual(b.flipped, a.flipped);
    assert.ok(plain.flipped.every((f) => !f));
    const fraction = a.flipped.filter((f) => f).length / a.flipped.length;
    // Binomial(n, ½): 5 standard deviations either side.
    const sd = 0.5 / Math.sqrt(a.flipped.length);
    assert.ok(Math.abs(fraction - 0.5) <= 5 * sd, `flipped fraction ${fraction}`);
    const flippedIn = (s: Seen) => s.ids.map((id, i) => [id, s.flipped[i]] as const).sort((x, y) => x[0] - y[0]);
    assert.notDeepEqual(flippedIn(c), flippedIn(a), 'another epoch flips other images');
  });

  it('no tensor is left once each batch is disposed', async () => {
    await epoch(ds, keys, {batchSize, dropLast: false});
    const before = tf.memory().numTensors;
    await epoch(ds, keys, {batchSize, dropLast: false, flip: true, startBatch: 1});
    const t = await ds.take(3, 1);
    tf.dispose([t.images, t.labels]);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  });

  it('batches() and take() reject bad arguments, naming them', async () => {
    const bad: Array<[BatchOptions, RegExp]> = [
      [{batchSize: 0}, /batchSize must be a positive integer, got 0/],
      [{batchSize: 2.5}, /batchSize must be a positive integer, got 2.5/],
      [{batchSize, epoch: -1}, /epoch must be a non-negative integer, got -1/],
      [{batchSize, startBatch: 1.5}, /startBatch must be a non-negative integer, got 1.5/],
      [{batchSize, startBatch: ds.count}, new RegExp(`startBatch must be at most ${Math.floor(ds.count / batchSize)} .*got ${ds.count}`)],
      [{batchSize, seed: 0.5}, /seed must be an integer, got 0.5/],
      [{batchSize, shuffle: 'yes' as unknown as boolean}, /shuffle must be true or false, got 'yes'/],
      [{batchSize, flip: 1 as unknown as boolean}, /flip must be true or false, got 1/],
      [{batchSize, dropLast: 0 as unknown as boolean}, /dropLast must be true or false, got 0/],
    ];
    for (const [options, pattern] of bad) assert.throws(() => ds.batches(options), pattern);
    assert.throws(() => ds.batches(null as unknown as BatchOptions), /options must be an object, got null/);
    assert.throws(() => ds.batchesPerEpoch(-2), /batchSize must be a positive integer, got -2/);
    await assert.rejects(ds.take(0), /count must be a positive integer, got 0/);
    await assert.rejects(ds.take(1, -1), /offset must be a non-negative integer, got -1/);
    await assert.rejects(ds.take(2, ds.count - 1), new RegExp(`offset \\+ count must be at most ${ds.count}`));
  });
}
