/**
 * `Slice` on wasm reading the input in place. The stock kernel first copies the whole input
 * out of the heap and falls back to an element-by-element loop above rank 4; this one views
 * the heap directly. With the trailing axes that the slice takes whole folded into one run,
 * the output is a sequence of contiguous runs of `run` entries, one per index of the leading
 * (outer) axes: run `(i_0, …, i_{d−1})` starts at `Σ_a (begin_a + i_a)·stride_a + begin_d·stride_d`.
 * Short runs are copied entry by entry, long ones as one block. String tensors keep the stock
 * kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {KernelArgs, stock} from './wasm_ops';

/** Runs shorter than this are copied by a loop rather than `TypedArray.set`. */
const SHORT_RUN = 16;

export function slice({inputs, backend, attrs}: KernelArgs): tf.TensorInfo {
  const {x} = inputs;
  if (x.dtype === 'string') return stock(tf.Slice)({inputs, backend, attrs}) as tf.TensorInfo;
  const {begin, size} = attrs as unknown as tf.SliceAttrs;
  const wasm = backend as BackendWasm;
  const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  const out = wasm.makeOutput(extent, x.dtype);
  const total = extent.reduce((p, d) => p * d, 1);
  if (total === 0) return out;
  // Views taken after `makeOutput`, which may grow (and so detach) the heap.
  const src = wasm.typedArrayFromHeap(x);
  const dst = wasm.typedArrayFromHeap(out);
  const strides = [...tf.util.computeStrides(x.shape), 1];
  let d = x.shape.length - 1;
  let run = 1;
  while (d >= 0 && extent[d] === x.shape[d]) run *= x.shape[d--];
  if (d < 0) {
    dst.set(src);
    return out;
  }
  run *= extent[d];
  let offset = start[d] * strides[d];
  for (let a = 0; a < d; a++) offset += start[a] * strides[a];
  const index = new Array<number>(d).fill(0);
  for (let o = 0; o < total; o += run) {
    if (run < SHORT_RUN) {
      for (let e = 0; e < run; e++) dst[o + e] = src[offset + e];
    } else {
      dst.set(src.subarray(offset, offset + run), o);
    }
    for (let a = d - 1; a >= 0; a--) {
      offset += strides[a];
      if (++index[a] < extent[a]) break;
      offset -= extent[a] * strides[a];
      index[a] = 0;
    }
  }
  return out;
}
