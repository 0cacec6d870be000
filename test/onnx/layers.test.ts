import * as tf from '@tensorflow/tfjs';
import '../../src/node';
import {expectOnnxMatchesTfjs, exportedFiles} from './helpers';

type LayerFactory = () => tf.layers.Layer[];

describe('onnx export: tfjs layers', () => {
  const files = exportedFiles();

  const image = [8, 8, 3];
  const cases: [string, number[], LayerFactory][] = [
    ['dense (relu, bias) on vectors', [5], () => [tf.layers.dense({units: 4, activation: 'relu'})]],
    ['dense (no bias, tanh) on images (last axis)', image, () => [tf.layers.dense({units: 2, useBias: false, activation: 'tanh'})]],
    ['conv2d same, stride 1, sigmoid', image, () => [tf.layers.conv2d({filters: 4, kernelSize: 3, padding: 'same', activation: 'sigmoid'})]],
    ['conv2d same, stride 2, odd size', [7, 9, 3], () => [tf.layers.conv2d({filters: 4, kernelSize: 3, strides: 2, padding: 'same'})]],
    ['conv2d valid, kernel [3, 2], stride [2, 1]', image, () => [tf.layers.conv2d({filters: 2, kernelSize: [3, 2], strides: [2, 1]})]],
    ['conv2d same, dilation 2, relu6', image, () => [tf.layers.conv2d({filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu6'})]],
    ['conv2dTranspose same, stride 2', [4, 5, 3], () => [tf.layers.conv2dTranspose({filters: 2, kernelSize: 3, strides: 2, padding: 'same'})]],
    ['conv2dTranspose valid, stride 2, kernel 3', [4, 5, 3], () => [tf.layers.conv2dTranspose({filters: 2, kernelSize: 3, strides: 2, padding: 'valid'})]],
    ['depthwiseConv2d, multiplier 2, same', image, () => [tf.layers.depthwiseConv2d({kernelSize: 3, depthMultiplier: 2, padding: 'same'})]],
    ['separableConv2d, stride 2, elu', image, () => [tf.layers.separableConv2d({filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu'})]],
    ['batchNormalization (moving statistics)', image, () => [tf.layers.batchNormalization({
      movingMeanInitializer: tf.initializers.constant({value: 0.3}),
      movingVarianceInitializer: tf.initializers.constant({value: 2}),
      gammaInitializer: tf.initializers.constant({value: 1.5}), betaInitializer: tf.initializers.constant({value: -0.2}),
    })]],
    ['activation softmax after conv (channels axis)', image, () => [tf.layers.conv2d({filters: 3, kernelSize: 1}),
                                                                    tf.layers.activation({activation: 'softmax'})]],
    ['activations: softplus, softsign, selu, hardSigmoid, swish', [6], () => ['softplus', 'softsign', 'selu', 'hardSigmoid', 'swish']
      .map((activation) => tf.layers.activation({activation: activation as 'relu'}))],
    ['reLU with maxValue, leakyReLU, elu layer', image, () => [tf.layers.reLU({maxValue: 0.5}), tf.layers.leakyReLU({alpha: 0.2}),
                                                               tf.layers.elu({})]],
    ['conv2d, flatten (NHWC order), dropout, dense', image, () => [tf.layers.conv2d({filters: 2, kernelSize: 3}),
                                                                   tf.layers.flatten(), tf.layers.dropout({rate: 0.5}),
                                                                   tf.layers.dense({units: 3})]],
    ['conv2d, reshape, permute', image, () => [tf.layers.conv2d({filters: 2, kernelSize: 1}),
                                               tf.layers.reshape({targetShape: [16, 8]}), tf.layers.permute({dims: [2, 1]})]],
    ['max and average pooling, same and valid', [9, 8, 2], () => [tf.layers.maxPooling2d({poolSize: 2, padding: 'same'}),
                                                                   tf.layers.averagePooling2d({poolSize: 2, strides: 1, padding: 'same'}),
                                                                   tf.layers.maxPooling2d({poolSize: 3, strides: 2, padding: 'valid'})]],
    ['conv2d then global average pooling', image, () => [tf.layers.conv2d({filters: 3, kernelSize: 3}),
                                                         tf.layers.globalAveragePooling2d({})]],
    ['global max pooling', image, () => [tf.layers.globalMaxPooling2d({})]],
    ['zeroPadding2d, upSampling2d nearest and bilinear', [4, 5, 2], () => [
      tf.layers.zeroPadding2d({padding: [[1, 2], [0, 1]]}), tf.layers.upSampling2d({size: [2, 3]}),
      tf.layers.conv2d({filters: 2, kernelSize: 1}), tf.layers.upSampling2d({size: [2, 2], interpolation: 'bilinear'})]],
  ];
  for (const [title, shape, make] of cases) {
    it(`${title} (input [batch, ${shape.join(', ')}])`, async () => {
      const layers = make();
      const model = tf.sequential({layers: [tf.layers.inputLayer({inputShape: shape}), ...layers]});
      files.add(await expectOnnxMatchesTfjs(model), title);
      model.dispose();
    });
  }

  it('functional model with two inputs: add, multiply, concatenate, average (mixed layouts)', async () => {
    const a = tf.input({shape: [6, 6, 2], name: 'left'});
    const b = tf.input({shape: [6, 6, 2], name: 'right'});
    const ca = tf.layers.conv2d({filters: 2, kernelSize: 3, padding: 'same'}).apply(a) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([ca, b]) as tf.SymbolicTensor;
    const product = tf.layers.multiply().apply([b, ca]) as tf.SymbolicTensor;
    const mean = tf.layers.average().apply([sum, product]) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate({axis: -1}).apply([mean, b]) as tf.SymbolicTensor;
    const vector = tf.layers.concatenate({axis: 1}).apply([
      tf.layers.flatten().apply(joined) as tf.SymbolicTensor, tf.layers.flatten().apply(a) as tf.SymbolicTensor,
    ]) as tf.SymbolicTensor;
    const model = tf.model({inputs: [a, b], outputs: [joined, vector]});
    files.add(await expectOnnxMatchesTfjs(model, [1, 2, 4]), 'two inputs');
  });

  files.checkerTest();
});
