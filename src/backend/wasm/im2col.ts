/**
 * The patch matrix of a convolution, written straight into the wasm heap:
 *   `P[(i, j, c), (b, o, p)] = x[b0 + b, o·sh + i − pt, p·sw + j − pl, c]` (0 outside `x`),
 * rows the taps and channels, columns the output positions of the batch entries `b0 … b0 + nb`.
 *
 * Written by hand because no tfjs kernel gathers it in one pass: built from stock kernels it takes
 * a transpose of `x`, a polyphase transpose, one slice per tap and their concatenation, four
 * copies of `P`'s size, which cost more than the matrix product that uses it.
 */
import * as tf from '@tensorflow/tfjs';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {WasmOps} from './wasm_ops';

/** Where the patches of one convolution come from. */
export interface PatchGeometry {
  kernel: [number, number];
  strides: [number, number];
  /** Padding before the input: top, left. */
  pads: [number, number];
  /** Output size: height, width. */
  out: [number, number];
}

/** `P` of shape `[kh·kw·ci, nb·oh·ow]` for the batch entries `b0 … b0 + nb − 1` of `x` (NHWC). */
export function im2col(ops: WasmOps, x: tf.TensorInfo, g: PatchGeometry, b0: number, nb: number): tf.TensorInfo {
  const [, h, w, ci] = x.shape;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.strides;
  const [top, left] = g.pads;
  const [oh, ow] = g.out;
  const n = nb * oh * ow;
  const step = sw * ci;
  const out = ops.empty([kh * kw * ci, n]);
  // The heap may grow when `out` is allocated: read both views after it.
  const backend = ops.backend as unknown as BackendWasm;
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  for (let j = 0; j < kw; j++) {
    // Output columns p whose input column p·sw + j − pl lies inside x.
    const pLo = Math.min(ow, Math.max(0, Math.ceil((left - j) / sw)));
    const pHi = Math.max(pLo, Math.min(ow, Math.floor((w - 1 + left - j) / sw) + 1));
    for (let i = 0; i < kh; i++) {
      for (let c = 0; c < ci; c++) {
        let d = ((i * kw + j) * ci + c) * n;
        for (let b = 0; b < nb; b++) {
          for (let o = 0; o < oh; o++, d += ow) {
            const r = o * sh + i - top;
            if (r < 0 || r >= h) {
              dst.fill(0, d, d + ow);
              continue;
            }
            if (pLo > 0) dst.fill(0, d, d + pLo);
            if (pHi < ow) dst.fill(0, d + pHi, d + ow);
            let s = (((b0 + b) * h + r) * w + pLo * sw + j - left) * ci + c;
            for (let p = pLo; p < pHi; p++, s += step) dst[d + p] = src[s];
          }
        }
      }
    }
  }
  return out;
}
