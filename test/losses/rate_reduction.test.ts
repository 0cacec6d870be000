import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {classCodingRate, codingRate, mcr2, rateReductionBetween} from '../../src/losses';
import {
  expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectThrows,
} from '../helpers';
import {householder, referenceRate, rowsOf, sphereFeatures, valueOf} from './features';

/**
 * Classes on mutually orthogonal subspaces of R^12: class j repeats the r_j rows of its own
 * orthonormal basis t_j times (with alternating signs), so Z_jᵀZ_j = t_j P_j with P_j the
 * projection on its subspace. Rows of the classes are interleaved.
 */
function orthogonalClasses(): {z: number[][]; labels: number[]; bases: number[][]; repeats: number[]} {
  const q = householder(12, 4);
  const bases = [[0, 1], [2, 3, 4], [5]];
  const repeats = [2, 1, 3];
  const perClass = bases.map((b, j) => Array.from({length: repeats[j]}, (_, t) =>
    rowsOf(q, b, b.map(() => (t % 2 === 0 ? 1 : -1)))).flat());
  const z: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; z.length < 10; i++) {
    perClass.forEach((rows, j) => {
      if (i < rows.length) {
        z.push(rows[i]);
        labels.push(j);
      }
    });
  }
  return {z, labels, bases, repeats};
}

describe('losses.mcr2', () => {
  it('on classes spanning orthogonal subspaces is ½Σ r_j log(1 + α t_j) − Σ (m_j/m)·½ r_j log(1 + d/(r_j ε²))', () => {
    const {z: rows, labels, bases, repeats} = orthogonalClasses();
    const d = 12;
    const m = 10;
    for (const eps2 of [0.5, 0.1]) {
      const alpha = d / (m * eps2);
      const r = bases.reduce((s, b, j) => s + 0.5 * b.length * Math.log(1 + alpha * repeats[j]), 0);
      const rc = bases.reduce((s, b, j) => s + (b.length * repeats[j] / m) *
                              0.5 * b.length * Math.log(1 + d / (b.length * eps2)), 0);
      const z = tf.tensor2d(rows);
      const out = mcr2(z, labels, 3, {epsilonSquared: eps2});
      expectClose(out.r, r, 1e-5, 1e-5);
      expectClose(out.rc, rc, 1e-5, 1e-5);
      expectClose(out.deltaR, r - rc, 1e-5, 1e-5);
      assert.ok(r - rc > 0.5, `ΔR = ${r - rc} is positive for separated classes`);
      tf.dispose([z, out.r, out.rc, out.deltaR]);
    }
  });

  it('returns r = codingRate(z), rc = classCodingRate(z), deltaR = r − rc (m=16, d=6)', () => {
    const z = sphereFeatures(16, 6, 8);
    const labels = Array.from({length: 16}, (_, i) => (i * 7) % 3);
    const {deltaR, r, rc} = mcr2(z, labels, 3, {epsilonSquared: 0.7});
    expectClose(r, valueOf(codingRate(z, {epsilonSquared: 0.7})), 1e-6);
    expectClose(rc, valueOf(classCodingRate(z, labels, 3, {epsilonSquared: 0.7})), 1e-6);
    expectClose(deltaR, r.dataSync()[0] - rc.dataSync()[0], 1e-6);
    tf.dispose([z, deltaR, r, rc]);
  });

  it('of one class is 0 (numClasses 1, and numClasses 3 with every label 2)', () => {
    const z = sphereFeatures(7, 5, 3);
    const one = mcr2(z, new Array(7).fill(0), 1);
    const same = mcr2(z, new Array(7).fill(2), 3);
    expectClose(one.deltaR, 0, 1e-5);
    expectClose(same.deltaR, 0, 1e-5);
    assert.ok(one.r.dataSync()[0] > 1, 'R(Z) itself is not 0');
    tf.dispose([z, one.deltaR, one.r, one.rc, same.deltaR, same.r, same.rc]);
  });

  it('gradient of deltaR matches finite differences (m=9, d=4, 3 classes)', () => {
    const z = sphereFeatures(9, 4, 12);
    const labels = [0, 1, 2, 2, 1, 0, 0, 1, 2];
    expectGradientMatchesFiniteDifference((x) => tf.tidy(() => {
      const out = mcr2(x as tf.Tensor2D, labels, 3);
      return out.deltaR;
    }), z, 8);
    z.dispose();
  });

  it('rejects bad z, labels, numClasses and epsilonSquared', () => {
    const z = sphereFeatures(3, 2, 1);
    const vector = tf.ones([3]);
    expectThrows(() => mcr2(vector as unknown as tf.Tensor2D, [0, 0, 0], 1), /mcr2: z must be a rank-2 tensor/);
    expectThrows(() => mcr2(z, [0, 0, 5], 2), /mcr2: labels must be integers in \[0, 2\), got 5/);
    expectThrows(() => mcr2(z, [0, 0], 2), /mcr2: labels must be 3 class indices/);
    expectThrows(() => mcr2(z, [0, 0, 0], 0), /mcr2: numClasses must be a positive integer, got 0/);
    expectThrows(() => mcr2(z, [0, 0, 0], 1, {epsilonSquared: NaN}),
                 /mcr2: epsilonSquared must be a finite number > 0, got NaN/);
    tf.dispose([z, vector]);
  });

  it('leaks no tensor, forward or through tf.grad', () => {
    const z = sphereFeatures(6, 3, 2);
    const labels = [0, 1, 1, 0, 1, 0];
    expectNoLeak(() => Object.values(mcr2(z, labels, 2)));
    expectNoLeak(() => tf.grad((x: tf.Tensor) => tf.tidy(() => mcr2(x as tf.Tensor2D, labels, 2).deltaR))(z));
    z.dispose();
  });
});

describe('losses.rateReductionBetween', () => {
  it('ΔR(Z, Z) = 0 (m=6, d=10 and m=20, d=5)', () => {
    for (const [m, d] of [[6, 10], [20, 5]]) {
      const z = sphereFeatures(m, d, m);
      expectClose(valueOf(rateReductionBetween(z, z)), 0, 1e-5);
      z.dispose();
    }
  });

  it('ΔR(Z, Ẑ) ≥ 0 for random sets of equal size (concavity of logdet)', () => {
    for (const [m, d, seed] of [[6, 10, 1], [20, 5, 2], [12, 12, 3], [3, 30, 4]]) {
      const z = sphereFeatures(m, d, seed);
      const zHat = sphereFeatures(m, d, seed + 100);
      const v = valueOf(rateReductionBetween(z, zHat));
      assert.ok(v > 0, `ΔR = ${v} for m=${m}, d=${d}`);
      tf.dispose([z, zHat]);
    }
  });

  it('of k orthonormal rows and k rows orthogonal to them is k log(1 + d/(2kε²)) − ½ k log(1 + d/(kε²))', () => {
    const q = householder(10, 6);
    const z = tf.tensor2d(rowsOf(q, [0, 1, 2]));
    const zHat = tf.tensor2d(rowsOf(q, [5, 7, 9]));
    const expected = 3 * Math.log(1 + 10 / (6 * 0.5)) - 0.5 * 3 * Math.log(1 + 10 / (3 * 0.5));
    expectClose(valueOf(rateReductionBetween(z, zHat)), expected, 1e-5, 1e-5);
    tf.dispose([z, zHat]);
  });

  it('is R(Z ∪ Ẑ) − ½(R(Z) + R(Ẑ)) for sets of different sizes (m=5 and m̂=9, d=7)', () => {
    const z = sphereFeatures(5, 7, 21);
    const zHat = sphereFeatures(9, 7, 22);
    const a = z.arraySync();
    const b = zHat.arraySync();
    const expected = referenceRate([...a, ...b]) - 0.5 * (referenceRate(a) + referenceRate(b));
    expectClose(valueOf(rateReductionBetween(z, zHat)), expected, 1e-5, 1e-5);
    tf.dispose([z, zHat]);
  });

  it('gradients in z and in zHat match finite differences (m=5, d=6)', () => {
    const z = sphereFeatures(5, 6, 31);
    const zHat = sphereFeatures(5, 6, 32);
    expectGradientMatchesFiniteDifference((x) => rateReductionBetween(x as tf.Tensor2D, zHat), z, 8);
    expectGradientMatchesFiniteDifference((x) => rateReductionBetween(z, x as tf.Tensor2D), zHat, 8);
    tf.dispose([z, zHat]);
  });

  it('rejects z and zHat of different feature sizes, bad ranks and bad epsilonSquared', () => {
    const z = sphereFeatures(4, 3, 1);
    const wide = sphereFeatures(4, 5, 2);
    const vector = tf.ones([3]);
    expectThrows(() => rateReductionBetween(z, wide),
                 /rateReductionBetween: zHat must be \[m, 3\] \(the feature size of z\), got \[4, 5\]/);
    expectThrows(() => rateReductionBetween(vector as unknown as tf.Tensor2D, z),
                 /rateReductionBetween: z must be a rank-2 tensor .*got \[3\]/);
    expectThrows(() => rateReductionBetween(z, vector as unknown as tf.Tensor2D),
                 /rateReductionBetween: zHat must be a rank-2 tensor .*got \[3\]/);
    expectThrows(() => rateReductionBetween(z, z, {epsilonSquared: 0}),
                 /rateReductionBetween: epsilonSquared must be a finite number > 0, got 0/);
    tf.dispose([z, wide, vector]);
  });

  it('leaks no tensor, forward or through tf.grad', () => {
    const z = sphereFeatures(4, 6, 1);
    const zHat = sphereFeatures(4, 6, 2);
    expectNoLeak(() => rateReductionBetween(z, zHat));
    expectNoLeak(() => tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      rateReductionBetween(a as tf.Tensor2D, b as tf.Tensor2D))([z, zHat]));
    tf.dispose([z, zHat]);
  });
});
