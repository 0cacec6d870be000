/**
 * Converters of the tfjs 2-D convolution, pooling, padding and upsampling layers. They work in
 * NCHW (see graph.ts on layouts); tfjs kernels `[kh, kw, C_in, C_out]` become ONNX weights
 * `[C_out, C_in, kh, kw]`.
 */
import * as tf from '@tensorflow/tfjs';
import {GraphBuilder, Value} from '../graph';
import {ConverterContext, registerConverter, tfjsLayerClass, unsupported} from '../registry';
import {activationName, applyActivation, convPads, KERNEL_TO_OIHW, transposePads} from './common';

type Config = Record<string, unknown>;

function pair(value: unknown): [number, number] {
  return (Array.isArray(value) ? value : [value, value]) as [number, number];
}

function channelsLast(layer: tf.layers.Layer): Config {
  const c = layer.getConfig() as Config;
  if (c.dataFormat != null && c.dataFormat !== 'channelsLast') {
    unsupported(layer, `dataFormat '${c.dataFormat}' (only 'channelsLast')`);
  }
  return c;
}

function activate(layer: tf.layers.Layer, {graph}: ConverterContext, y: Value): Value[] {
  const fn = (layer as unknown as {activation?: unknown}).activation;
  return [applyActivation(graph, layer, y, activationName(fn), layer.name)];
}

function spatial(shape: (number | null)[]): (number | null)[] {
  return [shape[1], shape[2]];
}

registerConverter(tfjsLayerClass('Conv2D'), (layer, ctx) => {
  const {graph: g, inputs: [input], outputShapes: [shape]} = ctx;
  const c = channelsLast(layer);
  const x = g.nchw(input);
  const [kernel, bias] = layer.getWeights();
  const k = pair(c.kernelSize);
  const strides = pair(c.strides);
  const dilations = pair(c.dilationRate ?? 1);
  const inputs = [x.name, g.tensor(`${layer.name}/kernel`, kernel, KERNEL_TO_OIHW)];
  if (c.useBias) inputs.push(g.tensor(`${layer.name}/bias`, bias));
  const y = g.op('Conv', inputs, `${layer.name}/conv`, shape, 'nchw', {
    kernel_shape: {ints: k}, strides: {ints: strides}, dilations: {ints: dilations},
    pads: {ints: convPads(layer, spatial(input.shape), k, strides, dilations, c.padding as string)},
  });
  return activate(layer, ctx, y);
});

registerConverter(tfjsLayerClass('Conv2DTranspose'), (layer, ctx) => {
  const {graph: g, inputs: [input], outputShapes: [shape]} = ctx;
  const c = channelsLast(layer);
  if (pair(c.dilationRate ?? 1).some((d) => d !== 1)) unsupported(layer, 'dilationRate other than 1');
  const x = g.nchw(input);
  const [kernel, bias] = layer.getWeights();
  const k = pair(c.kernelSize);
  const strides = pair(c.strides);
  const {pads, outputPadding} = transposePads(layer, spatial(shape), spatial(input.shape), k, strides,
                                              c.padding as string);
  const inputs = [x.name, g.tensor(`${layer.name}/kernel`, kernel, KERNEL_TO_OIHW)];
  if (c.useBias) inputs.push(g.tensor(`${layer.name}/bias`, bias));
  const y = g.op('ConvTranspose', inputs, `${layer.name}/conv_transpose`, shape, 'nchw', {
    kernel_shape: {ints: k}, strides: {ints: strides}, pads: {ints: pads}, output_padding: {ints: outputPadding},
  });
  return activate(layer, ctx, y);
});

/** A depthwise convolution of `x` (NCHW) by a tfjs kernel `[kh, kw, C, m]`: Conv with `group = C`. */
function depthwise(layer: tf.layers.Layer, g: GraphBuilder, x: Value, kernel: tf.Tensor, shape: (number | null)[],
                   c: Config, bias?: tf.Tensor): Value {
  const [kh, kw, channels, multiplier] = kernel.shape;
  // Output channel c·m + j of tfjs uses kernel[:, :, c, j]: ONNX weight [C·m, 1, kh, kw].
  const weight = tf.tidy(() => tf.reshape(tf.transpose(kernel, [2, 3, 0, 1]), [channels * multiplier, 1, kh, kw]));
  const inputs = [x.name, g.tensor(`${layer.name}/depthwise_kernel`, weight)];
  weight.dispose();
  if (bias) inputs.push(g.tensor(`${layer.name}/bias`, bias));
  const strides = pair(c.strides);
  const dilations = pair(c.dilationRate ?? 1);
  return g.op('Conv', inputs, `${layer.name}/depthwise`, shape, 'nchw', {
    kernel_shape: {ints: [kh, kw]}, strides: {ints: strides}, dilations: {ints: dilations}, group: {i: channels},
    pads: {ints: convPads(layer, spatial(x.shape), [kh, kw], strides, dilations, c.padding as string)},
  });
}

registerConverter(tfjsLayerClass('DepthwiseConv2D'), (layer, ctx) => {
  const {graph: g, inputs: [input], outputShapes: [shape]} = ctx;
  const c = channelsLast(layer);
  const [kernel, bias] = layer.getWeights();
  return activate(layer, ctx, depthwise(layer, g, g.nchw(input), kernel, shape, c, c.useBias ? bias : undefined));
});

registerConverter(tfjsLayerClass('SeparableConv2D'), (layer, ctx) => {
  const {graph: g, inputs: [input], outputShapes: [shape]} = ctx;
  const c = channelsLast(layer);
  const [dw, pw, bias] = layer.getWeights();
  const x = g.nchw(input);
  const mid = [shape[0], shape[1], shape[2], dw.shape[2]! * dw.shape[3]!];
  const d = depthwise(layer, g, x, dw, mid, c);
  const inputs = [d.name, g.tensor(`${layer.name}/pointwise_kernel`, pw, KERNEL_TO_OIHW)];
  if (c.useBias) inputs.push(g.tensor(`${layer.name}/bias`, bias));
  const y = g.op('Conv', inputs, `${layer.name}/pointwise`, shape, 'nchw', {kernel_shape: {ints: [1, 1]}});
  return activate(layer, ctx, y);
});

function pooling(op: string) {
  return (layer: tf.layers.Layer, {graph: g, inputs: [input], outputShapes: [shape]}: ConverterContext): Value[] => {
    const c = channelsLast(layer);
    const x = g.nchw(input);
    const k = pair(c.poolSize);
    const strides = pair(c.strides ?? c.poolSize);
    const pads = convPads(layer, spatial(input.shape), k, strides, [1, 1], c.padding as string);
    return [g.op(op, [x.name], `${layer.name}/${op === 'MaxPool' ? 'max_pool' : 'average_pool'}`, shape, 'nchw', {
      kernel_shape: {ints: k}, strides: {ints: strides}, pads: {ints: pads},
    })];
  };
}

registerConverter(tfjsLayerClass('MaxPooling2D'), pooling('MaxPool'));
registerConverter(tfjsLayerClass('AveragePooling2D'), pooling('AveragePool'));

function globalPooling(op: string) {
  return (layer: tf.layers.Layer, {graph: g, inputs: [x], outputShapes: [shape]}: ConverterContext): Value[] => {
    const c = channelsLast(layer);
    if (c.keepDims) unsupported(layer, 'keepDims');
    const axes = x.layout === 'nchw' ? [2, 3] : [1, 2];
    return [g.op(op, [x.name], `${layer.name}/${op === 'ReduceMax' ? 'max' : 'mean'}`, shape, 'plain', {
      axes: {ints: axes}, keepdims: {i: 0},
    })];
  };
}

registerConverter(tfjsLayerClass('GlobalAveragePooling2D'), globalPooling('ReduceMean'));
registerConverter(tfjsLayerClass('GlobalMaxPooling2D'), globalPooling('ReduceMax'));

registerConverter(tfjsLayerClass('ZeroPadding2D'), (layer, {graph: g, inputs: [x], outputShapes: [shape]}) => {
  const c = channelsLast(layer);
  const [[top, bottom], [left, right]] = c.padding as [[number, number], [number, number]];
  const pads = x.layout === 'nchw' ? [0, 0, top, left, 0, 0, bottom, right] : [0, top, left, 0, 0, bottom, right, 0];
  return [g.op('Pad', [x.name, g.ints(`${layer.name}/pads`, pads)], `${layer.name}/pad`, shape, x.layout)];
});

registerConverter(tfjsLayerClass('UpSampling2D'), (layer, {graph: g, inputs: [input], outputShapes: [shape]}) => {
  const c = channelsLast(layer);
  const [sh, sw] = pair(c.size);
  const interpolation = (c.interpolation ?? 'nearest') as string;
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') {
    unsupported(layer, `interpolation '${interpolation}'`);
  }
  const x = g.nchw(input);
  const scales = g.floats(`${layer.name}/scales`, [1, 1, sh, sw], [4]);
  return [g.op('Resize', [x.name, '', scales], `${layer.name}/resize`, shape, 'nchw', {
    mode: {s: interpolation === 'nearest' ? 'nearest' : 'linear'},
    coordinate_transformation_mode: {s: 'asymmetric'},
    nearest_mode: {s: 'floor'},
  })];
});
