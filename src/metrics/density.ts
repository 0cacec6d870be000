/** Density of sparse codes. */
import * as tf from '@tensorflow/tfjs';
import {nonNegNumber, reject} from '../util/validate';

/**
 * The fraction of entries of `z` with `|z| > tol`: the density (1 − sparsity) of a batch of
 * codes, counted over every entry of every sample.
 *
 * @param z codes of any shape (at least one entry).
 * @param tol magnitude at or below which an entry counts as zero; default 1e-6.
 * @returns a number in [0, 1].
 */
export function density(z: tf.Tensor, tol = 1e-6): number {
  if (!(z instanceof tf.Tensor) || z.size === 0) {
    reject('density', 'z', 'a non-empty tensor', z instanceof tf.Tensor ? `shape [${z.shape}]` : z);
  }
  nonNegNumber('density', 'tol', tol);
  // An int32 count is exact up to 2³¹ entries, where a float32 sum stops counting at 2²⁴.
  const count = tf.tidy(() => tf.sum(tf.cast(tf.greater(tf.abs(z), tol), 'int32')).dataSync()[0]);
  return count / z.size;
}
