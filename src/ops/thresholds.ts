/**
 * Proximal operators of the sparsity penalties (docs/math.md §1). `theta` is a number or a tensor
 * that broadcasts against `v` (a scalar, one value per channel, or one per coefficient).
 */
import * as tf from '@tensorflow/tfjs';
import {withoutGradient} from './stop_gradient';

export type Threshold = number | tf.Tensor;

/**
 * Soft threshold `S_θ(v) = sign(v)·max(|v| − θ, 0)`, the prox of `θ‖·‖₁`, written as
 * `ReLU(v − θ) − ReLU(−v − θ)` so that its gradient is defined everywhere.
 */
export function softThreshold(v: tf.Tensor, theta: Threshold): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.relu(tf.sub(v, theta)), tf.relu(tf.sub(tf.neg(v), theta))));
}

/** Non-negative soft threshold `S⁺_θ(v) = max(v − θ, 0) = ReLU(v − θ)`. */
export function nonNegSoftThreshold(v: tf.Tensor, theta: Threshold): tf.Tensor {
  return tf.tidy(() => tf.relu(tf.sub(v, theta)));
}

/**
 * Hard threshold `H_θ(v) = v·[|v| > θ]`, the prox of the ℓ0 penalty `(θ²/2)‖·‖₀`. The mask
 * carries no gradient: `∂H/∂v = [|v| > θ]`.
 */
export function hardThreshold(v: tf.Tensor, theta: Threshold): tf.Tensor {
  return tf.tidy(() => tf.mul(v, withoutGradient((u) => tf.cast(tf.greater(tf.abs(u), theta), u.dtype), v)));
}

/**
 * Prox of the elastic net `λ‖z‖₁ + (μ/2)‖z‖²` at step η:
 * `prox(v) = S_{λη/(1+μη)}(v / (1 + μη))`, or `S⁺` of the same with `nonNeg`.
 * `lambdaStep` is `λη` and `muStep` is `μη`.
 */
export function elasticNetProx(v: tf.Tensor, lambdaStep: Threshold, muStep: Threshold,
                               nonNeg = false): tf.Tensor {
  return tf.tidy(() => {
    if (muStep === 0) return nonNeg ? nonNegSoftThreshold(v, lambdaStep) : softThreshold(v, lambdaStep);
    const shrink = tf.add(1, muStep);
    const scaled = tf.div(v, shrink);
    const theta = tf.div(lambdaStep, shrink);
    return nonNeg ? nonNegSoftThreshold(scaled, theta) : softThreshold(scaled, theta);
  });
}
