import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {
  alistaWeight, cholesky, Matrix, matMul, solveLower, solveLowerTransposed, solveSpd,
  spectralNormSquared, toArray, toMatrix, transpose,
} from '../../src/ops/linalg';
import {expectClose, expectThrows} from '../helpers';
import {randomMatrix, randomSpd} from './random_matrix';

function frobenius(m: Matrix): number {
  return Math.sqrt(m.data.reduce((s, v) => s + v * v, 0));
}

function sub(a: Matrix, b: Matrix): Matrix {
  return {rows: a.rows, cols: a.cols, data: a.data.map((v, i) => v - b.data[i])};
}

/** Σ_{i≠j} (WᵀA)_{ij}², and the diagonal of `WᵀA`. */
function crossTalk(w: Matrix, a: Matrix): {offDiagonal: number; diagonal: number[]} {
  const g = matMul(transpose(w), a);
  let offDiagonal = 0;
  const diagonal: number[] = [];
  for (let i = 0; i < g.rows; i++) {
    for (let j = 0; j < g.cols; j++) {
      const v = g.data[i * g.cols + j];
      if (i === j) diagonal.push(v);
      else offDiagonal += v * v;
    }
  }
  return {offDiagonal, diagonal};
}

describe('linalg: Cholesky, triangular and SPD solves', () => {
  it('Cholesky of [[4,12,−16],[12,37,−43],[−16,−43,98]] is [[2,0,0],[6,1,0],[−8,5,3]]', () => {
    const l = cholesky([[4, 12, -16], [12, 37, -43], [-16, -43, 98]]);
    expectClose(toArray(l), [[2, 0, 0], [6, 1, 0], [-8, 5, 3]], 1e-12);
  });

  it('Cholesky factor L of a random SPD matrix (n=12) is lower triangular with LLᵀ = M', () => {
    const m = randomSpd(12, 1, 0.5);
    const l = cholesky(m);
    for (let i = 0; i < 12; i++) {
      for (let j = i + 1; j < 12; j++) assert.equal(l.data[i * 12 + j], 0);
    }
    expectClose(matMul(l, transpose(l)).data, m.data, 1e-12, 1e-12);
  });

  it('triangular solves: L Y = B and Lᵀ X = B have residuals below 1e-12 (n=10, k=3)', () => {
    const l = cholesky(randomSpd(10, 2, 1));
    const b = randomMatrix(10, 3, 3);
    assert.ok(frobenius(sub(matMul(l, solveLower(l, b)), b)) < 1e-12);
    assert.ok(frobenius(sub(matMul(transpose(l), solveLowerTransposed(l, b)), b)) < 1e-12);
  });

  it('solveSpd with a diagonal matrix divides each row of B by the diagonal entry', () => {
    const d = [2, 0.5, 4, 10];
    const m = d.map((v, i) => d.map((_, j) => (i === j ? v : 0)));
    const b = [[1, 2], [3, 4], [5, 6], [7, 8]];
    expectClose(toArray(solveSpd(m, b)), b.map((row, i) => row.map((v) => v / d[i])), 1e-14);
  });

  for (const [n, k] of [[5, 1], [40, 7]]) {
    it(`solveSpd residual ‖MX − B‖/‖B‖ < 1e-10 for a random SPD M (n=${n}, k=${k})`, () => {
      const m = randomSpd(n, 4 + n, 0.1);
      const b = randomMatrix(n, k, 5);
      const x = solveSpd(m, b);
      assert.ok(frobenius(sub(matMul(m, x), b)) / frobenius(b) < 1e-10);
    });
  }

  it('solveSpd accepts tensors and returns float64 values', () => {
    const m = tf.tensor2d([[2, 1], [1, 3]]);
    const b = tf.tensor2d([[1], [2]]);
    // [[2,1],[1,3]]⁻¹ = [[3,−1],[−1,2]]/5.
    expectClose(toArray(solveSpd(m, b)), [[1 / 5], [3 / 5]], 1e-14);
    tf.dispose([m, b]);
  });

  it('rejects a non-square, a non-symmetric, an indefinite and a singular matrix', () => {
    expectThrows(() => cholesky([[1, 2, 3], [4, 5, 6]]), /cholesky: matrix must be square, got shape \[2, 3\]/);
    expectThrows(() => cholesky([[1, 2], [0, 5]]), /cholesky: matrix must be symmetric/);
    expectThrows(() => cholesky([[1, 2], [2, 1]]), /cholesky: matrix must be positive definite, got pivot -3 at row 1/);
    expectThrows(() => cholesky([[1, 1], [1, 1]]), /must be positive definite/);
    expectThrows(() => cholesky([[1, NaN]]), /cholesky: matrix must be a non-empty rectangular array of finite numbers/);
    expectThrows(() => solveSpd([[2, 0], [0, 2]], [[1, 2, 3]]), /solveSpd: rhs must have 2 rows, got shape \[1, 3\]/);
  });

  it('spectralNormSquared of diag(3, −2, 1) padded to 3×5 is 9', () => {
    const a = [[3, 0, 0, 0, 0], [0, -2, 0, 0, 0], [0, 0, 1, 0, 0]];
    expectClose(spectralNormSquared(a), 9, 1e-9);
    expectClose(spectralNormSquared(toArray(transpose(toMatrix(a)))), 9, 1e-9);
  });
});

describe('linalg: ALISTA analytic weight W̃ = argmin ‖WᵀA‖_F² s.t. diag(WᵀA) = 1', () => {
  let a: Matrix;
  let w: Matrix;
  before(() => {
    a = randomMatrix(12, 30, 7);
    const wt = alistaWeight(a);
    assert.deepEqual(wt.shape, [12, 30]);
    w = toMatrix(wt);
    wt.dispose();
  });

  it('diag(W̃ᵀA) = 1 and less cross-talk than the matched filter wᵢ = aᵢ/‖aᵢ‖² (M=12, N=30)', () => {
    const tilde = crossTalk(w, a);
    expectClose(tilde.diagonal, new Array(30).fill(1), 1e-5);
    const matched = {rows: 12, cols: 30, data: a.data.slice()};
    for (let i = 0; i < 30; i++) {
      let aa = 0;
      for (let r = 0; r < 12; r++) aa += a.data[r * 30 + i] ** 2;
      for (let r = 0; r < 12; r++) matched.data[r * 30 + i] /= aa;
    }
    assert.ok(tilde.offDiagonal < crossTalk(matched, a).offDiagonal);
  });

  for (const eps of [1e-2, 1e-1, 1]) {
    it(`a feasible perturbation W̃ ± εD (dᵢ ⟂ aᵢ) does not decrease the cross-talk, ε=${eps}`, () => {
      const base = crossTalk(w, a).offDiagonal;
      for (let trial = 0; trial < 3; trial++) {
        const d = randomMatrix(12, 30, 100 + trial);
        for (let i = 0; i < 30; i++) {
          let da = 0;
          let aa = 0;
          for (let r = 0; r < 12; r++) {
            da += d.data[r * 30 + i] * a.data[r * 30 + i];
            aa += a.data[r * 30 + i] ** 2;
          }
          for (let r = 0; r < 12; r++) d.data[r * 30 + i] -= (da / aa) * a.data[r * 30 + i];
        }
        for (const sign of [1, -1]) {
          const perturbed = {rows: 12, cols: 30, data: w.data.map((v, i) => v + sign * eps * d.data[i])};
          const moved = crossTalk(perturbed, a);
          expectClose(moved.diagonal, new Array(30).fill(1), 1e-5);
          assert.ok(moved.offDiagonal >= base * (1 - 1e-6),
                    `cross-talk ${moved.offDiagonal} < optimum ${base}`);
        }
      }
    });
  }

  it('an orthonormal-row dictionary (A = [I I]/√2, M=3, N=6) gives W̃ = 2A', () => {
    const r = Math.SQRT1_2;
    const a2 = [0, 1, 2].map((i) => [0, 1, 2, 0, 1, 2].map((j) => (i === j ? r : 0)));
    const wt = alistaWeight(a2);
    expectClose(wt, a2.map((row) => row.map((v) => 2 * v)), 1e-6);
    wt.dispose();
  });

  it('rejects M > N and a rank-deficient dictionary', () => {
    expectThrows(() => alistaWeight([[1], [2]]),
                 /alistaWeight: dictionary must have at most as many rows as columns \(M ≤ N\), got shape \[2, 1\]/);
    expectThrows(() => alistaWeight([[1, 2, 3], [2, 4, 6]]), /alistaWeight: dictionary must have full row rank/);
  });
});
