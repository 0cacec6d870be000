/**
 * Evaluation of a CSC-CTRL autoencoder: reconstruction quality, the nearest-subspace accuracy
 * of its features that CTRL reports, code sparsity, rate reduction, and a picture.
 */
import * as tf from '@tensorflow/tfjs';
import {CscStage} from '../../layers/csc_stage';
import {ImageDataset} from '../data/dataset';
import {mapImages} from '../data/map_images';
import {writeImageGrid} from '../io/image_grid';
import {mcr2, rateReductionBetween} from '../losses';
import {density, NearestSubspace, psnr, ssim} from '../metrics';
import * as v from '../util/validate';

const NAME = 'evaluateCscCtrl';

export interface CtrlEvalOptions {
  /** Held-out images (reconstructions, accuracy, sparsity, ΔR). */
  test: ImageDataset;
  /** Training images, to fit the nearest-subspace classifier; without it no accuracy is reported. */
  train?: ImageDataset;
  /** Test images used (default all). */
  testImages?: number;
  /** Training images used to fit the classifier (default all). */
  trainImages?: number;
  /** Principal directions per class of the classifier. Default 10 (as CTRL's evaluation), fewer for features of 10 or fewer dimensions. */
  components?: number;
  /** Writes originals (top row) above reconstructions (bottom row) of the first `gridImages` test images to this PNG. */
  grid?: string;
  /** Images in the grid. Default 16. */
  gridImages?: number;
  /** Images per forward pass. Default 250. */
  batchSize?: number;
  /** ε² of the rate reductions. Default 0.5. */
  epsilonSquared?: number;
}

export interface CtrlEvaluation {
  /** Test images evaluated. */
  images: number;
  /** Mean PSNR (dB) of `g(f(x))` against `x`, pixel range [−1, 1]. */
  psnr: number;
  /** Mean SSIM of the same pairs. */
  ssim: number;
  /** Nearest-subspace accuracy of the test features (fitted on the training features), or null without `train`. */
  accuracy: number | null;
  /**
   * The share of reconstructions `g(f(x))` whose features `f(g(f(x)))` the same classifier (fitted
   * on the features of training images, never on reconstructions) assigns to the class of `x`, or
   * null without `train`.
   */
  reconstructionAccuracy: number | null;
  /** Fraction of non-zero code entries of each CSC stage on the test images. */
  density: number[];
  /** MCR²'s `ΔR(Z) = R(Z) − R^c(Z|Π)` of the test features with their labels. */
  deltaR: number;
  /** `ΔR(Z, Ẑ)` between the test features and the features of their reconstructions. */
  deltaRReconstruction: number;
}

/** Evaluates the encoder `f` and decoder `g` of a CSC-CTRL autoencoder in inference mode. */
export async function evaluateCscCtrl(encoder: tf.LayersModel, decoder: tf.LayersModel,
                                      options: CtrlEvalOptions): Promise<CtrlEvaluation> {
  const testImages = v.positiveInt(NAME, 'testImages', options.testImages ?? options.test.count);
  if (testImages > options.test.count) v.reject(NAME, 'testImages', `at most ${options.test.count}`, testImages);
  const batchSize = v.positiveInt(NAME, 'batchSize', options.batchSize ?? 250);
  const epsilonSquared = v.positiveNumber(NAME, 'epsilonSquared', options.epsilonSquared ?? 0.5);
  const stages = encoder.layers.filter((l): l is CscStage => l instanceof CscStage);
  const nonZero = new Array<number>(stages.length).fill(0);
  const sizes = new Array<number>(stages.length).fill(0);
  const test = await mapImages(options.test, testImages, batchSize, (x) => {
    // The encoder layer by layer, to measure each stage's codes on the way to the features z.
    let z: tf.Tensor = x;
    for (const layer of encoder.layers) {
      z = layer.apply(z) as tf.Tensor;
      const s = stages.indexOf(layer as CscStage);
      if (s >= 0) {
        nonZero[s] += density(z) * z.size;
        sizes[s] += z.size;
      }
    }
    const xHat = decoder.apply(z) as tf.Tensor4D;
    const zHat = encoder.apply(xHat) as tf.Tensor;
    return [z, zHat, psnr(x, xHat), ssim(x, xHat)];
  });
  const [z, zHat, psnrs, ssims] = test.outputs as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
  const result: CtrlEvaluation = {
    images: testImages,
    ...meanQuality(psnrs, ssims),
    accuracy: null,
    reconstructionAccuracy: null,
    density: nonZero.map((n, i) => n / sizes[i]),
    deltaR: tf.tidy(() => mcr2(z, test.labels, options.test.classes.length, {epsilonSquared}).deltaR.dataSync()[0]),
    deltaRReconstruction: tf.tidy(() => rateReductionBetween(z, zHat, {epsilonSquared}).dataSync()[0]),
  };
  if (options.train) {
    const trainImages = v.positiveInt(NAME, 'trainImages', options.trainImages ?? options.train.count);
    if (trainImages > options.train.count) v.reject(NAME, 'trainImages', `at most ${options.train.count}`, trainImages);
    const train = await mapImages(options.train, trainImages, batchSize, (x) => [encoder.apply(x) as tf.Tensor]);
    const d = train.outputs[0].shape[1]!;
    const classifier = NearestSubspace.fit(train.outputs[0] as tf.Tensor2D, train.labels,
                                           {components: options.components ?? Math.min(10, d - 1),
                                            numClasses: options.train.classes.length});
    result.accuracy = classifier.accuracy(z, test.labels);
    result.reconstructionAccuracy = classifier.accuracy(zHat, test.labels);
    tf.dispose(train.outputs);
  }
  if (options.grid) {
    const n = Math.min(v.positiveInt(NAME, 'gridImages', options.gridImages ?? 16), testImages);
    const batch = await options.test.take(n);
    const pair = tf.tidy(() => tf.concat([batch.images, decoder.apply(encoder.apply(batch.images)) as tf.Tensor4D]));
    await writeImageGrid(options.grid, pair as tf.Tensor4D, {columns: n, normalize: [-1, 1], scale: 2});
    tf.dispose([pair, batch.images, batch.labels]);
  }
  tf.dispose(test.outputs);
  return result;
}

/**
 * The mean PSNR and SSIM of per-image values; each PSNR is capped at 100 dB (an exact
 * reconstruction's is infinite).
 */
function meanQuality(psnrs: tf.Tensor1D, ssims: tf.Tensor1D): {psnr: number; ssim: number} {
  return tf.tidy(() => ({psnr: tf.mean(tf.minimum(psnrs, 100)).dataSync()[0], ssim: tf.mean(ssims).dataSync()[0]}));
}

/**
 * The reconstruction quality alone (the part of {@link evaluateCscCtrl} that training curves
 * track): mean PSNR (capped at 100 dB per image) and SSIM of `g(f(x))` against `x` over the first
 * `images` (default all) of `test`, in inference mode, `batchSize` (default 250) at a time.
 */
export async function reconstructionQuality(encoder: tf.LayersModel, decoder: tf.LayersModel, test: ImageDataset,
                                            options: {images?: number; batchSize?: number} = {}):
    Promise<{images: number; psnr: number; ssim: number}> {
  const owner = 'reconstructionQuality';
  const images = v.positiveInt(owner, 'images', options.images ?? test.count);
  if (images > test.count) v.reject(owner, 'images', `at most ${test.count}`, images);
  const batchSize = v.positiveInt(owner, 'batchSize', options.batchSize ?? 250);
  const {outputs} = await mapImages(test, images, batchSize, (x) => {
    const xHat = decoder.apply(encoder.apply(x)) as tf.Tensor4D;
    return [psnr(x, xHat), ssim(x, xHat)];
  });
  const quality = meanQuality(outputs[0] as tf.Tensor1D, outputs[1] as tf.Tensor1D);
  tf.dispose(outputs);
  return {images, ...quality};
}
