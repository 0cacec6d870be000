/**
 * CSC-CTRL (docs/math.md §5): a closed-loop sparse autoencoder whose encoder is a stack of
 * convolutional sparse-coding stages and whose decoder synthesises with the same kind of
 * dictionaries, in the mini-DCGAN topology of the published 32×32 models.
 */
import * as tf from '@tensorflow/tfjs';
import {CscDecoder, cscDecoder} from '../layers/csc_decoder';
import {CscStage, cscStage} from '../layers/csc_stage';
import {unitNormalization} from '../layers/unit_normalization';
import * as v from '../src/util/validate';

const NAME = 'cscCtrl';

/** The published topologies: 32×32 grey (MNIST), 32×32 colour (CIFAR-10), 64×64 and 128×128 colour (ImageNet subsets). */
export type CscCtrlPreset = 'mnist' | 'cifar' | 'imagenet64' | 'imagenet128';
/** The values of {@link CscCtrlArgs.features} (the command line's choices). */
export const CSC_CTRL_FEATURES = ['sparse', 'linear'] as const;

export interface CscCtrlArgs {
  /** Starting point for every other option. Default `'mnist'`. */
  preset?: CscCtrlPreset;
  /** Input `[H, W, C]`. */
  inputShape?: [number, number, number];
  /** Atoms of each stage; the last is the feature size (the preset's last stage reduces the image to 1×1). */
  filters?: number[];
  /** Atom size of every stage. Default 4. */
  kernelSize?: number;
  /** Stride of each stage. */
  strides?: number[];
  /** Padding of each stage. */
  paddings?: ('same' | 'valid')[];
  /** Unrolled ISTA iterations per stage after the first thresholding (the published `K = 2`). */
  iterations?: number;
  /** Initial `λ` of every stage. Default 0.1. */
  lambda?: number;
  /**
   * Decoder synthesises with the encoder's dictionaries (one set of weights for both players
   * of the closed loop) instead of its own filters. Default false.
   */
  tied?: boolean;
  /**
   * Batch normalisation after each encoder stage but the last: the codes of a stage with
   * unit-norm atoms shrink by about `0.9/‖A‖` and then by the threshold at every stage, and
   * normalising keeps the next stage's input at unit scale. Without it, choose a smaller
   * `lambda` so that the deep stages' codes are not all zero. Default true.
   */
  encoderBatchNorm?: boolean;
  /** Batch normalisation before each hidden ReLU of the decoder, as the DCGAN generator has. Default true. */
  decoderBatchNorm?: boolean;
  /**
   * The codes of the last stage, which become the features: `'sparse'` (non-negative and
   * thresholded, as every other stage) or `'linear'` (signed, `λ = 0`: the unrolled least-squares
   * steps are a linear map, like the last convolution of the published CTRL encoder, so that the
   * features are dense before their normalisation). Default `'sparse'`.
   */
  features?: 'sparse' | 'linear';
  /** Seed of the weight initialisers, for reproducible models. Default 0. */
  seed?: number;
}

const PRESETS: Record<CscCtrlPreset, Required<Pick<CscCtrlArgs, 'inputShape' | 'filters' | 'strides' | 'paddings'>>> = {
  mnist: {inputShape: [32, 32, 1], filters: [64, 128, 256, 128], strides: [2, 2, 2, 1],
          paddings: ['same', 'same', 'same', 'valid']},
  cifar: {inputShape: [32, 32, 3], filters: [64, 128, 256, 128], strides: [2, 2, 2, 1],
          paddings: ['same', 'same', 'same', 'valid']},
  imagenet64: {inputShape: [64, 64, 3], filters: [64, 128, 256, 512, 256], strides: [2, 2, 2, 2, 1],
               paddings: ['same', 'same', 'same', 'same', 'valid']},
  imagenet128: {inputShape: [128, 128, 3], filters: [64, 128, 256, 512, 512, 256], strides: [2, 2, 2, 2, 2, 1],
                paddings: ['same', 'same', 'same', 'same', 'same', 'valid']},
};

/** Moving-average momentum of batch normalisation: PyTorch's default (its `momentum = 0.1` weighs the new batch by 0.1). */
const BN_MOMENTUM = 0.9;

/** The names of the presets. */
export const CSC_CTRL_PRESETS = Object.keys(PRESETS) as CscCtrlPreset[];

export interface CscCtrl {
  /** `X [batch, H, W, C] → Z [batch, d]`, unit-norm features. */
  encoder: tf.Sequential;
  /** `Z [batch, d] → X̂ [batch, H, W, C]` in `[−1, 1]`. */
  decoder: tf.Sequential;
  /** The encoder's stages, first to last. */
  stages: CscStage[];
}

/** The arguments of {@link cscCtrl} with the preset's values filled in and every one checked. */
export function resolveCscCtrlArgs(args: CscCtrlArgs = {}): Required<Omit<CscCtrlArgs, 'preset'>> {
  const preset = PRESETS[v.oneOf(NAME, 'preset', args.preset ?? 'mnist', CSC_CTRL_PRESETS)];
  const inputShape = args.inputShape ?? preset.inputShape;
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    v.reject(NAME, 'inputShape', '[H, W, C] of positive integers', inputShape);
  }
  const filters = args.filters ?? preset.filters;
  if (!Array.isArray(filters) || filters.length === 0 || !filters.every((f) => Number.isInteger(f) && f > 0)) {
    v.reject(NAME, 'filters', 'a non-empty array of positive integers', filters);
  }
  const stages = filters.length;
  const strides = args.strides ?? (stages === preset.filters.length ? preset.strides : undefined);
  const paddings = args.paddings ?? (stages === preset.filters.length ? preset.paddings : undefined);
  if (!Array.isArray(strides) || strides.length !== stages || !strides.every((s) => Number.isInteger(s) && s > 0)) {
    v.reject(NAME, 'strides', `${stages} positive integers (one per entry of filters)`, strides);
  }
  if (!Array.isArray(paddings) || paddings.length !== stages || !paddings.every((p) => p === 'same' || p === 'valid')) {
    v.reject(NAME, 'paddings', `${stages} of 'same' or 'valid' (one per entry of filters)`, paddings);
  }
  return {
    inputShape, filters, strides, paddings,
    kernelSize: v.positiveInt(NAME, 'kernelSize', args.kernelSize ?? 4),
    iterations: v.nonNegInt(NAME, 'iterations', args.iterations ?? 2),
    lambda: v.nonNegNumber(NAME, 'lambda', args.lambda ?? 0.1),
    tied: v.bool(NAME, 'tied', args.tied ?? false),
    encoderBatchNorm: v.bool(NAME, 'encoderBatchNorm', args.encoderBatchNorm ?? true),
    decoderBatchNorm: v.bool(NAME, 'decoderBatchNorm', args.decoderBatchNorm ?? true),
    features: v.oneOf(NAME, 'features', args.features ?? 'sparse', ['sparse', 'linear'] as const),
    seed: v.nonNegInt(NAME, 'seed', args.seed ?? 0),
  };
}

/**
 * Builds the encoder `f` and decoder `g` of a CSC-CTRL autoencoder.
 *
 * Encoder: `cscStage` per entry of `filters` (kernel 4, non-negative codes, unit-norm atoms,
 * step 0.9/L), flattened and normalised to the unit sphere. For the `'mnist'` preset:
 * `32×32×1 → 16×16×64 → 8×8×128 → 4×4×256 → 1×1×128`.
 *
 * Decoder, in reverse: `cscDecoder` per stage (`x̂ = A ⊛ z` with the stage's geometry),
 * batch normalisation and ReLU between, `tanh` at the end so that images lie in `[−1, 1]`.
 * With `tied`, each decoder layer synthesises with its stage's dictionary; otherwise with its own
 * filters, left unnormalised as a generator's (Glorot-normal initialisation), so that the final
 * `tanh` starts unsaturated (unit-norm atoms saturate it) and the first reconstructions are large
 * enough to pass the encoder's thresholds.
 *
 * ```js
 * const {encoder, decoder} = sl.models.cscCtrl({preset: 'mnist'});
 * const z = encoder.predict(images);   // [batch, 128], ‖z‖ = 1
 * const xHat = decoder.predict(z);     // [batch, 32, 32, 1]
 * ```
 */
export function cscCtrl(args: CscCtrlArgs = {}): CscCtrl {
  const {inputShape, filters, strides, paddings, kernelSize, iterations, lambda, tied, encoderBatchNorm,
         decoderBatchNorm, features, seed} =
    resolveCscCtrlArgs(args);
  const stages = filters.length;
  const stageLayers = filters.map((f, i) => cscStage({
    name: `csc_${i + 1}`, filters: f, kernelSize, strides: strides[i], padding: paddings[i], iterations, lambda,
    kernelInitializer: tf.initializers.glorotNormal({seed: seed * 1000 + i + 1}),
    ...(i === 0 ? {inputShape} : {}),
    ...(i === stages - 1 && features === 'linear' ? {nonNeg: false, lambda: 0, trainableLambda: false} : {}),
  }));
  const encoder = tf.sequential({name: 'csc_ctrl_encoder', layers: [
    ...stageLayers.flatMap((stage, i) =>
      encoderBatchNorm && i < stages - 1 ? [stage, tf.layers.batchNormalization({name: `csc_bn_${i + 1}`, momentum: BN_MOMENTUM})] : [stage]),
    tf.layers.flatten({name: 'features'}), unitNormalization({name: 'sphere'})]});
  const codeShape = stageLayers[stages - 1].outputShape as number[];
  const featureSize = codeShape.slice(1).reduce((a, b) => a * b, 1);

  const layers: tf.layers.Layer[] = [tf.layers.reshape({name: 'code', targetShape: codeShape.slice(1), inputShape: [featureSize]})];
  for (let i = stages - 1; i >= 0; i--) {
    const stage = stageLayers[i];
    const outputSize = stage.inputSize as [number, number];
    const synthesis: CscDecoder = tied
      ? cscDecoder({name: `synthesis_${i + 1}`, tiedTo: stage})
      : cscDecoder({name: `synthesis_${i + 1}`, filters: stage.inputChannels!, kernelSize, strides: strides[i],
                    padding: paddings[i], outputSize, normalizeAtoms: false,
                    kernelInitializer: tf.initializers.glorotNormal({seed: seed * 1000 + 100 + i + 1})});
    layers.push(synthesis);
    if (i > 0) {
      if (decoderBatchNorm) layers.push(tf.layers.batchNormalization({name: `bn_${i}`, momentum: BN_MOMENTUM}));
      layers.push(tf.layers.reLU({name: `relu_${i}`}));
    }
  }
  layers.push(tf.layers.activation({name: 'image', activation: 'tanh'}));
  const decoder = tf.sequential({name: 'csc_ctrl_decoder', layers});
  return {encoder, decoder, stages: stageLayers};
}
