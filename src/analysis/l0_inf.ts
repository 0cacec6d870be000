/**
 * The ℓ₀,∞ norm of codes: the local sparsity that the guarantees of the convolutional
 * sparse-coding model are stated in (docs/theory.md).
 */
import * as tf from '@tensorflow/tfjs';
import * as v from '../util/validate';

const NAME = 'measuredL0Inf';

export interface L0InfOptions {
  /** Atom size `[kh, kw]` (or one number) of the dictionary of convolutional codes; required for them. */
  kernelSize?: number | [number, number];
  /** Stride `[sh, sw]` (or one number) of that dictionary. Default 1. */
  strides?: number | [number, number];
  /** A coefficient counts as non-zero when `|γ| > threshold`. Default 0. */
  threshold?: number;
}

/**
 * `‖Γ‖₀,∞`, the largest number of non-zeros in one stripe of the code, the maximum over the
 * batch.
 *
 * For convolutional codes `[batch, h, w, c]` of a dictionary of atoms `kh×kw` (stride `s`), the
 * stripe of a signal patch of size `kh×kw` holds the coefficients of every atom that overlaps
 * it: a patch at rows `[q, q + kh − 1]` meets the atoms at rows `[s·p, s·p + kh − 1]` for the
 * `2kh − 1` consecutive values `|s·p − q| ≤ kh − 1`, so code rows `p` in a window of
 * `⌈(2kh − 1)/s⌉` consecutive rows (`2kh − 1` at stride 1), all `c` channels, and likewise
 * along columns. Then
 *
 *     ‖Γ‖₀,∞ = max_{batch, windows} #{γ in the window : |γ| > threshold},
 *
 * over every window that meets the code (those at the border are cut by it). The counts are
 * one box sum (`conv2d` with ones) of the per-position counts, zero-padded by the window less one.
 *
 * Dense codes `[batch, n]` form a single stripe: `‖Γ‖₀,∞` is the ℓ₀ norm of each sample.
 */
export function measuredL0Inf(codes: tf.Tensor, options: L0InfOptions = {}): number {
  if (!(codes instanceof tf.Tensor) || (codes.rank !== 2 && codes.rank !== 4)) {
    v.reject(NAME, 'codes', 'convolutional [batch, h, w, c] or dense [batch, n] codes',
             codes instanceof tf.Tensor ? codes.shape : codes);
  }
  const threshold = v.nonNegNumber(NAME, 'threshold', options.threshold ?? 0);
  if (codes.rank === 2) {
    if (options.kernelSize !== undefined) v.reject(NAME, 'kernelSize', 'absent for dense codes', options.kernelSize);
    if (options.strides !== undefined) v.reject(NAME, 'strides', 'absent for dense codes', options.strides);
    return tf.tidy(() => tf.max(tf.sum(tf.cast(tf.greater(tf.abs(codes), threshold), 'float32'), 1)).dataSync()[0]);
  }
  if (options.kernelSize === undefined) v.reject(NAME, 'kernelSize', 'given for convolutional codes', options.kernelSize);
  const [kh, kw] = v.pair(NAME, 'kernelSize', options.kernelSize);
  const [sh, sw] = v.pair(NAME, 'strides', options.strides ?? 1);
  const [wh, ww] = [Math.ceil((2 * kh - 1) / sh), Math.ceil((2 * kw - 1) / sw)];
  return tf.tidy(() => {
    const counts = tf.sum(tf.cast(tf.greater(tf.abs(codes), threshold), 'float32'), 3, true) as tf.Tensor4D;
    const padded = tf.pad(counts, [[0, 0], [wh - 1, wh - 1], [ww - 1, ww - 1], [0, 0]]);
    return tf.max(tf.conv2d(padded, tf.ones([wh, ww, 1, 1]) as tf.Tensor4D, 1, 'valid')).dataSync()[0];
  });
}
