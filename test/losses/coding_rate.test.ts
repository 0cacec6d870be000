import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import * as sl from '../../src/node';
import {classCodingRate, codingRate} from '../../src/losses';
import {codingRateFeatureForm, codingRateSampleForm} from '../../src/losses/coding_rate';
import {solveSpd} from '../../src/ops/linalg';
import {
  expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectThrows,
} from '../helpers';
import {
  householder, referenceClassRate, referenceRate, rowsOf, sphereFeatures, valueOf,
} from './features';

/** `α Z (I + α ZᵀZ)⁻¹` in float64, the gradient of `½ logdet(I + α ZᵀZ)` in `Z` (`[m, d]`). */
function rateGradient(z: number[][], epsilonSquared: number): number[][] {
  const m = z.length;
  const d = z[0].length;
  const alpha = d / (m * epsilonSquared);
  const a = Array.from({length: d}, (_, i) => Array.from({length: d}, (_, j) =>
    (i === j ? 1 : 0) + alpha * z.reduce((s, row) => s + row[i] * row[j], 0)));
  const zt = Array.from({length: d}, (_, i) => z.map((row) => row[i]));
  const x = solveSpd(a, zt); // M⁻¹ Zᵀ, [d, m]
  return z.map((_, r) => Array.from({length: d}, (_, c) => alpha * x.data[c * m + r]));
}

describe('losses.codingRate', () => {
  it('is exported as sl.losses.codingRate and sl.ops.logdet', () => {
    assert.equal(sl.losses.codingRate, codingRate);
    assert.equal(typeof sl.ops.logdet, 'function');
  });

  for (const [m, d] of [[5, 12], [20, 6]]) {
    it(`d×d and m×m forms agree with the float64 reference (m=${m}, d=${d})`, () => {
      const z = sphereFeatures(m, d, m + d);
      const alpha = d / (m * 0.5);
      const expected = referenceRate(z.arraySync());
      const featureForm = valueOf(codingRateFeatureForm(z, alpha));
      const sampleForm = valueOf(codingRateSampleForm(z, alpha));
      expectClose(featureForm, expected, 1e-5, 1e-5);
      expectClose(sampleForm, expected, 1e-5, 1e-5);
      expectClose(valueOf(codingRate(z)), expected, 1e-5, 1e-5);
      z.dispose();
    });
  }

  for (const [k, d, eps2] of [[3, 8, 0.5], [8, 8, 0.5], [4, 16, 0.25]] as const) {
    it(`of k=${k} orthonormal rows in R^${d} is ½ k log(1 + d/(k ε²)) (ε²=${eps2})`, () => {
      const q = householder(d, k);
      const z = tf.tensor2d(rowsOf(q, Array.from({length: k}, (_, i) => (3 * i) % d)));
      const options = eps2 === 0.5 ? undefined : {epsilonSquared: eps2};
      expectClose(valueOf(codingRate(z, options)), 0.5 * k * Math.log(1 + d / (k * eps2)), 1e-5, 1e-6);
      z.dispose();
    });
  }

  it('takes ε², not ε: epsilonSquared=0.25 is ε=0.5 and differs from epsilonSquared=0.5', () => {
    const z = tf.eye(4) as tf.Tensor2D; // 4 orthonormal rows, α = d/(m ε²) = 1/ε²
    expectClose(valueOf(codingRate(z, {epsilonSquared: 0.25})), 2 * Math.log(1 + 4), 1e-5);
    expectClose(valueOf(codingRate(z)), 2 * Math.log(1 + 2), 1e-5);
    z.dispose();
  });

  it('is invariant to an orthogonal rotation of the features (Z Q, m=10, d=7)', () => {
    const z = sphereFeatures(10, 7, 3);
    const q = tf.tensor2d(householder(7, 5));
    const zq = tf.matMul(z, q) as tf.Tensor2D;
    expectClose(valueOf(codingRate(zq)), valueOf(codingRate(z)), 1e-5, 1e-5);
    tf.dispose([z, q, zq]);
  });

  for (const [m, d] of [[4, 9], [15, 5]]) {
    it(`gradient is α Z (I + α ZᵀZ)⁻¹ and matches finite differences (m=${m}, d=${d})`, () => {
      const z = sphereFeatures(m, d, 2 * m + d);
      const g = tf.grad((x: tf.Tensor) => codingRate(x as tf.Tensor2D, {epsilonSquared: 0.3}))(z);
      expectClose(g, rateGradient(z.arraySync(), 0.3), 1e-5, 1e-4);
      expectGradientMatchesFiniteDifference((x) => codingRate(x as tf.Tensor2D), z, 8);
      tf.dispose([z, g]);
    });
  }

  it('rejects bad z and epsilonSquared', () => {
    const vector = tf.ones([4]);
    const cube = tf.ones([2, 2, 2]);
    const z = tf.eye(3) as tf.Tensor2D;
    const empty = tf.zeros([0, 3]) as tf.Tensor2D;
    expectThrows(() => codingRate(vector as unknown as tf.Tensor2D),
                 /codingRate: z must be a rank-2 tensor \[m, d\] with m, d ≥ 1, got \[4\]/);
    expectThrows(() => codingRate(cube as unknown as tf.Tensor2D), /codingRate: z must be .*got \[2, 2, 2\]/);
    expectThrows(() => codingRate([[1]] as unknown as tf.Tensor2D), /codingRate: z must be .*got \[\[1\]\]/);
    expectThrows(() => codingRate(empty), /codingRate: z must be .*got \[0, 3\]/);
    for (const bad of [0, -0.5, NaN, Infinity]) {
      expectThrows(() => codingRate(z, {epsilonSquared: bad}),
                   new RegExp(`codingRate: epsilonSquared must be a finite number > 0, got ${bad}`));
    }
    tf.dispose([vector, cube, z, empty]);
  });

  it('leaks no tensor, forward or through tf.grad', () => {
    const small = sphereFeatures(3, 6, 1);
    const large = sphereFeatures(9, 4, 2);
    for (const z of [small, large]) {
      expectNoLeak(() => codingRate(z));
      expectNoLeak(() => tf.grad((x: tf.Tensor) => codingRate(x as tf.Tensor2D))(z));
    }
    tf.dispose([small, large]);
  });
});

describe('losses.classCodingRate', () => {
  it('is Σ_j (m_j/m) R(Z_j), with an empty class adding 0 (m=14, d=5, 4 classes)', () => {
    const z = sphereFeatures(14, 5, 4);
    const labels = [0, 1, 1, 3, 0, 0, 3, 1, 0, 3, 3, 1, 0, 0]; // class 2 is empty
    const expected = referenceClassRate(z.arraySync(), labels, 4);
    expectClose(valueOf(classCodingRate(z, labels, 4)), expected, 1e-5, 1e-5);
    const labelTensor = tf.tensor1d(labels, 'int32');
    expectClose(valueOf(classCodingRate(z, labelTensor, 4, {epsilonSquared: 2})),
                referenceClassRate(z.arraySync(), labels, 4, 2), 1e-5, 1e-5);
    tf.dispose([z, labelTensor]);
  });

  it('of orthonormal rows, one per class, is Σ_j (1/m)·½ log(1 + d/ε²)', () => {
    const z = tf.tensor2d(rowsOf(householder(6, 2), [0, 2, 4]));
    expectClose(valueOf(classCodingRate(z, [0, 1, 2], 3)), 0.5 * Math.log(1 + 6 / 0.5), 1e-5, 1e-6);
    z.dispose();
  });

  it('gradient matches finite differences (m=10, d=4, 3 classes)', () => {
    const z = sphereFeatures(10, 4, 9);
    const labels = [2, 0, 1, 1, 2, 0, 0, 2, 1, 1];
    expectGradientMatchesFiniteDifference((x) => classCodingRate(x as tf.Tensor2D, labels, 3), z, 8);
    z.dispose();
  });

  it('rejects bad labels, numClasses and epsilonSquared', () => {
    const z = sphereFeatures(4, 3, 1);
    const matrixLabels = tf.zeros([2, 2]);
    expectThrows(() => classCodingRate(z, [0, 1, 2, 3], 3),
                 /classCodingRate: labels must be integers in \[0, 3\), got 3/);
    expectThrows(() => classCodingRate(z, [0, -1, 1, 1], 3), /labels must be integers in \[0, 3\), got -1/);
    expectThrows(() => classCodingRate(z, [0, 0.5, 1, 1], 3), /labels must be integers in \[0, 3\), got 0.5/);
    expectThrows(() => classCodingRate(z, [0, NaN, 1, 1], 3), /labels must be integers in \[0, 3\), got NaN/);
    expectThrows(() => classCodingRate(z, [0, 1, 1], 3),
                 /classCodingRate: labels must be 4 class indices \(one per row of z\), got 3/);
    expectThrows(() => classCodingRate(z, matrixLabels as unknown as tf.Tensor1D, 3),
                 /classCodingRate: labels must be a rank-1 tensor, got \[2, 2\]/);
    expectThrows(() => classCodingRate(z, 3 as unknown as number[], 3),
                 /classCodingRate: labels must be a rank-1 tensor or an array of class indices, got 3/);
    for (const bad of [0, 1.5, -2, NaN]) {
      expectThrows(() => classCodingRate(z, [0, 0, 0, 0], bad),
                   new RegExp(`classCodingRate: numClasses must be a positive integer, got ${bad}`));
    }
    expectThrows(() => classCodingRate(z, [0, 0, 0, 0], 1, {epsilonSquared: -1}),
                 /classCodingRate: epsilonSquared must be a finite number > 0, got -1/);
    const vector = tf.ones([4]);
    expectThrows(() => classCodingRate(vector as unknown as tf.Tensor2D, [0], 1), /classCodingRate: z must be/);
    tf.dispose([z, matrixLabels, vector]);
  });

  it('leaks no tensor, forward or through tf.grad', () => {
    const z = sphereFeatures(8, 3, 6);
    const labels = tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 0], 'int32');
    expectNoLeak(() => classCodingRate(z, labels, 2));
    expectNoLeak(() => tf.grad((x: tf.Tensor) => classCodingRate(x as tf.Tensor2D, labels, 2))(z));
    tf.dispose([z, labels]);
  });
});
