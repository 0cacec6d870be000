/**
 * PNG grids of images (dictionary atoms, digits, reconstructions), encoded with `pngjs` and
 * written atomically.
 */
import * as tf from '@tensorflow/tfjs';
import {promises as fs} from 'fs';
import * as path from 'path';
import {PNG} from 'pngjs';
import {writeFileAtomic} from './atomic_write';

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

/** Encodes `images` (`[n, h, w, 1 or 3]`) as one PNG grid; returns the PNG bytes. */
export function imageGridPng(images: tf.Tensor4D, options: ImageGridOptions = {}): Buffer {
  const [n, h, w, c] = images.shape;
  if (c !== 1 && c !== 3) throw new Error(`imageGridPng: images must have 1 or 3 channels, got ${c}`);
  const columns = options.columns ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / columns);
  const scale = options.scale ?? 1;
  const gap = options.gap ?? 1;
  const norm = options.normalize ?? 'each';
  const data = images.dataSync();
  const png = new PNG({width: columns * (w * scale + gap) + gap, height: rows * (h * scale + gap) + gap});
  png.data.fill(255);
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
        const dst = ((y0 + y) * png.width + x0 + x) * 4;
        for (let ch = 0; ch < 3; ch++) {
          const value = (data[src + (c === 3 ? ch : 0)] - lo) / span;
          png.data[dst + ch] = Math.round(255 * Math.min(1, Math.max(0, value)));
        }
        png.data[dst + 3] = 255;
      }
    }
  }
  return PNG.sync.write(png);
}

/** Writes {@link imageGridPng} to `file` (through a temporary file and a rename). */
export async function writeImageGrid(file: string, images: tf.Tensor4D,
                                     options: ImageGridOptions = {}): Promise<void> {
  await fs.mkdir(path.dirname(file), {recursive: true});
  await writeFileAtomic(file, imageGridPng(images, options));
}

/** Conv filters `[kh, kw, C_img, C_code]` as `C_code` images `[C_code, kh, kw, C_img]`. */
export function filtersAsImages(filters: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(filters, [3, 0, 1, 2]);
}
