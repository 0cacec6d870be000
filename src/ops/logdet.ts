/**
 * `log det M` of a symmetric positive definite matrix, differentiable (docs/math.md §5).
 *
 * tfjs has no Cholesky factorisation and no `logdet`, so the value comes from the float64
 * {@link cholesky} of this package on the host: `M = L Lᵀ`, `log det M = 2 Σ_i log L_ii`. The
 * matrices of the rate-reduction losses are small (`n ≤` feature size or batch size), so a
 * read-back and an `O(n³/3)` factorisation cost little next to the Gram product that built them.
 */
import * as tf from '@tensorflow/tfjs';
import {cholesky, Matrix, solveLower, solveLowerTransposed} from './linalg';

const OWNER = 'logdet';

/**
 * The symmetric part of `m` in float64, equilibrated: `S = D^{-1/2} ½(M + Mᵀ) D^{-1/2}` with
 * `D = diag(M)`, so that `S` has a unit diagonal and `log det M = log det S + Σ_i log M_ii`.
 * The scaling makes the pivot test of {@link cholesky} (relative to the largest diagonal entry)
 * relative to each row's own scale, so that a matrix ill-conditioned only by its scaling, such
 * as `diag(1e-6, 1, 1e6)`, is accepted. Rejects a matrix whose two triangles
 * differ by more than float32 rounding (1e-4 of its largest entry), and a diagonal entry ≤ 0.
 */
function equilibrated(m: tf.Tensor2D): {s: Matrix; diagonal: Float64Array} {
  const [n] = m.shape;
  const a = m.dataSync();
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  const diagonal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    diagonal[i] = a[i * n + i];
    if (!(diagonal[i] > 0)) {
      throw new Error(`${OWNER}: m must be positive definite, got diagonal entry (${i}, ${i}) = ` +
                      `${diagonal[i]}`);
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const aij = a[i * n + j];
      const aji = a[j * n + i];
      if (Math.abs(aij - aji) > 1e-4 * scale) {
        throw new Error(`${OWNER}: m must be symmetric, got entries (${i}, ${j}) = ${aij} and ` +
                        `(${j}, ${i}) = ${aji}`);
      }
      out[i * n + j] = out[j * n + i] = 0.5 * (aij + aji) / Math.sqrt(diagonal[i] * diagonal[j]);
    }
  }
  return {s: {rows: n, cols: n, data: out}, diagonal};
}

/**
 * `M⁻¹ = D^{-1/2} S⁻¹ D^{-1/2}` with `S⁻¹ = L⁻ᵀ L⁻¹` from the Cholesky factor `L` of `S`,
 * symmetrised, as a float32 tensor.
 */
function inverse(l: Matrix, diagonal: Float64Array): tf.Tensor2D {
  const n = l.rows;
  const identity = new Float64Array(n * n);
  for (let i = 0; i < n; i++) identity[i * n + i] = 1;
  const inv = solveLowerTransposed(l, solveLower(l, {rows: n, cols: n, data: identity})).data;
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      out[i * n + j] = out[j * n + i] =
          0.5 * (inv[i * n + j] + inv[j * n + i]) / Math.sqrt(diagonal[i] * diagonal[j]);
    }
  }
  return tf.tensor2d(out, [n, n]);
}

const logdetOp = tf.customGrad(((m: tf.Tensor2D) => {
  const {s, diagonal} = equilibrated(m);
  let l: Matrix;
  try {
    l = cholesky(s);
  } catch (e) {
    throw new Error(`${OWNER}: m must be positive definite, got a matrix whose Cholesky ` +
                    `factorisation fails (${(e as Error).message})`);
  }
  let sum = 0;
  for (let i = 0; i < l.rows; i++) sum += 2 * Math.log(l.data[i * l.rows + i]) + Math.log(diagonal[i]);
  return {
    value: tf.scalar(sum),
    gradFunc: (dy: tf.Tensor) => tf.tidy(() => tf.mul(dy, inverse(l, diagonal))),
  };
}) as Parameters<typeof tf.customGrad>[0]);

/**
 * `log det M` of a symmetric positive definite `[n, n]` matrix `m`, computed from a float64
 * Cholesky factorisation `M = L Lᵀ` as `2 Σ_i log L_ii`.
 *
 * Differentiable on every backend (`tf.grad`, `optimizer.minimize`): `∂ log det M / ∂M = M⁻¹`,
 * taken from the same factorisation in float64, symmetrised and returned in float32.
 *
 * Only the symmetric part `½(M + Mᵀ)` is read; a matrix whose triangles differ by more than
 * float32 rounding is rejected. The matrix is first scaled to a unit diagonal
 * (`D^{-1/2} M D^{-1/2}`, `D = diag(M)`), which leaves `log det` exact up to `Σ log M_ii` and
 * keeps widely spread scales such as `diag(1e-6, 1, 1e6)` accurate. `M` is rejected as not
 * positive definite when a diagonal entry is ≤ 0 or NaN, or a Cholesky pivot of the scaled
 * matrix is ≤ 1e-12: such a matrix is singular to float64 precision.
 */
export function logdet(m: tf.Tensor2D): tf.Scalar {
  if (!(m instanceof tf.Tensor) || m.rank !== 2 || m.shape[0] !== m.shape[1] || m.shape[0] === 0) {
    throw new Error(`${OWNER}: m must be a non-empty square rank-2 tensor, got ` +
                    (m instanceof tf.Tensor ? `shape [${m.shape}]` : String(m)));
  }
  return logdetOp(m) as tf.Scalar;
}
