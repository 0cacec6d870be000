/**
 * Power iteration for the Lipschitz constant `L = ‖A‖₂² = λ_max(AᵀA)` of `∇ ½‖x − A z‖²`.
 *
 * `u ← AᵀA u / ‖AᵀA u‖`, then `L ≈ ‖A u‖²` (the Rayleigh quotient, a lower bound that
 * increases to `L`). Warm-started from the vector of a previous call, a few iterations per
 * training step track `L` as the dictionary changes.
 */
import * as tf from '@tensorflow/tfjs';
import {DictionaryOperator} from './dictionary';
import {withoutGradient} from './stop_gradient';

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

/**
 * The warm-started power iteration of a layer: its vector is a non-trainable weight of the
 * layer (saved with it), `estimate` reads `L` from it without changing it (inference is
 * deterministic), and `advance` moves it by `steps` steps (once per training pass). Both run
 * outside differentiation, as the published layers compute `L`: recorded, the iteration would
 * be differentiated (to zero) in every backward pass.
 */
export class WarmPowerIteration {
  /**
   * @param vector the stored unit vector (code-shaped, batch axis 1)
   * @param steps power-iteration steps per estimate and per advance
   */
  constructor(readonly vector: tf.LayerVariable, readonly steps: number) {}

  /** A convergence put off by {@link convergeUnlessWritten}: the operator, and the vector's data then. */
  private deferred?: {op: () => DictionaryOperator; data: object};

  /** `L ≈ ‖A u‖²` after `steps` steps from the stored vector, `A = operator(kernel)`. */
  estimate(operator: (kernel: tf.Tensor) => DictionaryOperator, kernel: tf.Tensor): tf.Scalar {
    this.settle();
    return withoutGradient((w) => powerIteration(operator(w), this.vector.read(), this.steps).value, kernel) as tf.Scalar;
  }

  /** Advances the stored vector by `steps` steps for `A = operator(kernel)`. */
  advance(operator: (kernel: tf.Tensor) => DictionaryOperator, kernel: tf.Tensor): void {
    this.settle();
    this.vector.write(withoutGradient((w) => powerSteps(operator(w), this.vector.read(), this.steps), kernel));
  }

  /** Converges the stored vector for `op` (at build time, before training warm-starts from it). */
  converge(op: DictionaryOperator, iterations = 200): void {
    tf.tidy(() => {
      this.vector.write(powerIteration(op, this.vector.read(), iterations).vector);
    });
  }

  /**
   * {@link converge} for `op()` at the first estimate or advance, unless the vector is written
   * before then. A layer rebuilt from a saved configuration defers it so: loading its weights
   * writes the saved, converged vector, and loading a model does not repeat the iterations
   * (200 per dictionary); rebuilt without weights, the layer converges as a new one does.
   */
  convergeUnlessWritten(op: () => DictionaryOperator): void {
    this.deferred = {op, data: dataOf(this.vector.read())};
  }

  private settle(): void {
    const deferred = this.deferred;
    this.deferred = undefined;
    if (deferred && dataOf(this.vector.read()) === deferred.data) tf.tidy(() => this.converge(deferred.op()));
  }
}

/** The engine's handle of a tensor's data (a variable's changes when it is written). */
function dataOf(t: tf.Tensor): object {
  return (t as unknown as {dataId: object}).dataId;
}
