/**
 * Converters of the core tfjs layers: dense, activations, flatten, reshape, permute, dropout,
 * batch normalisation and the merge layers.
 */
import * as tf from '@tensorflow/tfjs';
import {Value} from '../graph';
import {ConverterContext, registerConverter, tfjsLayerClass, unsupported} from '../registry';
import {activationName, applyActivation} from './common';

type Config = Record<string, unknown>;

function config(layer: tf.layers.Layer): Config {
  return layer.getConfig() as Config;
}

function identity(layer: tf.layers.Layer, {graph: g, inputs: [x]}: ConverterContext): Value[] {
  return [g.op('Identity', [x.name], `${layer.name}/identity`, x.shape, x.layout)];
}

registerConverter(tfjsLayerClass('Dropout'), identity);
registerConverter(tfjsLayerClass('SpatialDropout1D'), identity);
registerConverter(tfjsLayerClass('GaussianNoise'), identity);
registerConverter(tfjsLayerClass('GaussianDropout'), identity);
registerConverter(tfjsLayerClass('AlphaDropout'), identity);

registerConverter(tfjsLayerClass('Dense'), (layer, {graph: g, inputs: [input], outputShapes: [shape]}) => {
  const x = g.nhwc(input);
  const [kernel, bias] = layer.getWeights();
  let y = g.op('MatMul', [x.name, g.tensor(`${layer.name}/kernel`, kernel)], `${layer.name}/matmul`, shape, x.layout);
  if (config(layer).useBias) {
    y = g.op('Add', [y.name, g.tensor(`${layer.name}/bias`, bias)], `${layer.name}/bias_add`, shape, x.layout);
  }
  return [applyActivation(g, layer, y, activationName((layer as unknown as {activation: unknown}).activation),
                          layer.name)];
});

registerConverter(tfjsLayerClass('Activation'), (layer, {graph: g, inputs: [x]}) =>
  [applyActivation(g, layer, x, activationName((layer as unknown as {activation: unknown}).activation), layer.name)]);

registerConverter(tfjsLayerClass('ReLU'), (layer, {graph: g, inputs: [x]}) => {
  const c = config(layer);
  if (c.maxValue != null) {
    return [g.op('Clip', [x.name, g.scalar(`${layer.name}/zero`, 0), g.scalar(`${layer.name}/max`, c.maxValue as number)],
                 `${layer.name}/relu`, x.shape, x.layout)];
  }
  return [g.op('Relu', [x.name], `${layer.name}/relu`, x.shape, x.layout)];
});

registerConverter(tfjsLayerClass('LeakyReLU'), (layer, {graph: g, inputs: [x]}) =>
  [g.op('LeakyRelu', [x.name], `${layer.name}/leaky_relu`, x.shape, x.layout, {alpha: {f: config(layer).alpha as number}})]);

registerConverter(tfjsLayerClass('ELU'), (layer, {graph: g, inputs: [x]}) =>
  [g.op('Elu', [x.name], `${layer.name}/elu`, x.shape, x.layout, {alpha: {f: config(layer).alpha as number}})]);

registerConverter(tfjsLayerClass('Softmax'), (layer, {graph: g, inputs: [input]}) => {
  const axis = config(layer).axis as number;
  const x = axis === -1 || axis === input.shape.length - 1 ? input : g.nhwc(input);
  const onnxAxis = x.layout === 'nchw' ? 1 : axis;
  return [g.op('Softmax', [x.name], `${layer.name}/softmax`, x.shape, x.layout, {axis: {i: onnxAxis}})];
});

registerConverter(tfjsLayerClass('Flatten'), (layer, {graph: g, inputs: [input], outputShapes: [shape]}) => {
  // tfjs flattens in NHWC order.
  const x = g.nhwc(input);
  return [g.op('Flatten', [x.name], `${layer.name}/flatten`, shape, 'plain', {axis: {i: 1}})];
});

registerConverter(tfjsLayerClass('Reshape'), (layer, {graph: g, inputs: [input], outputShapes: [shape]}) => {
  const x = g.nhwc(input);
  const target = config(layer).targetShape as number[];
  // 0 keeps the (symbolic) batch size.
  const dims = g.ints(`${layer.name}/shape`, [0, ...target]);
  return [g.op('Reshape', [x.name, dims], `${layer.name}/reshape`, shape, shape.length === 4 ? 'nhwc' : 'plain')];
});

registerConverter(tfjsLayerClass('Permute'), (layer, {graph: g, inputs: [input], outputShapes: [shape]}) => {
  const x = g.nhwc(input);
  const dims = config(layer).dims as number[];
  return [g.op('Transpose', [x.name], `${layer.name}/permute`, shape, shape.length === 4 ? 'nhwc' : 'plain',
               {perm: {ints: [0, ...dims]}})];
});

registerConverter(tfjsLayerClass('BatchNormalization'), (layer, {graph: g, inputs: [x]}) => {
  const c = config(layer);
  const rank = x.shape.length;
  const axis = (c.axis as number) < 0 ? rank + (c.axis as number) : c.axis as number;
  if (axis !== rank - 1) unsupported(layer, `normalisation over axis ${c.axis} (only the last axis)`);
  const weights = layer.getWeights();
  let i = 0;
  const gamma = c.scale ? weights[i++].dataSync() : undefined;
  const beta = c.center ? weights[i++].dataSync() : undefined;
  const mean = weights[i++].dataSync();
  const variance = weights[i++].dataSync();
  const eps = c.epsilon as number;
  // Inference: y = x·scale + shift with the moving statistics folded in.
  const scale = Array.from(mean, (_, j) => (gamma ? gamma[j] : 1) / Math.sqrt(variance[j] + eps));
  const shift = Array.from(mean, (m, j) => (beta ? beta[j] : 0) - m * scale[j]);
  const scaled = g.op('Mul', [x.name, g.channels(`${layer.name}/scale`, scale, x.layout)], `${layer.name}/scale`,
                      x.shape, x.layout);
  return [g.op('Add', [scaled.name, g.channels(`${layer.name}/shift`, shift, x.layout)], `${layer.name}/shift`,
               x.shape, x.layout)];
});

function merge(op: string) {
  return (layer: tf.layers.Layer, {graph: g, inputs, outputShapes: [shape]}: ConverterContext): Value[] => {
    const [first, ...rest] = inputs;
    return [rest.reduce((acc, v, i) => g.op(op, [acc.name, g.sameLayout(v, first).name],
                                             `${layer.name}/${op.toLowerCase()}${i + 1}`, shape, first.layout), first)];
  };
}

registerConverter(tfjsLayerClass('Add'), merge('Add'));
registerConverter(tfjsLayerClass('Multiply'), merge('Mul'));
registerConverter(tfjsLayerClass('Maximum'), merge('Max'));
registerConverter(tfjsLayerClass('Minimum'), merge('Min'));

registerConverter(tfjsLayerClass('Average'), (layer, ctx) => {
  const {graph: g, outputShapes: [shape]} = ctx;
  const [sum] = merge('Add')(layer, ctx);
  return [g.op('Mul', [sum.name, g.scalar(`${layer.name}/one_over_n`, 1 / ctx.inputs.length)],
               `${layer.name}/average`, shape, sum.layout)];
});

registerConverter(tfjsLayerClass('Concatenate'), (layer, {graph: g, inputs, outputShapes: [shape]}) => {
  const rank = shape.length;
  let axis = config(layer).axis as number;
  if (axis < 0) axis += rank;
  const first = inputs[0];
  const values = inputs.map((v) => g.sameLayout(v, first));
  const onnxAxis = first.layout === 'nchw' ? [0, 2, 3, 1][axis] : axis;
  return [g.op('Concat', values.map((v) => v.name), `${layer.name}/concat`, shape, first.layout,
               {axis: {i: onnxAxis}})];
});
