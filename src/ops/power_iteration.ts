/**
 * Power iteration for the Lipschitz constant `L = ‖A‖₂² = λ_max(AᵀA)` of `∇ ½‖x − A z‖²`.
 *
 * `u ← AᵀA u / ‖AᵀA u‖`, then `L ≈ ‖A u‖²` (the Rayleigh quotient, a lower bound that
 * increases to `L`). Warm-started from the vector of a previous call, a few iterations per
 * training step track `L` as the dictionary changes.
 */
import * as tf from '@tensorflow/tfjs';
import {DictionaryOperator} from './dictionary';

export interface PowerIterationResult {
  /** The estimate of `‖A‖₂²`, a scalar. */
  value: tf.Scalar;
  /** The unit-norm leading right singular vector estimate, to warm-start the next call. */
  vector: tf.Tensor;
}

/** Checks `iterations` and runs them: `u ← AᵀA u / ‖AᵀA u‖` from `start`; returns the unit vector. */
export function powerSteps(op: DictionaryOperator, start: tf.Tensor, iterations = 20): tf.Tensor {
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new Error(`powerIteration: iterations must be a positive integer, got ${iterations}`);
  }
  return tf.tidy(() => {
    const unit = (v: tf.Tensor) => tf.div(v, tf.add(tf.sqrt(tf.sum(tf.square(v))), 1e-30));
    let u = unit(start);
    for (let i = 0; i < iterations; i++) u = unit(op.adjoint(op.synthesis(u)));
    return u;
  });
}

/**
 * Runs `iterations` steps of power iteration on `AᵀA` from `start` (a code-shaped tensor with a
 * batch axis of 1, e.g. `tf.randomNormal([1, ...op.codeShape(signalShape)])`), then the
 * Rayleigh quotient `‖A u‖²`.
 */
export function powerIteration(op: DictionaryOperator, start: tf.Tensor,
                               iterations = 20): PowerIterationResult {
  const vector = powerSteps(op, start, iterations);
  const value = tf.tidy(() => tf.sum(tf.square(op.synthesis(vector))) as tf.Scalar);
  return {value, vector};
}
