/** `stopGradient(x)`: the identity in the forward pass, a zero gradient in the backward pass. */
import * as tf from '@tensorflow/tfjs';

const stop = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as Parameters<typeof tf.customGrad>[0]);

/**
 * Treats `x` as a constant for differentiation (tfjs has no `stopGradient`); used for the step
 * size `1/L`, which the published CSC layer computes outside the autograd graph.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
