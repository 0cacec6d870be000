import * as tf from '@tensorflow/tfjs';
import {elasticNetProx, hardThreshold, nonNegSoftThreshold, softThreshold} from '../../src/ops';
import {expectClose} from '../helpers';

const V = [-3, -1.5, -0.5, -0.2, 0, 0.3, 0.5, 1, 2.5];

describe('thresholds against their closed forms', () => {
  for (const theta of [0, 0.4, 1]) {
    it(`soft threshold S_θ(v) = sign(v)·max(|v|−θ, 0), θ=${theta}`, () => {
      const y = softThreshold(tf.tensor1d(V), theta);
      expectClose(y, V.map((v) => Math.sign(v) * Math.max(Math.abs(v) - theta, 0)));
    });
    it(`non-negative soft threshold max(v−θ, 0), θ=${theta}`, () => {
      expectClose(nonNegSoftThreshold(tf.tensor1d(V), theta), V.map((v) => Math.max(v - theta, 0)));
    });
    it(`hard threshold v·[|v| > θ], θ=${theta}`, () => {
      expectClose(hardThreshold(tf.tensor1d(V), theta), V.map((v) => (Math.abs(v) > theta ? v : 0)));
    });
  }

  it('gradients: soft ∂S/∂v = [|v| > θ], non-negative [v > θ], hard [|v| > θ] (mask held constant)', () => {
    const v = tf.tensor1d([-1, -0.2, 0.3, 2]);
    const theta = 0.5;
    expectClose(tf.grad((u: tf.Tensor) => tf.sum(softThreshold(u, theta)))(v), [1, 0, 0, 1]);
    expectClose(tf.grad((u: tf.Tensor) => tf.sum(nonNegSoftThreshold(u, theta)))(v), [0, 0, 0, 1]);
    expectClose(tf.grad((u: tf.Tensor) => tf.sum(hardThreshold(u, theta)))(v), [1, 0, 0, 1]);
    // ∂S_θ(v)/∂θ = −sign(v) outside the dead zone: +1 for −1, −1 for 2 and 3.
    const [, dTheta] = tf.grads((u: tf.Tensor, t: tf.Tensor) => tf.sum(softThreshold(u, t)))(
      [tf.tensor1d([-1, 0.1, 2, 3]), tf.scalar(theta)]);
    expectClose(dTheta, -1);
  });

  it('thresholds broadcast per channel', () => {
    const v = tf.tensor2d([[1, 1, 1], [-2, -2, -2]]);
    const theta = tf.tensor1d([0, 0.5, 1.5]);
    expectClose(softThreshold(v, theta), [[1, 0.5, 0], [-2, -1.5, -0.5]]);
  });

  for (const [lam, mu] of [[0.3, 0], [0.3, 0.5], [1, 2]]) {
    it(`elastic-net prox is the argmin of ½(u−v)² + λ|u| + (μ/2)u², λη=${lam}, μη=${mu}`, () => {
      const y = elasticNetProx(tf.tensor1d(V), lam, mu).dataSync();
      // Brute-force the scalar argmin on a fine grid around each closed-form value.
      V.forEach((v, i) => {
        const obj = (u: number) => 0.5 * (u - v) ** 2 + lam * Math.abs(u) + 0.5 * mu * u * u;
        for (const du of [-1e-3, 1e-3]) assert(obj(y[i]) <= obj(y[i] + du) + 1e-9);
      });
      expectClose(elasticNetProx(tf.tensor1d(V), lam, mu, true),
                  V.map((v) => Math.max((v - lam) / (1 + mu), 0)));
    });
  }
});

function assert(ok: boolean): void {
  if (!ok) throw new Error('prox value is not a local minimum');
}
