/**
 * The mutual coherence of a dictionary (docs/theory.md): the largest normalised inner product
 * between two of its atoms, for a convolutional dictionary over every shift at which two atoms
 * of the global dictionary overlap.
 */
import * as tf from '@tensorflow/tfjs';
import * as v from '../util/validate';

const NAME = 'mutualCoherence';

export interface CoherenceOptions {
  /**
   * Stride `[sh, sw]` (or one number) of a convolutional dictionary: its atoms sit on a grid of
   * that step, so two atoms of the global dictionary are shifted by multiples of it. Default 1.
   */
  strides?: number | [number, number];
}

/**
 * Mutual coherence `μ(D) = max_{i≠j} |⟨d_i, d_j⟩| / (‖d_i‖ ‖d_j‖)`.
 *
 * A dense dictionary `[M, N]` has its `N` columns as atoms. A convolutional dictionary in tfjs
 * filter layout `[kh, kw, C_in, C_out]` has the `C_out` blocks `kh×kw×C_in` as atoms, and its
 * global dictionary holds every atom at every position of the stride's grid; `μ` is then the
 * maximum over every pair of atoms `(i, j)` (`i = j` included) and every shift
 * `(dy, dx) = (a·sh, b·sw)` with `|dy| < kh`, `|dx| < kw` (where the two overlap) except the
 * atom against itself unshifted, of
 *
 *     |Σ_{y,x,c} d_i[y + dy, x + dx, c] · d_j[y, x, c]| / (‖d_i‖ ‖d_j‖)
 *
 * (each shifted atom normalised by its full norm). The shifted inner products are one
 * `conv2d` of the atoms, zero-padded by `kh − 1` and `kw − 1`, against the filters.
 */
export function mutualCoherence(d: tf.Tensor, options: CoherenceOptions = {}): number {
  if (!(d instanceof tf.Tensor) || (d.rank !== 2 && d.rank !== 4)) {
    v.reject(NAME, 'd', 'a dense [M, N] or a convolutional [kh, kw, C_in, C_out] dictionary',
             d instanceof tf.Tensor ? d.shape : d);
  }
  if (d.rank === 2) {
    if (options.strides !== undefined) v.reject(NAME, 'strides', 'absent for a dense dictionary', options.strides);
    return denseCoherence(d as tf.Tensor2D);
  }
  return convCoherence(d as tf.Tensor4D, v.pair(NAME, 'strides', options.strides ?? 1));
}

/** The atoms' norms (over every axis but the last), with an error naming an atom of norm 0. */
function atomNorms(d: tf.Tensor): Float32Array {
  const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(d), [...Array(d.rank - 1).keys()])).dataSync() as Float32Array);
  const zero = norms.findIndex((n) => !(n > 0));
  if (zero >= 0) v.reject(NAME, `d (atom ${zero})`, 'of non-zero norm', norms[zero]);
  return norms;
}

/** `max_{i≠j} |G_ij| / (‖d_i‖‖d_j‖)` with the Gram matrix `G = DᵀD`. */
function denseCoherence(d: tf.Tensor2D): number {
  const n = d.shape[1];
  if (n < 2) v.reject(NAME, 'd', 'a dense dictionary of at least 2 atoms (columns)', d.shape);
  const norms = atomNorms(d);
  const gram = tf.tidy(() => tf.matMul(d, d, true, false).dataSync());
  let mu = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j) mu = Math.max(mu, Math.abs(gram[i * n + j]) / (norms[i] * norms[j]));
    }
  }
  return mu;
}

/**
 * The convolutional coherence: `conv2d(pad(atoms), D)[i, oy, ox, j] = Σ d_i[y + dy, x + dx, c]·d_j[y, x, c]`
 * with `dy = oy − (kh − 1)`, `dx = ox − (kw − 1)`.
 */
function convCoherence(d: tf.Tensor4D, [sh, sw]: [number, number]): number {
  const [kh, kw, , count] = d.shape;
  const shifts = (k: number, s: number) => 2 * Math.floor((k - 1) / s) + 1;
  if (count * shifts(kh, sh) * shifts(kw, sw) < 2) {
    v.reject(NAME, 'd', 'a dictionary of at least 2 atoms, or an atom with overlapping shifts', d.shape);
  }
  const norms = atomNorms(d);
  const products = tf.tidy(() => {
    const atoms = tf.pad(tf.transpose(d, [3, 0, 1, 2]), [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]]);
    return tf.conv2d(atoms as tf.Tensor4D, d, 1, 'valid').dataSync();
  });
  const [oh, ow] = [2 * kh - 1, 2 * kw - 1];
  let mu = 0;
  for (let i = 0; i < count; i++) {
    for (let oy = 0; oy < oh; oy++) {
      const dy = oy - (kh - 1);
      if (dy % sh !== 0) continue;
      for (let ox = 0; ox < ow; ox++) {
        const dx = ox - (kw - 1);
        if (dx % sw !== 0) continue;
        for (let j = 0; j < count; j++) {
          if (i === j && dy === 0 && dx === 0) continue;
          mu = Math.max(mu, Math.abs(products[((i * oh + oy) * ow + ox) * count + j]) / (norms[i] * norms[j]));
        }
      }
    }
  }
  return mu;
}
