/** Spatial rearrangements of NHWC tensors shared by the composed convolution gradients. */
import * as tf from '@tensorflow/tfjs';
import {WasmOps} from './wasm_ops';

type Info = tf.TensorInfo;

/**
 * Zero insertion: `u[b, i·sh, j·sw, c] = x[b, i, j, c]`, zero elsewhere, shape
 * `[B, H·sh, W·sw, C]`. Built as reshape to `[B, H, 1, W, 1, C]`, a pad of `s − 1` zeros after
 * each size-1 axis, and a reshape back; the identity for unit strides.
 */
export function zeroInsert(ops: WasmOps, x: Info, strides: [number, number]): Info {
  const [sh, sw] = strides;
  if (sh === 1 && sw === 1) return x;
  const [b, h, w, c] = x.shape;
  const spread = ops.pad(ops.reshape(x, [b, h, 1, w, 1, c]),
                         [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return ops.reshape(spread, [b, h * sh, w * sw, c]);
}

/**
 * Applies padding `[top, bottom, left, right]` whose entries may be negative: a negative entry
 * crops that many rows or columns from `x`. Returns the cropped tensor and the remaining
 * non-negative pads, to hand to a convolution's explicit padding.
 */
export function cropNegativePads(ops: WasmOps, x: Info, pads: number[]): {x: Info; pads: number[]} {
  const crop = pads.map((p) => Math.max(-p, 0));
  if (crop.every((c) => c === 0)) return {x, pads};
  const [b, h, w, c] = x.shape;
  const cropped = ops.slice(x, [0, crop[0], crop[2], 0],
                            [b, h - crop[0] - crop[1], w - crop[2] - crop[3], c]);
  return {x: cropped, pads: pads.map((p) => Math.max(p, 0))};
}
