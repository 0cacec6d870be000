import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {InMemoryImageDataset, mapImages} from '../../src/data';
import {expectClose} from '../helpers';

describe('mapImages: a function over a data set, batch by batch', () => {
  // 7 images 2×2×1 whose pixels are k/10 (k the image's index) and labels 6 − k.
  const count = 7;
  const pixels = new Float32Array(count * 4).map((_, i) => Math.floor(i / 4) / 10);
  const labels = Int32Array.from({length: count}, (_, k) => 6 - k);
  const data = new InMemoryImageDataset('ramp', ['a'], [2, 2, 1], pixels, labels);

  it('equals f over all images at once, with their labels, when the batch does not divide the count (5 of 7, batch 2)', async () => {
    const before = tf.memory().numTensors;
    const {outputs: [sums, doubled], labels: got} = await mapImages(data, 5, 2, (x) => [x.sum([1, 2, 3]), x.mul(2)]);
    expectClose(sums, [0, 0.4, 0.8, 1.2, 1.6], 1e-6);
    assert.deepEqual(doubled.shape, [5, 2, 2, 1]);
    expectClose(Math.max(...doubled.dataSync()), 0.8, 1e-6);
    assert.deepEqual(Array.from(got), [6, 5, 4, 3, 2]);
    assert.equal(tf.memory().numTensors, before + 2, 'the two outputs are the only tensors left');
    tf.dispose([sums, doubled]);
  });
});
