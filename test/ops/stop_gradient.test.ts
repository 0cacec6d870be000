import * as tf from '@tensorflow/tfjs';
import {stopGradient, withoutGradient} from '../../src/ops';
import {expectClose} from '../helpers';

describe('values held out of differentiation', () => {
  it('stopGradient is the identity with a zero gradient: d/dx [x·sg(x)] = sg(x)', () => {
    const x = tf.tensor1d([1, -2, 3]);
    expectClose(stopGradient(x), [1, -2, 3]);
    expectClose(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, stopGradient(v))))(x), [1, -2, 3]);
  });

  it('withoutGradient may use ops without gradients and contributes none', () => {
    const x = tf.tensor1d([-1, 0.5, 2]);
    const mask = (v: tf.Tensor) => withoutGradient((u) => tf.cast(tf.greater(u, 0), 'float32'), v);
    expectClose(mask(x), [0, 1, 1]);
    // d/dx Σ x·mask(x) = mask(x): the mask is a constant.
    expectClose(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, mask(v))))(x), [0, 1, 1]);
  });
});
