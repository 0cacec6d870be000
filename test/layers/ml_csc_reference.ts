import * as tf from '@tensorflow/tfjs';

/**
 * ML-ISTA (or ML-FISTA) written out as the published `ML_ISTA_NET.forward` (jsulam/ml-ista),
 * with the steps `c_i` in the unfoldings only: every `D_iΓ` is its own transposed convolution.
 */
export function publishedUnfolding(x: tf.Tensor4D, kernels: tf.Tensor4D[], biases: tf.Tensor[], steps: tf.Tensor[],
                                   strides: [number, number][], iterations: number, fista: boolean): tf.Tensor4D {
  const analysis = (z: tf.Tensor4D, i: number) => tf.conv2d(z, kernels[i], strides[i], 'valid');
  const gammas: tf.Tensor4D[] = [x];
  kernels.forEach((_, i) => gammas.push(tf.relu(tf.add(analysis(gammas[i], i), biases[i]))));
  const shapes = gammas.map((g) => g.shape);
  const synthesis = (z: tf.Tensor4D, i: number) =>
    tf.conv2dTranspose(z, kernels[i], shapes[i] as [number, number, number, number], strides[i], 'valid');
  const L = kernels.length;
  let t = 1;
  let previousTop = gammas[L];
  for (let k = 0; k < iterations; k++) {
    const tPrevious = t;
    t = (1 + Math.sqrt(1 + 4 * tPrevious ** 2)) / 2;
    const top = fista ? tf.add(gammas[L], tf.mul((tPrevious - 1) / t, tf.sub(gammas[L], previousTop))) as tf.Tensor4D : gammas[L];
    previousTop = gammas[L];
    const hat: tf.Tensor4D[] = [];
    hat[L] = top;
    for (let i = L; i > 1; i--) hat[i - 1] = synthesis(hat[i], i - 1);
    for (let i = 1; i <= L; i++) {
      const residual = tf.sub(synthesis(hat[i], i - 1), gammas[i - 1]) as tf.Tensor4D;
      gammas[i] = tf.relu(tf.add(tf.sub(hat[i], tf.mul(steps[i - 1], analysis(residual, i - 1))), biases[i - 1]));
    }
  }
  return gammas[L];
}

/** The layer arguments of the published-forward-pass checks: 3 layers, 3 unfoldings, random biases, steps ≠ 1. */
export const UNFOLDING_CHECK_ARGS = {
  filters: [4, 5, 6], kernelSize: [4, 3, 2] as number[], strides: [2, 2, 1] as number[], iterations: 3,
  biasInitializer: tf.initializers.randomNormal({stddev: 0.05, seed: 5}),
  stepInitializer: tf.initializers.randomUniform({minval: 0.5, maxval: 1.5, seed: 6}),
};

/** The input of those checks, `[2, 16, 16, 1]` in [0, 1]. */
export const unfoldingCheckInput = (): tf.Tensor4D => tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 4) as tf.Tensor4D;

/** {@link publishedUnfolding} with the weights (kernel_i, bias_i, …, then step_i) and strides of `layer`. */
export function publishedUnfoldingOf(layer: {getWeights(): tf.Tensor[]; strides: [number, number][]; iterations: number},
                                     x: tf.Tensor4D, fista: boolean): tf.Tensor4D {
  const w = layer.getWeights();
  const depth = layer.strides.length;
  const kernels = Array.from({length: depth}, (_, i) => w[2 * i] as tf.Tensor4D);
  const biases = Array.from({length: depth}, (_, i) => w[2 * i + 1]);
  return publishedUnfolding(x, kernels, biases, w.slice(2 * depth), layer.strides, layer.iterations, fista);
}
