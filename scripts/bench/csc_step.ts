/**
 * Workload A: one training step of a convolutional sparse-coding encoder. A batch of 32 images
 * 32×32×3, a dictionary of 64 atoms 3×3 (filters `[3, 3, 3, 64]`), 5 unrolled ISTA iterations
 * `z ← ReLU(z − η Aᵀ(A z − x) − η λ)` from `z = 0` (stride 1, 'same'), loss
 * `‖x − A z‖² + mean|z|`, gradients for the filters and the learned scalar `λ`, one SGD update.
 * The same network as scripts/reference/bench_csc_step.py.
 */
import * as tf from '@tensorflow/tfjs';
import * as ops from '../../src/ops';

export const CSC = {batch: 32, size: 32, channels: 3, atoms: 64, kernel: 3, iterations: 5,
                    eta: 0.1, lambda: 0.1, learningRate: 1e-3};

export interface TrainingStep {
  /** Runs one step and returns the loss (read back, so the step has finished). */
  step(): number;
  dispose(): void;
}

export function cscStep(): TrainingStep {
  const {batch, size, channels, atoms, kernel, iterations, eta, lambda, learningRate} = CSC;
  const x = tf.randomUniform([batch, size, size, channels], 0, 1, 'float32', 1);
  const filters = tf.variable(tf.mul(tf.randomNormal([kernel, kernel, channels, atoms], 0, 1,
                                                     'float32', 2), 0.1) as tf.Tensor4D);
  const lam = tf.variable(tf.scalar(lambda));
  const dictionary = new ops.ConvDictionary(filters, 1, 'same');
  const optimizer = tf.train.sgd(learningRate);
  const loss = (): tf.Scalar => {
    let z: tf.Tensor = tf.zeros([batch, size, size, atoms]);
    for (let k = 0; k < iterations; k++) {
      z = ops.nonNegSoftThreshold(tf.sub(z, tf.mul(eta, dictionary.gradF(z, x))),
                                  tf.mul(eta, lam));
    }
    const residual = tf.sub(x, dictionary.synthesis(z));
    return tf.add(tf.sum(tf.square(residual)), tf.mean(tf.abs(z)));
  };
  return {
    step: () => {
      const cost = optimizer.minimize(loss, true, [filters, lam])!;
      const value = cost.dataSync()[0];
      cost.dispose();
      return value;
    },
    dispose: () => {
      tf.dispose([x, filters, lam]);
      optimizer.dispose();
    },
  };
}
