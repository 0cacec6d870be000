/**
 * Coding rates of features (docs/math.md §5, docs/rate_reduction.md): the rate `R(Z)` of a set
 * of features and the rate `R^c(Z|Π)` of the same features coded class by class.
 *
 * Features `Z` are `[m, d]`: one row per sample (batch first, as everywhere in tfjs), each row
 * ideally on the unit sphere. The Gram matrix is a float32 `tf.matMul` on the current backend;
 * `logdet(I + α G)` is taken in float64 on the host by `logdetIdentityPlus`, which also gives
 * the gradient and symmetrises `G` (`½(G + Gᵀ)`) so that rounding cannot make it indefinite.
 */
import * as tf from '@tensorflow/tfjs';
import {logdetIdentityPlus} from '../ops/logdet';
import * as v from '../util/validate';

/** Options shared by every rate-reduction loss. */
export interface RateOptions {
  /**
   * `ε²`, the squared distortion (not `ε`): the rate counts the bits needed to code the features
   * up to a mean squared error `ε²` per sample. The published MCR² and CTRL code passes this
   * squared value, `0.5`, under the name `eps`; an implementation that takes `ε` itself needs
   * `epsilonSquared = ε²` here. Default 0.5.
   */
  epsilonSquared?: number;
}

/** The validated `ε²` of `options`. */
export function epsilonSquaredOf(owner: string, options: RateOptions | undefined): number {
  return v.positiveNumber(owner, 'epsilonSquared', options?.epsilonSquared ?? 0.5);
}

/** Checks that `z` is a `[m, d]` tensor with `m, d ≥ 1`. */
export function checkFeatures(owner: string, name: string, z: unknown): asserts z is tf.Tensor2D {
  if (!(z instanceof tf.Tensor) || z.rank !== 2 || z.shape[0] < 1 || z.shape[1] < 1) {
    v.reject(owner, name, 'a rank-2 tensor [m, d] with m, d ≥ 1',
             z instanceof tf.Tensor ? z.shape : z);
  }
}

/**
 * The labels as integers, checked: `m` of them, each an integer in `[0, numClasses)`. Labels are
 * read on the host (they are small) to pick the rows of each class.
 */
export function readLabels(owner: string, labels: tf.Tensor1D | ArrayLike<number>, m: number,
                           numClasses: number): number[] {
  v.positiveInt(owner, 'numClasses', numClasses);
  let values: number[];
  if (labels instanceof tf.Tensor) {
    if (labels.rank !== 1) v.reject(owner, 'labels', 'a rank-1 tensor', labels.shape);
    values = Array.from(labels.dataSync());
  } else if (labels != null && typeof labels === 'object' && typeof labels.length === 'number') {
    values = Array.from(labels);
  } else {
    v.reject(owner, 'labels', 'a rank-1 tensor or an array of class indices', labels);
  }
  if (values.length !== m) {
    v.reject(owner, 'labels', `${m} class indices (one per row of z)`, values.length);
  }
  for (const label of values) {
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      v.reject(owner, 'labels', `integers in [0, ${numClasses})`, label);
    }
  }
  return values;
}

/** The row indices of each class `0 … numClasses − 1`. */
export function classRows(labels: number[], numClasses: number): number[][] {
  const rows: number[][] = Array.from({length: numClasses}, () => []);
  labels.forEach((label, i) => rows[label].push(i));
  return rows;
}

/** The rows of `x` (`[m, d]`, float32) in the order `order`, as a new tensor. */
function reorderRows(x: tf.Tensor, order: ArrayLike<number>): tf.Tensor2D {
  const [m, d] = x.shape;
  const src = x.dataSync();
  const out = new Float32Array(m * d);
  for (let i = 0; i < m; i++) out.set(src.subarray(order[i] * d, (order[i] + 1) * d), i * d);
  return tf.tensor2d(out, [m, d]);
}

/**
 * `z` with its rows permuted, row `i` of the result being row `order[i]` of `z`; its gradient
 * is `dy` permuted back. Done on the host: the losses read their Gram matrices back anyway, the
 * gradient tfjs gives `tf.gather` needs `UnsortedSegmentSum`, which the wasm backend lacks, and
 * wasm's `gather` of 2048 × 128 values takes about 10 ms against 0.4 ms for this copy.
 */
function permuteRows(z: tf.Tensor2D, order: number[]): tf.Tensor2D {
  const inverse = new Int32Array(order.length);
  order.forEach((row, i) => { inverse[row] = i; });
  const op = tf.customGrad(((x: tf.Tensor) => ({
    value: reorderRows(x, order),
    gradFunc: (dy: tf.Tensor) => reorderRows(dy, inverse),
  })) as Parameters<typeof tf.customGrad>[0]);
  return op(z) as tf.Tensor2D;
}

/**
 * The rows of each non-empty class, one `[m_j, d]` block per class in class order, given the
 * row indices of each class: one differentiable reordering of `z` by class, then slices.
 */
export function classBlocks(z: tf.Tensor2D, rows: number[][]): tf.Tensor2D[] {
  const nonEmpty = rows.filter((r) => r.length > 0);
  return tf.tidy(() => {
    const sorted = permuteRows(z, nonEmpty.flat());
    let offset = 0;
    return nonEmpty.map((r) => {
      const block = tf.slice(sorted, [offset, 0], [r.length, -1]);
      offset += r.length;
      return block;
    });
  });
}

/** `½ logdet(I_d + α ZᵀZ)`, the `d × d` form of the coding rate. */
export function codingRateFeatureForm(z: tf.Tensor2D, alpha: number): tf.Scalar {
  return tf.tidy(() => tf.mul(0.5, logdetIdentityPlus(tf.matMul(z, z, true, false), alpha)));
}

/** `½ logdet(I_m + α Z Zᵀ)`, the `m × m` form of the coding rate (equal to the `d × d` form). */
export function codingRateSampleForm(z: tf.Tensor2D, alpha: number): tf.Scalar {
  return tf.tidy(() => tf.mul(0.5, logdetIdentityPlus(tf.matMul(z, z, false, true), alpha)));
}

/** `R(Z)` for checked `z`, in the smaller of the two forms. */
export function rate(z: tf.Tensor2D, epsilonSquared: number): tf.Scalar {
  const [m, d] = z.shape;
  const alpha = d / (m * epsilonSquared);
  return m < d ? codingRateSampleForm(z, alpha) : codingRateFeatureForm(z, alpha);
}

/**
 * `R^c(Z|Π) = Σ_j (m_j/m) R(Z_j)` from the blocks `Z_j` of the non-empty classes of `m` rows
 * and their rates `R(Z_j)`.
 */
export function classRate(blocks: tf.Tensor2D[], rates: tf.Scalar[], m: number): tf.Scalar {
  return tf.tidy(() => tf.addN(rates.map((r, j) => tf.mul(blocks[j].shape[0] / m, r))));
}

/**
 * The coding rate of the features `z` (`[m, d]`, one sample per row):
 *
 *     R(Z) = ½ logdet(I_d + α ZᵀZ) = ½ logdet(I_m + α Z Zᵀ),   α = d / (m ε²),
 *
 * the number of nats needed to code the `m` samples up to a squared distortion `ε²`
 * (`options.epsilonSquared`, default 0.5: the squared value, as the published code passes it).
 * The two forms are equal (Sylvester's determinant identity); the smaller matrix is factorised.
 * Differentiable in `z`: `∂R/∂Z = α Z (I_d + α ZᵀZ)⁻¹`.
 */
export function codingRate(z: tf.Tensor2D, options?: RateOptions): tf.Scalar {
  checkFeatures('codingRate', 'z', z);
  return rate(z, epsilonSquaredOf('codingRate', options));
}

/**
 * The coding rate of `z` coded class by class, with `labels[i]` the class of row `i`:
 *
 *     R^c(Z|Π) = Σ_j (m_j / 2m) logdet(I + d/(m_j ε²) Z_jᵀ Z_j) = Σ_j (m_j/m) R(Z_j),
 *
 * where `Z_j` holds the `m_j` rows of class `j`; a class without rows contributes 0.
 * `ε²` is `options.epsilonSquared` (default 0.5). Differentiable in `z`.
 */
export function classCodingRate(z: tf.Tensor2D, labels: tf.Tensor1D | ArrayLike<number>,
                                numClasses: number, options?: RateOptions): tf.Scalar {
  const owner = 'classCodingRate';
  checkFeatures(owner, 'z', z);
  const eps2 = epsilonSquaredOf(owner, options);
  const rows = classRows(readLabels(owner, labels, z.shape[0], numClasses), numClasses);
  return tf.tidy(() => {
    const blocks = classBlocks(z, rows);
    return classRate(blocks, blocks.map((b) => rate(b, eps2)), z.shape[0]);
  });
}
