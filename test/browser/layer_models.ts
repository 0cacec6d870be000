/**
 * One small model per sparseland layer class, for the checks that run the same model in Node and
 * in a page: seeded weights, an input and a regression target of the model's shapes.
 */
import * as tf from '@tensorflow/tfjs';
import * as sl from '../../src/node';

export interface LayerModelCase {
  /** The sparseland layer class the model exercises. */
  className: string;
  build(): tf.LayersModel;
  /** The batch the forward pass and the training step use. */
  input(): tf.Tensor;
}

const seeded = (seed: number) => tf.initializers.randomNormal({stddev: 0.3, seed});
const uniform = (shape: number[], seed: number) => () => tf.randomUniform(shape, 0, 1, 'float32', seed);
const normal = (shape: number[], seed: number) => () => tf.randomNormal(shape, 0, 1, 'float32', seed);

const ML_CSC = {filters: [3, 4], kernelSize: [3, 3], strides: [2, 1], iterations: 2, inputShape: [9, 9, 1],
                kernelInitializer: seeded(11), biasInitializer: tf.initializers.constant({value: 0.02})};

/** The cases, one per class of `sl.layerClasses()` (test/browser/page.test.ts checks that). */
export const LAYER_MODEL_CASES: LayerModelCase[] = [
  {className: 'CscStage', input: uniform([2, 8, 8, 2], 1),
   build: () => tf.sequential({layers: [sl.layers.cscStage({filters: 4, kernelSize: 3, iterations: 3, lambda: 0.05,
                                                            inputShape: [8, 8, 2], kernelInitializer: seeded(1)})]})},
  {className: 'CscDecoder', input: uniform([2, 8, 8, 2], 2),
   build: () => {
     const stage = sl.layers.cscStage({filters: 4, kernelSize: 3, iterations: 2, lambda: 0.05, algorithm: 'fista',
                                       inputShape: [8, 8, 2], kernelInitializer: seeded(2)});
     return tf.sequential({layers: [stage, sl.layers.cscDecoder({tiedTo: stage})]});
   }},
  {className: 'Lista', input: normal([3, 12], 3),
   build: () => tf.sequential({layers: [sl.layers.lista({
     dictionary: tf.tidy(() => sl.ops.normalizeAtoms(tf.randomNormal([12, 24], 0, 1, 'float32', 3))) as tf.Tensor2D,
     iterations: 3, lambda: 0.05, variant: 'listaCpss', supportSelection: [5, 20]})]})},
  {className: 'LayeredThresholding', input: uniform([2, 9, 9, 1], 4),
   build: () => tf.sequential({layers: [sl.layers.layeredThresholding({...ML_CSC, kernelInitializer: seeded(4)})]})},
  {className: 'LayeredBasisPursuit', input: uniform([2, 9, 9, 1], 5),
   build: () => tf.sequential({layers: [sl.layers.layeredBasisPursuit({...ML_CSC, kernelInitializer: seeded(5)})]})},
  {className: 'MlIsta', input: uniform([2, 9, 9, 1], 6),
   build: () => tf.sequential({layers: [sl.layers.mlIsta({...ML_CSC, kernelInitializer: seeded(6)})]})},
  {className: 'MlFista', input: uniform([2, 9, 9, 1], 7),
   build: () => tf.sequential({layers: [sl.layers.mlFista({...ML_CSC, kernelInitializer: seeded(7)})]})},
  {className: 'MlLista', input: uniform([2, 9, 9, 1], 8),
   build: () => tf.sequential({layers: [sl.layers.mlLista({...ML_CSC, kernelInitializer: seeded(8),
                                                           synthesisInitializer: seeded(18)})]})},
  {className: 'Iht', input: uniform([2, 8, 8, 1], 9),
   build: () => tf.sequential({layers: [sl.layers.iht({filters: 4, kernelSize: 3, poolSize: 2, sparsity: 10, iterations: 2,
                                                       inputShape: [8, 8, 1], kernelInitializer: seeded(9)})]})},
  {className: 'UnitNormalization', input: normal([3, 6], 10),
   build: () => tf.sequential({layers: [tf.layers.dense({units: 5, inputShape: [6], kernelInitializer: seeded(10)}),
                                        sl.layers.unitNormalization({axis: -1})]})},
];
