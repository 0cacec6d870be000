import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {randomTensor} from './cpu_parity';

/** Asserts that `fn` leaves no tensor data behind in the backend once its outputs are freed. */
function expectBackendDataFreed(fn: () => tf.Tensor | tf.Tensor[]): void {
  tf.dispose(fn());
  const before = tf.engine().backend.numDataIds();
  tf.dispose(fn());
  assert.equal(tf.engine().backend.numDataIds(), before, 'backend data leaked');
}

describe('wasm composed kernels free their intermediates', () => {
  const cases: [string, () => tf.Tensor | tf.Tensor[]][] = [
    ['conv2d gradients, stride 2, explicit pads', () => tf.tidy(() => {
      const x = randomTensor([2, 9, 8, 3], 51);
      const w = randomTensor([3, 3, 3, 4], 52);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(
        a as tf.Tensor4D, b as tf.Tensor4D, 2, [[0, 0], [1, 0], [0, 2], [0, 0]])))([x, w]);
    })],
    ['conv2d input gradient by product and scatter, 1 → 24 channels', () => tf.tidy(() => tf.grad(
      (a) => tf.sum(tf.conv2d(a as tf.Tensor4D, randomTensor([3, 3, 1, 24], 60) as tf.Tensor4D, 1,
                              'same')))(randomTensor([2, 9, 8, 1], 61)))],
    ['conv2dTranspose, stride 3', () => tf.tidy(() => tf.conv2dTranspose(
      randomTensor([2, 3, 4, 5], 53) as tf.Tensor4D, randomTensor([3, 3, 2, 5], 54) as tf.Tensor4D,
      [2, 9, 12, 2], 3, 'same'))],
    ['depthwise gradients, multiplier 2, stride 2', () => tf.tidy(() => {
      const x = randomTensor([2, 9, 8, 3], 55);
      const w = randomTensor([3, 3, 3, 2], 56);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.depthwiseConv2d(
        a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, w]);
    })],
    ['maxPool gradient, 3x3 stride 2', () => tf.tidy(() => tf.grad((a) => tf.sum(
      tf.maxPool(a as tf.Tensor4D, 3, 2, 'same')))(randomTensor([2, 9, 8, 3], 57)))],
    ['matMul gradients, batched, transposed', () => tf.tidy(() => tf.grads(
      (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.matMul(a, b, true, true)))(
      [randomTensor([3, 40, 30], 58), randomTensor([3, 50, 40], 59)]))],
  ];
  for (const [name, fn] of cases) {
    it(name, () => expectBackendDataFreed(fn));
  }
});
