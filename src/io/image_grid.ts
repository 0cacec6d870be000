/**
 * PNG grids of images (dictionary atoms, digits, reconstructions), encoded with `pngjs` and
 * written atomically (Node).
 */
import * as tf from '@tensorflow/tfjs';
import {promises as fs} from 'fs';
import * as path from 'path';
import {PNG} from 'pngjs';
import {writeFileAtomic} from './atomic_write';
import {imageGrid, ImageGridOptions} from './grid';

/** Encodes `images` (`[n, h, w, 1 or 3]`) as one PNG grid ({@link imageGrid}); returns the PNG bytes. */
export function imageGridPng(images: tf.Tensor4D, options: ImageGridOptions = {}): Buffer {
  const grid = imageGrid(images, options);
  const png = new PNG({width: grid.width, height: grid.height});
  png.data.set(grid.data);
  return PNG.sync.write(png);
}

/** Writes {@link imageGridPng} to `file` (through a temporary file and a rename). */
export async function writeImageGrid(file: string, images: tf.Tensor4D,
                                     options: ImageGridOptions = {}): Promise<void> {
  await fs.mkdir(path.dirname(file), {recursive: true});
  await writeFileAtomic(file, imageGridPng(images, options));
}
