/**
 * `DepthwiseConv2dNativeBackpropInput` on wasm as zero insertion, one stride-1 depthwise
 * convolution and, for a channel multiplier `M > 1`, a sum over the multiplier.
 *
 * Per channel this is the transposed convolution of `Conv2DBackpropInput`: with `u` the
 * zero-inserted `dy` (`u[o·s] = dy[o]`),
 *   `dx[b,r,c] = Σ_m Σ_i u[b, r − ((k − 1)·d − pt) + i·d, c·M+m] · W[k − 1 − i, c, m]`,
 * a depthwise correlation (dilation `d`) of `u`, padded by `(k − 1)·d − pt` before and
 * `H + pt − OH·s` after (negative pads crop), with the flipped filter seen as
 * `[kh, kw, C·M, 1]`; the `M` outputs of each input channel are then summed.
 */
import * as tf from '@tensorflow/tfjs';
import {cropNegativePads, zeroInsert} from './spatial';
import {KernelArgs, compose} from './wasm_ops';

export function depthwiseConv2dBackpropInput(
    {inputs, backend, attrs}: KernelArgs,
): tf.TensorInfo {
  const {dy, filter} = inputs;
  const {strides, dilations, pad, dimRoundingMode, inputShape} =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, dilations ?? 1, pad,
    dimRoundingMode, true);
  const {batchSize: b, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw,
         dilationHeight: dh, dilationWidth: dw, inHeight: h, inWidth: w, inChannels: c,
         outHeight: oh, outWidth: ow, outChannels, padInfo} = info;
  const m = outChannels / c;
  return compose(backend as tf.KernelBackend, (ops) => {
    const u = zeroInsert(ops, dy, [sh, sw]);
    const flipped = ops.reshape(ops.reverse(filter, [0, 1]), [kh, kw, c * m, 1]);
    const wanted = [(kh - 1) * dh - padInfo.top, h + padInfo.top - oh * sh,
                    (kw - 1) * dw - padInfo.left, w + padInfo.left - ow * sw];
    const src = cropNegativePads(ops, u, wanted);
    const dxm = ops.depthwiseConv2d(src.x, flipped, src.pads, [1, 1], [dh, dw]);
    return m === 1 ? dxm : ops.sum(ops.reshape(dxm, [b, h, w, c, m]), [4]);
  });
}
