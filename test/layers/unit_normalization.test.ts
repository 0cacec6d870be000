import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {UnitNormalization, unitNormalization} from '../../layers/unit_normalization';
import {expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectSaveLoadRoundTrip,
        expectThrows} from '../helpers';

describe('unitNormalization', () => {
  it('scales every row to unit norm: [3, 4] → [0.6, 0.8]', () => {
    const y = unitNormalization().apply(tf.tensor2d([[3, 4], [0, -2]])) as tf.Tensor;
    expectClose(y, [[0.6, 0.8], [0, -1]], 1e-6);
  });

  it('normalises along the axis it is given (axis 1 of [batch, 2, 3])', () => {
    const x = tf.randomNormal([4, 2, 3], 0, 1, 'float32', 1);
    const y = unitNormalization({axis: 1}).apply(x) as tf.Tensor;
    expectClose(tf.sum(tf.square(y), 1), tf.ones([4, 3]), 1e-5);
    expectClose(tf.mul(y, tf.norm(x, 2, 1, true)), x, 1e-5);
  });

  it('keeps a zero vector zero, with a finite gradient', () => {
    const layer = unitNormalization();
    const x = tf.zeros([1, 5]);
    expectClose(layer.apply(x) as tf.Tensor, tf.zeros([1, 5]), 0);
    const g = tf.grad((v: tf.Tensor) => tf.sum(layer.apply(v) as tf.Tensor))(x);
    assert.ok(Array.from(g.dataSync()).every(Number.isFinite));
  });

  it('has the gradient (I − y yᵀ)/‖x‖ (finite differences)', () => {
    const layer = unitNormalization();
    const w = tf.randomNormal([1, 6], 0, 1, 'float32', 3);
    expectGradientMatchesFiniteDifference((x) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)) as tf.Scalar,
                                          tf.randomNormal([1, 6], 0, 1, 'float32', 2), 6, 1e-2, 2e-2);
  });

  it('saves and loads, and leaks no tensors', async () => {
    const model = tf.sequential({layers: [tf.layers.dense({units: 4, inputShape: [3]}), unitNormalization({epsilon: 1e-8})]});
    const loaded = await expectSaveLoadRoundTrip(model, tf.randomNormal([2, 3], 0, 1, 'float32', 4));
    const layer = loaded.layers[1] as UnitNormalization;
    assert.ok(layer instanceof UnitNormalization);
    assert.equal(layer.epsilon, 1e-8);
    const x = tf.randomNormal([2, 3]);
    expectNoLeak(() => model.predict(x) as tf.Tensor);
  });

  it('rejects bad arguments, naming them', () => {
    expectThrows(() => unitNormalization({axis: 1.5}), /unitNormalization: axis must be an integer, got 1.5/);
    expectThrows(() => unitNormalization({epsilon: 0}), /unitNormalization: epsilon must be a finite number > 0, got 0/);
    expectThrows(() => unitNormalization({axis: 0}).apply(tf.zeros([2, 3])), /axis must be a feature axis .*got 0/);
    expectThrows(() => unitNormalization({axis: 2}).apply(tf.zeros([2, 3])), /axis must be a feature axis .*got 2/);
  });
});
