import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {MlLista, mlLista} from '../../layers/ml_lista';
import {mlIsta} from '../../layers/ml_ista';
import {expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectSaveLoadRoundTrip,
        expectThrows} from '../helpers';

describe('mlLista', () => {
  it('0 unfoldings = the CNN with the analysis filters W_i (2 layers, same, strides [1, 2], 9×9×2)', () => {
    const layer = mlLista({filters: [3, 2], kernelSize: [3, 2], strides: [1, 2], padding: 'same', iterations: 0,
                           biasInitializer: 'randomNormal', synthesisInitializer: 'randomNormal'});
    const x = tf.randomNormal([2, 9, 9, 2], 0, 1, 'float32', 1);
    const y = layer.apply(x) as tf.Tensor;
    const cnn = tf.sequential({layers: [
      tf.layers.conv2d({filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [9, 9, 2]}),
      tf.layers.conv2d({filters: 2, kernelSize: 2, strides: 2, padding: 'same', activation: 'relu'})]});
    cnn.setWeights(layer.getWeights().slice(0, 4));
    expectClose(y, cnn.predict(x) as tf.Tensor, 1e-5);
    assert.deepEqual(y.shape, layer.computeOutputShape([2, 9, 9, 2]));
  });

  it('B_i = W_i (the default start): equals ML-ISTA with c_i = 1 (2 layers, 3 unfoldings, 10×10×1)', () => {
    const args = {filters: [3, 2], kernelSize: 3, strides: [2, 1], iterations: 3,
                  kernelInitializer: tf.initializers.randomNormal({stddev: 0.2, seed: 2}),
                  biasInitializer: tf.initializers.constant({value: -0.05})};
    const lista = mlLista(args);
    const plain = mlIsta(args);
    const x = tf.randomNormal([2, 10, 10, 1], 0, 1, 'float32', 3);
    const y = lista.apply(x) as tf.Tensor;
    const weights = lista.getWeights();
    expectClose(weights[4], weights[0], 0);
    expectClose(weights[5], weights[2], 0);
    plain.apply(x);
    plain.setWeights([...weights.slice(0, 4), tf.ones([1]), tf.ones([1])]);
    expectClose(y, plain.apply(x) as tf.Tensor, 1e-5);
    assert.ok(tf.sum(y).dataSync()[0] > 0, 'non-trivial output');
  });

  it('separate B_i: the backward pass and DΓ use B_i, Dᵀ uses W_i (1 layer, 1 unfolding, 6×6×1)', () => {
    const layer = mlLista({filters: [2], kernelSize: 3, padding: 'same', iterations: 1,
                           synthesisInitializer: tf.initializers.randomNormal({seed: 4})});
    const x = tf.randomNormal([1, 6, 6, 1], 0, 1, 'float32', 5);
    const y = layer.apply(x) as tf.Tensor;
    const [w, b, s] = layer.getWeights() as [tf.Tensor4D, tf.Tensor, tf.Tensor4D];
    const gamma = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w, 1, 'same'), b));
    const synth = tf.conv2dTranspose(gamma as tf.Tensor4D, s, [1, 6, 6, 1], 1, 'same');
    const expected = tf.relu(tf.add(tf.sub(gamma, tf.conv2d(tf.sub(synth, x) as tf.Tensor4D, w, 1, 'same')), b));
    expectClose(y, expected, 1e-5);
  });

  it('works in tf.sequential and in a functional tf.model (2 layers, 10×10×1, 2 unfoldings)', () => {
    const args = {filters: [2, 3], kernelSize: 3, strides: [2, 1], iterations: 2};
    const seq = tf.sequential({layers: [mlLista({...args, inputShape: [10, 10, 1]}), tf.layers.flatten()]});
    const input = tf.input({shape: [10, 10, 1]});
    const output = mlLista(args).apply(input) as tf.SymbolicTensor;
    const x = tf.randomNormal([3, 10, 10, 1]);
    assert.deepEqual((seq.predict(x) as tf.Tensor).shape, [3, 2 * 2 * 3]);
    assert.deepEqual(output.shape, [null, 2, 2, 3]);
    assert.deepEqual((tf.model({inputs: input, outputs: output}).predict(x) as tf.Tensor).shape, [3, 2, 2, 3]);
  });

  it('save → load round trip keeps config, weights and output (2 layers, 2 unfoldings, separate B)', async () => {
    const model = tf.sequential({layers: [mlLista({
      filters: [2, 3], kernelSize: 3, padding: 'same', iterations: 2, synthesisInitializer: 'glorotNormal',
      biasInitializer: 'randomNormal', inputShape: [8, 8, 1]})]});
    const loaded = await expectSaveLoadRoundTrip(model, tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 6));
    assert.ok(loaded.layers[0] instanceof MlLista);
    assert.equal(loaded.getWeights().length, 6);
  });

  it('leaves no tensors behind (2 layers, 2 unfoldings)', () => {
    const layer = mlLista({filters: [2, 3], kernelSize: 3, iterations: 2});
    const x = tf.randomNormal([1, 8, 8, 2]);
    expectNoLeak(() => layer.apply(x) as tf.Tensor);
  });

  it('gradients in the input, W_i and B_i match finite differences (2 layers, 2 unfoldings, 8×8×1)', () => {
    const layer = mlLista({filters: [2, 3], kernelSize: 3, iterations: 2,
                           kernelInitializer: tf.initializers.randomNormal({stddev: 0.3, seed: 7}),
                           synthesisInitializer: tf.initializers.randomNormal({stddev: 0.3, seed: 8}),
                           biasInitializer: tf.initializers.constant({value: 0.1})});
    const x = tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 9);
    layer.apply(x);
    const weights = layer.getWeights();
    expectGradientMatchesFiniteDifference((input) => tf.sum(tf.square(layer.forward(input))), x, 6, 1e-3);
    for (const j of [0, 4, 5]) { // kernel_1, synthesis_kernel_1, synthesis_kernel_2
      expectGradientMatchesFiniteDifference(
        (wj) => tf.sum(tf.square(layer.forward(x, weights.map((w, i) => (i === j ? wj : w))))), weights[j], 6, 1e-3);
    }
  });

  describe('rejects bad arguments, naming them', () => {
    const good = {filters: [2, 3], kernelSize: 3};
    const cases: [string, object, RegExp][] = [
      ['filters = [0]', {filters: [0]}, /mlLista: filters\[0\] must be a positive integer, got 0/],
      ['kernelSize = [3, [3, 3, 3]]', {kernelSize: [3, [3, 3, 3]]}, /mlLista: kernelSize\[1\] must be .*got \[3, 3, 3\]/],
      ['padding = 1', {padding: 1}, /mlLista: padding must be one of 'valid', 'same', got 1/],
      ['iterations = -2', {iterations: -2}, /mlLista: iterations must be a non-negative integer, got -2/],
      ['synthesisInitializer = 7', {synthesisInitializer: 7}, /mlLista: synthesisInitializer must be a tf.initializers name.*got 7/],
    ];
    for (const [title, bad, message] of cases) {
      it(title, () => expectThrows(() => mlLista({...good, ...bad} as never), message));
    }
  });
});
