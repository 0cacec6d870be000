/**
 * `Conv2DBackpropFilter` on wasm as one matrix product per batch chunk (im2col).
 *
 * With `y[b,o,p,co] = Σ x[b, o·sh + i − pt, p·sw + j − pl, ci] W[i,j,ci,co]`, the filter
 * gradient is
 *   `dW[(i,j,ci), co] = Σ_{(b,o,p)} P[(i,j,ci), (b,o,p)] · dy[(b,o,p), co]`,
 * where `P[(i,j,ci), (b,o,p)] = xp[ci, b, o·sh + i, p·sw + j]` reads the zero-padded input
 * transposed to `[ci, B, Hp, Wp]`. Each tap `(i, j)` is one strided slice of that tensor
 * (`[ci, B, OH, OW]`), and stacking the taps along the first axis gives `P` directly in
 * `[kh·kw·ci, B·OH·OW]` layout (a plain slice for unit strides), so `dW = P · dy` is one untransposed product on the fast
 * (XNNPACK) path. The batch is cut into chunks whose `P` stays below `PATCH_LIMIT` floats;
 * their products are summed.
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
  return compose(backend as tf.KernelBackend, (ops) => {
    const padded = ops.pad(x, [[0, 0], [padInfo.top, Math.max(0, (oh - 1) * sh + kh - h - padInfo.top)],
                              [padInfo.left, Math.max(0, (ow - 1) * sw + kw - w - padInfo.left)],
                              [0, 0]]);
    const xT = ops.transpose(padded, [3, 0, 1, 2]);
    let dW: tf.TensorInfo | null = null;
    for (let b0 = 0; b0 < b; b0 += chunk) {
      const nb = Math.min(chunk, b - b0);
      const taps: tf.TensorInfo[] = [];
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          taps.push(sh === 1 && sw === 1
            ? ops.slice(xT, [0, b0, i, j], [ci, nb, oh, ow])
            : ops.stridedSlice(xT, [0, b0, i, j],
                               [ci, b0 + nb, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1],
                               [1, 1, sh, sw]));
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
