/** The nearest-subspace classifier that MCR² and CTRL report on learned features. */
import * as tf from '@tensorflow/tfjs';
import {EigenvalueDecomposition, Matrix} from 'ml-matrix';
import {bool, positiveInt, reject} from '../util/validate';

/** Features as a `[N, D]` tensor or as N rows of D numbers. */
export type Features = tf.Tensor2D | number[][];
/** One integer class label per sample. */
export type Labels = ArrayLike<number> | tf.Tensor1D;

/** Options of {@link NearestSubspace.fit}. */
export interface NearestSubspaceOptions {
  /** k, the number of principal directions kept per class; 1 ≤ k < D. Default 10. */
  components?: number;
  /** Number of classes C; labels lie in [0, C). Default: the largest training label + 1. */
  numClasses?: number;
  /**
   * Subtract each class's mean before finding its directions and before measuring a residual
   * (PCA, an affine subspace) instead of using linear subspaces through the origin (uncentred
   * SVD). Default false.
   */
  center?: boolean;
}

/**
 * Eigenvalues at or below this fraction of the largest one belong to directions the class data
 * does not span (float64 Gram rounding sits near 1e-16; float32 features near 1e-14).
 */
const RANK_TOLERANCE = 1e-10;

interface Flat {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** Checks that `value` is a non-empty `[N, D]` tensor or rectangular array; returns `[N, D]`. */
function featureShape(owner: string, value: unknown): [number, number] {
  if (value instanceof tf.Tensor) {
    if (value.rank !== 2 || value.size === 0) {
      reject(owner, 'features', 'a non-empty rank-2 tensor [N, D]', `shape [${value.shape}]`);
    }
    return [value.shape[0], value.shape[1]];
  }
  const cols = Array.isArray(value) && Array.isArray(value[0]) ? value[0].length : 0;
  if (!Array.isArray(value) || value.length === 0 || cols === 0 ||
      !value.every((r) => Array.isArray(r) && r.length === cols && r.every(Number.isFinite))) {
    reject(owner, 'features', 'a rank-2 tensor or a non-empty rectangular array of finite numbers',
           Array.isArray(value) ? `an array of length ${value.length}` : value);
  }
  return [value.length, cols];
}

function readFeatures(owner: string, value: Features): Flat {
  const [rows, cols] = featureShape(owner, value);
  const data = value instanceof tf.Tensor ? value.dataSync() as Float32Array : Float32Array.from(value.flat());
  return {rows, cols, data};
}

function readLabels(owner: string, value: unknown, count: number, numClasses?: number): Int32Array {
  let labels: ArrayLike<number>;
  if (value instanceof tf.Tensor) {
    if (value.rank !== 1) reject(owner, 'labels', 'a rank-1 tensor', `shape [${value.shape}]`);
    labels = value.dataSync();
  } else if (value !== null && typeof value === 'object' && 'length' in value &&
             typeof value.length === 'number') {
    labels = value as ArrayLike<number>;
  } else {
    reject(owner, 'labels', 'an array or a rank-1 tensor of class labels', value);
  }
  if (labels.length !== count) {
    reject(owner, 'labels', `one label per feature row (${count})`, `${labels.length} labels`);
  }
  const out = Int32Array.from(labels);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || (numClasses !== undefined && l >= numClasses)) {
      reject(owner, `labels[${i}]`,
             numClasses === undefined ? 'a non-negative integer' : `an integer in [0, ${numClasses})`, l);
    }
  }
  return out;
}

/**
 * Nearest-subspace classification (Yu et al. 2020, MCR²; Dai et al. 2022, CTRL). For each class
 * j, the top-k principal directions U_j (D × k, orthonormal columns) of that class's training
 * features Z_j are found; a feature z is assigned the class with the smallest residual
 *
 *   r_j(z) = ‖(I − U_j U_jᵀ)(z − μ_j)‖₂,   μ_j = 0 (default) or the class mean (`center`).
 *
 * The published code (`nearsub` in github.com/ryanchankh/mcr2 `evaluate.py` and in
 * github.com/Delay-Xili/LDR `test_acc.py`) computes two scores: scikit-learn's `TruncatedSVD`
 * directions with uncentred residuals ("SVD"), and `PCA` directions with the class mean
 * subtracted ("PCA"). This class follows CTRL's evaluation: k = 10 (`n_comp = 10` in
 * `test_acc.py`; MCR²'s `evaluate.py` defaults to 30) and uncentred by default; `center: true`
 * gives the PCA score, the one MCR²'s `evaluate.py` returns. Ties go to the smallest class index,
 * as `np.argmin` does.
 *
 * U_j holds the top eigenvectors of the float64 Gram matrix Z_jᵀZ_j (D × D; `ml-matrix`'s
 * symmetric eigendecomposition, since tfjs has none): these are exactly the right singular
 * vectors that `TruncatedSVD` approximates by randomised iterations. Directions whose eigenvalue
 * is at most 1e-10 of the largest are left out, so a class whose training features span fewer
 * than k dimensions (fewer than k samples, say) gets the subspace they span, where scikit-learn
 * would pad it with arbitrary directions. Fitting costs O(N D² + C D³); residuals run as tfjs
 * matrix products.
 */
export class NearestSubspace {
  private constructor(
      /** Feature dimension D. */
      readonly dimension: number,
      /** Number of classes C. */
      readonly numClasses: number,
      /** k, the number of directions asked for per class. */
      readonly components: number,
      /** Whether residuals are measured from the class means. */
      readonly center: boolean,
      /** Per class: U_j as D × k_j row-major float32 values (k_j ≤ k). */
      private readonly bases: Float32Array[],
      /** Per class: μ_j (zeros when not centred). */
      private readonly means: Float32Array[]) {}

  /**
   * Finds the class subspaces from training features and their labels.
   *
   * @param features `[N, D]` training features.
   * @param labels N integer labels in [0, C); every class needs at least one sample.
   */
  static fit(features: Features, labels: Labels, options: NearestSubspaceOptions = {}): NearestSubspace {
    const owner = 'NearestSubspace.fit';
    const {rows, cols, data} = readFeatures(owner, features);
    const k = positiveInt(owner, 'options.components', options.components ?? 10);
    if (k >= cols) reject(owner, 'options.components', `below the feature dimension ${cols}`, k);
    const center = bool(owner, 'options.center', options.center ?? false);
    const given = options.numClasses === undefined ? undefined :
      positiveInt(owner, 'options.numClasses', options.numClasses);
    const y = readLabels(owner, labels, rows, given);
    const numClasses = given ?? y.reduce((m, l) => Math.max(m, l), 0) + 1;
    const counts = new Array<number>(numClasses).fill(0);
    y.forEach((l) => counts[l]++);
    const empty = counts.indexOf(0);
    if (empty >= 0) {
      reject(owner, 'labels', `a list holding every class in [0, ${numClasses}) at least once (class ` +
             `${empty} has none); samples per class`, counts);
    }
    const bases: Float32Array[] = [];
    const means: Float32Array[] = [];
    for (let j = 0; j < numClasses; j++) {
      const mean = new Float64Array(cols);
      if (center) {
        for (let i = 0; i < rows; i++) {
          if (y[i] !== j) continue;
          for (let d = 0; d < cols; d++) mean[d] += data[i * cols + d];
        }
        for (let d = 0; d < cols; d++) mean[d] /= counts[j];
      }
      means.push(Float32Array.from(mean));
      bases.push(topDirections(classGram(data, cols, y, j, mean), cols, k));
    }
    return new NearestSubspace(cols, numClasses, k, center, bases, means);
  }

  /** U_j, the directions kept for class j: `[D, k_j]` with orthonormal columns, k_j ≤ k. */
  basis(classIndex: number): tf.Tensor2D {
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= this.numClasses) {
      reject('NearestSubspace.basis', 'classIndex', `an integer in [0, ${this.numClasses})`, classIndex);
    }
    const u = this.bases[classIndex];
    return tf.tensor2d(u, [this.dimension, u.length / this.dimension]);
  }

  /** `[N, C]`: r_j(z) for every feature row z and class j. */
  residuals(features: Features): tf.Tensor2D {
    const owner = 'NearestSubspace.residuals';
    const [, cols] = featureShape(owner, features);
    if (cols !== this.dimension) {
      reject(owner, 'features', `rows of the fitted dimension ${this.dimension}`, `${cols} columns`);
    }
    return tf.tidy(() => {
      const z = features instanceof tf.Tensor ? features : tf.tensor2d(features);
      const perClass = this.bases.map((u, j) => {
        const zc = this.center ? tf.sub(z, tf.tensor1d(this.means[j])) : z;
        const kj = u.length / this.dimension;
        const basis = tf.tensor2d(u, [this.dimension, kj]);
        const r = kj === 0 ? zc : tf.sub(zc, tf.matMul(tf.matMul(zc, basis), basis, false, true));
        return tf.sqrt(tf.sum(tf.square(r), 1));
      });
      return tf.stack(perClass, 1) as tf.Tensor2D;
    });
  }

  /** The class of smallest residual for each feature row. */
  predict(features: Features): Int32Array {
    const r = this.residuals(features);
    const values = r.dataSync();
    const [n, c] = r.shape;
    r.dispose();
    return Int32Array.from({length: n}, (_, i) => {
      let best = 0;
      for (let j = 1; j < c; j++) if (values[i * c + j] < values[i * c + best]) best = j;
      return best;
    });
  }

  /** The fraction of feature rows whose predicted class equals the label, in [0, 1]. */
  accuracy(features: Features, labels: Labels): number {
    const predicted = this.predict(features);
    const y = readLabels('NearestSubspace.accuracy', labels, predicted.length, this.numClasses);
    return predicted.reduce((hits, p, i) => hits + (p === y[i] ? 1 : 0), 0) / predicted.length;
  }
}

/**
 * Σ (z − μ)(z − μ)ᵀ over the rows z of class j, in float64 (upper triangle accumulated, then
 * mirrored; zero entries of sparse codes are skipped).
 */
function classGram(data: Float32Array, cols: number, y: Int32Array, j: number,
                   mean: Float64Array): Float64Array {
  const gram = new Float64Array(cols * cols);
  const row = new Float64Array(cols);
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== j) continue;
    for (let d = 0; d < cols; d++) row[d] = data[i * cols + d] - mean[d];
    for (let a = 0; a < cols; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      const offset = a * cols;
      for (let b = a; b < cols; b++) gram[offset + b] += ra * row[b];
    }
  }
  for (let a = 0; a < cols; a++) {
    for (let b = 0; b < a; b++) gram[a * cols + b] = gram[b * cols + a];
  }
  return gram;
}

/** The eigenvectors of the k largest eigenvalues above the rank tolerance, as D × k_j row-major. */
function topDirections(gram: Float64Array, cols: number, k: number): Float32Array {
  const evd = new EigenvalueDecomposition(Matrix.from1DArray(cols, cols, gram), {assumeSymmetric: true});
  const values = evd.realEigenvalues;
  const order = values.map((_, i) => i).sort((p, q) => values[q] - values[p]);
  const largest = Math.max(values[order[0]], 0);
  const kept = order.slice(0, k).filter((i) => values[i] > RANK_TOLERANCE * largest);
  const vectors = evd.eigenvectorMatrix;
  const out = new Float32Array(cols * kept.length);
  for (let d = 0; d < cols; d++) {
    kept.forEach((i, t) => { out[d * kept.length + t] = vectors.get(d, i); });
  }
  return out;
}
