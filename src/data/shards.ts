/**
 * The on-disk shard format of decoded images.
 *
 * A shard file holds up to `shardSize` images of one size, ready to stream:
 *
 * | bytes                 | content                                                         |
 * |-----------------------|-----------------------------------------------------------------|
 * | 24                    | magic `SLS1`, then u32 LE: count, height, width, channels, J    |
 * | 4 · count             | labels, i32 LE                                                  |
 * | count · h · w · c     | pixels, u8, row-major NHWC                                      |
 * | J                     | UTF-8 JSON array of the files of this shard that were skipped   |
 *
 * Shards are written with `writeFileAtomic` (`io/atomic_write.ts`), so a file under its final
 * name is always complete.
 */
import {promises as fs} from 'fs';
import * as path from 'path';

const MAGIC = 'SLS1';
export const SHARD_HEADER_BYTES = 24;

export interface Shard {
  count: number;
  /** `[count]` class indices. */
  labels: Int32Array;
  /** `[count, h, w, c]` bytes. */
  pixels: Uint8Array;
  /** Files planned for this shard that could not be decoded. */
  skipped: string[];
}

/**
 * A shard under construction: one buffer with room for `capacity` images, laid out as the file
 * is, so writing it needs no copy of the pixels.
 */
export class ShardBuilder {
  readonly buffer: Buffer;
  private readonly imageBytes: number;

  constructor(readonly capacity: number, readonly shape: readonly [number, number, number]) {
    this.imageBytes = shape[0] * shape[1] * shape[2];
    this.buffer = Buffer.alloc(SHARD_HEADER_BYTES + capacity * (4 + this.imageBytes));
  }

  /** Where the pixels of slot `i` go (before {@link finish} compacts the slots). */
  slot(i: number): Buffer {
    const start = this.pixelStart(this.capacity) + i * this.imageBytes;
    return this.buffer.subarray(start, start + this.imageBytes);
  }

  /**
   * Keeps the slots whose `labels[i]` is ≥ 0 (in order), writes header and labels, and returns
   * the file's two parts.
   */
  finish(labels: readonly number[], skipped: string[]): Buffer[] {
    const kept = labels.flatMap((label, i) => label >= 0 ? [i] : []);
    const count = kept.length;
    const b = this.buffer;
    // Move the pixels next to `count` labels: the target never lies after the source.
    kept.forEach((from, to) => {
      const src = this.pixelStart(this.capacity) + from * this.imageBytes;
      b.copyWithin(this.pixelStart(count) + to * this.imageBytes, src, src + this.imageBytes);
    });
    kept.forEach((from, to) => b.writeInt32LE(labels[from], SHARD_HEADER_BYTES + 4 * to));
    const json = Buffer.from(JSON.stringify(skipped), 'utf8');
    b.write(MAGIC, 0, 'latin1');
    [count, ...this.shape, json.length].forEach((value, k) => b.writeUInt32LE(value, 4 + 4 * k));
    return [b.subarray(0, this.pixelStart(count) + count * this.imageBytes), json];
  }

  private pixelStart(count: number): number {
    return SHARD_HEADER_BYTES + 4 * count;
  }
}

/** The header fields of a shard file, or null if `header` is not one. */
export function parseShardHeader(header: Buffer): {count: number; shape: [number, number, number]; jsonBytes: number} | null {
  if (header.length < SHARD_HEADER_BYTES || header.toString('latin1', 0, 4) !== MAGIC) return null;
  const [count, h, w, c, jsonBytes] = [0, 1, 2, 3, 4].map((k) => header.readUInt32LE(4 + 4 * k));
  return {count, shape: [h, w, c], jsonBytes};
}

/** Total bytes of a shard file of `count` images of `shape` with `jsonBytes` of skipped names. */
export function shardBytes(count: number, [h, w, c]: readonly number[], jsonBytes: number): number {
  return SHARD_HEADER_BYTES + count * (4 + h * w * c) + jsonBytes;
}

/**
 * Reads just the header and the skipped-file list of a shard file and checks its length, or
 * returns null if the file is missing, of another shape, or not a complete shard.
 */
export async function inspectShard(file: string, shape: readonly number[]): Promise<{count: number; skipped: string[]} | null> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return null;
  }
  try {
    const header = Buffer.alloc(SHARD_HEADER_BYTES);
    await handle.read(header, 0, SHARD_HEADER_BYTES, 0);
    const parsed = parseShardHeader(header);
    if (!parsed || parsed.shape.join() !== shape.join()) return null;
    const {size} = await handle.stat();
    if (size !== shardBytes(parsed.count, shape, parsed.jsonBytes)) return null;
    const json = Buffer.alloc(parsed.jsonBytes);
    await handle.read(json, 0, parsed.jsonBytes, size - parsed.jsonBytes);
    const skipped: unknown = JSON.parse(json.toString('utf8'));
    if (!Array.isArray(skipped)) return null;
    return {count: parsed.count, skipped: skipped as string[]};
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** Reads a whole shard file, checking it against the count and shape that the index records. */
export async function readShard(file: string, count: number, shape: readonly number[]): Promise<Shard> {
  const problem = (what: string) => new Error(
    `imageFolder: the cache file '${file}' ${what}; delete the folder '${path.dirname(file)}' to rebuild the cache`);
  let b: Buffer;
  try {
    b = await fs.readFile(file);
  } catch (e) {
    throw problem(`cannot be read (${(e as Error).message})`);
  }
  const parsed = parseShardHeader(b);
  if (!parsed || parsed.count !== count || parsed.shape.join() !== shape.join() ||
      b.length !== shardBytes(count, shape, parsed.jsonBytes)) {
    throw problem('is not the shard that the cache index describes');
  }
  const labelStart = SHARD_HEADER_BYTES;
  const pixelStart = labelStart + 4 * count;
  // Copy the labels out: the buffer's offset need not be a multiple of 4.
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = b.readInt32LE(labelStart + 4 * i);
  const pixels = new Uint8Array(b.buffer, b.byteOffset + pixelStart, count * shape[0] * shape[1] * shape[2]);
  const skipped = JSON.parse(b.toString('utf8', b.length - parsed.jsonBytes)) as string[];
  return {count, labels, pixels, skipped};
}
