import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {MlFista, mlFista} from '../../layers/ml_fista';
import {mlIsta} from '../../layers/ml_ista';
import {publishedUnfoldingOf, UNFOLDING_CHECK_ARGS, unfoldingCheckInput} from './ml_csc_reference';
import {ConvDictionary, ista, lassoObjective, powerIteration} from '../../src/ops';
import {expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectSaveLoadRoundTrip,
        expectThrows} from '../helpers';

/** A 1-layer kernel scaled so that `‖D‖² < 1`: then `c = 1` is a valid step and thresholding is ISTA's first step. */
function contraction(kernel: tf.Tensor4D, size: number): tf.Tensor4D {
  const op = new ConvDictionary(kernel, 1, 'same', [size, size]);
  const lipschitz = powerIteration(op, tf.ones([1, size, size, kernel.shape[3]]), 100).value.dataSync()[0];
  return tf.div(kernel, Math.sqrt(lipschitz * 1.01));
}

describe('mlFista', () => {
  it('3 layers, 3 unfoldings: the published forward pass written out (strides [2, 2, 1], 16×16×1, steps ≠ 1)', () => {
    const layer = mlFista(UNFOLDING_CHECK_ARGS);
    const x = unfoldingCheckInput();
    const y = layer.apply(x) as tf.Tensor;
    expectClose(y, publishedUnfoldingOf(layer, x, true), 1e-5);
    const withoutMomentum = publishedUnfoldingOf(layer, x, false);
    assert.ok(tf.max(tf.abs(tf.sub(y, withoutMomentum))).dataSync()[0] > 1e-3, 'the momentum changes the codes');
  });

  it('0 unfoldings = the CNN with the same weights (2 layers, valid, strides [2, 1], 11×11×2)', () => {
    const layer = mlFista({filters: [3, 2], kernelSize: 3, strides: [2, 1], iterations: 0,
                           biasInitializer: 'randomNormal'});
    const x = tf.randomNormal([2, 11, 11, 2], 0, 1, 'float32', 1);
    const y = layer.apply(x) as tf.Tensor;
    const cnn = tf.sequential({layers: [
      tf.layers.conv2d({filters: 3, kernelSize: 3, strides: 2, activation: 'relu', inputShape: [11, 11, 2]}),
      tf.layers.conv2d({filters: 2, kernelSize: 3, activation: 'relu'})]});
    cnn.setWeights(layer.getWeights().slice(0, 4));
    expectClose(y, cnn.predict(x) as tf.Tensor, 1e-5);
    assert.deepEqual(y.shape, layer.computeOutputShape([2, 11, 11, 2]));
  });

  it('1 layer, ‖D‖² < 1, c = 1, b = −λ: T unfoldings = T + 1 FISTA steps from zero (T = 6, λ = 0.1, 8×8×2)', () => {
    const layer = mlFista({filters: [4], kernelSize: 3, padding: 'same', iterations: 6});
    const x = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 2);
    layer.apply(x);
    const kernel = contraction(layer.getWeights()[0] as tf.Tensor4D, 8);
    layer.setWeights([kernel, tf.fill([4], -0.1), tf.tensor1d([1])]);
    const op = new ConvDictionary(kernel, 1, 'same', [8, 8]);
    expectClose(layer.apply(x) as tf.Tensor,
                ista(op, x, {lambda: 0.1, lipschitz: 1, iterations: 7, nonNeg: true, fista: true}), 1e-5);
  });

  it('1 layer, 20 unfoldings: a lower LASSO objective than ML-ISTA with the same weights (λ = 0.1, 8×8×1)', () => {
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 3);
    const fista = mlFista({filters: [4], kernelSize: 3, padding: 'same', iterations: 20});
    const plain = mlIsta({filters: [4], kernelSize: 3, padding: 'same', iterations: 20});
    fista.apply(x);
    plain.apply(x);
    const kernel = contraction(fista.getWeights()[0] as tf.Tensor4D, 8);
    const weights = [kernel, tf.fill([4], -0.1), tf.tensor1d([1])];
    fista.setWeights(weights);
    plain.setWeights(weights);
    const op = new ConvDictionary(kernel, 1, 'same', [8, 8]);
    const objective = (z: tf.Tensor) => lassoObjective(op, x, z, 0.1).dataSync()[0];
    assert.ok(objective(fista.apply(x) as tf.Tensor) < objective(plain.apply(x) as tf.Tensor));
  });

  it('works in tf.sequential and in a functional tf.model (2 layers, 10×10×1, 3 unfoldings)', () => {
    const args = {filters: [2, 3], kernelSize: 3, strides: [2, 1], iterations: 3};
    const seq = tf.sequential({layers: [mlFista({...args, inputShape: [10, 10, 1]}), tf.layers.flatten()]});
    const input = tf.input({shape: [10, 10, 1]});
    const output = mlFista(args).apply(input) as tf.SymbolicTensor;
    const x = tf.randomNormal([3, 10, 10, 1]);
    assert.deepEqual((seq.predict(x) as tf.Tensor).shape, [3, 2 * 2 * 3]);
    assert.deepEqual(output.shape, [null, 2, 2, 3]);
    assert.deepEqual((tf.model({inputs: input, outputs: output}).predict(x) as tf.Tensor).shape, [3, 2, 2, 3]);
  });

  it('save → load round trip keeps config, weights and output (2 layers, 3 unfoldings)', async () => {
    const model = tf.sequential({layers: [mlFista({
      filters: [2, 3], kernelSize: 3, padding: 'same', strides: 2, iterations: 3,
      stepInitializer: tf.initializers.constant({value: 0.4}), biasInitializer: 'randomNormal', inputShape: [8, 8, 1]})]});
    const loaded = await expectSaveLoadRoundTrip(model, tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 4));
    assert.ok(loaded.layers[0] instanceof MlFista);
    assert.equal(loaded.layers[0].getConfig().iterations, 3);
  });

  it('leaves no tensors behind (2 layers, 3 unfoldings)', () => {
    const layer = mlFista({filters: [2, 3], kernelSize: 3, iterations: 3});
    const x = tf.randomNormal([1, 8, 8, 2]);
    expectNoLeak(() => layer.apply(x) as tf.Tensor);
  });

  it('gradients in the input, the filters and a step match finite differences (2 layers, 3 unfoldings, 8×8×1)', () => {
    const layer = mlFista({filters: [2, 3], kernelSize: 3, iterations: 3,
                           kernelInitializer: tf.initializers.glorotUniform({seed: 10}),
                           biasInitializer: tf.initializers.constant({value: 0.1}),
                           stepInitializer: tf.initializers.constant({value: 0.3})});
    const x = tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 5);
    layer.apply(x);
    const weights = layer.getWeights();
    expectGradientMatchesFiniteDifference((input) => tf.sum(tf.square(layer.forward(input))), x, 6, 1e-3);
    for (const j of [0, 2, 5]) { // kernel_1, kernel_2, step_2
      expectGradientMatchesFiniteDifference(
        (wj) => tf.sum(tf.square(layer.forward(x, weights.map((w, i) => (i === j ? wj : w))))), weights[j], 6, 1e-3);
    }
  });

  describe('rejects bad arguments, naming them', () => {
    const good = {filters: [2, 3], kernelSize: 3};
    const cases: [string, object, RegExp][] = [
      ['filters = [3, -1]', {filters: [3, -1]}, /mlFista: filters\[1\] must be a positive integer, got -1/],
      ['kernelSize = 0', {kernelSize: 0}, /mlFista: kernelSize must be a positive integer or a pair.*got 0/],
      ['strides = [1, [2, 0]]', {strides: [1, [2, 0]]}, /mlFista: strides\[1\] must be a positive integer or a pair.*got \[2, 0\]/],
      ['padding = causal', {padding: 'causal'}, /mlFista: padding must be one of 'valid', 'same', got 'causal'/],
      ['iterations = 2.5', {iterations: 2.5}, /mlFista: iterations must be a non-negative integer, got 2\.5/],
      ['stepInitializer = heNope', {stepInitializer: 'heNope'}, /mlFista: stepInitializer must be a tf.initializers name.*got 'heNope'/],
    ];
    for (const [title, bad, message] of cases) {
      it(title, () => expectThrows(() => mlFista({...good, ...bad} as never), message));
    }
  });
});
