/**
 * An image data set streamed from shard files (see `shards.ts`), holding at most two shards in
 * memory whatever the size of the data set.
 *
 * The order of an epoch, a function of `(seed, epoch)` and the shard sizes only: the shards are
 * permuted, taken two at a time as windows, and the images of each window are permuted. So a
 * batch never waits on a shard outside its window, and resuming at a batch reads only the
 * windows from there on. Without shuffling the order is the storage order, which is also the
 * order of `take()`.
 */
import * as path from 'path';
import * as d from './dataset';
import {readShard, Shard} from './shards';

/** Shards read together and shuffled together. */
export const WINDOW_SHARDS = 2;

export interface ShardEntry {
  /** File name inside the cache folder. */
  file: string;
  /** Images in the shard. */
  count: number;
}

/** Counts of shard reads, to check that memory stays bounded by the window. */
export interface ShardStats {
  /** Shard files read so far. */
  reads: number;
  /** Shards held now. */
  held: number;
  /** The most shards held at once so far. */
  maxHeld: number;
}

export class ShardedImageDataset implements d.ImageDataset {
  readonly count: number;
  readonly shardStats: ShardStats = {reads: 0, held: 0, maxHeld: 0};
  /** `offsets[k]`: index of the first image of shard `k` in storage order. */
  private readonly offsets: number[];

  constructor(readonly name: string, readonly classes: string[], readonly imageShape: [number, number, number],
              readonly cacheDir: string, readonly shards: readonly ShardEntry[]) {
    this.offsets = [0];
    for (const s of shards) this.offsets.push(this.offsets[this.offsets.length - 1] + s.count);
    this.count = this.offsets[shards.length];
  }

  batchesPerEpoch(batchSize: number, dropLast = true): number {
    return d.batchesPerEpoch(`${this.name}.batchesPerEpoch`, this.count, batchSize, dropLast);
  }

  batches(options: d.BatchOptions): AsyncIterableIterator<d.ImageBatch> {
    const o = d.resolveBatchOptions(`${this.name}.batches`, this.count, options);
    return this.iterate(o);
  }

  async take(count: number, offset = 0): Promise<d.ImageBatch> {
    const [n, first] = d.checkTake(`${this.name}.take`, this.count, count, offset);
    const pixels = new Float32Array(n * this.imageSize());
    const labels = new Int32Array(n);
    for (let k = 0; k < this.shards.length; k++) {
      const from = Math.max(first, this.offsets[k]);
      const to = Math.min(first + n, this.offsets[k + 1]);
      if (from >= to) continue;
      const shard = await this.load(k);
      for (let id = from; id < to; id++) this.copy(pixels, labels, id - first, shard, id - this.offsets[k], false);
      this.release(1);
    }
    return d.toBatch(pixels, labels, n, this.imageShape);
  }

  /** The windows of an epoch: groups of shard indices, in the order they are read. */
  private windows(o: d.ResolvedBatchOptions): number[][] {
    const order = Array.from(this.shards, (_, k) => k);
    if (!o.shuffle) return order.map((k) => [k]);
    d.shuffleInPlace(order, o.seed, o.epoch, d.STREAM.shards);
    const out: number[][] = [];
    for (let i = 0; i < order.length; i += WINDOW_SHARDS) out.push(order.slice(i, i + WINDOW_SHARDS));
    return out;
  }

  private async *iterate(o: d.ResolvedBatchOptions): AsyncIterableIterator<d.ImageBatch> {
    const windows = this.windows(o);
    const sizes = windows.map((w) => w.reduce((s, k) => s + this.shards[k].count, 0));
    const end = d.batchesPerEpoch('', this.count, o.batchSize, o.dropLast) * o.batchSize;
    let position = o.startBatch * o.batchSize;
    // Skip the windows that lie wholly before the first batch.
    let w = 0;
    let windowStart = 0;
    while (w < windows.length && windowStart + sizes[w] <= position) windowStart += sizes[w++];
    let held: Array<[number, Shard]> = [];
    let ids: Int32Array = new Int32Array(0);
    try {
      while (position < Math.min(end, this.count)) {
        const n = Math.min(o.batchSize, this.count - position);
        const pixels = new Float32Array(n * this.imageSize());
        const labels = new Int32Array(n);
        for (let i = 0; i < n; i++, position++) {
          // Move to the window that holds `position`: release the shards of the last one first.
          while (held.length === 0 || position >= windowStart + ids.length) {
            if (held.length > 0) {
              windowStart += ids.length;
              w++;
            }
            this.release(held.length);
            held = [];
            for (const k of windows[w]) held.push([k, await this.load(k)]);
            ids = this.windowOrder(windows[w], o, w);
          }
          const id = ids[position - windowStart];
          const [k, shard] = held.find(([k]) => id >= this.offsets[k] && id < this.offsets[k + 1])!;
          this.copy(pixels, labels, i, shard, id - this.offsets[k], o.flip && d.isFlipped(o.seed, o.epoch, id));
        }
        yield d.toBatch(pixels, labels, n, this.imageShape);
      }
    } finally {
      this.release(held.length);
    }
  }

  /** The storage indices of the images of `window`, in the epoch's order. */
  private windowOrder(window: number[], o: d.ResolvedBatchOptions, w: number): Int32Array {
    const ids = new Int32Array(window.reduce((s, k) => s + this.shards[k].count, 0));
    let i = 0;
    for (const k of window) {
      for (let id = this.offsets[k]; id < this.offsets[k + 1]; id++) ids[i++] = id;
    }
    return o.shuffle ? d.shuffleInPlace(ids, o.seed, o.epoch, d.STREAM.window, w) : ids;
  }

  private imageSize(): number {
    return this.imageShape[0] * this.imageShape[1] * this.imageShape[2];
  }

  private copy(pixels: Float32Array, labels: Int32Array, to: number, shard: Shard, row: number, flip: boolean): void {
    // Bytes 0…255 map to [-1, 1].
    d.copyImage(pixels, to, shard.pixels, row, this.imageShape, flip, 2 / 255, -1);
    labels[to] = shard.labels[row];
  }

  private async load(k: number): Promise<Shard> {
    const s = this.shardStats;
    s.held++;
    s.maxHeld = Math.max(s.maxHeld, s.held);
    try {
      const shard = await readShard(path.join(this.cacheDir, this.shards[k].file), this.shards[k].count, this.imageShape);
      s.reads++;
      return shard;
    } catch (e) {
      s.held--;
      throw e;
    }
  }

  private release(n: number): void {
    this.shardStats.held -= n;
  }
}
