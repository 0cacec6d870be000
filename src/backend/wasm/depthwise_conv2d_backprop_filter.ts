/**
 * `DepthwiseConv2dNativeBackpropFilter` on wasm as one depthwise convolution and a sum.
 *
 * With `y[b,o,p,c·M+m] = Σ_{i,j} x[b, o·sh + i·dh − pt, p·sw + j·dw − pl, c] W[i,j,c,m]`,
 *   `dW[i,j,c,m] = Σ_b Σ_{o,p} x[b, i·dh + o·sh − pt, j·dw + p·sw − pl, c] · dy[b,o,p,c·M+m]`.
 * The inner sum is a depthwise convolution over `B·C` channels: the input
 * `x̃[0, h, w, b·C+c] = x[b,h,w,c]`, the filter `d̃y[o, p, b·C+c, m] = dy[b,o,p,c·M+m]`, with
 * stride `d` and dilation `s` (the forward ones swapped). Its padding is `pt` on top and
 * `(kh − 1)·dh + (OH − 1)·sh + 1 − H − pt` at the bottom (the same for the columns) so that
 * `kh × kw` outputs come out; a negative pad crops `x`. Summing over `b` gives `dW`.
 */
import * as tf from '@tensorflow/tfjs';
import {cropNegativePads} from './spatial';
import {KernelArgs, compose} from './wasm_ops';

export function depthwiseConv2dBackpropFilter(
    {inputs, backend, attrs}: KernelArgs,
): tf.TensorInfo {
  const {x, dy} = inputs;
  const {strides, dilations, pad, dimRoundingMode, filterShape} =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, dilations ?? 1, pad,
    dimRoundingMode, true);
  const {batchSize: b, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw,
         dilationHeight: dh, dilationWidth: dw, inHeight: h, inWidth: w, inChannels: c,
         outHeight: oh, outWidth: ow, outChannels, padInfo} = info;
  const m = outChannels / c;
  return compose(backend as tf.KernelBackend, (ops) => {
    const xT = ops.reshape(ops.transpose(x, [1, 2, 0, 3]), [1, h, w, b * c]);
    const dyT = ops.reshape(ops.transpose(dy, [1, 2, 0, 3]), [oh, ow, b * c, m]);
    const wanted = [padInfo.top, (kh - 1) * dh + (oh - 1) * sh + 1 - h - padInfo.top,
                    padInfo.left, (kw - 1) * dw + (ow - 1) * sw + 1 - w - padInfo.left];
    const src = cropNegativePads(ops, xT, wanted);
    const perSample = ops.depthwiseConv2d(src.x, dyT, src.pads, [dh, dw], [sh, sw]);
    const summed = b === 1 ? perSample : ops.sum(ops.reshape(perSample, [kh, kw, b, c * m]), [2]);
    return ops.reshape(summed, [kh, kw, c, m]);
  });
}
