/**
 * `Conv2DBackpropInput` (the input gradient of conv2d, and the forward pass of
 * conv2dTranspose) on wasm as zero insertion followed by one stride-1 convolution.
 *
 * With `y[o] = Σ_i x[o·s + i − pt] W[i]` per spatial axis, let `u` be `dy` with `s − 1` zeros
 * inserted after each entry (`u[o·s] = dy[o]`, length `OH·s`). Then
 *   `dx[r] = Σ_i u[r + pt − i] W[i] = Σ_i' u[r − (k − 1 − pt) + i'] W[k − 1 − i']`,
 * a correlation of `u`, padded by `k − 1 − pt` before and `H + pt − OH·s` after, with the
 * spatially flipped filter whose in/out channels are swapped:
 * `W̃[i', j', co, ci] = W[kh − 1 − i', kw − 1 − j', ci, co]`. Negative pads crop `u`.
 */
import * as tf from '@tensorflow/tfjs';
import {cropNegativePads, zeroInsert} from './spatial';
import {KernelArgs, compose} from './wasm_ops';

export function conv2dBackpropInput(
    {inputs, backend, attrs}: KernelArgs,
): tf.TensorInfo {
  const {dy, filter} = inputs;
  const {strides, pad, dataFormat, dimRoundingMode, inputShape} =
    attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat === 'NCHW') throw new Error('sparseland wasm Conv2DBackpropInput: NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad,
    dimRoundingMode);
  const {filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw,
         inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, padInfo} = info;
  return compose(backend as tf.KernelBackend, (ops) => {
    const u = zeroInsert(ops, dy, [sh, sw]);
    const flipped = ops.transpose(ops.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    const wanted = [kh - 1 - padInfo.top, h + padInfo.top - oh * sh,
                    kw - 1 - padInfo.left, w + padInfo.left - ow * sw];
    const src = cropNegativePads(ops, u, wanted);
    return ops.conv2d(src.x, flipped, src.pads, [1, 1], [1, 1]);
  });
}
