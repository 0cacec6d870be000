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
