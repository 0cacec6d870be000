/**
 * Workload A': workload A's shapes through sparseland's own `cscStage` layer: a batch of 32
 * images 32×32×3, 64 atoms 3×3, `z = ReLU(η Aᵀx − ηλ)` then 4 unrolled ISTA iterations (five
 * thresholdings, as in A), loss `‖x − A z‖² + mean|z|` with the layer's dictionary, gradients
 * for the filters, `λ` and the learned step `η` (`step: 'learned'`, so that no power iteration
 * runs and the network is the one of scripts/reference/bench_csc_layer_step.py), one SGD update.
 */
import * as tf from '@tensorflow/tfjs';
import {cscStage} from '../../layers/csc_stage';
import {CSC, TrainingStep} from './csc_step';

export function cscLayerStep(): TrainingStep {
  const {batch, size, channels, atoms, kernel, lambda, learningRate} = CSC;
  const x = tf.randomUniform([batch, size, size, channels], 0, 1, 'float32', 1) as tf.Tensor4D;
  const initial = tf.mul(tf.randomNormal([kernel, kernel, channels, atoms], 0, 1, 'float32', 2), 0.1);
  const stage = cscStage({dictionary: initial as tf.Tensor4D, iterations: CSC.iterations - 1, lambda,
                          normalizeAtoms: false, step: 'learned'});
  stage.build([null, size, size, channels]);
  initial.dispose();
  const optimizer = tf.train.sgd(learningRate);
  const weights = stage.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = (): tf.Scalar => {
    const z = stage.apply(x, {training: true}) as tf.Tensor;
    const residual = tf.sub(x, stage.operator(0, [size, size]).synthesis(z));
    return tf.add(tf.sum(tf.square(residual)), tf.mean(tf.abs(z)));
  };
  return {
    step: () => {
      const cost = optimizer.minimize(loss, true, weights)!;
      const value = cost.dataSync()[0];
      cost.dispose();
      return value;
    },
    dispose: () => {
      stage.weights.forEach((w) => w.dispose());
      tf.dispose(x);
      optimizer.dispose();
    },
  };
}
