import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {Matrix, QrDecomposition, SingularValueDecomposition} from 'ml-matrix';
import {NearestSubspace} from '../../src/metrics';
import {expectClose, expectNoLeak, expectThrows} from '../helpers';

function randn(shape: [number, number], seed: number): number[][] {
  return tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).arraySync() as number[][]);
}

/** A D × D orthogonal matrix (Q of a QR factorisation of a Gaussian matrix). */
function orthogonal(d: number, seed: number): Matrix {
  return new QrDecomposition(new Matrix(randn([d, d], seed))).orthogonalMatrix;
}

/**
 * Samples of C classes, class j in the span of columns [j·r, (j+1)·r) of `q` (mutually orthogonal
 * r-dimensional subspaces), plus Gaussian noise of standard deviation `noise`.
 */
function planted(q: Matrix, classes: number, r: number, perClass: number, noise: number,
                 seed: number): {features: number[][]; labels: number[]} {
  const d = q.rows;
  const coef = randn([classes * perClass, r], seed);
  const eps = randn([classes * perClass, d], seed + 1);
  const features: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < classes * perClass; i++) {
    const j = Math.floor(i / perClass);
    features.push(Array.from({length: d}, (_, a) =>
      coef[i].reduce((s, c, t) => s + c * q.get(a, j * r + t), 0) + noise * eps[i][a]));
    labels.push(j);
  }
  return {features, labels};
}

/** ‖(I − V Vᵀ)(z − μ)‖ in float64, V the top-k right singular vectors of the class's (centred) rows. */
function residualsFloat64(train: number[][], labels: number[], test: number[][], k: number,
                          center: boolean): number[][] {
  const classes = Math.max(...labels) + 1;
  const d = train[0].length;
  const perClass = Array.from({length: classes}, (_, j) => {
    const rows = train.filter((_, i) => labels[i] === j);
    const mean = Array.from({length: d}, (_, a) => center ? rows.reduce((s, r) => s + r[a], 0) / rows.length : 0);
    const svd = new SingularValueDecomposition(new Matrix(rows.map((r) => r.map((v, a) => v - mean[a]))));
    const v = svd.rightSingularVectors.subMatrix(0, d - 1, 0, k - 1);
    return {mean, v};
  });
  return test.map((z) => perClass.map(({mean, v}) => {
    const zc = Matrix.columnVector(z.map((x, a) => x - mean[a]));
    return zc.sub(v.mmul(v.transpose().mmul(zc))).norm();
  }));
}

describe('metrics: NearestSubspace', () => {
  it('classifies planted classes in orthogonal 3-D subspaces of R^12 (noise 0.01) with accuracy 1', () => {
    const q = orthogonal(12, 1);
    const train = planted(q, 4, 3, 40, 0.01, 2);
    const test = planted(q, 4, 3, 25, 0.01, 3);
    const model = NearestSubspace.fit(tf.tensor2d(train.features), train.labels, {components: 3});
    assert.equal(model.numClasses, 4);
    assert.equal(model.dimension, 12);
    assert.equal(model.accuracy(tf.tensor2d(test.features), tf.tensor1d(test.labels, 'int32')), 1);
    // Each U_j spans the planted subspace Q_j: ‖Q_jᵀ U_j‖²_F = 3.
    for (let j = 0; j < 4; j++) {
      const qj = tf.tensor2d(q.subMatrix(0, 11, 3 * j, 3 * j + 2).to2DArray());
      expectClose(tf.sum(tf.square(tf.matMul(qj, model.basis(j), true))), 3, 1e-3);
    }
  });

  it('a point exactly in subspace j is assigned j with residual 0 there and ‖z‖ elsewhere', () => {
    const q = orthogonal(10, 4);
    const train = planted(q, 3, 2, 20, 0, 5);
    const model = NearestSubspace.fit(train.features, train.labels, {components: 2});
    const points = [[1.5, -2], [0.3, 0.7], [-1, 4]].map((c, j) =>
      Array.from({length: 10}, (_, a) => c[0] * q.get(a, 2 * j) + c[1] * q.get(a, 2 * j + 1)));
    assert.deepEqual(Array.from(model.predict(points)), [0, 1, 2]);
    const norms = points.map((p) => Math.hypot(...p));
    expectClose(model.residuals(points), points.map((_, i) => [0, 1, 2].map((j) => j === i ? 0 : norms[i])),
                1e-5);
  });

  for (const center of [false, true]) {
    it(`residuals match a float64 SVD computation (k = 4, center = ${center})`, () => {
      const raw = randn([90, 9], 6);
      const labels = raw.map((_, i) => i % 3);
      // Anisotropic classes with distinct means, so the directions and the centring matter.
      const train = raw.map((r, i) => r.map((v, a) => v * (1 + a * (1 + labels[i])) / 4 + labels[i] * (a % 3)));
      const test = randn([15, 9], 7).map((r) => r.map((v, a) => 2 * v + (a % 2)));
      const model = NearestSubspace.fit(train, labels, {components: 4, center});
      const expected = residualsFloat64(train, labels, test, 4, center);
      expectClose(model.residuals(test), expected, 1e-4, 1e-5);
      const predicted = expected.map((r) => r.indexOf(Math.min(...r)));
      assert.deepEqual(Array.from(model.predict(test)), predicted);
    });
  }

  it('bases have orthonormal columns; a class with fewer samples than k keeps the span of its samples', () => {
    const train = randn([14, 8], 8);
    const labels = [...Array<number>(12).fill(0), 1, 1];
    const model = NearestSubspace.fit(train, labels, {components: 5});
    const u0 = model.basis(0);
    const u1 = model.basis(1);
    assert.deepEqual(u0.shape, [8, 5]);
    assert.deepEqual(u1.shape, [8, 2]);
    expectClose(tf.matMul(u0, u0, true), tf.eye(5), 1e-5);
    expectClose(tf.matMul(u1, u1, true), tf.eye(2), 1e-5);
    expectClose(tf.slice(model.residuals(train.slice(12)), [0, 1], [2, 1]), [0, 0], 1e-5);
  });

  it('ties go to the smallest class index (classes with identical training data)', () => {
    const x = randn([10, 6], 9);
    const model = NearestSubspace.fit([...x, ...x], [...Array<number>(10).fill(0), ...Array<number>(10).fill(1)],
                                      {components: 2});
    assert.deepEqual(Array.from(model.predict(randn([5, 6], 10))), [0, 0, 0, 0, 0]);
  });

  it('does not leak tensors', () => {
    const train = planted(orthogonal(6, 11), 2, 2, 10, 0.1, 12);
    const features = tf.tensor2d(train.features);
    const before = tf.memory().numTensors;
    const model = NearestSubspace.fit(features, train.labels, {components: 2, center: true});
    model.predict(features);
    model.accuracy(features, train.labels);
    assert.equal(tf.memory().numTensors, before);
    expectNoLeak(() => model.residuals(features));
    expectNoLeak(() => model.residuals(train.features));
  });

  it('rejects bad arguments', () => {
    const x = randn([6, 4], 13);
    const y = [0, 0, 1, 1, 2, 2];
    const fit = NearestSubspace.fit;
    expectThrows(() => fit(x, [0, 1], {components: 2}), /^NearestSubspace.fit: labels must be one label per feature row \(6\), got '2 labels'/);
    expectThrows(() => fit(x, tf.zeros([6, 1]) as unknown as tf.Tensor1D, {components: 2}),
                 /^NearestSubspace.fit: labels must be a rank-1 tensor, got 'shape \[6,1\]'/);
    expectThrows(() => fit(x, 3 as unknown as number[], {components: 2}), /^NearestSubspace.fit: labels must be an array or a rank-1 tensor of class labels, got 3/);
    expectThrows(() => fit(x, [0, 0, 1, -1, 2, 2], {components: 2}), /^NearestSubspace.fit: labels\[3\] must be a non-negative integer, got -1/);
    expectThrows(() => fit(x, [0, 0, 1, 1.5, 2, 2], {components: 2}), /^NearestSubspace.fit: labels\[3\] must be a non-negative integer, got 1.5/);
    expectThrows(() => fit(x, y, {components: 2, numClasses: 2}),
                 /^NearestSubspace.fit: labels\[4\] must be an integer in \[0, 2\), got 2/);
    expectThrows(() => fit(x, [0, 0, 2, 2, 3, 3], {components: 2}),
                 /^NearestSubspace.fit: labels must be a list holding every class in \[0, 4\) at least once \(class 1 has none\); samples per class, got \[2, 0, 2, 2\]/);
    expectThrows(() => fit(x, y, {components: 2, numClasses: 4}), /class 3 has none/);
    expectThrows(() => fit(x, y), /^NearestSubspace.fit: options.components must be below the feature dimension 4, got 10/);
    expectThrows(() => fit(x, y, {components: 4}), /options.components must be below the feature dimension 4, got 4/);
    expectThrows(() => fit(x, y, {components: 0}), /^NearestSubspace.fit: options.components must be a positive integer, got 0/);
    expectThrows(() => fit(x, y, {components: 2, numClasses: 1.5}),
                 /^NearestSubspace.fit: options.numClasses must be a positive integer, got 1.5/);
    expectThrows(() => fit(x, y, {components: 2, center: 'yes' as unknown as boolean}),
                 /^NearestSubspace.fit: options.center must be true or false, got 'yes'/);
    expectThrows(() => fit(tf.zeros([2, 3, 4]) as unknown as tf.Tensor2D, y, {components: 2}),
                 /^NearestSubspace.fit: features must be a non-empty rank-2 tensor \[N, D\], got 'shape \[2,3,4\]'/);
    expectThrows(() => fit([[1, 2], [3]], [0, 1], {components: 1}),
                 /^NearestSubspace.fit: features must be a rank-2 tensor or a non-empty rectangular array of finite numbers, got 'an array of length 2'/);
    expectThrows(() => fit([[1, NaN]], [0], {components: 1}), /features must be a rank-2 tensor or a non-empty rectangular array/);
    const model = fit(x, y, {components: 2});
    expectThrows(() => model.predict([[1, 2, 3]]),
                 /^NearestSubspace.residuals: features must be rows of the fitted dimension 4, got '3 columns'/);
    expectThrows(() => model.accuracy(x, [0, 1]), /^NearestSubspace.accuracy: labels must be one label per feature row \(6\), got '2 labels'/);
    expectThrows(() => model.accuracy(x, [0, 0, 1, 1, 2, 3]),
                 /^NearestSubspace.accuracy: labels\[5\] must be an integer in \[0, 3\), got 3/);
    expectThrows(() => model.basis(3), /^NearestSubspace.basis: classIndex must be an integer in \[0, 3\), got 3/);
  });
});
