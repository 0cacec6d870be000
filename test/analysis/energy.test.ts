import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {energyPerLayer} from '../../src/analysis';
import {expectClose, expectThrows} from '../helpers';

/** A dense layer without bias (`y = x·W`), of `units` outputs. */
function linear(units: number, inputShape?: number[]): tf.layers.Layer {
  return tf.layers.dense({units, useBias: false, ...(inputShape ? {inputShape} : {})});
}

/** Sets the (only) weight of each layer of `model` (input layers left out) to the values given. */
function setKernels(model: tf.LayersModel, kernels: {values: number[]; shape: number[]}[]): void {
  model.layers.filter((layer) => layer.getClassName() !== 'InputLayer').forEach((layer, i) => {
    const k = tf.tensor(kernels[i].values, kernels[i].shape);
    layer.setWeights([k]);
    k.dispose();
  });
}

/** A matrix as values and shape. */
const matrix = (rows: number[][]) => ({values: rows.flat(), shape: [rows.length, rows[0].length]});

const identity = (n: number) => Array.from({length: n}, (_, i) => Array.from({length: n}, (_, j) => (i === j ? 1 : 0)));

describe('analysis.energyPerLayer', () => {
  it('a reshape keeps the energy: 1', () => {
    const model = tf.sequential({layers: [tf.layers.reshape({targetShape: [2, 3], inputShape: [6]})]});
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 1);
    expectClose(energyPerLayer(model, x), [1], 1e-6);
    tf.dispose([x]);
    model.dispose();
  });

  it('an identity layer then one that doubles: 1, then 4 (each layer against the input)', () => {
    const model = tf.sequential({layers: [linear(3, [3]), linear(3)]});
    setKernels(model, [matrix(identity(3)), matrix(identity(3).map((r) => r.map((v) => 2 * v)))]);
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 2);
    expectClose(energyPerLayer(model, x), [1, 4], 1e-5);
    x.dispose();
    model.dispose();
  });

  it('averages the ratio per sample, not the ratio of the totals: diag(2, 0) on [1, 0] and [0, 3] gives (4 + 0)/2', () => {
    const model = tf.sequential({layers: [linear(2, [2])]});
    setKernels(model, [matrix([[2, 0], [0, 0]])]);
    const x = tf.tensor2d([[1, 0], [0, 3]]);
    // The ratio of the totals would be 4/10.
    expectClose(energyPerLayer(model, x), [2], 1e-6);
    x.dispose();
    model.dispose();
  });

  it('the Haar pair with its negatives and a ReLU keeps the energy of every signal: 1', () => {
    // h0 = (1, 1)/√2 and h1 = (1, −1)/√2 at stride 2 are an orthonormal basis of each block
    // (x_2k, x_2k+1): h0·b² + h1·b² = ‖b‖² (a Parseval frame of the signal). With the filters
    // (h0, −h0, h1, −h1) and a ReLU, relu(a)² + relu(−a)² = a² = |a|²: the modulus of each
    // coefficient, so the layer's output energy is the signal's exactly.
    const s = Math.SQRT1_2;
    const filters = [s, -s, s, -s, s, -s, -s, s];  // [1, 2, 1, 4]: tap 0 then tap 1 of (h0, −h0, h1, −h1).
    const haar = (pairs: number[]) => {
      const model = tf.sequential({layers: [tf.layers.conv2d({
        filters: pairs.length / 2, kernelSize: [1, 2], strides: [1, 2], padding: 'valid', activation: 'relu', useBias: false,
        inputShape: [1, 8, 1]})]});
      setKernels(model, [{values: pairs, shape: [1, 2, 1, pairs.length / 2]}]);
      return model;
    };
    const x = tf.randomNormal([6, 1, 8, 1], 0, 1, 'float32', 3);
    const model = haar(filters);
    expectClose(energyPerLayer(model, x), [1], 1e-5);
    // Without the negatives the ReLU drops the negative coefficients: about half the energy is lost.
    const halfModel = haar([s, s, s, -s]);
    const [half] = energyPerLayer(halfModel, x);
    assert.ok(half < 0.8 && half > 0.2, `energy ${half}`);
    x.dispose();
    model.dispose();
    halfModel.dispose();
  });

  it('a functional model: its layers in order, the input layer left out', () => {
    const input = tf.input({shape: [2]});
    const [first, second] = [linear(2), linear(2)];
    const model = tf.model({inputs: input, outputs: second.apply(first.apply(input)) as tf.SymbolicTensor});
    setKernels(model, [matrix([[0, 3], [3, 0]]), matrix([[0.5, 0], [0, 0.5]])]);
    assert.equal(model.layers.length, 3);
    const x = tf.randomNormal([3, 2], 0, 1, 'float32', 4);
    expectClose(energyPerLayer(model, x), [9, 9 / 4], 1e-5);
    x.dispose();
    model.dispose();
  });

  it('leaves no tensor behind', () => {
    const model = tf.sequential({layers: [linear(3, [3])]});
    const x = tf.randomNormal([2, 3], 0, 1, 'float32', 5);
    energyPerLayer(model, x);
    const before = tf.memory().numTensors;
    energyPerLayer(model, x);
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
    model.dispose();
  });

  it('rejects an empty model, a sample of zero energy, and what is not a model or a batch, naming them', () => {
    expectThrows(() => energyPerLayer(tf.sequential(), tf.ones([1, 2])), /energyPerLayer: model must be a model with at least one layer, got '0 layers'/);
    expectThrows(() => energyPerLayer({} as tf.LayersModel, tf.ones([1, 2])), /energyPerLayer: model must be a tf.LayersModel, got \[object Object\]/);
    const model = tf.sequential({layers: [linear(2, [2])]});
    const x = tf.tensor2d([[1, 2], [0, 0]]);
    expectThrows(() => energyPerLayer(model, x), /energyPerLayer: x \(sample 1\) must be of non-zero energy, got 0/);
    const vector = tf.ones([2]);
    expectThrows(() => energyPerLayer(model, vector), /energyPerLayer: x must be a batch \[B, …\] of the model's inputs, got \[2\]/);
    tf.dispose([x, vector]);
    model.dispose();
  });
});
