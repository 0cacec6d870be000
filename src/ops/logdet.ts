/**
 * `log det M` of a symmetric positive definite matrix, differentiable (docs/math.md §5,
 * docs/rate_reduction.md).
 *
 * tfjs has no Cholesky factorisation and no `logdet`, so the value comes from the float64
 * {@link cholesky} of this package on the host: `M = L Lᵀ`, `log det M = 2 Σ_i log L_ii`. The
 * matrices of the rate-reduction losses are small (`n ≤` feature size or batch size), so a
 * read-back and an `O(n³/3)` factorisation cost little next to the Gram product that built them.
 */
import * as tf from '@tensorflow/tfjs';
import {cholesky, Matrix} from './linalg';

const OWNER = 'logdet';

/** A factorised matrix: `M = D^{1/2} L Lᵀ D^{1/2}` with `D = diag(M)`. */
interface Factor {
  l: Matrix;
  diagonal: Float64Array;
}

/**
 * Factorises `M = shift·I + scale·½(A + Aᵀ)` in float64 from the float32 entries of `a`
 * (`name` is what error messages call `M`). Rejects an `A` whose two triangles differ by more
 * than float32 rounding (1e-4 of its largest entry), as only its symmetric part is read.
 *
 * `M` is first scaled to a unit diagonal, `S = D^{-1/2} M D^{-1/2}`, so that `log det M =
 * log det S + Σ_i log M_ii` and the pivot test of {@link cholesky} (relative to the largest
 * diagonal entry) becomes relative to each row's own scale: a matrix ill-conditioned only by
 * its scaling, such as `diag(1e-6, 1, 1e6)`, is accepted and its logdet stays accurate.
 */
function factorise(a: tf.Tensor2D, shift: number, scale: number, name: string): Factor {
  const [n] = a.shape;
  const values = a.dataSync();
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]));
  const diagonal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    diagonal[i] = shift + scale * values[i * n + i];
    if (!(diagonal[i] > 0)) {
      throw new Error(`${OWNER}: ${name} must be positive definite, got diagonal entry ` +
                      `(${i}, ${i}) = ${diagonal[i]}`);
    }
  }
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const aij = values[i * n + j];
      const aji = values[j * n + i];
      if (Math.abs(aij - aji) > 1e-4 * largest) {
        throw new Error(`${OWNER}: ${name} must be symmetric, got entries (${i}, ${j}) = ${aij} ` +
                        `and (${j}, ${i}) = ${aji}`);
      }
      const mij = (i === j ? shift : 0) + scale * 0.5 * (aij + aji);
      s[i * n + j] = s[j * n + i] = mij / Math.sqrt(diagonal[i] * diagonal[j]);
    }
  }
  try {
    return {l: cholesky({rows: n, cols: n, data: s}), diagonal};
  } catch (e) {
    throw new Error(`${OWNER}: ${name} must be positive definite, got a matrix whose ` +
                    `Cholesky factorisation fails (${(e as Error).message})`);
  }
}

function logdetOf({l, diagonal}: Factor): number {
  let sum = 0;
  for (let i = 0; i < l.rows; i++) sum += 2 * Math.log(l.data[i * l.rows + i]) + Math.log(diagonal[i]);
  return sum;
}

/**
 * `scale · M⁻¹` as a float32 tensor, from `M⁻¹ = D^{-1/2} L⁻ᵀ L⁻¹ D^{-1/2}`: the columns of
 * the triangular `L⁻¹` by forward substitution, then `L⁻ᵀ L⁻¹` by dot products over the rows
 * where both are non-zero, about `n³/3` multiply-adds (a general solve with `n` right-hand
 * sides takes `n³`); the result is symmetric by construction.
 */
function scaledInverse({l, diagonal}: Factor, scale: number): tf.Tensor2D {
  const n = l.rows;
  const a = l.data;
  // t[j * n + k] = (L⁻¹)_kj: row j of t is column j of L⁻¹, zero before k = j.
  const t = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const col = t.subarray(j * n, (j + 1) * n);
    col[j] = 1 / a[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let sum = 0;
      for (let k = j; k < i; k++) sum += a[i * n + k] * col[k];
      col[i] = -sum / a[i * n + i];
    }
  }
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const ti = t.subarray(i * n, (i + 1) * n);
    for (let j = 0; j <= i; j++) {
      const tj = t.subarray(j * n, (j + 1) * n);
      let sum = 0;
      for (let k = i; k < n; k++) sum += ti[k] * tj[k];
      out[i * n + j] = out[j * n + i] = scale * sum / Math.sqrt(diagonal[i] * diagonal[j]);
    }
  }
  return tf.tensor2d(out, [n, n]);
}

/** `log det(shift·I + scale·A)` with gradient `scale · (shift·I + scale·A)⁻¹` in `A`. */
function logdetOp(a: tf.Tensor2D, shift: number, scale: number, name: string): tf.Scalar {
  const op = tf.customGrad(((x: tf.Tensor2D) => {
    const factor = factorise(x, shift, scale, name);
    return {
      value: tf.scalar(logdetOf(factor)),
      gradFunc: (dy: tf.Tensor) => tf.tidy(() => tf.mul(dy, scaledInverse(factor, scale))),
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return op(a) as tf.Scalar;
}

function checkSquare(owner: string, name: string, m: unknown): asserts m is tf.Tensor2D {
  if (!(m instanceof tf.Tensor) || m.rank !== 2 || m.shape[0] !== m.shape[1] || m.shape[0] === 0) {
    throw new Error(`${owner}: ${name} must be a non-empty square rank-2 tensor, got ` +
                    (m instanceof tf.Tensor ? `shape [${m.shape}]` : String(m)));
  }
}

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
  checkSquare(OWNER, 'm', m);
  return logdetOp(m, 0, 1, 'm');
}

/**
 * `log det(I + α G)` for a symmetric positive semi-definite `[n, n]` matrix `g` (a Gram
 * matrix) and `α > 0`, with gradient `α (I + α G)⁻¹` in `G`: {@link logdet} of `I + α G`, with
 * `I + α G` formed in float64 on the host, so that no float32 rounding of large `α G` entries
 * swamps the identity (its eigenvalues stay ≥ 1).
 */
export function logdetIdentityPlus(g: tf.Tensor2D, alpha: number): tf.Scalar {
  checkSquare(OWNER, 'g', g);
  return logdetOp(g, 1, alpha, 'I + αG');
}
