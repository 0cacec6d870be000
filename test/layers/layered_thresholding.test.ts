import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {LayeredThresholding, layeredThresholding} from '../../layers/layered_thresholding';
import {expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectSaveLoadRoundTrip,
        expectThrows} from '../helpers';

describe('layeredThresholding', () => {
  for (const [padding, strides, size, useBias] of [
    ['valid', [1, 2, 1], 12, true], ['same', [2, 1, 2], 9, true], ['valid', 1, 8, false],
  ] as const) {
    it(`equals tf.sequential conv2d({activation: 'relu'}) with the same weights (3 layers, ${padding}, ` +
       `strides ${strides}, useBias ${useBias}, ${size}×${size}×2)`, () => {
      const filters = [3, 4, 2];
      const kernelSize: [number, number][] = [[3, 3], [2, 3], [2, 2]];
      const layer = layeredThresholding({filters, kernelSize, strides: typeof strides === 'number' ? strides : [...strides],
                                         padding, useBias, biasInitializer: 'randomNormal'});
      const x = tf.randomNormal([2, size, size, 2], 0, 1, 'float32', 1);
      const y = layer.apply(x) as tf.Tensor;
      const cnn = tf.sequential({layers: filters.map((f, i) => tf.layers.conv2d({
        filters: f, kernelSize: kernelSize[i], strides: layer.strides[i], padding, useBias, activation: 'relu',
        ...(i === 0 ? {inputShape: [size, size, 2]} : {})}))});
      cnn.setWeights(layer.getWeights());
      expectClose(y, cnn.predict(x) as tf.Tensor, 1e-5);
      assert.deepEqual(y.shape, layer.computeOutputShape([2, size, size, 2]));
      assert.ok(tf.sum(y).dataSync()[0] > 0, 'non-trivial output');
    });
  }

  it('works in tf.sequential and in a functional tf.model (2 layers, 10×10×1)', () => {
    const args = {filters: [2, 3], kernelSize: 3, strides: [2, 1]};
    const seq = tf.sequential({layers: [layeredThresholding({...args, inputShape: [10, 10, 1]}), tf.layers.flatten()]});
    const input = tf.input({shape: [10, 10, 1]});
    const output = layeredThresholding(args).apply(input) as tf.SymbolicTensor;
    const x = tf.randomNormal([3, 10, 10, 1]);
    assert.deepEqual((seq.predict(x) as tf.Tensor).shape, [3, 2 * 2 * 3]);
    assert.deepEqual(output.shape, [null, 2, 2, 3]);
    assert.deepEqual((tf.model({inputs: input, outputs: output}).predict(x) as tf.Tensor).shape, [3, 2, 2, 3]);
  });

  it('save → load round trip keeps config, weights and output (2 layers, no bias)', async () => {
    const model = tf.sequential({layers: [layeredThresholding({
      filters: [2, 3], kernelSize: [3, [1, 2]], padding: 'same', useBias: false, inputShape: [8, 8, 2],
      kernelInitializer: tf.initializers.varianceScaling({scale: 0.5, mode: 'fanIn', distribution: 'normal'})})]});
    const loaded = await expectSaveLoadRoundTrip(model, tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 2));
    assert.ok(loaded.layers[0] instanceof LayeredThresholding);
    assert.deepEqual(loaded.layers[0].getConfig().kernelSize, [[3, 3], [1, 2]]);
  });

  it('leaves no tensors behind (3 layers)', () => {
    const layer = layeredThresholding({filters: [2, 3, 2], kernelSize: 2});
    const x = tf.randomNormal([1, 8, 8, 1]);
    expectNoLeak(() => layer.apply(x) as tf.Tensor);
  });

  it('gradients in the input and a filter match finite differences (2 layers, 8×8×1)', () => {
    const layer = layeredThresholding({filters: [2, 3], kernelSize: 3,
                                       kernelInitializer: tf.initializers.glorotUniform({seed: 10}),
                                       biasInitializer: tf.initializers.constant({value: 0.1})});
    const x = tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 3);
    layer.apply(x);
    const weights = layer.getWeights();
    expectGradientMatchesFiniteDifference((input) => tf.sum(tf.square(layer.forward(input))), x, 6, 1e-3);
    expectGradientMatchesFiniteDifference(
      (w) => tf.sum(tf.square(layer.forward(x, [weights[0], weights[1], w, weights[3]]))), weights[2], 6, 1e-3);
  });

  describe('rejects bad arguments, naming them', () => {
    const good = {filters: [2, 3], kernelSize: 3};
    const cases: [string, object, RegExp][] = [
      ['filters = 4', {filters: 4}, /layeredThresholding: filters must be a non-empty array.*got 4/],
      ['filters = [2.5]', {filters: [2.5]}, /layeredThresholding: filters\[0\] must be a positive integer, got 2\.5/],
      ['kernelSize missing', {kernelSize: undefined}, /layeredThresholding: kernelSize must be .*got undefined/],
      ['strides = [1, 2, 1]', {strides: [1, 2, 1]}, /layeredThresholding: strides must be .*array of 2.*got \[1, 2, 1\]/],
      ['padding = SAME', {padding: 'SAME'}, /layeredThresholding: padding must be one of 'valid', 'same', got 'SAME'/],
      ['useBias = no', {useBias: 'no'}, /layeredThresholding: useBias must be true or false, got 'no'/],
      ['biasInitializer = {className: Nope}', {biasInitializer: {className: 'Nope'}},
       /layeredThresholding: biasInitializer must be a tf.initializers name.*Nope/],
    ];
    for (const [title, bad, message] of cases) {
      it(title, () => expectThrows(() => layeredThresholding({...good, ...bad} as never), message));
    }
  });
});
