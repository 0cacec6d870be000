/** Features with known rates for the rate-reduction tests, and float64 references. */
import * as tf from '@tensorflow/tfjs';
import {cholesky} from '../../src/ops/linalg';

/** `m` seeded standard normal rows of size `d`, each scaled to the unit sphere. */
export function sphereFeatures(m: number, d: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const x = tf.randomNormal([m, d], 0, 1, 'float32', seed);
    return tf.div(x, tf.norm(x, 2, 1, true));
  });
}

/** The Householder reflection `I − 2vvᵀ/‖v‖²` (`d × d`, orthogonal) of a seeded vector `v`. */
export function householder(d: number, seed: number): number[][] {
  const v = Array.from({length: d}, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) + 0.1 * i);
  const norm2 = v.reduce((s, x) => s + x * x, 0);
  return v.map((vi, i) => v.map((vj, j) => (i === j ? 1 : 0) - (2 * vi * vj) / norm2));
}

/** Rows `(Q_{r_1}, …)`: row `i` of the result is row `basis[i]` of `q`, times `sign[i]`. */
export function rowsOf(q: number[][], basis: number[], sign: number[] = basis.map(() => 1)): number[][] {
  return basis.map((b, i) => q[b].map((x) => sign[i] * x));
}

/** `½ logdet(I_d + α ZᵀZ)`, `α = d/(m ε²)`, in float64 from the rows of `z`. */
export function referenceRate(z: number[][], epsilonSquared = 0.5): number {
  const m = z.length;
  const d = z[0].length;
  const alpha = d / (m * epsilonSquared);
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += z[k][i] * z[k][j];
      a[i * d + j] = (i === j ? 1 : 0) + alpha * s;
    }
  }
  const l = cholesky({rows: d, cols: d, data: a});
  let sum = 0;
  for (let i = 0; i < d; i++) sum += Math.log(l.data[i * d + i]);
  return sum;
}

/** `Σ_j (m_j/m) R(Z_j)` in float64. */
export function referenceClassRate(z: number[][], labels: number[], numClasses: number,
                                   epsilonSquared = 0.5): number {
  let sum = 0;
  for (let j = 0; j < numClasses; j++) {
    const zj = z.filter((_, i) => labels[i] === j);
    if (zj.length > 0) sum += (zj.length / z.length) * referenceRate(zj, epsilonSquared);
  }
  return sum;
}

/** The value of a scalar, which is disposed. */
export function valueOf(s: tf.Scalar): number {
  const v = s.dataSync()[0];
  s.dispose();
  return v;
}
