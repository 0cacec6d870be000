/**
 * `Conv2DBackpropFilter` on wasm, by whichever of two forms suits the shape.
 *
 * With `y[b,o,p,co] = Σ x[b, o·sh + i − pt, p·sw + j − pl, ci] W[i,j,ci,co]`, the filter
 * gradient is
 *   `dW[(i,j,ci), co] = Σ_{(b,o,p)} P[(i,j,ci), (b,o,p)] · dy[(b,o,p), co]`,
 * with the patch matrix `P[(i,j,ci), (b,o,p)] = x[b, o·sh + i − pt, p·sw + j − pl, ci]` (0 in
 * the padding): a product whose rows are the `kh·kw·ci` filter entries.
 *
 * - Convolution, for many rows: read with the channels `ci` as images and the batch as
 *   channels, `dW` is a correlation of `x̃[ci, h, w, b] = x[b, h, w, ci]` with the filter
 *   `d̃y[o, p, b, co] = dy[b, o, p, co]` dilated by the strides, whose `kh × kw` outputs are
 *   `dW[ci, i, j, co]`; XNNPACK's convolution reads the patches in place.
 * - Matrix product (im2col), for few rows: `P` gathered in one pass ({@link im2col}) and
 *   `dW = P · dy` as one untransposed product on the fast (XNNPACK) path. The batch is cut into
 *   chunks whose `P` stays below `PATCH_LIMIT` floats; their products are summed. With few rows
 *   (a first layer's one or three channels) the convolution's filter `d̃y` is large and its
 *   outputs few, which XNNPACK's convolution runs slower than this product.
 */
import * as tf from '@tensorflow/tfjs';
import {im2col, PatchGeometry} from './im2col';
import {cropNegativePads} from './spatial';
import {KernelArgs, compose} from './wasm_ops';

/** Largest patch matrix `P` built at once, in floats (64 MiB). */
const PATCH_LIMIT = 1 << 24;
/** Filter gradients with at least this many rows `kh·kw·ci` run as a convolution. */
const CONVOLUTION_MIN_ROWS = 256;

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
  if (k >= CONVOLUTION_MIN_ROWS) {
    // The correlation's output rows, top + h + bottom − sh·(oh − 1), are kh: that fixes bottom.
    const pads = [padInfo.top, kh + sh * (oh - 1) - h - padInfo.top,
                  padInfo.left, kw + sw * (ow - 1) - w - padInfo.left];
    return compose(backend as tf.KernelBackend, (ops) => {
      const src = cropNegativePads(ops, ops.transpose(x, [3, 1, 2, 0]), pads);
      const dW = ops.conv2d(src.x, ops.transpose(dy, [1, 2, 0, 3]), src.pads, [1, 1], [sh, sw]);
      return ops.transpose(dW, [1, 2, 0, 3]);
    });
  }
  const pixels = oh * ow;
  const chunk = Math.max(1, Math.min(b, Math.floor(PATCH_LIMIT / (k * pixels))));
  const geometry: PatchGeometry = {kernel: [kh, kw], strides: [sh, sw], pads: [padInfo.top, padInfo.left], out: [oh, ow]};
  return compose(backend as tf.KernelBackend, (ops) => {
    let dW: tf.TensorInfo | null = null;
    for (let b0 = 0; b0 < b; b0 += chunk) {
      const nb = Math.min(chunk, b - b0);
      const patches = ops.reshape(im2col(ops, x, geometry, b0, nb), [1, k, nb * pixels]);
      const dyChunk = nb === b ? dy : ops.slice(dy, [b0, 0, 0, 0], [nb, oh, ow, co]);
      const part = ops.run('BatchMatMul', {a: patches, b: ops.reshape(dyChunk, [1, nb * pixels, co])},
                           {transposeA: false, transposeB: false});
      dW = dW == null ? part : ops.run('Add', {a: dW, b: part});
    }
    return ops.reshape(dW!, [kh, kw, ci, co]);
  });
}
