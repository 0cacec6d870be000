/**
 * `Conv2DBackpropFilter` on wasm as one matrix product per batch chunk (im2col), with the
 * patches gathered by rank-4 plain slices only.
 *
 * With `y[b,o,p,co] = Σ x[b, o·sh + i − pt, p·sw + j − pl, ci] W[i,j,ci,co]`, the filter
 * gradient is
 *   `dW[(i,j,ci), co] = Σ_{(b,o,p)} P[(i,j,ci), (b,o,p)] · dy[(b,o,p), co]`,
 * where `P[(i,j,ci), (b,o,p)] = xp[ci, b, o·sh + i, p·sw + j]` reads the zero-padded input
 * transposed to `[ci, B, Hq·sh, Wq·sw]` (`Hq`, `Wq` large enough for every tap; the padding
 * after the input crops nothing). Polyphase split: writing `i = a·sh + rh`, `j = c·sw + rw`
 * (`0 ≤ rh < sh`, `0 ≤ rw < sw`), `xp[ci, b, (o + a)·sh + rh, (p + c)·sw + rw]` is entry
 * `[ci, b, o + a, p + c]` of the phase `X_{rh,rw} = xp[:, :, rh :: sh, rw :: sw]`. All phases
 * come from one transpose of the view `[ci·B·Hq, sh, Wq, sw]` to `[sh, sw, ci·B·Hq, Wq]`,
 * seen as `[sh·sw·ci, B, Hq, Wq]`; tap `(i, j)` is then the plain slice
 * `[(rh·sw + rw)·ci, b, a, c]` of size `[ci, B, OH, OW]`. Stacking the taps along the first
 * axis gives `P` in `[kh·kw·ci, B·OH·OW]` layout, so `dW = P · dy` is one untransposed product
 * on the fast (XNNPACK) path. The batch is cut into chunks whose `P` stays below
 * `PATCH_LIMIT` floats; their products are summed.
 */
import * as tf from '@tensorflow/tfjs';
import {KernelArgs, compose} from './wasm_ops';

/** Largest patch matrix `P` built at once, in floats (64 MiB). */
const PATCH_LIMIT = 1 << 24;

export function conv2dBackpropFilter({inputs, backend, attrs}: KernelArgs): tf.TensorInfo {
  const {x, dy} = inputs;
  const {strides, pad, dataFormat, dimRoundingMode, filterShape} =
    attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error('sparseland wasm Conv2DBackpropFilter: NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const {batchSize: b, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw,
         inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow,
         outChannels: co, padInfo} = info;
  const k = kh * kw * ci;
  const pixels = oh * ow;
  const chunk = Math.max(1, Math.min(b, Math.floor(PATCH_LIMIT / (k * pixels))));
  const hq = Math.max(oh + Math.floor((kh - 1) / sh), Math.ceil((padInfo.top + h) / sh));
  const wq = Math.max(ow + Math.floor((kw - 1) / sw), Math.ceil((padInfo.left + w) / sw));
  return compose(backend as tf.KernelBackend, (ops) => {
    const padded = ops.pad(x, [[0, 0], [padInfo.top, hq * sh - h - padInfo.top],
                              [padInfo.left, wq * sw - w - padInfo.left], [0, 0]]);
    const xT = ops.transpose(padded, [3, 0, 1, 2]);
    const phases = sh === 1 && sw === 1 ? xT : ops.reshape(
      ops.transpose(ops.reshape(xT, [ci * b * hq, sh, wq, sw]), [1, 3, 0, 2]),
      [sh * sw * ci, b, hq, wq]);
    let dW: tf.TensorInfo | null = null;
    for (let b0 = 0; b0 < b; b0 += chunk) {
      const nb = Math.min(chunk, b - b0);
      const taps: tf.TensorInfo[] = [];
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const phase = (i % sh) * sw + j % sw;
          taps.push(ops.slice(phases, [phase * ci, b0, Math.floor(i / sh), Math.floor(j / sw)],
                              [ci, nb, oh, ow]));
        }
      }
      const patches = ops.reshape(taps.length === 1 ? taps[0] : ops.concat(taps, 0),
                                  [1, k, nb * pixels]);
      const dyChunk = nb === b ? dy : ops.slice(dy, [b0, 0, 0, 0], [nb, oh, ow, co]);
      const part = ops.run('BatchMatMul', {a: patches, b: ops.reshape(dyChunk, [1, nb * pixels, co])},
                           {transposeA: false, transposeB: false});
      dW = dW == null ? part : ops.run('Add', {a: dW, b: part});
    }
    return ops.reshape(dW!, [kh, kw, ci, co]);
  });
}
