/**
 * Class-wise sampling from a CSC-CTRL autoencoder: the features of each class lie near a
 * low-dimensional subspace of the sphere (what rate reduction trains for), so new features of a
 * class can be drawn from a Gaussian on that class's principal subspace and decoded, as CTRL
 * visualises its classes (github.com/Delay-Xili/LDR `Visualization.py`: per-class `PCA` of the
 * training features, features along the principal directions normalised to the sphere, then the
 * generator).
 */
import * as tf from '@tensorflow/tfjs';
import {hash32, ImageDataset, uniformGenerator} from '../src/data/dataset';
import {NearestSubspace} from '../src/metrics/nearest_subspace';
import {mapImages} from '../src/data/map_images';
import * as v from '../src/util/validate';

const NAME = 'sampleCscCtrl';

/** The principal subspace of one class's features. */
export interface ClassSubspace {
  /** μ_j, the class mean (D values). */
  mean: Float32Array;
  /** U_j, the top principal directions: D × k_j row-major with orthonormal columns. */
  directions: Float32Array;
  /** σ_{j,1..k_j}: the standard deviation of the class's features along each direction. */
  deviations: Float32Array;
}

/**
 * The principal subspace of each class of `features` (`[N, D]`, labels in [0, numClasses)):
 * the class mean μ_j, the top `components` principal directions U_j of the centred class
 * features (`NearestSubspace`'s fit with `center: true`, i.e. PCA; fewer where the class spans
 * fewer), and the standard deviations `σ_{j,k} = ‖(Z_j − μ_j) u_k‖ / √(n_j − 1)` along them
 * (`√(n_j − 1)` taken as 1 for a class of one feature).
 */
export function fitClassSubspaces(features: tf.Tensor2D, labels: Int32Array,
                                  options: {numClasses: number; components: number}): ClassSubspace[] {
  const fit = NearestSubspace.fit(features, labels, {components: options.components, numClasses: options.numClasses,
                                                      center: true});
  return Array.from({length: fit.numClasses}, (_, j) => tf.tidy(() => {
    const rows = tf.tensor1d(Int32Array.from(labels.keys()).filter((i) => labels[i] === j), 'int32');
    const own = tf.gather(features, rows);
    const mean = tf.mean(own, 0);
    const basis = fit.basis(j);
    const projections = tf.matMul(tf.sub(own, mean), basis);
    const deviations = tf.div(tf.norm(projections, 2, 0), Math.sqrt(Math.max(own.shape[0] - 1, 1)));
    return {mean: mean.dataSync() as Float32Array, directions: basis.dataSync() as Float32Array,
            deviations: deviations.dataSync() as Float32Array};
  }));
}

/**
 * Draws `perClass` features of every class: `z = μ_j + Σ_k σ_{j,k} ε_k u_{j,k}` with standard
 * normal `ε_k` (Box–Muller on the seeded uniform generator of the data sets), then projected to
 * the unit sphere `z/‖z‖`, where the encoder's features lie. Returns `[C · perClass, D]`
 * features, class by class, and their labels; the same seed gives the same features.
 */
export function drawClassFeatures(subspaces: ClassSubspace[], options: {perClass: number; seed?: number}):
    {features: tf.Tensor2D; labels: Int32Array} {
  const owner = 'drawClassFeatures';
  if (!Array.isArray(subspaces) || subspaces.length === 0) v.reject(owner, 'subspaces', 'a non-empty array', subspaces);
  const d = subspaces[0].mean.length;
  subspaces.forEach((s, j) => {
    const k = s.deviations.length;
    if (s.mean.length !== d || s.directions.length !== d * k) {
      v.reject(owner, `subspaces[${j}]`, `a mean of ${d} values and ${d} × k directions for its k deviations`,
               `${s.mean.length} mean values, ${s.directions.length} direction values, ${k} deviations`);
    }
  });
  const perClass = v.positiveInt(owner, 'perClass', options.perClass);
  const uniform = uniformGenerator(hash32(v.nonNegInt(owner, 'seed', options.seed ?? 0)));
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const out = new Float32Array(subspaces.length * perClass * d);
  const labels = new Int32Array(subspaces.length * perClass);
  const z = new Float64Array(d);
  subspaces.forEach(({mean, directions, deviations}, j) => {
    const k = deviations.length;
    for (let n = 0; n < perClass; n++) {
      z.set(mean);
      for (let c = 0; c < k; c++) {
        const step = deviations[c] * normal();
        for (let i = 0; i < d; i++) z[i] += step * directions[i * k + c];
      }
      const norm = Math.hypot(...z) || 1;
      const row = j * perClass + n;
      for (let i = 0; i < d; i++) out[row * d + i] = z[i] / norm;
      labels[row] = j;
    }
  });
  return {features: tf.tensor2d(out, [labels.length, d]), labels};
}

export interface CtrlSamplingOptions {
  /** Training images whose features give each class's subspace; every class must appear among them. */
  train: ImageDataset;
  /** The first `trainImages` images of `train` are encoded. Default all. */
  trainImages?: number;
  /** Samples drawn per class. */
  perClass: number;
  /** Principal directions per class, below the feature dimension D. Default min(10, D − 1). */
  components?: number;
  /** Seed of the draw. Default 0. */
  seed?: number;
  /** Images per forward pass. Default 250. */
  batchSize?: number;
}

/**
 * Samples images of every class from a CSC-CTRL encoder `f` and decoder `g`, in inference mode:
 * encodes the training images, fits each class's principal subspace ({@link fitClassSubspaces}),
 * draws `perClass` features per class on it ({@link drawClassFeatures}) and decodes them.
 * Returns `[C · perClass, H, W, channels]` images, class by class, and their labels; the caller
 * disposes the images. The same seed gives the same images.
 */
export async function sampleCscCtrl(encoder: tf.LayersModel, decoder: tf.LayersModel, options: CtrlSamplingOptions):
    Promise<{images: tf.Tensor4D; labels: Int32Array}> {
  if (typeof options !== 'object' || options === null) v.reject(NAME, 'options', 'an object', options);
  const {train} = options;
  if (typeof train !== 'object' || train === null || typeof train.take !== 'function') {
    v.reject(NAME, 'train', 'an ImageDataset', train);
  }
  const perClass = v.positiveInt(NAME, 'perClass', options.perClass);
  const trainImages = v.positiveInt(NAME, 'trainImages', options.trainImages ?? train.count);
  if (trainImages > train.count) v.reject(NAME, 'trainImages', `at most ${train.count} (the training images)`, trainImages);
  const d = encoder.outputs[0].shape[1] as number;
  const components = v.positiveInt(NAME, 'components', options.components ?? Math.min(10, d - 1));
  if (components >= d) v.reject(NAME, 'components', `below the feature dimension ${d}`, components);
  const seed = v.nonNegInt(NAME, 'seed', options.seed ?? 0);
  const batchSize = v.positiveInt(NAME, 'batchSize', options.batchSize ?? 250);
  const encoded = await mapImages(train, trainImages, batchSize, (x) => [encoder.apply(x) as tf.Tensor]);
  const [features] = encoded.outputs as tf.Tensor2D[];
  let subspaces: ClassSubspace[];
  try {
    subspaces = fitClassSubspaces(features, encoded.labels, {numClasses: train.classes.length, components});
  } finally {
    features.dispose();
  }
  const drawn = drawClassFeatures(subspaces, {perClass, seed});
  const parts: tf.Tensor4D[] = [];
  for (let offset = 0; offset < drawn.labels.length; offset += batchSize) {
    const count = Math.min(batchSize, drawn.labels.length - offset);
    parts.push(tf.tidy(() => decoder.apply(tf.slice(drawn.features, offset, count)) as tf.Tensor4D));
  }
  const images = parts.length === 1 ? parts[0] : tf.concat(parts);
  if (parts.length > 1) tf.dispose(parts);
  drawn.features.dispose();
  return {images, labels: drawn.labels};
}
