/**
 * The converter of the model-based IHT layer (docs/math.md §6). With the dictionary filters
 * `F` (`[W, −W]` for paired filters), `Φᵀx = Conv(x, F)` and `Φz = ConvTranspose(z, F)`,
 * the iterations are, in NCHW,
 *
 *     z = M(Conv(x, F)),   z ← M(z + Conv(x − ConvTranspose(z, F), F)),
 *
 * and `M(b)` keeps one winner per pooling block of each channel, then the `k = sparsity`
 * largest winners per sample. With `v = b` (or `v = Relu(b)` for paired filters):
 *
 * - block winners: `|v|` padded with zeros to whole `[ph, pw]` blocks, `Reshape` to
 *   `[N, C, H/ph, ph, W/pw, pw]`, `Transpose` to `[N, C, H/ph, W/pw, ph, pw]`, `Reshape` to
 *   `[…, ph·pw]`, `ArgMax` over the block (the first on ties, as tfjs), `Equal` with the
 *   positions `0, …, ph·pw − 1` (one-hot), back to `[N, C, H, W]` by the inverse `Reshape`s and
 *   `Transpose` and a `Slice`, then `u = v·mask`;
 * - sparsity: `TopK` of the flattened `|u|`, `Slice` of the k-th largest `m_k`, and
 *   `u·[|u| ≥ m_k ∧ |u| > 0]` (ties at `m_k` all kept).
 */
import * as tf from '@tensorflow/tfjs';
import {Iht} from '../../../layers/iht';
import {Attribute, GraphBuilder, Value} from '../graph';
import {DataType} from '../proto';
import {registerConverter, unsupported} from '../registry';
import {KERNEL_TO_OIHW, convPads, layerWeight, spatial, transposePads} from './common';

/** A 0/1 float mask of the largest `scores` (NCHW, `≥ 0`) entry in each `[ph, pw]` block of every channel. */
function blockWinners(g: GraphBuilder, scores: Value, [ph, pw]: [number, number], hint: string): Value {
  const [, h, w, c] = scores.shape as number[];
  const [hb, wb] = [Math.ceil(h / ph), Math.ceil(w / pw)];
  const plain = (op: string, inputs: string[], suffix: string, attrs: Record<string, Attribute> = {}) =>
    g.node(op, inputs, `${hint}/${suffix}`, attrs)[0];
  const reshape = (v: string, dims: number[], suffix: string) =>
    plain('Reshape', [v, g.ints(`${hint}/${suffix}_shape`, [0, ...dims])], suffix);
  const swap = {perm: {ints: [0, 1, 2, 4, 3, 5]}};
  const padded = hb * ph === h && wb * pw === w ? scores.name
    : plain('Pad', [scores.name, g.ints(`${hint}/pads`, [0, 0, 0, 0, 0, 0, hb * ph - h, wb * pw - w])], 'pad');
  const split = reshape(padded, [c, hb, ph, wb, pw], 'split');
  const blocks = reshape(plain('Transpose', [split], 'blocks', swap), [c, hb, wb, ph * pw], 'flat');
  const winner = plain('ArgMax', [blocks], 'argmax', {axis: {i: 4}, keepdims: {i: 1}, select_last_index: {i: 0}});
  const positions = g.ints(`${hint}/positions`, Array.from({length: ph * pw}, (_, i) => i));
  const oneHot = plain('Cast', [plain('Equal', [winner, positions], 'one_hot')], 'one_hot_float',
                       {to: {i: DataType.FLOAT}});
  const back = plain('Transpose', [reshape(oneHot, [c, hb, wb, ph, pw], 'unflat')], 'unblock', swap);
  const mask = reshape(back, [c, hb * ph, wb * pw], 'merge');
  const cropped = padded === scores.name ? mask
    : plain('Slice', [mask, g.ints(`${hint}/crop_start`, [0, 0]), g.ints(`${hint}/crop_end`, [h, w]),
                      g.ints(`${hint}/crop_axes`, [2, 3])], 'crop');
  return {name: cropped, shape: scores.shape, layout: 'nchw'};
}

/** `u·[|u| ≥ m_k ∧ |u| > 0]` with `m_k` the k-th largest `|u|` of each sample (`nonNeg`: `u ≥ 0`). */
function largest(g: GraphBuilder, u: Value, k: number, nonNeg: boolean, hint: string): Value {
  const [, h, w, c] = u.shape as number[];
  const kept = Math.min(k, h * w * c);
  const op = (type: string, inputs: string[], suffix: string, shape = u.shape, attrs: Record<string, Attribute> = {}) =>
    g.op(type, inputs, `${hint}/${suffix}`, shape, 'nchw', attrs);
  const magnitude = nonNeg ? u : op('Abs', [u.name], 'abs');
  const flat = g.node('Flatten', [magnitude.name], `${hint}/flatten`, {axis: {i: 1}})[0];
  const [top] = g.node('TopK', [flat, g.ints(`${hint}/k`, [kept])], `${hint}/topk`,
                       {axis: {i: -1}, largest: {i: 1}, sorted: {i: 1}}, 2);
  const kth = g.node('Slice', [top, g.ints(`${hint}/kth_start`, [kept - 1]), g.ints(`${hint}/kth_end`, [kept]),
                               g.ints(`${hint}/kth_axes`, [1])], `${hint}/kth`)[0];
  const threshold = g.node('Reshape', [kth, g.ints(`${hint}/kth_shape`, [0, 1, 1, 1])], `${hint}/kth_nchw`)[0];
  const inTop = op('GreaterOrEqual', [magnitude.name, threshold], 'in_top');
  const nonZero = op('Greater', [magnitude.name, g.scalar(`${hint}/zero`, 0)], 'non_zero');
  const mask = op('Cast', [op('And', [inTop.name, nonZero.name], 'mask').name], 'mask_float', u.shape,
                  {to: {i: DataType.FLOAT}});
  return op('Mul', [u.name, mask.name], 'keep');
}

registerConverter(Iht, (iht, {graph: g, inputs: [input], outputShapes: [shape]}) => {
  const name = iht.name;
  const x = g.nchw(input);
  const [ph, pw] = iht.poolSize;
  const selects = ph * pw > 1 || iht.sparsity !== null;
  if (selects && shape.slice(1).some((d) => d == null)) {
    unsupported(iht, 'block and sparsity selection need a known code size');
  }
  const filters = tf.tidy(() => g.tensor(`${name}/dictionary`,
                                         iht.dictionary(layerWeight(iht, 'kernel') as tf.Tensor4D).filters,
                                         KERNEL_TO_OIHW));
  const [signal, code] = [spatial(input.shape), spatial(shape)];
  const conv = {
    kernel_shape: {ints: iht.kernelSize}, strides: {ints: iht.strides},
    pads: {ints: convPads(iht, signal, iht.kernelSize, iht.strides, [1, 1], iht.padding)},
  };
  const select = (b: Value, hint: string): Value => {
    const v = iht.pairedFilters ? g.op('Relu', [b.name], `${hint}/relu`, shape, 'nchw') : b;
    let u = v;
    if (ph * pw > 1) {
      const scores = iht.pairedFilters ? v : g.op('Abs', [v.name], `${hint}/abs`, shape, 'nchw');
      const winners = blockWinners(g, scores, iht.poolSize, `${hint}/winners`);
      u = g.op('Mul', [v.name, winners.name], `${hint}/winners/keep`, shape, 'nchw');
    }
    return iht.sparsity === null ? u : largest(g, u, iht.sparsity, iht.pairedFilters, `${hint}/sparsity`);
  };
  let z = select(g.op('Conv', [x.name, filters], `${name}/iter1/adjoint`, shape, 'nchw', conv), `${name}/iter1/select`);
  if (iht.iterations > 1) {
    const {pads, outputPadding} = transposePads(iht, signal, code, iht.kernelSize, iht.strides, iht.padding);
    const convT = {kernel_shape: {ints: iht.kernelSize}, strides: {ints: iht.strides}, pads: {ints: pads},
                   output_padding: {ints: outputPadding}};
    for (let k = 2; k <= iht.iterations; k++) {
      const hint = `${name}/iter${k}`;
      const synthesis = g.op('ConvTranspose', [z.name, filters], `${hint}/synthesis`, input.shape, 'nchw', convT);
      const residual = g.op('Sub', [x.name, synthesis.name], `${hint}/residual`, input.shape, 'nchw');
      const adjoint = g.op('Conv', [residual.name, filters], `${hint}/adjoint`, shape, 'nchw', conv);
      z = select(g.op('Add', [z.name, adjoint.name], `${hint}/gradient_step`, shape, 'nchw'), `${hint}/select`);
    }
  }
  return [z];
});
