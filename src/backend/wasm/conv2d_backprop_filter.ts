/**
 * `Conv2DBackpropFilter` on wasm as one forward convolution.
 *
 * With `y[b,o,p,co] = Σ x[b, o·sh + i − pt, p·sw + j − pl, ci] W[i,j,ci,co]`, the filter
 * gradient is
 *   `dW[i,j,ci,co] = Σ_{b,o,p} x[b, i + o·sh − pt, j + p·sw − pl, ci] · dy[b,o,p,co]`,
 * which is a stride-1 convolution of `x̃ = xᵀ[ci, H, W, b]` (batch and channels swapped) with
 * the filter `d̃y[o, p, b, co]`, dilated by the forward stride:
 *   `dW̃[ci, i, j, co] = Σ_{o,p,b} x̃[ci, i + sh·o − pt, j + sw·p − pl, b] · d̃y[o,p,b,co]`.
 * Its padding is `pt` on top and `kh + (OH − 1)·sh − H − pt` at the bottom (the same for the
 * columns), so that exactly `kh × kw` outputs come out; a negative bottom pad crops rows of
 * `x` that no output reads. The result is transposed back to `[kh, kw, ci, co]`.
 */
import * as tf from '@tensorflow/tfjs';
import {cropNegativePads} from './spatial';
import {KernelArgs, compose} from './wasm_ops';

export function conv2dBackpropFilter(
    {inputs, backend, attrs}: KernelArgs,
): tf.TensorInfo {
  const {x, dy} = inputs;
  const {strides, pad, dataFormat, dimRoundingMode, filterShape} =
    attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error('sparseland wasm Conv2DBackpropFilter: NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const {filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw,
         inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, padInfo} = info;
  return compose(backend as tf.KernelBackend, (ops) => {
    const xT = ops.transpose(x, [3, 1, 2, 0]);
    const dyT = ops.transpose(dy, [1, 2, 0, 3]);
    const wanted = [padInfo.top, kh + (oh - 1) * sh - h - padInfo.top,
                    padInfo.left, kw + (ow - 1) * sw - w - padInfo.left];
    const src = cropNegativePads(ops, xT, wanted);
    const dW = ops.conv2d(src.x, dyT, src.pads, [1, 1], [sh, sw]);
    return ops.transpose(dW, [1, 2, 0, 3]);
  });
}
