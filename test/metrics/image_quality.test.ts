import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {density, psnr, ssim} from '../../src/metrics';
import {readGolden} from '../golden';
import {expectClose, expectNoLeak, expectThrows} from '../helpers';

interface GoldenCase {
  name: string;
  shape: [number, number, number, number];
  range: [number, number];
  a: number[];
  b: number[];
  ssim: number[];
  psnr: number[];
}

function images(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.randomUniform(shape, -1, 1, 'float32', seed) as tf.Tensor4D;
}

/** SSIM of two constant images c1, c2: the contrast-structure factor is 1, the luminance one remains. */
function constantSsim(c1: number, c2: number, peak: number): number {
  const k1 = (0.01 * peak) ** 2;
  return (2 * c1 * c2 + k1) / (c1 * c1 + c2 * c2 + k1);
}

describe('metrics: psnr', () => {
  it('identical images give Infinity, per image', () => {
    const a = images([3, 5, 4, 2], 1);
    assert.deepEqual(Array.from(psnr(a, a.clone()).dataSync()), [Infinity, Infinity, Infinity]);
  });

  it('a constant offset δ per image gives 10 log₁₀(R²/δ²) (range [-1, 1] and [0, 255])', () => {
    const a = images([3, 6, 7, 3], 2);
    const deltas = [0.5, 0.1, 0.02];
    const b = tf.add(a, tf.reshape(deltas, [3, 1, 1, 1])) as tf.Tensor4D;
    expectClose(psnr(a, b), deltas.map((d) => 10 * Math.log10(4 / (d * d))), 1e-3);
    expectClose(psnr(a, b, {range: [0, 255]}), deltas.map((d) => 10 * Math.log10(255 ** 2 / (d * d))),
                1e-3);
  });

  it('matches scikit-image peak_signal_noise_ratio (golden)', () => {
    for (const c of readGolden<{cases: GoldenCase[]}>('ssim').cases) {
      const value = psnr(tf.tensor4d(c.a, c.shape), tf.tensor4d(c.b, c.shape), {range: c.range});
      expectClose(value, c.psnr, 1e-4);
    }
  });

  it('is symmetric and does not leak', () => {
    const [a, b] = [images([2, 4, 4, 1], 3), images([2, 4, 4, 1], 4)];
    expectClose(psnr(a, b), psnr(b, a), 1e-6);
    expectNoLeak(() => psnr(a, b));
  });
});

describe('metrics: ssim', () => {
  it('identical images give 1', () => {
    const a = images([2, 12, 15, 3], 5);
    expectClose(ssim(a, a.clone()), [1, 1], 1e-5);
  });

  it('constant images c1, c2 give (2 c1 c2 + C1)/(c1² + c2² + C1), per image', () => {
    const pairs = [[0.3, -0.2], [0.5, 0.5], [-0.9, 0.1]];
    const a = tf.mul(tf.ones([3, 11, 13, 2]), tf.reshape(pairs.map((p) => p[0]), [3, 1, 1, 1])) as tf.Tensor4D;
    const b = tf.mul(tf.ones([3, 11, 13, 2]), tf.reshape(pairs.map((p) => p[1]), [3, 1, 1, 1])) as tf.Tensor4D;
    expectClose(ssim(a, b), pairs.map(([c1, c2]) => constantSsim(c1, c2, 2)), 1e-5);
    // Range [0, 255]: the same pairs scaled to pixel values.
    const scale = (t: tf.Tensor4D) => tf.mul(tf.add(t, 1), 100) as tf.Tensor4D;
    expectClose(ssim(scale(a), scale(b), {range: [0, 255]}),
                pairs.map(([c1, c2]) => constantSsim(100 * (c1 + 1), 100 * (c2 + 1), 255)), 1e-5);
  });

  it('matches scikit-image structural_similarity (golden, 1 and 3 channels, three ranges)', () => {
    for (const c of readGolden<{cases: GoldenCase[]}>('ssim').cases) {
      const value = ssim(tf.tensor4d(c.a, c.shape), tf.tensor4d(c.b, c.shape), {range: c.range});
      expectClose(value, c.ssim, 2e-6);
    }
  });

  it('is symmetric, below 1 for different images, and does not leak', () => {
    const [a, b] = [images([2, 12, 12, 1], 6), images([2, 12, 12, 1], 7)];
    expectClose(ssim(a, b), ssim(b, a), 1e-6);
    assert.ok(ssim(a, b).dataSync().every((v) => v < 0.5));
    expectNoLeak(() => ssim(a, b));
  });
});

describe('metrics: density', () => {
  it('counts entries with |z| > tol over all entries', () => {
    const z = tf.tensor2d([[0, 1e-7, -2e-6, 0.5], [-3, 0, 0, 1e-6]]);
    assert.equal(density(z), 3 / 8);
    assert.equal(density(z, 0), 5 / 8);
    assert.equal(density(z, 1), 1 / 8);
    assert.equal(density(tf.zeros([2, 3, 4, 5])), 0);
    assert.equal(density(tf.ones([7])), 1);
  });

  it('does not leak', () => {
    const z = tf.randomNormal([3, 4]);
    const before = tf.memory().numTensors;
    density(z);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('metrics: argument errors', () => {
  it('psnr and ssim reject bad images, mismatched shapes and bad ranges', () => {
    const a = images([1, 12, 12, 1], 8);
    for (const f of [psnr, ssim]) {
      const name = f === psnr ? 'psnr' : 'ssim';
      expectThrows(() => f(tf.zeros([12, 12, 1]) as unknown as tf.Tensor4D, a),
                   new RegExp(`^${name}: a must be a rank-4 tensor of images \\[N, H, W, C\\], got 'shape \\[12,12,1\\]'`));
      expectThrows(() => f(a, [1, 2] as unknown as tf.Tensor4D), new RegExp(`^${name}: b must be a rank-4 tensor.*got \\[1, 2\\]`));
      expectThrows(() => f(a, tf.zeros([1, 12, 12, 3]) as tf.Tensor4D),
                   new RegExp(`^${name}: b must be of the shape of a, \\[1,12,12,1\\], got 'shape \\[1,12,12,3\\]'`));
      expectThrows(() => f(tf.zeros([0, 12, 12, 1]) as tf.Tensor4D, tf.zeros([0, 12, 12, 1]) as tf.Tensor4D),
                   new RegExp(`^${name}: a must be a non-empty tensor`));
      for (const range of [[1, -1], [0, 0], [0, Infinity], [0], 'x']) {
        expectThrows(() => f(a, a, {range: range as [number, number]}),
                     new RegExp(`^${name}: options.range must be a pair \\[lo, hi\\] of finite numbers with lo < hi, got`));
      }
    }
    expectThrows(() => ssim(tf.zeros([1, 10, 12, 1]) as tf.Tensor4D, tf.zeros([1, 10, 12, 1]) as tf.Tensor4D),
                 /^ssim: a must be images of at least 11 × 11 pixels \(the Gaussian window\), got 'shape \[1,10,12,1\]'/);
  });

  it('density rejects a non-tensor, an empty tensor and a bad tol', () => {
    expectThrows(() => density([1, 2] as unknown as tf.Tensor), /^density: z must be a non-empty tensor, got \[1, 2\]/);
    expectThrows(() => density(tf.zeros([0, 3])), /^density: z must be a non-empty tensor, got 'shape \[0,3\]'/);
    expectThrows(() => density(tf.ones([2]), -1), /^density: tol must be a finite number ≥ 0, got -1/);
    expectThrows(() => density(tf.ones([2]), NaN), /^density: tol must be a finite number ≥ 0, got NaN/);
  });
});
