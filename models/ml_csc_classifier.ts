/**
 * ML-CSC classifiers (docs/math.md §4): a multi-layer sparse-coding pursuit followed by a linear
 * classifier, the network of the published MNIST comparison of CNN, ML-ISTA, ML-FISTA,
 * ML-LISTA and layered basis pursuit at equal parameters.
 */
import * as tf from '@tensorflow/tfjs';
import {layeredBasisPursuit} from '../layers/layered_basis_pursuit';
import {layeredThresholding} from '../layers/layered_thresholding';
import {MlCscLayerArgs} from '../layers/ml_csc_common';
import {mlFista} from '../layers/ml_fista';
import {mlIsta} from '../layers/ml_ista';
import {mlLista} from '../layers/ml_lista';
import * as v from '../src/util/validate';

const NAME = 'mlCscClassifier';
/** The pursuit of an ML-CSC classifier; `'layeredThresholding'` is the CNN. */
export type Pursuit = 'layeredThresholding' | 'layeredBasisPursuit' | 'mlIsta' | 'mlFista' | 'mlLista';
const PURSUITS: readonly Pursuit[] = ['layeredThresholding', 'layeredBasisPursuit', 'mlIsta', 'mlFista', 'mlLista'];

export interface MlCscClassifierArgs {
  /** The pursuit of the sparse codes; `'layeredThresholding'` is the CNN. Default `'mlIsta'`. */
  pursuit?: Pursuit;
  /** Unfoldings (pursuit steps per layer for layered BP); ignored by layered thresholding. Default 6. */
  iterations?: number;
  /** Number of classes of the linear (softmax) classifier. Default 10. */
  classes?: number;
  /** Input `[H, W, C]`. Default `[28, 28, 1]` (MNIST). */
  inputShape?: [number, number, number];
  /** Code channels per layer. Default `[32, 64, 512]` (the published MNIST network). */
  filters?: number[];
  /** Filter sizes. Default `[6, 6, 4]`. */
  kernelSize?: MlCscLayerArgs['kernelSize'];
  /** Strides. Default `[2, 2, 1]`. */
  strides?: MlCscLayerArgs['strides'];
  /** Padding of every layer. Default `'valid'`. */
  padding?: MlCscLayerArgs['padding'];
}

/**
 * Builds `tf.sequential([pursuit, flatten, dense(classes, softmax)])`. With the defaults and
 * 28×28 inputs the last code is `1×1×512`, as in the published MNIST comparison; the pursuits
 * share the CNN's parameters plus one step size per layer (and, for ML-LISTA, synthesis filters).
 */
export function mlCscClassifier(args: MlCscClassifierArgs = {}): tf.Sequential {
  const pursuit = v.oneOf(NAME, 'pursuit', args.pursuit ?? 'mlIsta', PURSUITS);
  const iterations = v.nonNegInt(NAME, 'iterations', args.iterations ?? 6);
  const classes = v.positiveInt(NAME, 'classes', args.classes ?? 10);
  const inputShape = args.inputShape ?? [28, 28, 1];
  if (!Array.isArray(inputShape) || inputShape.length !== 3 ||
      !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    v.reject(NAME, 'inputShape', '[H, W, C] of positive integers', inputShape);
  }
  const common: MlCscLayerArgs = {
    filters: args.filters ?? [32, 64, 512],
    kernelSize: args.kernelSize ?? [6, 6, 4],
    strides: args.strides ?? [2, 2, 1],
    padding: args.padding ?? 'valid',
    inputShape,
  };
  const codes = pursuit === 'layeredThresholding' ? layeredThresholding(common)
    : pursuit === 'layeredBasisPursuit' ? layeredBasisPursuit({...common, iterations})
    : pursuit === 'mlIsta' ? mlIsta({...common, iterations})
    : pursuit === 'mlFista' ? mlFista({...common, iterations})
    : mlLista({...common, iterations});
  return tf.sequential({layers: [codes, tf.layers.flatten(), tf.layers.dense({units: classes, activation: 'softmax'})]});
}
