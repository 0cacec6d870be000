/**
 * Values held out of differentiation (tfjs has no `stopGradient`): the identity with a zero
 * gradient, and masks or constants computed from tensors without recording their ops.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * `f(...inputs)` evaluated outside differentiation: its gradient in every input is zero and
 * the ops inside `f` are not recorded, so `f` may use ops that have no gradient (comparisons,
 * `topk`, logical ops), as the masks of hard thresholding and support selection do.
 */
export function withoutGradient<T extends tf.Tensor>(f: (...inputs: tf.Tensor[]) => T,
                                                     ...inputs: tf.Tensor[]): T {
  const op = tf.customGrad(((...args: tf.Tensor[]) => ({
    value: tf.tidy(() => f(...args.slice(0, inputs.length))),
    gradFunc: () => inputs.map((x) => tf.zerosLike(x)),
  })) as Parameters<typeof tf.customGrad>[0]);
  return op(...inputs) as T;
}

/**
 * Treats `x` as a constant for differentiation; used for the step size `1/L`, which the
 * published CSC layer computes outside the autograd graph.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return withoutGradient((y) => y.clone() as T, x);
}
