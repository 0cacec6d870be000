/**
 * An image data set held whole in memory as float32 pixels in [-1, 1] (small sets such as
 * MNIST). An epoch's order is the identity, or a permutation of all images drawn from
 * `(seed, epoch)`; batch `j` holds positions `[j·b, (j + 1)·b)` of that order.
 */
import * as d from './dataset';

export class InMemoryImageDataset implements d.ImageDataset {
  readonly count: number;

  /**
   * @param pixels `count · h · w · c` values in [-1, 1], images in their fixed order (row-major NHWC).
   * @param labels `count` class indices.
   */
  constructor(readonly name: string, readonly classes: string[], readonly imageShape: [number, number, number],
              private readonly pixels: Float32Array, private readonly labels: Int32Array) {
    this.count = labels.length;
  }

  batchesPerEpoch(batchSize: number, dropLast = true): number {
    return d.batchesPerEpoch(`${this.name}.batchesPerEpoch`, this.count, batchSize, dropLast);
  }

  batches(options: d.BatchOptions): AsyncIterableIterator<d.ImageBatch> {
    const o = d.resolveBatchOptions(`${this.name}.batches`, this.count, options);
    const order = d.range(this.count);
    if (o.shuffle) d.shuffleInPlace(order, o.seed, o.epoch, d.STREAM.order);
    return this.iterate(order, o);
  }

  /** The first `count` images as a data set of their own (sharing this one's memory). */
  first(count: number): InMemoryImageDataset {
    const [n] = d.checkTake(`${this.name}.first`, this.count, count, 0);
    if (n === this.count) return this;
    const size = this.imageShape.reduce((a, b) => a * b, 1);
    return new InMemoryImageDataset(`${this.name}-first-${n}`, this.classes, this.imageShape,
                                    this.pixels.subarray(0, n * size), this.labels.subarray(0, n));
  }

  async take(count: number, offset = 0): Promise<d.ImageBatch> {
    const [n, first] = d.checkTake(`${this.name}.take`, this.count, count, offset);
    return this.gather(Int32Array.from({length: n}, (_, i) => first + i), () => false);
  }

  private async *iterate(order: Int32Array, o: d.ResolvedBatchOptions): AsyncIterableIterator<d.ImageBatch> {
    const total = d.batchesPerEpoch('', this.count, o.batchSize, o.dropLast);
    for (let j = o.startBatch; j < total; j++) {
      const ids = order.subarray(j * o.batchSize, Math.min((j + 1) * o.batchSize, this.count));
      yield this.gather(ids, (id) => o.flip && d.isFlipped(o.seed, o.epoch, id));
    }
  }

  private gather(ids: Int32Array, flip: (id: number) => boolean): d.ImageBatch {
    const [h, w, c] = this.imageShape;
    const pixels = new Float32Array(ids.length * h * w * c);
    const labels = new Int32Array(ids.length);
    ids.forEach((id, i) => {
      d.copyImage(pixels, i, this.pixels, id, this.imageShape, flip(id), 1, 0);
      labels[i] = this.labels[id];
    });
    return d.toBatch(pixels, labels, ids.length, this.imageShape);
  }
}
