import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {MlIsta, mlIsta} from '../../layers/ml_ista';
import {ConvDictionary, ista, powerIteration} from '../../src/ops';
import {publishedUnfoldingOf, UNFOLDING_CHECK_ARGS, unfoldingCheckInput} from './ml_csc_reference';
import {expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectSaveLoadRoundTrip,
        expectThrows} from '../helpers';

/** The CNN `conv2d + ReLU` stack with the same weights as `layer`. */
function cnn(layer: MlIsta, inputShape: number[]): tf.Sequential {
  const model = tf.sequential({layers: layer.filters.map((filters, i) => tf.layers.conv2d({
    filters, kernelSize: layer.kernelSize[i], strides: layer.strides[i], padding: layer.padding,
    activation: 'relu', ...(i === 0 ? {inputShape} : {}),
  }))});
  model.setWeights(layer.getWeights().slice(0, 2 * layer.depth));
  return model;
}

describe('mlIsta', () => {
  it('3 layers, 3 unfoldings: the published forward pass written out (strides [2, 2, 1], 16×16×1, steps ≠ 1)', () => {
    const layer = mlIsta(UNFOLDING_CHECK_ARGS);
    const x = unfoldingCheckInput();
    const y = layer.apply(x) as tf.Tensor;
    const expected = publishedUnfoldingOf(layer, x, false);
    assert.ok(tf.sum(tf.abs(expected)).dataSync()[0] > 0, 'non-zero codes');
    expectClose(y, expected, 1e-5);
  });

  for (const [padding, strides, size] of [['valid', [1, 2], 12], ['same', [2, 1], 9]] as const) {
    it(`0 unfoldings = layered thresholding = the CNN (2 layers, ${padding}, strides ${strides}, ${size}×${size}×2)`, () => {
      const layer = mlIsta({filters: [3, 4], kernelSize: [3, [2, 3]], strides: [...strides], padding,
                            iterations: 0, biasInitializer: 'randomNormal'});
      const x = tf.randomNormal([2, size, size, 2], 0, 1, 'float32', 1);
      const y = layer.apply(x) as tf.Tensor;
      assert.equal(layer.getWeights().length, 6, 'kernels, biases and one step per layer');
      expectClose(y, cnn(layer, [size, size, 2]).predict(x) as tf.Tensor, 1e-5);
      assert.deepEqual(y.shape, layer.computeOutputShape([2, size, size, 2]));
    });
  }

  it('1 layer, 5 unfoldings with c = 1/L, b = −λ/L: ISTA from the thresholding start (λ = 0.1, 8×8×2 → 4 channels)', () => {
    const layer = mlIsta({filters: [4], kernelSize: 3, padding: 'same', iterations: 5});
    const x = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 2);
    layer.apply(x);
    const [kernel] = layer.getWeights() as [tf.Tensor4D];
    const op = new ConvDictionary(kernel, 1, 'same', [8, 8]);
    const lipschitz = powerIteration(op, tf.ones([1, 8, 8, 4]), 100).value.dataSync()[0] * 1.01;
    const lambda = 0.1;
    layer.setWeights([kernel, tf.fill([4], -lambda / lipschitz), tf.tensor1d([1 / lipschitz])]);
    const start = tf.relu(tf.sub(op.adjoint(x), lambda / lipschitz));
    expectClose(layer.apply(x) as tf.Tensor,
                ista(op, x, {lambda, lipschitz, iterations: 5, nonNeg: true, start}), 1e-5);
  });

  it('1 layer, 800 unfoldings with c = 1/L, b = −λ/L: the non-negative LASSO solution of 3000 ISTA steps from zero (λ = 0.2, 8×8×1)', () => {
    const layer = mlIsta({filters: [3], kernelSize: 3, padding: 'valid', iterations: 800,
                          kernelInitializer: tf.initializers.glorotUniform({seed: 3})});
    const x = tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 3);
    layer.apply(x);
    const [kernel] = layer.getWeights() as [tf.Tensor4D];
    const op = new ConvDictionary(kernel, 1, 'valid', [8, 8]);
    const lipschitz = powerIteration(op, tf.ones([1, 6, 6, 3]), 100).value.dataSync()[0] * 1.01;
    const lambda = 0.2;
    layer.setWeights([kernel, tf.fill([3], -lambda / lipschitz), tf.tensor1d([1 / lipschitz])]);
    const solution = ista(op, x, {lambda, lipschitz, iterations: 3000, nonNeg: true});
    assert.ok(tf.sum(solution).dataSync()[0] > 0, 'non-trivial solution');
    expectClose(layer.apply(x) as tf.Tensor, solution, 1e-3);
  });

  it('works in tf.sequential and in a functional tf.model (3 layers, 12×12×1, 2 unfoldings)', () => {
    const args = {filters: [2, 3, 4], kernelSize: [3, 3, 2], strides: [1, 2, 1], iterations: 2};
    const seq = tf.sequential({layers: [mlIsta({...args, inputShape: [12, 12, 1]}), tf.layers.flatten()]});
    const input = tf.input({shape: [12, 12, 1]});
    const layer = mlIsta(args);
    const output = layer.apply(input) as tf.SymbolicTensor;
    const functional = tf.model({inputs: input, outputs: output});
    const x = tf.randomNormal([3, 12, 12, 1], 0, 1, 'float32', 4);
    assert.deepEqual((seq.predict(x) as tf.Tensor).shape, [3, 3 * 3 * 4]);
    assert.deepEqual(output.shape, [null, 3, 3, 4]);
    assert.deepEqual((functional.predict(x) as tf.Tensor).shape, [3, 3, 3, 4]);
  });

  it('save → load round trip keeps config, weights and output (2 layers, 3 unfoldings)', async () => {
    const model = tf.sequential({layers: [mlIsta({
      filters: [2, 3], kernelSize: 3, strides: [2, 1], padding: 'same', iterations: 3,
      stepInitializer: tf.initializers.constant({value: 0.5}), biasInitializer: 'randomNormal',
      inputShape: [8, 8, 1]})]});
    const loaded = await expectSaveLoadRoundTrip(model, tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 5));
    const config = loaded.layers[0].getConfig();
    assert.equal(config.iterations, 3);
    assert.deepEqual(config.strides, [[2, 2], [1, 1]]);
  });

  it('leaves no tensors behind (2 layers, 2 unfoldings)', () => {
    const layer = mlIsta({filters: [2, 3], kernelSize: 3, iterations: 2});
    const x = tf.randomNormal([1, 8, 8, 2]);
    expectNoLeak(() => layer.apply(x) as tf.Tensor);
  });

  it('gradients in the input and the filters match finite differences (2 layers, 2 unfoldings, 8×8×1)', () => {
    const layer = mlIsta({filters: [2, 3], kernelSize: 3, iterations: 2, kernelInitializer: tf.initializers.glorotUniform({seed: 10}),
                          biasInitializer: tf.initializers.constant({value: 0.1}),
                          stepInitializer: tf.initializers.constant({value: 0.3})});
    const x = tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 6);
    layer.apply(x);
    const weights = layer.getWeights();
    expectGradientMatchesFiniteDifference((input) => tf.sum(tf.square(layer.forward(input))), x, 6, 1e-3);
    for (const j of [0, 2, 4]) { // kernel_1, kernel_2, step_1
      expectGradientMatchesFiniteDifference(
        (wj) => tf.sum(tf.square(layer.forward(x, weights.map((w, i) => (i === j ? wj : w))))),
        weights[j], 6, 1e-3);
    }
    const {grads} = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar);
    assert.equal(Object.keys(grads).length, 6, 'every weight gets a gradient');
  });

  describe('rejects bad arguments, naming them', () => {
    const good = {filters: [2, 3], kernelSize: 3};
    const cases: [string, object, RegExp][] = [
      ['filters = []', {filters: []}, /mlIsta: filters must be a non-empty array.*got \[\]/],
      ['filters = [2, 0]', {filters: [2, 0]}, /mlIsta: filters\[1\] must be a positive integer, got 0/],
      ['kernelSize = [3]', {kernelSize: [3]}, /mlIsta: kernelSize must be .*array of 2.*got \[3\]/],
      ['kernelSize = [3, 0]', {kernelSize: [3, 0]}, /mlIsta: kernelSize\[1\] must be a positive integer.*got 0/],
      ['strides = 1.5', {strides: 1.5}, /mlIsta: strides must be a positive integer or a pair.*got 1\.5/],
      ['padding = causal', {padding: 'causal'}, /mlIsta: padding must be one of 'valid', 'same', got 'causal'/],
      ['useBias = 1', {useBias: 1}, /mlIsta: useBias must be true or false, got 1/],
      ['iterations = -1', {iterations: -1}, /mlIsta: iterations must be a non-negative integer, got -1/],
      ['kernelInitializer = nope', {kernelInitializer: 'nope'}, /mlIsta: kernelInitializer must be a tf.initializers name.*got 'nope'/],
      ['stepInitializer = 3', {stepInitializer: 3}, /mlIsta: stepInitializer must be a tf.initializers name.*got 3/],
    ];
    for (const [title, bad, message] of cases) {
      it(title, () => expectThrows(() => mlIsta({...good, ...bad} as never), message));
    }
    it('input without known channels', () => {
      expectThrows(() => mlIsta(good).apply(tf.input({shape: [8, 8]})),
                   /mlIsta: input shape must be \[batch, H, W, channels\].*got \['null', '8', '8'\]/);
    });
  });
});
