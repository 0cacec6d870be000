/**
 * Converters of sparseland's layers: the unrolled iterations become a static chain of
 * Conv/ConvTranspose (or MatMul) and Add/Sub/Mul, thresholds become Relu/Sign/Abs compositions
 * and support selection a TopK with comparisons. Inference uses fixed weights, so the exporter
 * bakes what a layer computes from its weights at each pass (normalised atoms, the step
 * `η = stepScale / L` from the stored power-iteration vector) as constants.
 */
import * as tf from '@tensorflow/tfjs';
import {CscDecoder} from '../../../layers/csc_decoder';
import {CscStage} from '../../../layers/csc_stage';
import {Lista} from '../../../layers/lista';
import {UnitNormalization} from '../../../layers/unit_normalization';
import {fistaMomentum, nextMomentum} from '../../ops/momentum';
import {GraphBuilder, Value} from '../graph';
import {registerConverter, unsupported} from '../registry';
import {KERNEL_TO_OIHW, convPads, softThreshold, synthesisOf, transposePads} from './common';

/** The values of the layer's weight created as `name` (by `addWeight`). */
function weightValues(layer: tf.layers.Layer, name: string): Float32Array {
  const w = layer.weights.find((v) => v.originalName === name || v.originalName.endsWith(`/${name}`));
  if (!w) unsupported(layer, `weight '${name}' not found (is the layer built?)`);
  return w.read().dataSync() as Float32Array;
}

function spatial(shape: (number | null)[]): (number | null)[] {
  return [shape[1], shape[2]];
}

/** A convolution dictionary's filters `[kh, kw, C_img, C_code]`, scaled by `factor`, as an ONNX weight. */
function filters(g: GraphBuilder, hint: string, dictionary: () => tf.Tensor, factor = 1): string {
  return tf.tidy(() => g.tensor(hint, factor === 1 ? dictionary() : tf.mul(dictionary(), factor), KERNEL_TO_OIHW));
}

registerConverter(CscStage, (stage, {graph: g, inputs: [input], outputShapes: [codeShape]}) => {
  const name = stage.name;
  const x = g.nchw(input);
  const [signal, code] = [spatial(input.shape), spatial(codeShape)];
  const k = stage.kernelSize;
  const conv = {
    kernel_shape: {ints: k}, strides: {ints: stage.strides},
    pads: {ints: convPads(stage, signal, k, stage.strides, [1, 1], stage.padding)},
  };
  const {pads, outputPadding} = transposePads(stage, signal, code, k, stage.strides, stage.padding);
  const geometry = {kernel: k, strides: stage.strides, pads, outputPadding};
  const lambda = Array.from(weightValues(stage, 'lambda'));
  const channels = codeShape[3]!;
  const count = stage.tied ? 1 : stage.iterations + 1;
  // Per dictionary i, with s = 1/(1 + μη_i): the residual x − A_i z, the adjoint's filters sη_i·W_i,
  // the threshold θ = sλη_i (prox(v) = S_θ(s·v)) and s.
  const dictionaries = Array.from({length: count}, (_, i) => {
    const tag = stage.tied ? '' : `_${i}`;
    const etaTensor = stage.stepSize(i);
    const eta = etaTensor.dataSync()[0];
    etaTensor.dispose();
    const s = 1 / (1 + stage.mu * eta);
    const theta = lambda.map((l) => s * l * eta);
    return {
      s, theta,
      residual: synthesisOf(g, `${name}/dictionary${tag}`, () => stage.dictionary(i), geometry, input.shape, x),
      adjoint: filters(g, `${name}/step_dictionary${tag}`, () => stage.dictionary(i), s * eta),
      // The non-negative threshold is the adjoint's bias −θ before a Relu.
      bias: stage.nonNeg ? g.floats(`${name}/threshold${tag}`, Array.from({length: channels}, (_, c) =>
        -theta[theta.length === 1 ? 0 : c]), [channels]) : undefined,
    };
  });
  // prox(Conv(r, sηW) + rest).
  const prox = (r: Value, i: number, rest: Value | undefined, hint: string): Value => {
    const {theta, adjoint, bias} = dictionaries[i];
    const op = (type: string, inputs: string[], suffix: string, attrs = {}) =>
      g.op(type, inputs, `${hint}/${suffix}`, codeShape, 'nchw', attrs);
    let v = op('Conv', [r.name, adjoint, ...(bias ? [bias] : [])], 'adjoint', conv);
    if (rest) v = op('Add', [v.name, rest.name], 'gradient_step');
    return stage.nonNeg ? op('Relu', [v.name], 'prox') : softThreshold(g, v, theta, `${hint}/prox`);
  };
  let z = prox(x, 0, undefined, `${name}/init`);
  let y = z;
  let t = nextMomentum(1);   // t₁: the initial step is FISTA's first
  for (let it = 1; it <= stage.iterations; it++) {
    const i = stage.tied ? 0 : it;
    const hint = `${name}/iter${it}`;
    // s·(y − ηAᵀ(Ay − x)) = Conv(x − Ay, sηW) + s·y: onnxruntime fuses the Conv, the Add and the Relu.
    const {s, residual} = dictionaries[i];
    const scaled = s === 1 ? y
      : g.op('Mul', [y.name, g.scalar(`${hint}/prox_scale`, s)], `${hint}/prox_scale`, codeShape, 'nchw');
    const next = prox(residual(y, hint), i, scaled, hint);
    if (stage.algorithm === 'fista') {
      const {next: tNext, weight} = fistaMomentum(t);
      const delta = g.op('Sub', [next.name, z.name], `${hint}/momentum_delta`, codeShape, 'nchw');
      const push = g.op('Mul', [delta.name, g.scalar(`${hint}/momentum`, weight)], `${hint}/momentum_scale`,
                        codeShape, 'nchw');
      y = g.op('Add', [next.name, push.name], `${hint}/momentum_add`, codeShape, 'nchw');
      t = tNext;
    } else {
      y = next;
    }
    z = next;
  }
  return [z];
});

registerConverter(CscDecoder, (decoder, {graph: g, inputs: [input], outputShapes: [shape]}) => {
  const geometry = decoder.tiedStage() ?? decoder;
  const {pads, outputPadding} = transposePads(decoder, spatial(shape), spatial(input.shape), geometry.kernelSize,
                                              geometry.strides, geometry.padding);
  const synthesis = synthesisOf(g, `${decoder.name}/dictionary`, () => decoder.dictionary(),
                                {kernel: geometry.kernelSize, strides: geometry.strides, pads, outputPadding}, shape);
  return [synthesis(g.nchw(input), decoder.name)];
});

registerConverter(Lista, (lista, {graph: g, inputs: [x], outputShapes: [shape]}) => {
  const name = lista.name;
  const T = lista.iterations;
  const n = lista.units;
  const theta = weightValues(lista, 'theta');
  const gamma = lista.variant === 'alista' ? weightValues(lista, 'gamma') : undefined;
  const matrices = new Map<string, string>();
  const matrix = (weight: string, transpose = false): string => {
    const key = `${weight}${transpose ? 'T' : ''}`;
    if (!matrices.has(key)) {
      const w = lista.weights.find((v) => v.originalName === weight || v.originalName.endsWith(`/${weight}`));
      if (!w) unsupported(lista, `weight '${weight}' not found (is the layer built?)`);
      matrices.set(key, g.tensor(`${name}/${key}`, w.read(), transpose ? [1, 0] : undefined));
    }
    return matrices.get(key)!;
  };
  const op = (type: string, inputs: string[], hint: string, s = shape, attrs = {}) =>
    g.op(type, inputs, hint, s, 'plain', attrs);
  // alpha·a·b + c in one Gemm.
  const gemm = (a: Value, b: string, c: Value | undefined, hint: string, alpha = 1, s = shape) =>
    op('Gemm', [a.name, b, ...(c ? [c.name] : [])], hint, s, alpha === 1 ? {} : {alpha: {f: alpha}});
  const shrink = (k: number, v: Value): Value => {
    const hint = `${name}/iter${k + 1}`;
    const soft = softThreshold(g, v, [theta[k]], `${hint}/shrink`);
    const ss = lista.supportSelection;
    const count = ss ? Math.floor(Math.min((k + 1) * ss.p, ss.pMax) * n / 100 + 1e-9) : 0;
    if (count === 0) return soft;
    // Support selection: entries among the `count` largest magnitudes that exceed θ pass unshrunk.
    const magnitude = op('Abs', [v.name], `${hint}/select/abs`);
    const [top] = g.node('TopK', [magnitude.name, g.ints(`${hint}/select/k`, [count])], `${hint}/select/topk`,
                         {axis: {i: -1}, largest: {i: 1}, sorted: {i: 1}}, 2);
    const kth = op('Slice', [top, g.ints(`${hint}/select/start`, [count - 1]), g.ints(`${hint}/select/end`, [count]),
                             g.ints(`${hint}/select/axes`, [1])], `${hint}/select/kth`, [null, 1]);
    const inTop = op('GreaterOrEqual', [magnitude.name, kth.name], `${hint}/select/in_top`);
    const above = op('Greater', [magnitude.name, g.scalar(`${hint}/threshold`, theta[k])], `${hint}/select/above`);
    const mask = op('And', [inTop.name, above.name], `${hint}/select/mask`);
    return op('Where', [mask.name, v.name, soft.name], `${hint}/select`);
  };
  const pick = (weight: string, k: number) => matrix(lista.tied ? weight : `${weight}_${k}`);
  if (lista.variant === 'lista') {
    const we0 = op('MatMul', [x.name, pick('We', 0)], `${name}/iter1/analysis`);
    const analysis = (k: number): Value =>
      (lista.tied || k === 0 ? we0 : op('MatMul', [x.name, pick('We', k)], `${name}/iter${k + 1}/analysis`));
    let z = shrink(0, we0);
    for (let k = 1; k < T; k++) z = shrink(k, gemm(z, pick('S', k), analysis(k), `${name}/iter${k + 1}/lateral`));
    return [z];
  }
  // z + γ^k (x − z Aᵀ) W^k as two Gemms (γ^k = 1 except for ALISTA); z⁰ = 0.
  let z: Value | undefined;
  for (let k = 0; k < T; k++) {
    const hint = `${name}/iter${k + 1}`;
    const residual = z === undefined ? x : gemm(z, matrix('A', true), x, `${hint}/residual`, -1, x.shape);
    const w = lista.variant === 'alista' ? matrix('Wtilde') : pick('W', k);
    z = shrink(k, gemm(residual, w, z, `${hint}/update`, gamma ? gamma[k] : 1));
  }
  return [z!];
});

registerConverter(UnitNormalization, (layer, {graph: g, inputs: [input], outputShapes: [shape]}) => {
  // y = x / √max(Σx², ε) along the layer's axis, in the tfjs (NHWC) order of the input.
  const {axis, epsilon} = layer;
  const x = g.nhwc(input);
  const at = axis < 0 ? axis + x.shape.length : axis;
  const reduced = x.shape.map((d, i) => (i === at ? 1 : d));
  const squares = g.op('ReduceSumSquare', [x.name], `${layer.name}/sum_squares`, reduced, x.layout,
                       {axes: {ints: [at]}, keepdims: {i: 1}});
  const floored = g.op('Max', [squares.name, g.scalar(`${layer.name}/epsilon`, epsilon)], `${layer.name}/floor`,
                       reduced, x.layout);
  const norm = g.op('Sqrt', [floored.name], `${layer.name}/norm`, reduced, x.layout);
  return [g.op('Div', [x.name, norm.name], `${layer.name}/normalize`, shape, x.layout)];
});
