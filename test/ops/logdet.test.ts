import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {logdet, logdetIdentityPlus} from '../../src/ops/logdet';
import {cholesky, Matrix, solveSpd, toArray} from '../../src/ops/linalg';
import {
  expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectThrows,
} from '../helpers';
import {randomSpd} from './random_matrix';

/** {@link randomSpd} rounded to float32-representable values (still symmetric positive definite). */
function randomSpd32(n: number, seed: number, shift: number): Matrix {
  const m = randomSpd(n, seed, shift);
  return {rows: n, cols: n, data: Float64Array.from(Float32Array.from(m.data))};
}

function tensorOf(m: Matrix): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
}

function value(s: tf.Scalar): number {
  const v = s.dataSync()[0];
  s.dispose();
  return v;
}

function gradient(m: tf.Tensor2D): tf.Tensor2D {
  return tf.grad((x: tf.Tensor) => logdet(x as tf.Tensor2D))(m) as tf.Tensor2D;
}

describe('logdet', () => {
  it('of diag(2, 3, 0.5, 7) is log 21, gradient diag(1/2, 1/3, 2, 1/7)', () => {
    const m = tf.diag(tf.tensor1d([2, 3, 0.5, 7])) as tf.Tensor2D;
    expectClose(value(logdet(m)), Math.log(21), 1e-6);
    const g = gradient(m);
    expectClose(g, toArray({rows: 4, cols: 4, data: Float64Array.from(
        [0.5, 0, 0, 0, 0, 1 / 3, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1 / 7])}), 1e-6);
    tf.dispose([m, g]);
  });

  it('of [[2, 1], [1, 3]] is log 5; of [[4,12,−16],[12,37,−43],[−16,−43,98]] is log 36', () => {
    const a = tf.tensor2d([[2, 1], [1, 3]]);
    const b = tf.tensor2d([[4, 12, -16], [12, 37, -43], [-16, -43, 98]]);
    expectClose(value(logdet(a)), Math.log(5), 1e-6);
    expectClose(value(logdet(b)), Math.log(36), 1e-5);
    tf.dispose([a, b]);
  });

  it('of I + α u uᵀ (n=5, α=3) is log(1 + α‖u‖²)', () => {
    const u = [0.3, -1.2, 0.5, 2, -0.7];
    const alpha = 3;
    const norm2 = u.reduce((s, x) => s + x * x, 0);
    const m = tf.tidy(() => tf.add(tf.eye(5), tf.mul(alpha, tf.outerProduct(u, u)))) as tf.Tensor2D;
    expectClose(value(logdet(m)), Math.log(1 + alpha * norm2), 1e-5);
    m.dispose();
  });

  it('of a random SPD matrix (n=20) equals 2 Σ log L_ii of the float64 Cholesky factor', () => {
    const spd = randomSpd32(20, 7, 0.1);
    const l = cholesky(spd);
    let expected = 0;
    for (let i = 0; i < 20; i++) expected += 2 * Math.log(l.data[i * 20 + i]);
    const m = tensorOf(spd);
    expectClose(value(logdet(m)), expected, 1e-5, 1e-6);
    m.dispose();
  });

  it('gradient of a random SPD matrix (n=12) is M⁻¹ (as solveSpd(M, I) gives) and symmetric', () => {
    const spd = randomSpd32(12, 3, 0.5);
    const identity = {rows: 12, cols: 12, data: new Float64Array(144).map((_, k) => (k % 13 === 0 ? 1 : 0))};
    const inverse = solveSpd(spd, identity);
    const m = tensorOf(spd);
    const g = gradient(m);
    expectClose(g, inverse.data, 1e-5, 1e-4);
    const gt = tf.transpose(g);
    expectClose(g, gt, 0);
    tf.dispose([m, g, gt]);
  });

  it('gradient (scaled by an upstream factor) matches central finite differences', () => {
    const m = tensorOf(randomSpd32(6, 11, 1));
    // logdet takes symmetric matrices only, so the perturbed entry enters through ½(X + Xᵀ):
    // the derivative in entry (i, j) is ½(M⁻¹_ij + M⁻¹_ji) = M⁻¹_ij.
    const f = (x: tf.Tensor) => tf.tidy(() => tf.mul(3, logdet(tf.mul(0.5, tf.add(x, tf.transpose(x))) as tf.Tensor2D))) as tf.Scalar;
    expectGradientMatchesFiniteDifference(f, m, 8, 1e-2, 2e-2);
    m.dispose();
  });

  it('of diag(1e-6, 1, 1e6) is 0 with gradient diag(1e6, 1, 1e-6), finite', () => {
    const m = tf.tensor2d([[1e-6, 0, 0], [0, 1, 0], [0, 0, 1e6]]);
    expectClose(value(logdet(m)), 0, 1e-5);
    const g = gradient(m);
    expectClose(g, [[1e6, 0, 0], [0, 1, 0], [0, 0, 1e-6]], 0, 1e-5);
    tf.dispose([m, g]);
  });

  it('of I + α ZZᵀ with α=1e6 and nearly collinear columns is finite and exact, as is its gradient', () => {
    // Columns z and z + 1e-3·w: the eigenvalues of M are 1 (twice), ≈ 1 + 2α‖z‖² ≈ 3.9e6 and
    // 1 + α·O(1e-7) ≈ 1.1, so logdet M ≈ log(1 + 2α‖z‖²) with ‖z‖² = 1.9525.
    const m = tf.tidy(() => {
      const z = tf.tensor2d([[1], [0.5], [-0.25], [0.8]]);
      const w = tf.tensor2d([[0.1], [-0.3], [0.2], [0.05]]);
      const zz = tf.concat([z, tf.add(z, tf.mul(1e-3, w))], 1);
      return tf.add(tf.eye(4), tf.mul(1e6, tf.matMul(zz, zz, false, true))) as tf.Tensor2D;
    });
    const v = value(logdet(m));
    // Reference: the float64 Cholesky factor of the float32 matrix itself, symmetrised.
    const a = m.dataSync();
    const sym = new Float64Array(16).map((_, k) => 0.5 * (a[k] + a[(k % 4) * 4 + Math.floor(k / 4)]));
    const l = cholesky({rows: 4, cols: 4, data: sym});
    let expected = 0;
    for (let i = 0; i < 4; i++) expected += 2 * Math.log(l.data[i * 4 + i]);
    assert.ok(Number.isFinite(v), `logdet ${v}`);
    expectClose(v, expected, 1e-5);
    expectClose(v, Math.log(1 + 2e6 * 1.9525), 0.1);
    const g = gradient(m);
    assert.ok(g.dataSync().every(Number.isFinite), 'gradient has non-finite entries');
    tf.dispose([m, g]);
  });

  it('rejects non-positive-definite, asymmetric, NaN, non-square and wrong-rank input', () => {
    const indefinite = tf.tensor2d([[1, 2], [2, 1]]);
    const negativeDiagonal = tf.tensor2d([[1, 0], [0, -1]]);
    const singular = tf.tensor2d([[1, 1], [1, 1]]);
    const asymmetric = tf.tensor2d([[2, 1], [0, 2]]);
    const nan = tf.tensor2d([[1, 0], [0, NaN]]);
    const rect = tf.zeros([2, 3]) as tf.Tensor2D;
    const vector = tf.ones([3]);
    expectThrows(() => logdet(indefinite), /logdet: m must be positive definite, got a matrix whose Cholesky factorisation fails/);
    expectThrows(() => logdet(negativeDiagonal), /logdet: m must be positive definite, got diagonal entry \(1, 1\) = -1/);
    expectThrows(() => logdet(singular), /logdet: m must be positive definite/);
    expectThrows(() => logdet(asymmetric), /logdet: m must be symmetric, got entries \(1, 0\) = 0 and \(0, 1\) = 1/);
    expectThrows(() => logdet(nan), /logdet: m must be positive definite, got diagonal entry \(1, 1\) = NaN/);
    expectThrows(() => logdet(rect), /logdet: m must be a non-empty square rank-2 tensor, got shape \[2,3\]/);
    expectThrows(() => logdet(vector as unknown as tf.Tensor2D), /got shape \[3\]/);
    tf.dispose([indefinite, negativeDiagonal, singular, asymmetric, nan, rect, vector]);
  });

  it('leaks no tensor, forward or through tf.grad', () => {
    const m = tensorOf(randomSpd32(5, 2, 1));
    expectNoLeak(() => logdet(m));
    expectNoLeak(() => gradient(m));
    m.dispose();
  });
});

describe('logdetIdentityPlus', () => {
  it('of G = u uᵀ is log(1 + α‖u‖²) with gradient α(I + αG)⁻¹, also for α = 1e9', () => {
    // u uᵀ is exact in float32; with α = 1e9, I + αG rounded to float32 would lose the identity.
    const u = [0.5, -0.75, 0.25];
    const g = tf.outerProduct(u, u) as tf.Tensor2D;
    for (const alpha of [0.7, 1e9]) {
      expectClose(value(logdetIdentityPlus(g, alpha)), Math.log(1 + alpha * 0.875), 1e-6, 1e-7);
      // (I + α u uᵀ)⁻¹ = I − α u uᵀ / (1 + α‖u‖²) (Sherman–Morrison).
      const expected = u.map((ui, i) => u.map((uj, j) => alpha * ((i === j ? 1 : 0) - alpha * ui * uj / (1 + alpha * 0.875))));
      const grad = tf.grad((x: tf.Tensor) => logdetIdentityPlus(x as tf.Tensor2D, alpha))(g);
      expectClose(grad, expected, 1e-6, 1e-4);
      grad.dispose();
    }
    g.dispose();
  });

  it('rejects a G with I + αG not positive definite, and non-square G', () => {
    const g = tf.tensor2d([[-2, 0], [0, 1]]);
    const rect = tf.zeros([2, 3]) as tf.Tensor2D;
    expectThrows(() => logdetIdentityPlus(g, 1), /logdet: I \+ αG must be positive definite, got diagonal entry \(0, 0\) = -1/);
    expectThrows(() => logdetIdentityPlus(rect, 1), /logdet: g must be a non-empty square rank-2 tensor, got shape \[2,3\]/);
    tf.dispose([g, rect]);
  });

  it('leaks no tensor, forward or through tf.grad', () => {
    const g = tf.eye(4) as tf.Tensor2D;
    expectNoLeak(() => logdetIdentityPlus(g, 2));
    expectNoLeak(() => tf.grad((x: tf.Tensor) => logdetIdentityPlus(x as tf.Tensor2D, 2))(g));
    g.dispose();
  });
});
