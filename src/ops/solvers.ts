/**
 * Reference (non-learned) ISTA and FISTA for `min_z ½‖x − A z‖² + λ‖z‖₁ + (μ/2)‖z‖²`
 * (docs/math.md §1), written against a {@link DictionaryOperator}:
 *
 * - ISTA: `z⁰ = 0`, `z^{k+1} = prox_η(z^k − η Aᵀ(A z^k − x))`;
 * - FISTA: the same step taken from `y^k`, `t_{k+1} = (1 + √(1 + 4t_k²))/2`,
 *   `y^{k+1} = z^{k+1} + ((t_k − 1)/t_{k+1})(z^{k+1} − z^k)`;
 *
 * with `prox_η` the elastic-net prox of `elasticNetProx` (soft, or non-negative soft, threshold).
 * These are the baselines that unrolled layers are tested and benchmarked against.
 */
import * as tf from '@tensorflow/tfjs';
import {fistaMomentum} from './momentum';
import {DictionaryOperator} from './dictionary';
import {elasticNetProx} from './thresholds';

export interface SolverOptions {
  /** `λ`, the ℓ1 weight (number or broadcastable tensor). */
  lambda: number | tf.Tensor;
  /** The Lipschitz constant `L ≥ ‖A‖²`; the step is `η = 1/L`. */
  lipschitz: number | tf.Tensor;
  /** Number of iterations. */
  iterations: number;
  /** `μ`, the ℓ2 weight of the elastic net. Default 0. */
  mu?: number;
  /** Non-negative codes (`S⁺` instead of `S`). Default false. */
  nonNeg?: boolean;
  /** FISTA momentum. Default false. */
  fista?: boolean;
  /** Starting code; default zeros of the code shape. */
  start?: tf.Tensor;
  /**
   * Called after each iteration `k = 1, …, iterations` with that iteration's code, which is
   * disposed after the call (so a curve of all the iterates costs one run, not one per length).
   */
  onIterate?: (k: number, z: tf.Tensor) => void;
}

/** Runs ISTA (or FISTA) on the batch `x`; returns the code batch. */
export function ista(op: DictionaryOperator, x: tf.Tensor, options: SolverOptions): tf.Tensor {
  const {lambda, lipschitz, iterations, mu = 0, nonNeg = false, fista = false} = options;
  // Each iteration is its own scope, so memory stays that of one iteration however many run.
  const eta = tf.div(1, lipschitz);
  const lambdaStep = tf.mul(lambda, eta);
  const muStep = tf.mul(mu, eta);
  let z = options.start?.clone() ?? tf.zeros([x.shape[0], ...op.codeShape(x.shape.slice(1))]);
  let y = z.clone();
  let t = 1;
  for (let k = 0; k < iterations; k++) {
    const [zNext, yNext] = tf.tidy(() => {
      const next = elasticNetProx(tf.sub(y, tf.mul(eta, op.gradF(y, x))), lambdaStep, muStep, nonNeg);
      if (!fista) return [next, next.clone()];
      const {next: tNext, weight} = fistaMomentum(t);
      const momentum = tf.add(next, tf.mul(weight, tf.sub(next, z)));
      t = tNext;
      return [next, momentum];
    });
    tf.dispose([z, y]);
    z = zNext;
    y = yNext;
    options.onIterate?.(k + 1, z);
  }
  tf.dispose([y, eta, lambdaStep, muStep]);
  return z;
}

/** `½‖x − A z‖² + λ‖z‖₁ + (μ/2)‖z‖²` per sample, summed over the batch. */
export function lassoObjective(op: DictionaryOperator, x: tf.Tensor, z: tf.Tensor,
                               lambda: number, mu = 0): tf.Scalar {
  return tf.tidy(() => tf.addN([
    tf.mul(0.5, tf.sum(tf.square(tf.sub(x, op.synthesis(z))))),
    tf.mul(lambda, tf.sum(tf.abs(z))),
    tf.mul(0.5 * mu, tf.sum(tf.square(z))),
  ]) as tf.Scalar);
}
