/** Structural similarity (SSIM). */
import * as tf from '@tensorflow/tfjs';
import {reject} from '../util/validate';
import {checkImagePair, ImageQualityOptions} from './image_pair';

/** Standard deviation of the Gaussian window (Wang et al. 2004). */
const SIGMA = 1.5;
/** Window radius: `int(3.5 σ + 0.5)` taps each side, scikit-image's 11-tap window for σ = 1.5. */
const RADIUS = Math.trunc(3.5 * SIGMA + 0.5);
const WINDOW = 2 * RADIUS + 1;
const K1 = 0.01;
const K2 = 0.03;
/** The five local statistics filtered at once: x, y, x², y², xy. */
const MOMENTS = 5;

/** The normalised 1-D Gaussian taps `exp(−t²/2σ²)`, t = −r…r, as `scipy.ndimage` builds them. */
function gaussianTaps(): Float32Array {
  const taps = Array.from({length: WINDOW}, (_, i) => Math.exp(-((i - RADIUS) ** 2) / (2 * SIGMA * SIGMA)));
  const total = taps.reduce((s, t) => s + t, 0);
  return Float32Array.from(taps, (t) => t / total);
}

/**
 * Mean structural similarity of each image pair (Wang, Bovik, Sheikh & Simoncelli 2004):
 *
 *   SSIM = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)),
 *   C1 = (0.01 R)², C2 = (0.03 R)², R = hi − lo,
 *
 * with μ, σ², σxy the local means, variances and covariance under an 11 × 11 Gaussian window
 * (σ = 1.5, normalised to sum 1, population covariances), evaluated at every 'valid' window
 * position, averaged over positions and then over channels. This is what scikit-image computes
 * with `structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=R, channel_axis=-1)` per image.
 *
 * The window is separable, so it runs as two 1-D depthwise convolutions. Each channel plane is
 * first shifted by its own mean (second moments are shift-invariant), which keeps the float32
 * differences E[x²] − E[x]² accurate.
 *
 * @param a images `[N, H, W, C]` with H, W ≥ 11.
 * @param b images of the same shape.
 * @returns `[N]`, one mean SSIM per image, in [−1, 1]; 1 for identical images.
 */
export function ssim(a: tf.Tensor4D, b: tf.Tensor4D, options?: ImageQualityOptions): tf.Tensor1D {
  const peak = checkImagePair('ssim', a, b, options);
  const [n, h, w, c] = a.shape;
  if (h < WINDOW || w < WINDOW) {
    reject('ssim', 'a', `images of at least ${WINDOW} × ${WINDOW} pixels (the Gaussian window)`,
           `shape [${a.shape}]`);
  }
  const c1 = (K1 * peak) ** 2;
  const c2 = (K2 * peak) ** 2;
  return tf.tidy(() => {
    // One plane per image and channel: [N·C, H, W, 1].
    const planes = (t: tf.Tensor4D) => tf.reshape(tf.transpose(t, [0, 3, 1, 2]), [n * c, h, w, 1]);
    const [pa, pb] = [planes(a), planes(b)];
    const [shiftA, shiftB] = [tf.mean(pa, [1, 2, 3], true), tf.mean(pb, [1, 2, 3], true)];
    const [x, y] = [tf.sub(pa, shiftA), tf.sub(pb, shiftB)];
    const stats = tf.concat([x, y, tf.square(x), tf.square(y), tf.mul(x, y)], 3) as tf.Tensor4D;
    const taps = gaussianTaps();
    const tiled = Float32Array.from({length: WINDOW * MOMENTS}, (_, i) => taps[Math.floor(i / MOMENTS)]);
    const vertical = tf.tensor4d(tiled, [WINDOW, 1, MOMENTS, 1]);
    const horizontal = tf.tensor4d(tiled, [1, WINDOW, MOMENTS, 1]);
    const local = tf.depthwiseConv2d(tf.depthwiseConv2d(stats, vertical, 1, 'valid'), horizontal, 1, 'valid');
    const [mx, my, mxx, myy, mxy] = tf.split(local, MOMENTS, 3);
    const varX = tf.sub(mxx, tf.square(mx));
    const varY = tf.sub(myy, tf.square(my));
    const cov = tf.sub(mxy, tf.mul(mx, my));
    const [muX, muY] = [tf.add(mx, shiftA), tf.add(my, shiftB)];
    const numerator = tf.mul(tf.add(tf.mul(2, tf.mul(muX, muY)), c1), tf.add(tf.mul(2, cov), c2));
    const denominator = tf.mul(tf.add(tf.add(tf.square(muX), tf.square(muY)), c1),
                               tf.add(tf.add(varX, varY), c2));
    const perPlane = tf.mean(tf.div(numerator, denominator), [1, 2, 3]);
    return tf.mean(tf.reshape(perPlane, [n, c]), 1) as tf.Tensor1D;
  });
}
