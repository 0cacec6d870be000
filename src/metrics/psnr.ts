/** Peak signal-to-noise ratio. */
import * as tf from '@tensorflow/tfjs';
import {checkImagePair, ImageQualityOptions} from './image_pair';

/**
 * Peak signal-to-noise ratio of each image pair, in dB:
 *
 *   PSNR(a, b) = 10 log₁₀(R² / MSE),  MSE = mean over H, W, C of (a − b)²,  R = hi − lo,
 *
 * as scikit-image's `peak_signal_noise_ratio(a, b, data_range=R)` computes it per image. Values
 * are not clipped to the range. Identical images give `Infinity`.
 *
 * @param a images `[N, H, W, C]`.
 * @param b images of the same shape.
 * @returns `[N]`, one PSNR per image.
 */
export function psnr(a: tf.Tensor4D, b: tf.Tensor4D, options?: ImageQualityOptions): tf.Tensor1D {
  const peak = checkImagePair('psnr', a, b, options);
  return tf.tidy(() => {
    const mse = tf.mean(tf.squaredDifference(a, b), [1, 2, 3]);
    // 10 log₁₀(R²/MSE) = (10 / ln 10)(ln R² − ln MSE); ln 0 = −∞ gives +∞ for identical images.
    return tf.mul(10 / Math.LN10, tf.sub(2 * Math.log(peak), tf.log(mse))) as tf.Tensor1D;
  });
}
