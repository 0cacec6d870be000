import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {MNIST_CLASS_SIZES, mnistDigit} from '../../src/data/mnist';
import {mnistFullDataset} from '../../src/data/mnist_full';
import {expectThrows} from '../helpers';

/** Digits per class of the standard split (LeCun et al.'s files). */
const TRAIN_PER_CLASS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_PER_CLASS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

/** The bytes of each image of a data set (pixels p ∈ [-1, 1] at size 28 back to round(127.5·(p + 1))). */
async function imageBytes(split: 'train' | 'test'): Promise<Set<string>> {
  const ds = mnistFullDataset({split, size: 28});
  const keys = new Set<string>();
  for (let start = 0; start < ds.count; start += 10000) {
    const {images, labels} = await ds.take(Math.min(10000, ds.count - start), start);
    const values = images.dataSync();
    for (let i = 0; i < values.length / 784; i++) {
      keys.add(Buffer.from(values.subarray(i * 784, (i + 1) * 784).map((p) => Math.round(127.5 * (p + 1)))).toString('base64'));
    }
    tf.dispose([images, labels]);
  }
  return keys;
}

describe('mnistFullDataset: the standard MNIST split', () => {
  it('first(n) is the data set of the first n digits: their images and labels, in every epoch\'s order', async () => {
    const all = mnistFullDataset({split: 'test', size: 28});
    const first = all.first(300);
    assert.deepEqual([first.count, first.name, first.imageShape], [300, 'mnist-full-test-first-300', [28, 28, 1]]);
    const [a, b] = await Promise.all([first.take(300), all.take(300)]);
    assert.deepEqual(Array.from(a.images.dataSync()), Array.from(b.images.dataSync()));
    assert.deepEqual(Array.from(a.labels.dataSync()), Array.from(b.labels.dataSync()));
    const seen: number[] = [];
    for await (const batch of first.batches({batchSize: 128, epoch: 1, dropLast: false})) {
      seen.push(...batch.labels.dataSync());
      tf.dispose([batch.images, batch.labels]);
    }
    assert.deepEqual([...seen].sort(), Array.from(b.labels.dataSync()).sort(), 'an epoch visits exactly those digits');
    assert.equal(all.first(all.count), all);
    expectThrows(() => all.first(10001), /mnist-full-test\.first: offset \+ count must be at most 10000/);
    expectThrows(() => all.first(0), /mnist-full-test\.first: count must be a positive integer, got 0/);
    tf.dispose([a.images, a.labels, b.images, b.labels]);
  });

  it('has 60,000 training and 10,000 test digits with the published class counts', async () => {
    for (const [split, counts] of [['train', TRAIN_PER_CLASS], ['test', TEST_PER_CLASS]] as const) {
      const ds = mnistFullDataset({split});
      assert.equal(ds.count, counts.reduce((a, b) => a + b));
      assert.equal(ds.name, `mnist-full-${split}`);
      assert.deepEqual(ds.imageShape, [32, 32, 1]);
      const {images, labels} = await ds.take(ds.count);
      const histogram = new Array<number>(10).fill(0);
      labels.dataSync().forEach((d) => histogram[d]++);
      assert.deepEqual(histogram, counts);
      tf.dispose([images, labels]);
    }
  });

  it('keeps the files\' order: the test set starts 7, 2, 1, 0, 4, 1, 4, 9, 5, 9', async () => {
    const {images, labels} = await mnistFullDataset({split: 'test'}).take(10);
    assert.deepEqual(Array.from(labels.dataSync()), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    tf.dispose([images, labels]);
  });

  it('pixels span [-1, 1], and at size 32 the 28×28 digit is padded with -1', async () => {
    const padded = await mnistFullDataset({split: 'test'}).take(20);
    const native = await mnistFullDataset({split: 'test', size: 28}).take(20);
    const repadded = native.images.pad([[0, 0], [2, 2], [2, 2], [0, 0]], -1);
    assert.deepEqual(Array.from(padded.images.dataSync()), Array.from(repadded.dataSync()));
    assert.equal(native.images.min().dataSync()[0], -1);
    assert.equal(native.images.max().dataSync()[0], 1);
    tf.dispose([padded.images, padded.labels, native.images, native.labels, repadded]);
  });

  it('every digit of the mnist package is one of its training digits, none a test digit', async () => {
    const [train, test] = [await imageBytes('train'), await imageBytes('test')];
    assert.equal(train.size + test.size > 69000, true, 'images are distinct up to a few duplicates');
    let inTrain = 0;
    for (let d = 0; d < 10; d++) {
      for (let k = 0; k < MNIST_CLASS_SIZES[d]; k++) {
        const key = Buffer.from(mnistDigit(d, k).map((g) => Math.round(255 * g))).toString('base64');
        assert.ok(!test.has(key), `digit ${d} #${k} of the mnist package is a test digit`);
        if (train.has(key)) inTrain++;
      }
    }
    assert.equal(inTrain, 10000);
  });

  it('rejects bad options, naming them', () => {
    expectThrows(() => mnistFullDataset({split: 'val' as 'test'}), /mnistFullDataset: split must be one of 'train', 'test', got 'val'/);
    expectThrows(() => mnistFullDataset({size: 64 as 32}), /mnistFullDataset: size must be 28 or 32, got 64/);
  });
});
