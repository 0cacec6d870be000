import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {sampleConsistency} from '../../src/losses';
import {expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectThrows} from '../helpers';

describe('losses.sampleConsistency', () => {
  // Two stages of hand-picked codes: a [2, 3] one and a [2, 1, 2, 1] one.
  const c1 = [[1, 0, 2], [0, 3, 0]];
  const h1 = [[1, 1, 2], [0, 1, 0]];
  const c2 = [1, -2, 2, 0];
  const h2 = [0, -2, 2, 1];

  it('is Σ_k ‖C_k − Ĉ_k‖² / ‖C_k‖² with one term per stage (closed form on small codes)', () => {
    const codes = [tf.tensor2d(c1), tf.tensor4d(c2, [2, 1, 2, 1])];
    const hats = [tf.tensor2d(h1), tf.tensor4d(h2, [2, 1, 2, 1])];
    const terms = sampleConsistency(codes, hats);
    // Stage 1: (1 + 4) / (1 + 4 + 9) = 5/14; stage 2: (1 + 1) / (1 + 4 + 4) = 2/9.
    assert.deepEqual(Object.keys(terms).sort(), ['consistency', 'stage1', 'stage2']);
    expectClose(terms.stage1.dataSync()[0], 5 / 14, 1e-6);
    expectClose(terms.stage2.dataSync()[0], 2 / 9, 1e-6);
    expectClose(terms.consistency.dataSync()[0], 5 / 14 + 2 / 9, 1e-6);
    // Equal codes are perfectly consistent.
    expectClose(sampleConsistency(codes, codes).consistency.dataSync()[0], 0, 1e-7);
    tf.dispose([...codes, ...hats, ...Object.values(terms)]);
  });

  it('its gradient in Ĉ_k is 2(Ĉ_k − C_k)/‖C_k‖², and matches finite differences in both arguments', () => {
    const c = tf.tensor2d(c1);
    const h = tf.tensor2d(h1);
    const g = tf.grad((x: tf.Tensor) => sampleConsistency([c], [x]).consistency)(h);
    expectClose(Array.from(g.dataSync()), [0, 2 / 14, 0, 0, -4 / 14, 0], 1e-6);
    expectGradientMatchesFiniteDifference((x) => sampleConsistency([c], [x]).consistency, h, 1);
    expectGradientMatchesFiniteDifference((x) => sampleConsistency([x], [h]).consistency, c, 1);
    expectNoLeak(() => Object.values(sampleConsistency([c], [h])));
    tf.dispose([c, h, g]);
  });

  it('rejects missing codes, a different number of stages and mismatched shapes, naming them', () => {
    const c = tf.tensor2d(c1);
    expectThrows(() => sampleConsistency([], []), /sampleConsistency.*codes/);
    expectThrows(() => sampleConsistency([c], []), /sampleConsistency.*codesHat.*1 tensors/);
    expectThrows(() => sampleConsistency([c], [tf.zeros([3, 2])]), /sampleConsistency.*codesHat\[0\].*\[2, 3\]/);
    c.dispose();
  });
});
