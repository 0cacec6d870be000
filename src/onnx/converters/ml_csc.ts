/**
 * Converters of the multi-layer convolutional sparse-coding layers (docs/math.md §4). Layer `i`
 * of the model has the analysis map `D_iᵀv = Conv(v, W_i)`, the synthesis map
 * `D_iΓ = ConvTranspose(Γ, B_i)` (`B_i = W_i` except in ML-LISTA, which learns `B_i` apart),
 * its own kernel size, stride and pads ('same' pads the larger half at the end, as TensorFlow;
 * `output_padding` reaches the signal size), the bias `b_i` as the convolutions' bias and the
 * learned step `c_i` baked into the step's filters. Every unfolding is a static chain in NCHW:
 *
 *     threshold:  Γ_i = Relu(Conv(Γ_{i−1}, W_i, bias b_i))                          (Γ_0 = x)
 *     step:       Relu(Conv(target − ConvTranspose(Γ̂, B_i), c_i·W_i, bias b_i) + Γ̂)
 *     momentum:   Y = Γ + ((t − 1)/t')·(Γ − Γ^{prev})                    (constant coefficient)
 *
 * - `LayeredThresholding`: the thresholds, layer after layer (the CNN).
 * - `LayeredBasisPursuit`: per layer, the threshold then `T` steps towards the previous code
 *   (`target = Γ_{i−1}`), with momentum between them when `fista`.
 * - `MlIsta`, `MlFista`, `MlLista`: the thresholds, then `T` unfoldings of a backward pass
 *   `Γ̂_{i−1} = ConvTranspose(Γ̂_i, B_i)` from `Γ̂_L` (`Γ_L`, or its momentum extrapolation for
 *   ML-FISTA) and a forward pass of steps with `target = Γ_{i−1}` (the new codes, `Γ_0 = x`).
 *   The backward pass's `ConvTranspose(Γ̂_i, B_i) = Γ̂_{i−1}` serves the step of layer `i` too.
 *   ML-LISTA has no `c_i` (unit steps).
 */
import * as tf from '@tensorflow/tfjs';
import {LayeredBasisPursuit} from '../../../layers/layered_basis_pursuit';
import {LayeredThresholding} from '../../../layers/layered_thresholding';
import {MultiLayerCsc} from '../../../layers/ml_csc_common';
import {fistaMomentum} from '../../ops/momentum';
import {MlFista} from '../../../layers/ml_fista';
import {MlIsta} from '../../../layers/ml_ista';
import {MlLista} from '../../../layers/ml_lista';
import {convOutputSize} from '../../ops/dictionary';
import {Attribute, GraphBuilder, Value} from '../graph';
import {ConverterContext, registerConverter} from '../registry';
import {KERNEL_TO_OIHW, convPads, layerWeight, spatial, transposePads} from './common';

/** One layer `i` of a multi-layer model, as graph-building operations. */
interface Level {
  /** `Relu(Conv(v, W_i, bias b_i))`. */
  threshold(v: Value, hint: string): Value;
  /** `ConvTranspose(z, B_i)`, to the size of the layer's input. */
  synthesis(z: Value, hint: string): Value;
  /** `Relu(Conv(target − synthesized, c_i·W_i, bias b_i) + Γ̂)`, given `synthesized = ConvTranspose(Γ̂, B_i)`. */
  step(hat: Value, synthesized: Value, target: Value, hint: string): Value;
}

/** `make()`, evaluated on the first call only. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/**
 * The levels of `layer` for the NCHW input `x`. `steps`: the layer learns `step_i`;
 * `synthesisKernels`: it learns `synthesis_kernel_i` (else `B_i = W_i`). Initializers are
 * created when first used.
 */
function levels(g: GraphBuilder, layer: MultiLayerCsc, x: Value, steps: boolean, synthesisKernels: boolean): Level[] {
  const shapes = [x.shape];
  layer.filters.forEach((channels, i) => {
    const size = convOutputSize(spatial(shapes[i]), layer.kernelSize[i], layer.strides[i], layer.padding);
    shapes.push([x.shape[0], ...size, channels]);
  });
  return layer.filters.map((_, i) => {
    const name = `${layer.name}/layer${i + 1}`;
    const [signal, code] = [shapes[i], shapes[i + 1]];
    const k = layer.kernelSize[i];
    const strides = layer.strides[i];
    const w = once(() => g.tensor(`${name}/kernel`, layerWeight(layer, `kernel_${i + 1}`), KERNEL_TO_OIHW));
    const b = once(() => synthesisKernels
      ? g.tensor(`${name}/synthesis_kernel`, layerWeight(layer, `synthesis_kernel_${i + 1}`), KERNEL_TO_OIHW) : w());
    const bias = once(() => (layer.useBias ? [g.floats(`${name}/bias`, layerWeight(layer, `bias_${i + 1}`).dataSync(),
                                                       [layer.filters[i]])] : []));
    // c_i·W_i, the step's filters.
    const stepKernel = once(() => (steps ? tf.tidy(() => g.tensor(`${name}/step_kernel`, tf.mul(
      layerWeight(layer, `kernel_${i + 1}`), layerWeight(layer, `step_${i + 1}`).dataSync()[0]), KERNEL_TO_OIHW)) : w()));
    const conv: Record<string, Attribute> = {
      kernel_shape: {ints: k}, strides: {ints: strides},
      pads: {ints: convPads(layer, spatial(signal), k, strides, [1, 1], layer.padding)},
    };
    const convT = once((): Record<string, Attribute> => {
      const {pads, outputPadding} = transposePads(layer, spatial(signal), spatial(code), k, strides, layer.padding);
      return {kernel_shape: {ints: k}, strides: {ints: strides}, pads: {ints: pads}, output_padding: {ints: outputPadding}};
    });
    const op = (type: string, inputs: string[], hint: string, shape = code, attrs: Record<string, Attribute> = {}) =>
      g.op(type, inputs, hint, shape, 'nchw', attrs);
    return {
      threshold: (v, hint) => op('Relu', [op('Conv', [v.name, w(), ...bias()], `${hint}/conv`, code, conv).name],
                                 `${hint}/relu`),
      synthesis: (z, hint) => op('ConvTranspose', [z.name, b()], `${hint}/synthesis`, signal, convT()),
      // Relu(Γ̂ − c_i·Conv(synthesized − target, W_i) + b_i) = Relu(Conv(target − synthesized, c_i·W_i) + b_i + Γ̂):
      // onnxruntime fuses the Conv, the Add and the Relu.
      step: (hat, synthesized, target, hint) => {
        const residual = op('Sub', [target.name, synthesized.name], `${hint}/residual`, signal);
        const gradient = op('Conv', [residual.name, stepKernel(), ...bias()], `${hint}/adjoint`, code, conv);
        return op('Relu', [op('Add', [gradient.name, hat.name], `${hint}/gradient_step`).name], `${hint}/relu`);
      },
    };
  });
}

/** `z + coefficient·(z − previous)`, the FISTA extrapolation. */
function momentum(g: GraphBuilder, z: Value, previous: Value, coefficient: number, hint: string): Value {
  const delta = g.op('Sub', [z.name, previous.name], `${hint}/momentum_delta`, z.shape, 'nchw');
  const push = g.op('Mul', [delta.name, g.scalar(`${hint}/momentum`, coefficient)], `${hint}/momentum_scale`,
                    z.shape, 'nchw');
  return g.op('Add', [z.name, push.name], `${hint}/momentum_add`, z.shape, 'nchw');
}

/** Layered thresholding from `x`: `[Γ_1, …, Γ_L]`. */
function thresholding(layer: tf.layers.Layer, ls: Level[], x: Value): Value[] {
  const codes: Value[] = [];
  ls.forEach((level, i) => codes.push(level.threshold(i === 0 ? x : codes[i - 1], `${layer.name}/layer${i + 1}/threshold`)));
  return codes;
}

registerConverter(LayeredThresholding, (layer, {graph: g, inputs: [input]}) => {
  const x = g.nchw(input);
  return [thresholding(layer, levels(g, layer, x, false, false), x).pop()!];
});

registerConverter(LayeredBasisPursuit, (bp, {graph: g, inputs: [input]}) => {
  let signal = g.nchw(input);
  levels(g, bp, signal, true, false).forEach((level, i) => {
    let z = level.threshold(signal, `${bp.name}/layer${i + 1}/threshold`);
    let y = z;
    let t = 1;
    for (let k = 1; k <= bp.iterations; k++) {
      const hint = `${bp.name}/layer${i + 1}/iter${k}`;
      const next = level.step(y, level.synthesis(y, hint), signal, hint);
      const {next: tNext, weight} = fistaMomentum(t);
      // The first coefficient, (t_0 − 1)/t_1, is 0.
      y = bp.fista && t > 1 ? momentum(g, next, z, weight, hint) : next;
      t = tNext;
      z = next;
    }
    signal = z;
  });
  return [signal];
});

/** ML-ISTA, ML-FISTA (`withMomentum`) and ML-LISTA (`lista`: synthesis kernels, no steps). */
function multiLayerIsta(withMomentum: boolean, lista: boolean) {
  return (ml: MlIsta | MlLista, {graph: g, inputs: [input]}: ConverterContext): Value[] => {
    const x = g.nchw(input);
    const ls = levels(g, ml, x, !lista, lista);
    const depth = ls.length;
    let top = thresholding(ml, ls, x)[depth - 1];
    let previousTop = top;
    let t = 1;
    for (let k = 1; k <= ml.iterations; k++) {
      const hint = `${ml.name}/iter${k}`;
      const {next: tNext, weight} = fistaMomentum(t);
      // hat[i] is Γ̂_{i+1}; hat[i − 1] = ConvTranspose(hat[i], B_{i+1}).
      const hat = [withMomentum && t > 1 ? momentum(g, top, previousTop, weight, hint) : top];
      for (let i = depth - 1; i > 0; i--) hat.unshift(ls[i].synthesis(hat[0], `${hint}/layer${i + 1}`));
      let previous = x;
      for (let i = 0; i < depth; i++) {
        const level = `${hint}/layer${i + 1}`;
        const synthesized = i > 0 ? hat[i - 1] : ls[0].synthesis(hat[0], level);
        previous = ls[i].step(hat[i], synthesized, previous, level);
      }
      previousTop = top;
      top = previous;
      t = tNext;
    }
    return [top];
  };
}

registerConverter(MlIsta, multiLayerIsta(false, false));
registerConverter(MlFista, multiLayerIsta(true, false));
registerConverter(MlLista, multiLayerIsta(false, true));
