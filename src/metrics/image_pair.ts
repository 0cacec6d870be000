/** Argument checks shared by the image-quality metrics. */
import * as tf from '@tensorflow/tfjs';
import {reject} from '../util/validate';

/** Options of {@link psnr} and {@link ssim}. */
export interface ImageQualityOptions {
  /**
   * `[lo, hi]`, the range the pixel values live in; the peak signal (data range) is `hi − lo`.
   * Default `[-1, 1]`, the range of sparseland's image data.
   */
  range?: [number, number];
}

/**
 * Checks that `a` and `b` are rank-4 (NHWC) tensors of one shape and that `options.range` is a
 * pair `lo < hi` of finite numbers; returns the data range `hi − lo`.
 */
export function checkImagePair(owner: string, a: unknown, b: unknown,
                               options: ImageQualityOptions | undefined): number {
  for (const [name, t] of [['a', a], ['b', b]] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 4) {
      reject(owner, name, 'a rank-4 tensor of images [N, H, W, C]',
             t instanceof tf.Tensor ? `shape [${t.shape}]` : t);
    }
  }
  const [ta, tb] = [a as tf.Tensor4D, b as tf.Tensor4D];
  if (!ta.shape.every((d, i) => d === tb.shape[i])) {
    reject(owner, 'b', `of the shape of a, [${ta.shape}]`, `shape [${tb.shape}]`);
  }
  if (ta.size === 0) reject(owner, 'a', 'a non-empty tensor', `shape [${ta.shape}]`);
  const range = options?.range ?? [-1, 1];
  if (!Array.isArray(range) || range.length !== 2 ||
      !range.every((r) => typeof r === 'number' && Number.isFinite(r)) || !(range[0] < range[1])) {
    reject(owner, 'options.range', 'a pair [lo, hi] of finite numbers with lo < hi', range);
  }
  return range[1] - range[0];
}
