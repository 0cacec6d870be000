import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {nmseDb, syntheticLasso} from '../../src/data/synthetic';
import {expectClose, expectThrows, maxAbsDiff} from '../helpers';

describe('syntheticLasso: the LISTA benchmark generator', () => {
  it('defaults to the 250 × 500, p = 0.1 benchmark with unit-norm columns', () => {
    const problem = syntheticLasso({seed: 1});
    assert.deepEqual([problem.m, problem.n, problem.p], [250, 500, 0.1]);
    assert.deepEqual(problem.A.shape, [250, 500]);
    expectClose(tf.norm(problem.A, 'euclidean', 0), new Array(500).fill(1), 1e-5);
    problem.A.dispose();
  });

  it('entries of A are Gaussian with variance 1/m before normalisation: mean ≈ 0, kurtosis ≈ 3 (m=250, n=500)', () => {
    const {A} = syntheticLasso({seed: 2});
    const v = Array.from(A.dataSync());
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const m2 = v.reduce((s, x) => s + x * x, 0) / v.length;
    const m4 = v.reduce((s, x) => s + x ** 4, 0) / v.length;
    assert.ok(Math.abs(mean) < 5e-4, `mean ${mean}`);
    expectClose(m2, 1 / 250, 1e-6); // exactly 1/m: every column has unit norm
    expectClose(m4 / (m2 * m2), 3, 0.1);
    A.dispose();
  });

  it('codes are Bernoulli(p) × N(0, 1) and x = A z (m=30, n=60, p=0.2, batch 2000)', () => {
    const problem = syntheticLasso({m: 30, n: 60, p: 0.2, seed: 3});
    const {x, z} = problem.sample(2000);
    assert.deepEqual(x.shape, [2000, 30]);
    assert.deepEqual(z.shape, [2000, 60]);
    const values = Array.from(z.dataSync()).filter((v) => v !== 0);
    const fraction = values.length / z.size;
    assert.ok(Math.abs(fraction - 0.2) < 0.01, `non-zero fraction ${fraction}`);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
    const ax = tf.matMul(z, problem.A, false, true);
    assert.ok(maxAbsDiff(ax, x) < 1e-5);
    tf.dispose([x, z, ax, problem.A]);
  });

  it('is deterministic in the seed: equal seeds agree, different seeds differ (m=10, n=20)', () => {
    const [p1, p2, p3] = [5, 5, 6].map((seed) => syntheticLasso({m: 10, n: 20, seed}));
    const [s1, s2, s3] = [p1, p2, p3].map((p) => p.sample(50));
    expectClose(p2.A, p1.A, 0);
    expectClose(s2.z, s1.z, 0);
    expectClose(s2.x, s1.x, 0);
    assert.ok(maxAbsDiff(p3.A, p1.A) > 0.1);
    const next = p1.sample(50);
    assert.ok(maxAbsDiff(next.z, s1.z) > 0.1, 'successive samples continue the stream');
    tf.dispose([p1.A, p2.A, p3.A, s1.x, s1.z, s2.x, s2.z, s3.x, s3.z, next.x, next.z]);
  });

  it('rejects bad arguments, naming them', () => {
    expectThrows(() => syntheticLasso({m: 0}), /syntheticLasso: m must be a positive integer, got 0/);
    expectThrows(() => syntheticLasso({n: 2.5}), /syntheticLasso: n must be a positive integer, got 2.5/);
    expectThrows(() => syntheticLasso({p: 0}), /syntheticLasso: p must be a number in \(0, 1\], got 0/);
    expectThrows(() => syntheticLasso({p: 1.5}), /syntheticLasso: p must be a number in \(0, 1\], got 1.5/);
    expectThrows(() => syntheticLasso({seed: 0.5}), /syntheticLasso: seed must be an integer, got 0.5/);
    const problem = syntheticLasso({m: 4, n: 8});
    expectThrows(() => problem.sample(0), /syntheticLasso: batch must be a positive integer, got 0/);
    problem.A.dispose();
  });
});

describe('nmseDb', () => {
  it('is 10 log10(‖ẑ − z‖² / ‖z‖²): 0 dB for ẑ = 0, −20 dB for ẑ = 0.9 z, −∞ for ẑ = z', () => {
    const z = tf.tensor2d([[1, 0, -2], [0, 3, 0]]);
    expectClose(nmseDb(tf.zerosLike(z), z), 0, 1e-6);
    expectClose(nmseDb(tf.mul(0.9, z), z), -20, 1e-4);
    assert.equal(nmseDb(z, z), -Infinity);
    // ‖ẑ − z‖² = 1 + 0.16 + 0.49 against ‖z‖² = 14.
    expectClose(nmseDb(tf.add(z, tf.tensor2d([[1, 0, 0], [0, 0.4, 0.7]])), z),
                10 * Math.log10((1 + 0.16 + 0.49) / 14), 1e-5);
    expectThrows(() => nmseDb(tf.zeros([2, 2]), z), /nmseDb: zHat and z must have equal shapes/);
  });

  it('leaves no tensor behind', () => {
    const z = tf.ones([2, 3]);
    const before = tf.memory().numTensors;
    nmseDb(z, z);
    assert.equal(tf.memory().numTensors, before);
    z.dispose();
  });
});
