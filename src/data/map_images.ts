/**
 * A function applied to a data set's images batch by batch.
 */
import * as tf from '@tensorflow/tfjs';
import {ImageDataset} from './dataset';

/**
 * Runs `f` over the first `count` images of `data` in batches of `batchSize` and concatenates the
 * per-batch results; `labels` are the images' labels. Between batches it waits for the next frame,
 * so that a page stays responsive while it runs.
 */
export async function mapImages(data: ImageDataset, count: number, batchSize: number,
                                f: (images: tf.Tensor4D) => tf.Tensor[]): Promise<{outputs: tf.Tensor[]; labels: Int32Array}> {
  const parts: tf.Tensor[][] = [];
  const labels = new Int32Array(count);
  for (let offset = 0; offset < count; offset += batchSize) {
    const batch = await data.take(Math.min(batchSize, count - offset), offset);
    labels.set(await batch.labels.data(), offset);
    parts.push(tf.tidy(() => f(batch.images)));
    tf.dispose([batch.images, batch.labels]);
    await tf.nextFrame();
  }
  const outputs = parts[0].map((_, i) => tf.concat(parts.map((p) => p[i])));
  tf.dispose(parts);
  return {outputs, labels};
}
