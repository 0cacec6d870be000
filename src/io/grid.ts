/**
 * Images (dictionary atoms, digits, reconstructions) laid out as one grid of RGBA pixels, as a
 * page's `ImageData` holds them (`new ImageData(grid.data, grid.width, grid.height)`) and as
 * `imageGridPng` encodes them in Node.
 */
import * as tf from '@tensorflow/tfjs';
import * as v from '../util/validate';

export interface ImageGridOptions {
  /** Images per row. Default: ⌈√n⌉. */
  columns?: number;
  /** Integer upscaling of every pixel. Default 1. */
  scale?: number;
  /** Gap between images, in output pixels. Default 1. */
  gap?: number;
  /**
   * `'each'` maps every image's own [min, max] to [0, 255] (for atoms), `'all'` uses the
   * batch's range, or a fixed `[low, high]`. Default `'each'`.
   */
  normalize?: 'each' | 'all' | [number, number];
}

/** A grid of images: `width × height` RGBA pixels, row by row, white between the images. */
export interface ImageGrid {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Lays `images` (`[n, h, w, 1 or 3]`) out as one grid of RGBA pixels. */
export function imageGrid(images: tf.Tensor4D, options: ImageGridOptions = {}): ImageGrid {
  const NAME = 'imageGrid';
  if (!(images instanceof tf.Tensor) || images.rank !== 4) {
    v.reject(NAME, 'images', 'a tensor [n, h, w, 1 or 3]', images instanceof tf.Tensor ? images.shape : images);
  }
  const [n, h, w, c] = images.shape;
  if (c !== 1 && c !== 3) v.reject(NAME, 'images', 'images of 1 or 3 channels', `${c} channels`);
  const columns = options.columns ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / columns);
  const scale = options.scale ?? 1;
  const gap = options.gap ?? 1;
  const norm = options.normalize ?? 'each';
  const data = images.dataSync();
  const width = columns * (w * scale + gap) + gap;
  const height = rows * (h * scale + gap) + gap;
  const pixels = new Uint8ClampedArray(4 * width * height).fill(255);
  const per = h * w * c;
  const rangeOf = (from: number, to: number): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = from; i < to; i++) { lo = Math.min(lo, data[i]); hi = Math.max(hi, data[i]); }
    return [lo, hi];
  };
  const all = norm === 'all' ? rangeOf(0, data.length) : null;
  for (let k = 0; k < n; k++) {
    const [lo, hi] = Array.isArray(norm) ? norm : all ?? rangeOf(k * per, (k + 1) * per);
    const span = hi > lo ? hi - lo : 1;
    const x0 = gap + (k % columns) * (w * scale + gap);
    const y0 = gap + Math.floor(k / columns) * (h * scale + gap);
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const src = k * per + (Math.floor(y / scale) * w + Math.floor(x / scale)) * c;
        const dst = ((y0 + y) * width + x0 + x) * 4;
        for (let ch = 0; ch < 3; ch++) {
          pixels[dst + ch] = Math.round(255 * Math.min(1, Math.max(0, (data[src + (c === 3 ? ch : 0)] - lo) / span)));
        }
      }
    }
  }
  return {width, height, data: pixels};
}

/** Conv filters `[kh, kw, C_img, C_code]` as `C_code` images `[C_code, kh, kw, C_img]`. */
export function filtersAsImages(filters: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(filters, [3, 0, 1, 2]);
}
