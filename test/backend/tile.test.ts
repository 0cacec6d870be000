import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {expectCpuParity, randomTensor} from './cpu_parity';

describe('wasm Tile matches cpu', () => {
  const cases: [string, number[], number[]][] = [
    ['rank 1', [5], [3]],
    ['rank 2, rows', [3, 4], [2, 1]],
    ['rank 2, columns (blocks of one entry)', [3, 1], [1, 7]],
    ['rank 2, both axes', [2, 3], [3, 2]],
    ['rank 3, inner axis', [2, 3, 4], [1, 1, 5]],
    ['rank 4, batch normalisation\'s gradient', [1, 1, 1, 32], [8, 4, 4, 1]],
    ['rank 4, every axis', [2, 1, 3, 2], [2, 3, 1, 4]],
    ['reps of one', [2, 3, 4], [1, 1, 1]],
    ['empty input', [0, 3], [4, 2]],
    ['no repeat', [2, 3], [0, 2]],
  ];
  for (const [name, shape, reps] of cases) {
    it(`${name}: ${shape.join('x')} × ${reps.join(',')}, value and gradient`, async () => {
      const x = randomTensor(shape, 29);
      await expectCpuParity((xi) => [tf.tile(xi, reps), tf.grad((a) => tf.sum(tf.square(tf.tile(a, reps))))(xi)], [x]);
      x.dispose();
    });
  }

  it('rank 5: 1x2x1x3x2 × 2,1,3,1,2 (tfjs has no rank-5 gradient)', async () => {
    const x = randomTensor([1, 2, 1, 3, 2], 29);
    await expectCpuParity((xi) => tf.tile(xi, [2, 1, 3, 1, 2]), [x]);
    x.dispose();
  });

  it('batch normalisation in training mode: output and gradients', async () => {
    const x = randomTensor([4, 5, 6, 8], 3);
    const gamma = randomTensor([8], 4);
    const beta = randomTensor([8], 5);
    const weights = randomTensor([4, 5, 6, 8], 6);
    await expectCpuParity((xi, g, b, w) => {
      // A weighted sum: the sum of squares of normalised values would not depend on x.
      const f = (a: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
        const {mean, variance} = tf.moments(a, [0, 1, 2]);
        return tf.sum(tf.mul(tf.batchNorm(a, mean, variance, offset, scale, 1e-3), w));
      };
      return [...tf.grads(f)([xi, g, b])];
    }, [x, gamma, beta, weights]);
    tf.dispose([x, gamma, beta, weights]);
  });

  it('int32 and bool tensors', () => {
    const i = tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32');
    const b = tf.tensor1d([true, false], 'bool');
    assert.deepEqual(Array.from(tf.tile(i, [1, 2]).dataSync()), [1, 2, 1, 2, 3, 4, 3, 4]);
    assert.equal(tf.tile(i, [1, 2]).dtype, 'int32');
    assert.deepEqual(Array.from(tf.tile(b, [3]).dataSync()), [1, 0, 1, 0, 1, 0]);
    tf.dispose([i, b]);
  });
});
