/** Seeded float64 test matrices shared by the linear-algebra tests. */
import {Matrix, matMul, transpose} from '../../src/ops/linalg';

/** A seeded `rows × cols` matrix of uniform values in [−1, 1) (a linear congruential stream). */
export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  let s = seed >>> 0;
  const data = new Float64Array(rows * cols).map(() => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
  return {rows, cols, data};
}

/** `XᵀX + shift·I`, symmetric positive definite for `shift > 0`. */
export function randomSpd(n: number, seed: number, shift: number): Matrix {
  const x = randomMatrix(n + 3, n, seed);
  const m = matMul(transpose(x), x);
  for (let i = 0; i < n; i++) m.data[i * n + i] += shift;
  return m;
}
