import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {MNIST_CLASS_SIZES, mnistDigit} from '../../src/data/mnist';
import {MNIST_TEST_PER_CLASS, mnistDataset, mnistSplitIndex} from '../../src/data/mnist_dataset';
import {expectClose, expectThrows} from '../helpers';
import {describeDatasetOrder} from './dataset_checks';

describe('mnistDataset: MNIST digits as an image data set', () => {
  it('splits the package\'s 10,000 digits into 9,000 train and the last 100 of each class as test', () => {
    const total = MNIST_CLASS_SIZES.reduce((a, b) => a + b, 0);
    assert.equal(total, 10000);
    const train = mnistDataset();
    const test = mnistDataset({split: 'test'});
    assert.equal(train.count, total - 10 * MNIST_TEST_PER_CLASS);
    assert.equal(test.count, 10 * MNIST_TEST_PER_CLASS);
    assert.deepEqual(train.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.deepEqual(train.imageShape, [32, 32, 1]);
    assert.deepEqual(mnistDataset({size: 28}).imageShape, [28, 28, 1]);
    assert.equal(train.name, 'mnist-train');
  });

  it('train ∩ test = ∅ and train ∪ test = every digit of the package; test holds each class\'s last 100', () => {
    const key = ([d, k]: [number, number]) => d * 100000 + k;
    const train = new Set(mnistSplitIndex('train').map(key));
    const test = new Set(mnistSplitIndex('test').map(key));
    assert.equal(train.size, 9000);
    assert.equal(test.size, 1000);
    for (const k of test) assert.ok(!train.has(k), `digit ${k} in both splits`);
    for (let d = 0; d < 10; d++) {
      for (let k = 0; k < MNIST_CLASS_SIZES[d]; k++) {
        assert.equal(test.has(key([d, k])), k >= MNIST_CLASS_SIZES[d] - 100);
      }
    }
  });

  it('the fixed order interleaves the classes: test labels are 0, 1, …, 9, 0, 1, …', async () => {
    const {images, labels} = await mnistDataset({split: 'test'}).take(1000);
    assert.deepEqual(Array.from(labels.dataSync()), Array.from({length: 1000}, (_, i) => i % 10));
    tf.dispose([images, labels]);
    const train = await mnistDataset().take(20, 5);
    assert.deepEqual(Array.from(train.labels.dataSync()), Array.from({length: 20}, (_, i) => (i + 5) % 10));
    tf.dispose([train.images, train.labels]);
  });

  it('pixels are 2·p − 1 of the package\'s grey values, padded to 32×32 with -1', async () => {
    const ds = mnistDataset({split: 'test'});
    const {images, labels} = await ds.take(3, 10);    // the second test digit of classes 0, 1, 2
    const values = images.dataSync();
    for (let i = 0; i < 3; i++) {
      const grey = mnistDigit(i, MNIST_CLASS_SIZES[i] - 100 + 1);
      const image = Array.from(values.subarray(i * 1024, (i + 1) * 1024));
      const inside: number[] = [];
      const border: number[] = [];
      image.forEach((p, j) => {
        const [y, x] = [Math.floor(j / 32), j % 32];
        (y >= 2 && y < 30 && x >= 2 && x < 30 ? inside : border).push(p);
      });
      expectClose(inside, grey.map((g) => 2 * g - 1), 1e-6);
      assert.equal(border.length, 32 * 32 - 28 * 28);
      assert.ok(border.every((p) => p === -1), 'padding is -1');
    }
    const native = await mnistDataset({split: 'test', size: 28}).take(1, 11);
    expectClose(native.images, mnistDigit(1, MNIST_CLASS_SIZES[1] - 99).map((g) => 2 * g - 1), 1e-6);
    tf.dispose([images, labels, native.images, native.labels]);
  });

  it('values lie in [-1, 1] and reach both ends', async () => {
    const {images, labels} = await mnistDataset().take(500, 4000);
    const [lo, hi] = [images.min().dataSync()[0], images.max().dataSync()[0]];
    assert.equal(lo, -1);
    assert.equal(hi, 1);
    tf.dispose([images, labels]);
  });

  it('rejects bad options, naming them', () => {
    expectThrows(() => mnistDataset({split: 'val' as 'test'}), /mnistDataset: split must be one of 'train', 'test', got 'val'/);
    expectThrows(() => mnistDataset({size: 64 as 32}), /mnistDataset: size must be 28 or 32, got 64/);
  });

  describe('order, resume, flips and leaks (test split, batch 64)', () => {
    describeDatasetOrder(async () => mnistDataset({split: 'test'}), 64);
  });
});
