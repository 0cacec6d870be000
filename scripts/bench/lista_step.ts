/**
 * Workload C: one training step of a 16-layer untied LISTA for `A ∈ R^{250×500}`, batch 64:
 * `z ← S_{θ_k}(W_k x + S_k z)` from `z = 0`, with `W_k: R^250 → R^500`, `S_k ∈ R^{500×500}` and
 * scalar `θ_k`; loss `‖z − z*‖²`, gradients for all weights, one SGD update. The same network
 * as scripts/reference/bench_lista_step.py.
 */
import * as tf from '@tensorflow/tfjs';
import * as ops from '../../src/ops';
import type {TrainingStep} from './csc_step';

export const LISTA = {batch: 64, m: 250, n: 500, layers: 16, theta: 0.1, learningRate: 1e-4};

export function listaStep(): TrainingStep {
  const {batch, m, n, layers, theta, learningRate} = LISTA;
  const x = tf.randomNormal([batch, m], 0, 1, 'float32', 1);
  const target = tf.randomNormal([batch, n], 0, 1, 'float32', 2);
  const w = Array.from({length: layers}, (_, k) =>
    tf.variable(tf.randomNormal([m, n], 0, 1 / Math.sqrt(m), 'float32', 10 + k)));
  const s = Array.from({length: layers}, (_, k) =>
    tf.variable(tf.randomNormal([n, n], 0, 1 / Math.sqrt(n), 'float32', 100 + k)));
  const thetas = Array.from({length: layers}, () => tf.variable(tf.scalar(theta)));
  const optimizer = tf.train.sgd(learningRate);
  const loss = (): tf.Scalar => {
    let z: tf.Tensor = tf.zeros([batch, n]);
    for (let k = 0; k < layers; k++) {
      z = ops.softThreshold(tf.add(tf.matMul(x, w[k]), tf.matMul(z, s[k])), thetas[k]);
    }
    return tf.sum(tf.square(tf.sub(z, target)));
  };
  const vars = [...w, ...s, ...thetas];
  return {
    step: () => {
      const cost = optimizer.minimize(loss, true, vars)!;
      const value = cost.dataSync()[0];
      cost.dispose();
      return value;
    },
    dispose: () => {
      tf.dispose([x, target, ...vars]);
      optimizer.dispose();
    },
  };
}
