/**
 * Patches of a natural image, for measurements that need natural-image statistics without a data
 * set on disk: the 128 × 128 "baboon" (mandrill) test image of the `baboon-image-uri` npm package
 * (MIT), as grey levels.
 */
import * as tf from '@tensorflow/tfjs';
import {PNG} from 'pngjs';
import * as v from '../util/validate';

const NAME = 'naturalPatches';

export interface NaturalPatchesOptions {
  /** Side of the square patches. Default 32. */
  size?: number;
  /** Step between patches, in rows and columns. Default 8. */
  stride?: number;
}

/** The baboon image as grey levels `0.299R + 0.587G + 0.114B` in [0, 1], row-major, with its size. */
export function baboonImage(): {pixels: Float32Array; height: number; width: number} {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const uri = require('baboon-image-uri') as string;
  const png = PNG.sync.read(Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64'));
  const pixels = new Float32Array(png.width * png.height);
  for (let p = 0; p < pixels.length; p++) {
    const [r, g, b] = [png.data[4 * p], png.data[4 * p + 1], png.data[4 * p + 2]];
    pixels[p] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  }
  return {pixels, height: png.height, width: png.width};
}

/**
 * Every `size × size` patch of the baboon image at steps of `stride` (row by row):
 * `[count, size, size, 1]` in [0, 1], `count = (⌊(128 − size)/stride⌋ + 1)²` (169 by default).
 */
export function naturalPatches(options: NaturalPatchesOptions = {}): tf.Tensor4D {
  const size = v.positiveInt(NAME, 'size', options.size ?? 32);
  const stride = v.positiveInt(NAME, 'stride', options.stride ?? 8);
  const image = baboonImage();
  if (size > Math.min(image.height, image.width)) v.reject(NAME, 'size', `at most the image's ${image.height}`, size);
  const rows = Math.floor((image.height - size) / stride) + 1;
  const cols = Math.floor((image.width - size) / stride) + 1;
  const values = new Float32Array(rows * cols * size * size);
  let at = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      for (let y = 0; y < size; y++) {
        const from = (r * stride + y) * image.width + c * stride;
        values.set(image.pixels.subarray(from, from + size), at);
        at += size;
      }
    }
  }
  return tf.tensor4d(values, [rows * cols, size, size, 1]);
}
