/**
 * `Tile` on wasm by block copies. The stock kernel computes the source index of every output
 * entry; batch normalisation's gradient tiles a `[1, 1, 1, C]` vector over a whole activation
 * (`[B, H, W, C]`) per layer and pass, which took a fifth of a CSC-CTRL round's kernel time.
 *
 * With `y = tile(x, reps)`, taken one axis at a time from the innermost: along axis `a`, every
 * block of the trailing axes (`a` included) of the current array is repeated `reps[a]` times in a
 * row; the repeats are written by doubling (`copyWithin` of everything written so far), so a
 * block of one entry costs `log₂ reps[a]` copies, not `reps[a]`. The last axis that repeats writes
 * into the output; the axes before it repeat nothing. String tensors keep the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {KernelArgs, stock} from './wasm_ops';

type Heap = Float32Array | Int32Array | Uint8Array;

/** Writes `reps` copies of each of the `outer` blocks of `inner` entries of `src` into `dst`. */
function repeatBlocks(src: Heap, dst: Heap, outer: number, inner: number, reps: number): void {
  const size = inner * reps;
  for (let o = 0; o < outer; o++) {
    const base = o * size;
    dst.set(src.subarray(o * inner, (o + 1) * inner), base);
    for (let filled = inner; filled < size; filled *= 2) {
      dst.copyWithin(base + filled, base, base + Math.min(filled, size - filled));
    }
  }
}

export function tile({inputs, backend, attrs}: KernelArgs): tf.TensorInfo {
  const {x} = inputs;
  if (x.dtype === 'string') return stock(tf.Tile)({inputs, backend, attrs}) as tf.TensorInfo;
  const {reps} = attrs as unknown as tf.TileAttrs;
  const wasm = backend as BackendWasm;
  const shape = x.shape.map((d, a) => d * reps[a]);
  const out = wasm.makeOutput(shape, x.dtype);
  if (shape.some((d) => d === 0)) return out;
  // Views taken after `makeOutput`, which may grow (and so detach) the heap.
  let current = wasm.typedArrayFromHeap(x) as Heap;
  const dst = wasm.typedArrayFromHeap(out) as Heap;
  const first = reps.findIndex((r) => r > 1);
  if (first < 0) {
    dst.set(current);
    return out;
  }
  const extent = [...x.shape];
  for (let a = x.shape.length - 1; a >= first; a--) {
    if (reps[a] === 1) continue;
    const inner = extent.slice(a).reduce((p, d) => p * d, 1);
    const outer = extent.slice(0, a).reduce((p, d) => p * d, 1);
    const next = a === first ? dst : new (current.constructor as new (n: number) => Heap)(outer * inner * reps[a]);
    repeatBlocks(current, next, outer, inner, reps[a]);
    current = next;
    extent[a] *= reps[a];
  }
  return out;
}
