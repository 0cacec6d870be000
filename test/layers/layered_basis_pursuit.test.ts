import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {LayeredBasisPursuit, layeredBasisPursuit} from '../../layers/layered_basis_pursuit';
import {ConvDictionary, ista, powerIteration} from '../../src/ops';
import {expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectSaveLoadRoundTrip,
        expectThrows} from '../helpers';

/** `‖D‖²` (times 1.01) of the dictionary with `kernel` on signals of `signalShape` `[H, W, C]`. */
function lipschitz(kernel: tf.Tensor4D, strides: number, signalShape: number[]): number {
  const op = new ConvDictionary(kernel, strides, 'valid', [signalShape[0], signalShape[1]]);
  return powerIteration(op, tf.ones([1, ...op.codeShape(signalShape)]), 100).value.dataSync()[0] * 1.01;
}

/** Asserts the non-negative LASSO conditions `Dᵀ(s − DΓ) ≤ ξ`, `= ξ` where `Γ > 0`. */
function expectKkt(op: ConvDictionary, signal: tf.Tensor, code: tf.Tensor, xi: number, tol: number): void {
  const corr = op.adjoint(tf.sub(signal, op.synthesis(code))).dataSync();
  const z = code.dataSync();
  let support = 0;
  for (let i = 0; i < z.length; i++) {
    if (z[i] > 1e-4) {
      support++;
      expectClose(corr[i], xi, tol);
    } else {
      assert.ok(corr[i] <= xi + tol, `correlation ${corr[i]} > ξ = ${xi} off the support`);
    }
  }
  assert.ok(support > 0 && support < z.length, `support size ${support} of ${z.length}`);
}

describe('layeredBasisPursuit', () => {
  it('0 iterations = the CNN with the same weights (2 layers, same, strides [2, 1], 9×9×2)', () => {
    const layer = layeredBasisPursuit({filters: [3, 2], kernelSize: 3, strides: [2, 1], padding: 'same',
                                       iterations: 0, biasInitializer: 'randomNormal'});
    const x = tf.randomNormal([2, 9, 9, 2], 0, 1, 'float32', 1);
    const y = layer.apply(x) as tf.Tensor;
    const cnn = tf.sequential({layers: [
      tf.layers.conv2d({filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [9, 9, 2]}),
      tf.layers.conv2d({filters: 2, kernelSize: 3, padding: 'same', activation: 'relu'})]});
    cnn.setWeights(layer.getWeights().slice(0, 4));
    expectClose(y, cnn.predict(x) as tf.Tensor, 1e-5);
    assert.deepEqual(y.shape, layer.computeOutputShape([2, 9, 9, 2]));
  });

  for (const [fista, iterations] of [[false, 600], [true, 200]] as const) {
    it(`${iterations} ${fista ? 'FISTA' : 'ISTA'} steps per layer meet each layer's non-negative LASSO KKT ` +
       `conditions (2 layers, valid, strides [1, 2], 12×12×1, ξ = [0.1, 0.02])`, () => {
      const xi = [0.1, 0.02];
      const args = {kernelSize: 3, strides: [1, 2], iterations, fista,
                    kernelInitializer: tf.initializers.randomNormal({stddev: 0.3, seed: 2})};
      const x = tf.randomNormal([1, 12, 12, 1], 0, 1, 'float32', 3);
      const full = layeredBasisPursuit({...args, filters: [3, 4]});
      full.apply(x);
      const [w1, , w2] = full.getWeights() as tf.Tensor4D[];
      const l1 = lipschitz(w1, 1, [12, 12, 1]);
      const l2 = lipschitz(w2, 2, [10, 10, 3]);
      full.setWeights([w1, tf.fill([3], -xi[0] / l1), w2, tf.fill([4], -xi[1] / l2),
                       tf.tensor1d([1 / l1]), tf.tensor1d([1 / l2])]);
      const first = layeredBasisPursuit({...args, filters: [3], strides: 1});
      first.apply(x);
      first.setWeights([w1, tf.fill([3], -xi[0] / l1), tf.tensor1d([1 / l1])]);
      const gamma1 = first.apply(x) as tf.Tensor;
      const gamma2 = full.apply(x) as tf.Tensor;
      expectKkt(new ConvDictionary(w1, 1, 'valid', [12, 12]), x, gamma1, xi[0], 2e-3);
      expectKkt(new ConvDictionary(w2, 2, 'valid', [10, 10]), gamma1, gamma2, xi[1], 2e-3);
    });
  }

  it('1 layer, 4 steps = ISTA from the thresholding start (λ = 0.1, 8×8×2, same)', () => {
    const layer = layeredBasisPursuit({filters: [3], kernelSize: 3, padding: 'same', iterations: 4});
    const x = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 4);
    layer.apply(x);
    const kernel = layer.getWeights()[0] as tf.Tensor4D;
    const op = new ConvDictionary(kernel, 1, 'same', [8, 8]);
    const l = powerIteration(op, tf.ones([1, 8, 8, 3]), 100).value.dataSync()[0] * 1.01;
    layer.setWeights([kernel, tf.fill([3], -0.1 / l), tf.tensor1d([1 / l])]);
    const start = tf.relu(tf.sub(op.adjoint(x), 0.1 / l));
    expectClose(layer.apply(x) as tf.Tensor, ista(op, x, {lambda: 0.1, lipschitz: l, iterations: 4, nonNeg: true, start}), 1e-5);
  });

  it('works in tf.sequential and in a functional tf.model (2 layers, 10×10×1, 2 FISTA steps)', () => {
    const args = {filters: [2, 3], kernelSize: 3, strides: [2, 1], iterations: 2, fista: true};
    const seq = tf.sequential({layers: [layeredBasisPursuit({...args, inputShape: [10, 10, 1]}), tf.layers.flatten()]});
    const input = tf.input({shape: [10, 10, 1]});
    const output = layeredBasisPursuit(args).apply(input) as tf.SymbolicTensor;
    const x = tf.randomNormal([3, 10, 10, 1]);
    assert.deepEqual((seq.predict(x) as tf.Tensor).shape, [3, 2 * 2 * 3]);
    assert.deepEqual(output.shape, [null, 2, 2, 3]);
    assert.deepEqual((tf.model({inputs: input, outputs: output}).predict(x) as tf.Tensor).shape, [3, 2, 2, 3]);
  });

  it('save → load round trip keeps config, weights and output (2 layers, 3 FISTA steps)', async () => {
    const model = tf.sequential({layers: [layeredBasisPursuit({
      filters: [2, 3], kernelSize: 3, padding: 'same', iterations: 3, fista: true,
      stepInitializer: tf.initializers.constant({value: 0.5}), biasInitializer: 'randomNormal', inputShape: [8, 8, 1]})]});
    const loaded = await expectSaveLoadRoundTrip(model, tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 5));
    assert.ok(loaded.layers[0] instanceof LayeredBasisPursuit);
    assert.equal(loaded.layers[0].getConfig().fista, true);
  });

  it('leaves no tensors behind (2 layers, 2 steps, ISTA and FISTA)', () => {
    const x = tf.randomNormal([1, 8, 8, 2]);
    for (const fista of [false, true]) {
      const layer = layeredBasisPursuit({filters: [2, 3], kernelSize: 3, iterations: 2, fista});
      expectNoLeak(() => layer.apply(x) as tf.Tensor);
    }
  });

  it('gradients in the input, a filter and a step match finite differences (2 layers, 2 FISTA steps, 8×8×1)', () => {
    const layer = layeredBasisPursuit({filters: [2, 3], kernelSize: 3, iterations: 2, fista: true,
                                       kernelInitializer: tf.initializers.glorotUniform({seed: 10}),
                                       biasInitializer: tf.initializers.constant({value: 0.1}),
                                       stepInitializer: tf.initializers.constant({value: 0.3})});
    const x = tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 6);
    layer.apply(x);
    const weights = layer.getWeights();
    expectGradientMatchesFiniteDifference((input) => tf.sum(tf.square(layer.forward(input))), x, 6, 1e-3);
    for (const j of [0, 4]) { // kernel_1, step_1
      expectGradientMatchesFiniteDifference(
        (wj) => tf.sum(tf.square(layer.forward(x, weights.map((w, i) => (i === j ? wj : w))))), weights[j], 6, 1e-3);
    }
  });

  describe('rejects bad arguments, naming them', () => {
    const good = {filters: [2, 3], kernelSize: 3};
    const cases: [string, object, RegExp][] = [
      ['filters = [2, "3"]', {filters: [2, '3']}, /layeredBasisPursuit: filters\[1\] must be a positive integer, got '3'/],
      ['kernelSize = "3"', {kernelSize: '3'}, /layeredBasisPursuit: kernelSize must be .*got '3'/],
      ['padding = valid ', {padding: 'valid '}, /layeredBasisPursuit: padding must be one of 'valid', 'same', got 'valid '/],
      ['iterations = NaN', {iterations: NaN}, /layeredBasisPursuit: iterations must be a non-negative integer, got NaN/],
      ['fista = 1', {fista: 1}, /layeredBasisPursuit: fista must be true or false, got 1/],
      ['stepInitializer = []', {stepInitializer: []}, /layeredBasisPursuit: stepInitializer must be a tf.initializers name.*got '\[\]'/],
    ];
    for (const [title, bad, message] of cases) {
      it(title, () => expectThrows(() => layeredBasisPursuit({...good, ...bad} as never), message));
    }
  });
});
