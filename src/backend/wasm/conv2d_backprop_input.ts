/**
 * `Conv2DBackpropInput` (the input gradient of conv2d, and the forward pass of
 * conv2dTranspose) on wasm, by whichever of two compositions costs less for the shape.
 *
 * Per spatial axis, with `y[o] = Σ_i x[o·s + i − pt] W[i]`, the input gradient is
 *   `dx[r] = Σ_{i ≡ r + pt (mod s)} dy[(r + pt − i) / s] W[i]`.
 *
 * - Polyphase convolution. Write `r + pt = q·s + φ` (`0 ≤ φ < s`) and `i = φ + m·s`
 *   (`0 ≤ m < M = ⌈k / s⌉`, `W[i] = 0` for `i ≥ k`): then `dx[q·s + φ − pt] =
 *   Σ_m dy[q − m] W[φ + m·s]`, for every phase `φ` a correlation of `dy` (padded by `M − 1`
 *   before) with the reversed sub-filter `W_φ[m'] = W[φ + (M − 1 − m')·s]`. One stride-1
 *   conv2d computes all phases as output channels: its filter is
 *   `W̃[m'h, m'w, co, (φh, φw, ci)] = W[φh + (Mh − 1 − m'h)·sh, φw + (Mw − 1 − m'w)·sw, ci, co]`,
 *   its output `[B, Qh, Qw, sh·sw·ci]` for `q ≥ q0 = ⌊pt / s⌋`. Seen as
 *   `[B·Qh, Qw, sh, sw·ci]` and transposed to `[B·Qh, sh, Qw, sw·ci]`, that is
 *   `[B, Qh·sh, Qw·sw, ci]` indexed by `r + pt − q0·s`, cropped to `dx`. For unit strides it
 *   is the correlation of `dy` with the flipped filter. XNNPACK computes output channels in
 *   tiles of 8, so few image channels waste most of each tile.
 * - Product and scatter (col2im, unit strides): the per-tap contributions
 *   `T[b,o,p,(ci,i,j)] = Σ_co dy[b,o,p,co] W[i,j,ci,co]` are one matrix product
 *   `[B·OH·OW, co] · [co, ci·kh·kw]`, and `dx[r] = Σ_i T_i[r + pt − i]` is the correlation of
 *   every channel of `T` (padded by `k − 1 − pt` before, `H + pt − OH` after) with the one-hot
 *   filter `E[i', j', (ci,i,j)] = [i' = kh − 1 − i]·[j' = kw − 1 − j]` (one depthwise
 *   convolution), followed by the sum over the innermost `kh·kw` channels `(i, j)`.
 *
 * - Product: when `dy` is one position whose receptive field is the whole input (`1×1` from a
 *   `'valid'` filter as large as the input, as the last stage of a CSC encoder), `dx` is the
 *   matrix product `dy [B, co] · W_flat [co, kh·kw·ci]`: one GEMM, no padding or phases.
 *
 * The costs compared are multiply-adds, with GEMM output channels rounded up to XNNPACK's tile
 * and the depthwise convolution (a slower kernel per multiply-add) weighted by
 * `DEPTHWISE_WEIGHT`.
 */
import * as tf from '@tensorflow/tfjs';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {cropNegativePads} from './spatial';
import {KernelArgs, WasmOps, compose} from './wasm_ops';

/** Output channels per XNNPACK GEMM tile. */
const TILE = 8;
/** Cost of a depthwise multiply-add relative to a GEMM one. */
const DEPTHWISE_WEIGHT = 3;
/** Largest filter (taps) for which the scatter's depthwise convolution has a fast kernel. */
const SCATTER_MAX_TAPS = 25;

const tiles = (n: number): number => Math.ceil(n / TILE) * TILE;

type Info = tf.TensorInfo;

interface Geometry {
  /** Sub-filter taps `M`, first phase block `q0`, phase blocks computed `Q − q0`, per axis. */
  m: [number, number];
  q0: [number, number];
  q: [number, number];
}

export function conv2dBackpropInput(
    {inputs, backend, attrs}: KernelArgs,
): Info {
  const {dy, filter} = inputs;
  const {strides, pad, dataFormat, dimRoundingMode, inputShape} =
    attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat === 'NCHW') throw new Error('sparseland wasm Conv2DBackpropInput: NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad,
    dimRoundingMode);
  const {batchSize: b, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw,
         inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow,
         outChannels: co, padInfo} = info;
  const geometry: Geometry = {
    m: [Math.ceil(kh / sh), Math.ceil(kw / sw)],
    q0: [Math.floor(padInfo.top / sh), Math.floor(padInfo.left / sw)],
    q: [Math.floor((h - 1 + padInfo.top) / sh) + 1 - Math.floor(padInfo.top / sh),
        Math.floor((w - 1 + padInfo.left) / sw) + 1 - Math.floor(padInfo.left / sw)],
  };
  const taps = kh * kw;
  const convCost = b * geometry.q[0] * geometry.q[1] * geometry.m[0] * geometry.m[1] * co *
                   tiles(sh * sw * ci);
  const scatterCost = b * oh * ow * co * tiles(ci * taps) +
                      DEPTHWISE_WEIGHT * b * h * w * ci * taps * taps;
  const scatter = sh === 1 && sw === 1 && taps <= SCATTER_MAX_TAPS && scatterCost < convCost;
  const wanted = [kh - 1 - padInfo.top, h + padInfo.top - oh,
                  kw - 1 - padInfo.left, w + padInfo.left - ow];
  if (oh === 1 && ow === 1 && h === kh && w === kw && padInfo.top === 0 && padInfo.left === 0) {
    return compose(backend as tf.KernelBackend, (ops) => product(ops, dy, filter, [b, h, w, ci]));
  }
  return compose(backend as tf.KernelBackend, (ops) => scatter
    ? productAndScatter(ops, dy, filter, wanted, [b, h, w, ci])
    : polyphase(ops, dy, filter, geometry, [sh, sw], [padInfo.top, padInfo.left], [b, h, w, ci]));
}

/** The polyphase filter `W̃` of `[Mh, Mw, co, sh·sw·ci]`, read from `filter`. */
function phaseFilter(backend: BackendWasm, filter: Info, m: [number, number],
                     strides: [number, number]): Float32Array {
  const [kh, kw, ci, co] = filter.shape;
  const [mh, mw] = m;
  const [sh, sw] = strides;
  const src = backend.typedArrayFromHeap(filter);
  const out = new Float32Array(mh * mw * co * sh * sw * ci);
  const phases = sh * sw * ci;
  for (let a = 0; a < mh; a++) {
    for (let c = 0; c < mw; c++) {
      for (let ph = 0; ph < sh; ph++) {
        const i = ph + (mh - 1 - a) * sh;
        if (i >= kh) continue;
        for (let pw = 0; pw < sw; pw++) {
          const j = pw + (mw - 1 - c) * sw;
          if (j >= kw) continue;
          for (let k = 0; k < ci; k++) {
            const from = ((i * kw + j) * ci + k) * co;
            const to = (a * mw + c) * co * phases + (ph * sw + pw) * ci + k;
            for (let o = 0; o < co; o++) out[to + o * phases] = src[from + o];
          }
        }
      }
    }
  }
  return out;
}

function polyphase(ops: WasmOps, dy: Info, filter: Info, g: Geometry, strides: [number, number],
                   pads: [number, number], dxShape: [number, number, number, number]): Info {
  const [, , ci, co] = filter.shape;
  const [b, oh, ow] = dy.shape;
  const [sh, sw] = strides;
  const [, h, w] = dxShape;
  const wPhase = ops.constant(phaseFilter(ops.backend as unknown as BackendWasm, filter, g.m,
                                          strides), [g.m[0], g.m[1], co, sh * sw * ci]);
  const wanted = [g.m[0] - 1 - g.q0[0], g.q0[0] + g.q[0] - oh,
                  g.m[1] - 1 - g.q0[1], g.q0[1] + g.q[1] - ow];
  const src = cropNegativePads(ops, dy, wanted);
  let out = ops.conv2d(src.x, wPhase, src.pads, [1, 1], [1, 1]);
  if (sh * sw > 1) {
    out = ops.reshape(ops.transpose(ops.reshape(out, [b * g.q[0], g.q[1], sh, sw * ci]),
                                    [0, 2, 1, 3]),
                      [b, g.q[0] * sh, g.q[1] * sw, ci]);
  }
  const top = pads[0] - g.q0[0] * sh;
  const left = pads[1] - g.q0[1] * sw;
  if (top === 0 && left === 0 && out.shape[1] === h && out.shape[2] === w) return out;
  return ops.slice(out, [0, top, left, 0], dxShape);
}

function product(ops: WasmOps, dy: Info, filter: Info, dxShape: [number, number, number, number]): Info {
  const [kh, kw, ci, co] = filter.shape;
  const wFlat = ops.reshape(ops.transpose(filter, [3, 0, 1, 2]), [1, co, kh * kw * ci]);
  const dx = ops.run('BatchMatMul', {a: ops.reshape(dy, [1, dxShape[0], co]), b: wFlat},
                     {transposeA: false, transposeB: false});
  return ops.reshape(dx, dxShape);
}

function productAndScatter(ops: WasmOps, dy: Info, filter: Info, wanted: number[],
                           dxShape: [number, number, number, number]): Info {
  const [kh, kw, ci, co] = filter.shape;
  const [b, oh, ow] = dy.shape;
  const [, h, w] = dxShape;
  const taps = kh * kw;
  const wT = ops.reshape(ops.transpose(filter, [3, 2, 0, 1]), [1, co, ci * taps]);
  const t = ops.run('BatchMatMul', {a: ops.reshape(dy, [1, b * oh * ow, co]), b: wT},
                    {transposeA: false, transposeB: false});
  const src = cropNegativePads(ops, ops.reshape(t, [b, oh, ow, ci * taps]), wanted);
  const onehot = new Float32Array(taps * ci * taps);
  for (let c = 0; c < ci; c++) {
    for (let k = 0; k < taps; k++) onehot[(taps - 1 - k) * ci * taps + c * taps + k] = 1;
  }
  const e = ops.constant(onehot, [kh, kw, ci * taps, 1]);
  const placed = ops.depthwiseConv2d(src.x, e, src.pads, [1, 1], [1, 1]);
  return ops.reshape(ops.sum(ops.reshape(placed, [b * h * w * ci, taps]), [1]), dxShape);
}
