/** Atom normalisation: every atom of a dictionary scaled to unit ℓ2 norm. */
import * as tf from '@tensorflow/tfjs';

/**
 * Divides each atom by its ℓ2 norm (plus `eps`). A dense `[M, N]` matrix has its columns as
 * atoms; convolutional filters `[kh, kw, C_img, C_code]` have one atom per output channel.
 */
export function normalizeAtoms<T extends tf.Tensor>(weights: T, eps = 1e-12): T {
  return tf.tidy(() => {
    const axes = weights.rank === 2 ? [0] : weights.rank === 4 ? [0, 1, 2] : null;
    if (axes === null) {
      throw new Error(`normalizeAtoms: weights must have rank 2 or 4, got shape [${weights.shape}]`);
    }
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(weights), axes, true), eps * eps));
    return tf.div(weights, norm) as T;
  });
}
