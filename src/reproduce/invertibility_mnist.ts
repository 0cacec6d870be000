/**
 * The image part of the invertibility reproduction (docs/math.md §6): MNIST digits reconstructed
 * from a random-filter convolution with max pooling by model-based IHT, and from a paired-filter
 * ReLU layer by least squares.
 */
import * as tf from '@tensorflow/tfjs';
import {Iht, iht} from '../../layers/iht';
import {ConvDictionary} from '../ops/dictionary';
import * as v from '../util/validate';

/**
 * The random-filter layer: 64 Gaussian 5×5 filters, 2×2 pooling, 'same' padding. The entries'
 * variance `1/(K·kh·kw)` makes `E[ΦΦᵀ] = I` (the atoms' energy spread over the image is one), the
 * scale at which the unit IHT step `z + Φᵀ(x − Φz)` does not overshoot on dense images; the 1-D
 * check's `1/√fan` gives atoms of unit norm, which for 64 filters over one channel is `ΦΦᵀ ≈ 64 I`.
 */
export const MNIST_IHT = {filters: 64, kernel: 5, pool: 2} as const;

/** IHT iterations of the rows of the grid: one (the CNN layer) and many. */
export const MNIST_IHT_ITERATIONS = [1, 20] as const;

/** The paired layer: 32 filters `w` of 5×5 (more than the 25 pixels of a patch) and their negatives. */
export const MNIST_PAIRED = {filters: 32, kernel: 5} as const;

/**
 * The random-filter IHT layer with `iterations` steps, built for `[h, w, 1]` images, filters from
 * `seed` (as tfjs seed `seed + 1`: tfjs takes a seed of 0 for none).
 */
export function randomIhtLayer(iterations: number, seed: number, [h, w]: [number, number]): Iht {
  const {filters, kernel, pool} = MNIST_IHT;
  const layer = iht({filters, kernelSize: kernel, padding: 'same', poolSize: pool, iterations,
                     kernelInitializer: tf.initializers.randomNormal({stddev: 1 / Math.sqrt(filters * kernel * kernel), seed: seed + 1})});
  layer.build([null, h, w, 1]);
  return layer;
}

/**
 * A paired-filter ReLU layer (`pairedFilters`, pooling 1: its code is `[ReLU(Wx), ReLU(−Wx)]` with
 * `W x = conv2d(x, w)`) over `[h, w, channels]` signals, filters `N(0, 1/fan)` from `seed` (tfjs seed `seed + 1`).
 */
export function pairedReluLayer(seed: number, [h, w, channels]: [number, number, number],
                                {filters, kernel}: {filters: number; kernel: number} = MNIST_PAIRED): Iht {
  const layer = iht({filters: 2 * filters, kernelSize: kernel, padding: 'same', poolSize: 1, pairedFilters: true,
                     kernelInitializer: tf.initializers.leCunNormal({seed: seed + 1})});
  layer.build([null, h, w, channels]);
  return layer;
}

/**
 * Inverts the paired ReLU layer: `ReLU(Wx) − ReLU(−Wx) = Wx` exactly, so `x = W⁺(ReLU(Wx) − ReLU(−Wx))`
 * when `W` has full column rank (more filters than a patch has entries). `W⁺h` is the least-squares
 * solution of the normal equations `WᵀW x = Wᵀh`, found by conjugate gradients (per sample, from
 * `x = 0`, `iterations` steps; once the residual is zero the steps change nothing).
 */
export function invertPairedRelu(layer: Iht, code: tf.Tensor4D, signalSize: [number, number], iterations = 100): tf.Tensor4D {
  if (!layer.pairedFilters || layer.poolSize[0] * layer.poolSize[1] !== 1 || layer.sparsity !== null || layer.iterations !== 1) {
    v.reject('invertPairedRelu', 'layer', 'a paired-filter layer with pooling 1, no sparsity and one iteration', layer.name);
  }
  v.positiveInt('invertPairedRelu', 'iterations', iterations);
  return tf.tidy(() => {
    const [plus, minus] = tf.split(code, 2, 3);
    const op = new ConvDictionary(layer.getWeights()[0] as tf.Tensor4D, layer.strides, layer.padding, signalSize);
    // In the dictionary's terms W = op.adjoint (conv2d) and Wᵀ = op.synthesis.
    const normal = (x: tf.Tensor) => op.synthesis(op.adjoint(x));
    const dot = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(a, b), [1, 2, 3], true);
    let x: tf.Tensor = tf.zeros([code.shape[0], ...signalSize, op.filters.shape[2]]);
    let r = op.synthesis(tf.sub(plus, minus));
    let p = r;
    let rr = dot(r, r);
    for (let i = 0; i < iterations; i++) {
      const q = normal(p);
      const alpha = tf.divNoNan(rr, dot(p, q));
      x = tf.add(x, tf.mul(alpha, p));
      r = tf.sub(r, tf.mul(alpha, q));
      const next = dot(r, r);
      p = tf.add(r, tf.mul(tf.divNoNan(next, rr), p));
      rr = next;
    }
    return x as tf.Tensor4D;
  });
}
