/**
 * Building blocks shared by the converters: activations, thresholds and convolution padding.
 */
import * as tf from '@tensorflow/tfjs';
import {GraphBuilder, Value} from '../graph';
import {unsupported} from '../registry';

/** The name tfjs gives an activation (`layer.activation.getClassName()`), lower-camel-cased. */
export function activationName(activation: unknown): string {
  const name = (activation as {getClassName?: () => string} | undefined)?.getClassName?.() ?? 'linear';
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Applies a tfjs activation by name; element-wise ones keep the layout, softmax runs over channels. */
export function applyActivation(g: GraphBuilder, layer: tf.layers.Layer, x: Value, name: string, hint: string): Value {
  const same = (op: string, attrs = {}) => g.op(op, [x.name], `${hint}/${name}`, x.shape, x.layout, attrs);
  switch (name) {
    case 'linear': return x;
    case 'relu': return same('Relu');
    case 'sigmoid': return same('Sigmoid');
    case 'tanh': return same('Tanh');
    case 'softplus': return same('Softplus');
    case 'softsign': return same('Softsign');
    case 'elu': return same('Elu', {alpha: {f: 1}});
    case 'selu': return same('Selu');
    case 'hardSigmoid': return same('HardSigmoid', {alpha: {f: 0.2}, beta: {f: 0.5}});
    case 'relu6':
      return g.op('Clip', [x.name, g.scalar(`${hint}/zero`, 0), g.scalar(`${hint}/six`, 6)], `${hint}/relu6`,
                  x.shape, x.layout);
    case 'swish': {
      const s = g.op('Sigmoid', [x.name], `${hint}/swish_sigmoid`, x.shape, x.layout);
      return g.op('Mul', [x.name, s.name], `${hint}/swish`, x.shape, x.layout);
    }
    case 'softmax':
      return g.op('Softmax', [x.name], `${hint}/softmax`, x.shape, x.layout,
                  {axis: {i: x.layout === 'nchw' ? 1 : -1}});
    default:
      return unsupported(layer, `activation '${name}' has no ONNX lowering`);
  }
}

/**
 * Soft threshold `S_θ(v) = Sign(v)·Relu(|v| − θ)` (ONNX Shrink takes only a scalar θ), or
 * `Relu(v − θ)` with `nonNeg`. `theta` names a constant broadcasting against `v`.
 */
export function softThreshold(g: GraphBuilder, v: Value, theta: string, nonNeg: boolean, hint: string): Value {
  const op = (type: string, inputs: string[], suffix: string) => g.op(type, inputs, `${hint}/${suffix}`, v.shape, v.layout);
  if (nonNeg) return op('Relu', [op('Sub', [v.name, theta], 'sub').name], 'relu');
  const magnitude = op('Abs', [v.name], 'abs');
  const shrunk = op('Relu', [op('Sub', [magnitude.name, theta], 'sub').name], 'relu');
  return op('Mul', [op('Sign', [v.name], 'sign').name, shrunk.name], 'soft');
}

/**
 * Explicit ONNX pads `[top, left, bottom, right]` of a tfjs convolution: none for 'valid';
 * for 'same', `max((⌈n/s⌉ − 1)·s + (k − 1)·d + 1 − n, 0)` per axis, the larger half at the end
 * (as TensorFlow does). `size` is the input's spatial size; with stride 1 it is not needed.
 */
export function convPads(layer: tf.layers.Layer, size: (number | null)[], kernel: number[], strides: number[],
                         dilations: number[], padding: string): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding !== 'same') unsupported(layer, `padding '${padding}' (only 'same' and 'valid')`);
  const total = [0, 1].map((i) => {
    const extent = (kernel[i] - 1) * dilations[i] + 1;
    if (strides[i] === 1) return extent - 1;
    if (size[i] == null) unsupported(layer, `'same' padding with stride ${strides[i]} needs a known input size`);
    const n = size[i]!;
    return Math.max((Math.ceil(n / strides[i]) - 1) * strides[i] + extent - n, 0);
  });
  return [Math.floor(total[0] / 2), Math.floor(total[1] / 2),
          total[0] - Math.floor(total[0] / 2), total[1] - Math.floor(total[1] / 2)];
}

/**
 * ConvTranspose attributes for the adjoint of a convolution (code of spatial size `code`) back
 * to a signal of spatial size `signal`: the convolution's pads and the `output_padding` that
 * reaches `signal`.
 */
export function transposePads(layer: tf.layers.Layer, signal: (number | null)[], code: (number | null)[],
                              kernel: number[], strides: number[], padding: string):
    {pads: number[], outputPadding: number[]} {
  const pads = convPads(layer, signal, kernel, strides, [1, 1], padding);
  const outputPadding = [0, 1].map((i) => {
    if (signal[i] == null || code[i] == null) {
      if (strides[i] === 1) return 0;
      return unsupported(layer, `a transposed convolution with stride ${strides[i]} needs known spatial sizes`);
    }
    return signal[i]! - ((code[i]! - 1) * strides[i] + kernel[i] - pads[i] - pads[i + 2]);
  });
  return {pads, outputPadding};
}

/** The ONNX Conv/ConvTranspose weight `[C_out, C_in, kh, kw]` of a tfjs `[kh, kw, C_in, C_out]` kernel. */
export const KERNEL_TO_OIHW = [3, 2, 0, 1];

/** The current value of the layer's weight created as `name` (by `addWeight`). */
export function layerWeight(layer: tf.layers.Layer, name: string): tf.Tensor {
  const w = layer.weights.find((v) => v.originalName === name || v.originalName.endsWith(`/${name}`));
  if (!w) unsupported(layer, `weight '${name}' not found (is the layer built?)`);
  return w.read();
}

/** The spatial sizes `[H, W]` of a shape in tfjs order `[N, H, W, C]`. */
export function spatial(shape: (number | null)[]): (number | null)[] {
  return [shape[1], shape[2]];
}
