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
import {GraphBuilder, Value} from '../graph';
import {registerConverter, unsupported} from '../registry';
import {KERNEL_TO_OIHW, convPads, softThreshold, transposePads} from './common';

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

registerConverter('CscStage', ({graph: g, layer, inputs: [input], outputShapes: [codeShape]}) => {
  const stage = layer as CscStage;
  const name = stage.name;
  const x = g.nchw(input);
  const [signal, code] = [spatial(input.shape), spatial(codeShape)];
  const k = stage.kernelSize;
  const conv = {
    kernel_shape: {ints: k}, strides: {ints: stage.strides},
    pads: {ints: convPads(layer, signal, k, stage.strides, [1, 1], stage.padding)},
  };
  const {pads, outputPadding} = transposePads(layer, signal, code, k, stage.strides, stage.padding);
  const convT = {kernel_shape: {ints: k}, strides: {ints: stage.strides}, pads: {ints: pads},
                 output_padding: {ints: outputPadding}};
  const lambda = weightValues(layer, 'lambda');
  const count = stage.tied ? 1 : stage.iterations + 1;
  // Per dictionary i: W_i (synthesis), η_i·W_i (the scaled adjoint), θ_i = λη_i/(1+μη_i), 1/(1+μη_i).
  const dictionaries = Array.from({length: count}, (_, i) => {
    const tag = stage.tied ? '' : `_${i}`;
    const etaTensor = stage.stepSize(i);
    const eta = etaTensor.dataSync()[0];
    etaTensor.dispose();
    const shrink = 1 + stage.mu * eta;
    let w: string | undefined;
    return {
      // The synthesis filters only where an iteration uses them (not for the initial step alone).
      w: () => (w ??= filters(g, `${name}/dictionary${tag}`, () => stage.dictionary(i))),
      etaW: filters(g, `${name}/step_dictionary${tag}`, () => stage.dictionary(i), eta),
      theta: lambda.length === 1 ? g.scalar(`${name}/threshold${tag}`, lambda[0] * eta / shrink)
        : g.channels(`${name}/threshold${tag}`, Array.from(lambda, (l) => l * eta / shrink), 'nchw'),
      scale: stage.mu === 0 ? undefined : g.scalar(`${name}/prox_scale${tag}`, 1 / shrink),
    };
  });
  const prox = (v: Value, i: number, hint: string): Value => {
    const {theta, scale} = dictionaries[i];
    const scaled = scale === undefined ? v : g.op('Mul', [v.name, scale], `${hint}/prox_scale`, v.shape, 'nchw');
    return softThreshold(g, scaled, theta, stage.nonNeg, `${hint}/prox`);
  };
  let z = prox(g.op('Conv', [x.name, dictionaries[0].etaW], `${name}/init/adjoint`, codeShape, 'nchw', conv),
               0, `${name}/init`);
  let y = z;
  let t = (1 + Math.sqrt(5)) / 2;
  for (let it = 1; it <= stage.iterations; it++) {
    const i = stage.tied ? 0 : it;
    const hint = `${name}/iter${it}`;
    const synthesis = g.op('ConvTranspose', [y.name, dictionaries[i].w()], `${hint}/synthesis`, input.shape, 'nchw', convT);
    const residual = g.op('Sub', [synthesis.name, x.name], `${hint}/residual`, input.shape, 'nchw');
    const gradient = g.op('Conv', [residual.name, dictionaries[i].etaW], `${hint}/adjoint`, codeShape, 'nchw', conv);
    const next = prox(g.op('Sub', [y.name, gradient.name], `${hint}/gradient_step`, codeShape, 'nchw'), i, hint);
    if (stage.algorithm === 'fista') {
      const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      const delta = g.op('Sub', [next.name, z.name], `${hint}/momentum_delta`, codeShape, 'nchw');
      const push = g.op('Mul', [delta.name, g.scalar(`${hint}/momentum`, (t - 1) / tNext)], `${hint}/momentum_scale`,
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

registerConverter('CscDecoder', ({graph: g, layer, inputs: [input], outputShapes: [shape]}) => {
  const decoder = layer as CscDecoder;
  const geometry = decoder.tiedStage() ?? decoder;
  const z = g.nchw(input);
  const {pads, outputPadding} = transposePads(layer, spatial(shape), spatial(input.shape), geometry.kernelSize,
                                              geometry.strides, geometry.padding);
  const w = filters(g, `${layer.name}/dictionary`, () => decoder.dictionary());
  return [g.op('ConvTranspose', [z.name, w], `${layer.name}/synthesis`, shape, 'nchw', {
    kernel_shape: {ints: geometry.kernelSize}, strides: {ints: geometry.strides}, pads: {ints: pads},
    output_padding: {ints: outputPadding},
  })];
});

registerConverter('Lista', ({graph: g, layer, inputs: [x], outputShapes: [shape]}) => {
  const lista = layer as Lista;
  const name = lista.name;
  const T = lista.iterations;
  const n = lista.units;
  const theta = weightValues(layer, 'theta');
  const gamma = lista.variant === 'alista' ? weightValues(layer, 'gamma') : undefined;
  const matrices = new Map<string, string>();
  const matrix = (weight: string, transpose = false): string => {
    const key = `${weight}${transpose ? 'T' : ''}`;
    if (!matrices.has(key)) {
      const w = layer.weights.find((v) => v.originalName === weight || v.originalName.endsWith(`/${weight}`));
      if (!w) unsupported(layer, `weight '${weight}' not found (is the layer built?)`);
      matrices.set(key, g.tensor(`${name}/${key}`, w.read(), transpose ? [1, 0] : undefined));
    }
    return matrices.get(key)!;
  };
  const op = (type: string, inputs: string[], hint: string, s = shape) => g.op(type, inputs, hint, s, 'plain');
  const shrink = (k: number, v: Value): Value => {
    const hint = `${name}/iter${k + 1}`;
    const thetaName = g.scalar(`${hint}/threshold`, theta[k]);
    const soft = softThreshold(g, v, thetaName, false, `${hint}/shrink`);
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
    const above = op('Greater', [magnitude.name, thetaName], `${hint}/select/above`);
    const mask = op('And', [inTop.name, above.name], `${hint}/select/mask`);
    return op('Where', [mask.name, v.name, soft.name], `${hint}/select`);
  };
  const pick = (weight: string, k: number) => matrix(lista.tied ? weight : `${weight}_${k}`);
  if (lista.variant === 'lista') {
    const we0 = op('MatMul', [x.name, pick('We', 0)], `${name}/iter1/analysis`);
    let z = shrink(0, we0);
    for (let k = 1; k < T; k++) {
      const hint = `${name}/iter${k + 1}`;
      const we = lista.tied ? we0 : op('MatMul', [x.name, pick('We', k)], `${hint}/analysis`);
      const lateral = op('MatMul', [z.name, pick('S', k)], `${hint}/lateral`);
      z = shrink(k, op('Add', [we.name, lateral.name], `${hint}/sum`));
    }
    return [z];
  }
  let z: Value | undefined;
  for (let k = 0; k < T; k++) {
    const hint = `${name}/iter${k + 1}`;
    const residual = z === undefined ? x
      : op('Sub', [x.name, op('MatMul', [z.name, matrix('A', true)], `${hint}/synthesis`, x.shape).name],
           `${hint}/residual`, x.shape);
    const w = lista.variant === 'alista' ? matrix('Wtilde') : pick('W', k);
    let update = op('MatMul', [residual.name, w], `${hint}/analysis`);
    if (gamma) update = op('Mul', [update.name, g.scalar(`${hint}/step`, gamma[k])], `${hint}/step`);
    z = shrink(k, z === undefined ? update : op('Add', [z.name, update.name], `${hint}/update`));
  }
  return [z!];
});
