/**
 * Dense linear algebra in float64 on the CPU: Cholesky factorisation, triangular solves, SPD
 * solves, the spectral norm, and ALISTA's analytic weight (docs/math.md §2).
 *
 * These are written by hand because tfjs has no linear solvers (no Cholesky, no `solve`, no
 * `inv`). They run once, when a layer computes its initial weights from a dictionary, never
 * in a forward or backward pass, so plain `Float64Array` loops are fast enough and give the
 * accuracy that float32 tensors would not.
 */
import * as tf from '@tensorflow/tfjs';

/** A dense matrix of `rows × cols` float64 values in row-major order. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** What the functions of this module accept as a matrix. */
export type MatrixLike = Matrix | number[][] | tf.Tensor2D;

/** Copies a `number[][]` (rows), a rank-2 tensor or a {@link Matrix} into a new {@link Matrix}. */
export function toMatrix(value: MatrixLike, owner = 'toMatrix', name = 'matrix'): Matrix {
  if (value instanceof tf.Tensor) {
    if (value.rank !== 2) {
      throw new Error(`${owner}: ${name} must be a rank-2 tensor, got shape [${value.shape}]`);
    }
    const [rows, cols] = value.shape;
    return {rows, cols, data: Float64Array.from(value.dataSync())};
  }
  if (Array.isArray(value)) {
    const rows = value.length;
    const cols = rows > 0 && Array.isArray(value[0]) ? value[0].length : 0;
    if (rows === 0 || cols === 0 ||
        !value.every((r) => Array.isArray(r) && r.length === cols &&
                            r.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
      throw new Error(`${owner}: ${name} must be a non-empty rectangular array of finite ` +
                      'numbers');
    }
    return {rows, cols, data: Float64Array.from(value.flat())};
  }
  return {rows: value.rows, cols: value.cols, data: Float64Array.from(value.data)};
}

/** The matrix as a `number[][]` of rows. */
export function toArray(m: Matrix): number[][] {
  return Array.from({length: m.rows}, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

/** The matrix as a float32 tensor. */
export function toTensor(m: Matrix): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
}

/** `Aᵀ`. */
export function transpose(a: Matrix): Matrix {
  const out = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.data[i * a.cols + j];
  }
  return {rows: a.cols, cols: a.rows, data: out};
}

/** The product `A B`. */
export function matMul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) {
    throw new Error(`matMul: inner dimensions differ, [${a.rows}, ${a.cols}] × [${b.rows}, ${b.cols}]`);
  }
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    const row = out.subarray(i * b.cols, (i + 1) * b.cols);
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      const bk = b.data.subarray(k * b.cols, (k + 1) * b.cols);
      for (let j = 0; j < b.cols; j++) row[j] += aik * bk[j];
    }
  }
  return {rows: a.rows, cols: b.cols, data: out};
}

/**
 * Cholesky factorisation `M = L Lᵀ` of a symmetric positive definite matrix; returns the
 * lower-triangular `L`. Throws when `M` is not square, not symmetric (to a relative 1e-10), or
 * not numerically positive definite (a pivot below 1e-12 of the largest diagonal entry).
 */
export function cholesky(matrix: MatrixLike): Matrix {
  const m = toMatrix(matrix, 'cholesky');
  const n = m.rows;
  if (m.cols !== n) throw new Error(`cholesky: matrix must be square, got shape [${n}, ${m.cols}]`);
  const a = m.data;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(a[i * n + i]));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(a[i * n + j] - a[j * n + i]) > 1e-10 * Math.max(maxDiag, 1e-300)) {
        throw new Error(`cholesky: matrix must be symmetric, got entries (${i}, ${j}) = ` +
                        `${a[i * n + j]} and (${j}, ${i}) = ${a[j * n + i]}`);
      }
    }
  }
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j];
    for (let k = 0; k < j; k++) s -= l[j * n + k] * l[j * n + k];
    if (!(s > 1e-12 * maxDiag)) {
      throw new Error(`cholesky: matrix must be positive definite, got pivot ${s} at row ${j}`);
    }
    const d = Math.sqrt(s);
    l[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j];
      for (let k = 0; k < j; k++) t -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = t / d;
    }
  }
  return {rows: n, cols: n, data: l};
}

function checkSolve(owner: string, l: Matrix, b: Matrix): void {
  if (l.rows !== l.cols || b.rows !== l.rows) {
    throw new Error(`${owner}: shapes do not match, [${l.rows}, ${l.cols}] and right-hand side ` +
                    `[${b.rows}, ${b.cols}]`);
  }
}

/** Solves `L Y = B` for lower-triangular `L` by forward substitution (every column of `B`). */
export function solveLower(l: Matrix, b: Matrix): Matrix {
  checkSolve('solveLower', l, b);
  const n = l.rows;
  const k = b.cols;
  const y = Float64Array.from(b.data);
  for (let i = 0; i < n; i++) {
    const yi = y.subarray(i * k, (i + 1) * k);
    for (let j = 0; j < i; j++) {
      const lij = l.data[i * n + j];
      if (lij === 0) continue;
      const yj = y.subarray(j * k, (j + 1) * k);
      for (let c = 0; c < k; c++) yi[c] -= lij * yj[c];
    }
    const d = l.data[i * n + i];
    for (let c = 0; c < k; c++) yi[c] /= d;
  }
  return {rows: n, cols: k, data: y};
}

/** Solves `Lᵀ X = B` for lower-triangular `L` by back substitution (every column of `B`). */
export function solveLowerTransposed(l: Matrix, b: Matrix): Matrix {
  checkSolve('solveLowerTransposed', l, b);
  const n = l.rows;
  const k = b.cols;
  const x = Float64Array.from(b.data);
  for (let i = n - 1; i >= 0; i--) {
    const xi = x.subarray(i * k, (i + 1) * k);
    for (let j = i + 1; j < n; j++) {
      const lji = l.data[j * n + i];
      if (lji === 0) continue;
      const xj = x.subarray(j * k, (j + 1) * k);
      for (let c = 0; c < k; c++) xi[c] -= lji * xj[c];
    }
    const d = l.data[i * n + i];
    for (let c = 0; c < k; c++) xi[c] /= d;
  }
  return {rows: n, cols: k, data: x};
}

/**
 * Solves `M X = B` for symmetric positive definite `M` (`n × n`) and `B` (`n × k`) by a
 * Cholesky factorisation and two triangular solves.
 */
export function solveSpd(matrix: MatrixLike, rhs: MatrixLike): Matrix {
  const l = cholesky(matrix);
  const b = toMatrix(rhs, 'solveSpd', 'rhs');
  if (b.rows !== l.rows) {
    throw new Error(`solveSpd: rhs must have ${l.rows} rows, got shape [${b.rows}, ${b.cols}]`);
  }
  return solveLowerTransposed(l, solveLower(l, b));
}

/**
 * `‖A‖₂² = λ_max(AᵀA)` by power iteration on the smaller Gram matrix, from a fixed start, until
 * the estimate changes by less than `tol` (relative) or after `maxIterations` steps.
 */
export function spectralNormSquared(matrix: MatrixLike, tol = 1e-12, maxIterations = 5000): number {
  const a = toMatrix(matrix, 'spectralNormSquared');
  const g = a.rows <= a.cols ? matMul(a, transpose(a)) : matMul(transpose(a), a);
  const n = g.rows;
  let u = new Float64Array(n).map((_, i) => 1 + i / n);
  let estimate = 0;
  for (let it = 0; it < maxIterations; it++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += g.data[i * n + j] * u[j];
      v[i] = s;
    }
    let vu = 0;
    let uu = 0;
    let vv = 0;
    for (let i = 0; i < n; i++) {
      vu += v[i] * u[i];
      uu += u[i] * u[i];
      vv += v[i] * v[i];
    }
    const next = vu / uu;
    if (vv === 0) return 0;
    const norm = Math.sqrt(vv);
    u = v.map((x) => x / norm);
    if (Math.abs(next - estimate) <= tol * Math.abs(next)) return next;
    estimate = next;
  }
  return estimate;
}

/**
 * ALISTA's analytic weight `W̃ = argmin_W ‖WᵀA‖_F²` subject to `diag(WᵀA) = 1`, for a
 * dictionary `A` (`M × N`, `M ≤ N`, full row rank). The problem separates by columns, and each
 * column has the closed form `w_i = G⁻¹a_i / (a_iᵀG⁻¹a_i)` with `G = AAᵀ`. Returns `W̃` (`M × N`)
 * as a float32 tensor; the caller disposes it.
 */
export function alistaWeight(dictionary: MatrixLike): tf.Tensor2D {
  const a = toMatrix(dictionary, 'alistaWeight', 'dictionary');
  if (a.rows > a.cols) {
    throw new Error('alistaWeight: dictionary must have at most as many rows as columns ' +
                    `(M ≤ N), got shape [${a.rows}, ${a.cols}]`);
  }
  let y: Matrix;
  try {
    y = solveSpd(matMul(a, transpose(a)), a);
  } catch (e) {
    throw new Error('alistaWeight: dictionary must have full row rank (AAᵀ positive definite): ' +
                    (e as Error).message);
  }
  const {rows: m, cols: n} = a;
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let r = 0; r < m; r++) d += a.data[r * n + i] * y.data[r * n + i];
    for (let r = 0; r < m; r++) y.data[r * n + i] /= d;
  }
  return toTensor(y);
}
