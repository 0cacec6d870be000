/**
 * `MaxPoolGrad` on wasm, composed from elementwise and padding kernels. The stock kernel drops
 * the gradient of windows whose maximum is ≤ 0; this one routes each `dy` entry to the first
 * position (row-major within the window) that holds the window's maximum, as the cpu backend
 * does.
 *
 * Over the input padded with `−∞`, window `(o, p)` reads tap `(i, j)` at
 * `xp[o·sh + i, p·sw + j]`; `v_ij = xp[i :: sh, j :: sw]` (one strided slice) holds that tap
 * for all windows. The tap wins where `v_ij = y` and no earlier tap did, and sends
 * `g_ij = [wins] · dy` to padded position `o·sh + i`. Writing `i = a·sh + r`
 * (`0 ≤ r < sh`), that position is `(o + a)·sh + r`: in the phase layout
 * `[B, Hc, sh, Wc, sw, C]` (which reshapes to `[B, Hc·sh, Wc·sw, C]`) it is block `o + a`,
 * phase `r`, so `g_ij` lands there with one pad, and the sum of all taps is cropped to the
 * unpadded input.
 */
import * as tf from '@tensorflow/tfjs';
import {KernelArgs, compose} from './wasm_ops';

export function maxPoolGrad(
    {inputs, backend, attrs}: KernelArgs,
): tf.TensorInfo {
  const {dy, input, output} = inputs;
  const {filterSize, strides, pad, dimRoundingMode} = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], filterSize, strides, 1, pad,
    dimRoundingMode);
  const {batchSize: b, inChannels: c, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow,
         filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, padInfo} = info;
  const pt = padInfo.top;
  const pl = padInfo.left;
  const hc = Math.max(oh + Math.floor((fh - 1) / sh), Math.ceil((pt + h) / sh));
  const wc = Math.max(ow + Math.floor((fw - 1) / sw), Math.ceil((pl + w) / sw));
  return compose(backend as tf.KernelBackend, (ops) => {
    const xp = ops.pad(input, [[0, 0], [pt, Math.max(0, (oh - 1) * sh + fh - h - pt)],
                               [pl, Math.max(0, (ow - 1) * sw + fw - w - pl)], [0, 0]],
                       -Infinity);
    const zeros = ops.run('ZerosLike', {x: dy});
    let taken: tf.TensorInfo | null = null;
    let acc: tf.TensorInfo | null = null;
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const tap = ops.stridedSlice(xp, [0, i, j, 0],
                                     [b, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, c],
                                     [1, sh, sw, 1]);
        const isMax = ops.run('Equal', {a: tap, b: output});
        const wins: tf.TensorInfo = taken == null ? isMax
          : ops.run('LogicalAnd', {a: isMax, b: ops.run('LogicalNot', {x: taken})});
        if (i < fh - 1 || j < fw - 1) {
          taken = taken == null ? isMax : ops.run('LogicalOr', {a: taken, b: isMax});
        }
        const g = ops.reshape(ops.run('Select', {condition: wins, t: dy, e: zeros}),
                              [b, oh, 1, ow, 1, c]);
        const [ah, rh] = [Math.floor(i / sh), i % sh];
        const [aw, rw] = [Math.floor(j / sw), j % sw];
        const placed = ops.pad(g, [[0, 0], [ah, hc - oh - ah], [rh, sh - 1 - rh],
                                   [aw, wc - ow - aw], [rw, sw - 1 - rw], [0, 0]]);
        acc = acc == null ? placed : ops.run('Add', {a: acc, b: placed});
      }
    }
    return ops.slice(ops.reshape(acc!, [b, hc * sh, wc * sw, c]), [0, pt, pl, 0], [b, h, w, c]);
  });
}
