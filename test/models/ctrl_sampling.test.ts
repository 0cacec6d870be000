import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {cscCtrl} from '../../models/csc_ctrl';
import {ClassSubspace, drawClassFeatures, fitClassSubspaces, sampleCscCtrl} from '../../models/ctrl_sampling';
import {mnistDataset} from '../../src/data/mnist_dataset';
import {expectClose, expectThrows} from '../helpers';

/**
 * Features of 3 classes in R^12, class j on coordinates 4j..4j+3 only (orthogonal blocks): a
 * common offset on the block plus noise along two of its coordinates of standard deviations 0.4
 * and 0.1.
 */
function blockFeatures(perClass: number): {features: tf.Tensor2D; labels: Int32Array} {
  const d = 12;
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let j = 0; j < 3; j++) {
    for (let n = 0; n < perClass; n++) {
      const z = new Array<number>(d).fill(0);
      z[4 * j] = 1;
      z[4 * j + 1] = 0.5 + 0.4 * Math.sin(7.1 * n + j);
      z[4 * j + 2] = 0.1 * Math.cos(3.3 * n * (j + 1));
      rows.push(z);
      labels.push(j);
    }
  }
  return {features: tf.tensor2d(rows), labels: Int32Array.from(labels)};
}

/** ‖U_jᵀ z‖ for every drawn feature row z and class j: `[rows][classes]`. */
function projections(subspaces: ClassSubspace[], features: tf.Tensor2D): number[][] {
  const d = subspaces[0].mean.length;
  return tf.tidy(() => {
    const perClass = subspaces.map((s) =>
      tf.norm(tf.matMul(features, tf.tensor2d(s.directions, [d, s.deviations.length])), 2, 1));
    return tf.stack(perClass, 1).arraySync() as number[][];
  });
}

describe('fitClassSubspaces / drawClassFeatures', () => {
  it("fits each class's mean, principal directions and deviations", () => {
    const {features, labels} = blockFeatures(40);
    const subspaces = fitClassSubspaces(features, labels, {numClasses: 3, components: 2});
    assert.equal(subspaces.length, 3);
    const rows = features.arraySync();
    subspaces.forEach((s, j) => {
      const own = rows.filter((_, i) => labels[i] === j);
      const mean = own[0].map((_, c) => own.reduce((sum, r) => sum + r[c], 0) / own.length);
      expectClose(s.mean, mean, 1e-6);
      assert.equal(s.directions.length, 12 * 2);
      // The directions lie on the class's block, the two coordinates it varies along.
      for (let i = 0; i < 12; i++) {
        if (i !== 4 * j + 1 && i !== 4 * j + 2) {
          assert.ok(Math.abs(s.directions[i * 2]) < 1e-5 && Math.abs(s.directions[i * 2 + 1]) < 1e-5);
        }
      }
      // σ_k² is the sample variance along u_k: the two add up to the variances of the two coordinates.
      const variance = (c: number) => own.reduce((sum, r) => sum + (r[c] - mean[c]) ** 2, 0) / (own.length - 1);
      const along = (k: number) => {
        const u = [0, 1].map((t) => s.directions[(4 * j + 1 + t) * 2 + k]);
        return own.reduce((sum, r) => sum + (u[0] * (r[4 * j + 1] - mean[4 * j + 1]) + u[1] * (r[4 * j + 2] - mean[4 * j + 2])) ** 2, 0) /
          (own.length - 1);
      };
      expectClose(Array.from(s.deviations, (x) => x * x), [along(0), along(1)], 1e-6, 1e-4);
      expectClose(s.deviations[0] ** 2 + s.deviations[1] ** 2, variance(4 * j + 1) + variance(4 * j + 2), 1e-6, 1e-4);
      assert.ok(s.deviations[0] > 0.25 && s.deviations[1] < 0.1, `${s.deviations}`);
    });
  });

  it('draws unit-norm features of each class on its subspace, the same for the same seed', () => {
    const {features, labels} = blockFeatures(40);
    const subspaces = fitClassSubspaces(features, labels, {numClasses: 3, components: 2});
    const drawn = drawClassFeatures(subspaces, {perClass: 50, seed: 3});
    assert.deepEqual(drawn.features.shape, [150, 12]);
    assert.deepEqual(Array.from(drawn.labels.subarray(48, 52)), [0, 0, 1, 1]);
    expectClose(tf.norm(drawn.features, 2, 1), new Array(150).fill(1), 1e-5);
    projections(subspaces, drawn.features).forEach((p, i) => {
      const best = p.indexOf(Math.max(...p));
      assert.equal(best, drawn.labels[i], `feature ${i}: projections ${p}`);
    });
    // The draws vary along the directions: not all alike.
    const spread = tf.tidy(() => tf.moments(drawn.features.slice([0, 1], [50, 1])).variance.dataSync()[0]);
    assert.ok(spread > 1e-3, `variance ${spread}`);
    assert.deepEqual(drawClassFeatures(subspaces, {perClass: 50, seed: 3}).features.arraySync(), drawn.features.arraySync());
    assert.notDeepEqual(drawClassFeatures(subspaces, {perClass: 50, seed: 4}).features.arraySync(), drawn.features.arraySync());
  });

  it('rejects bad arguments', () => {
    const subspaces = fitClassSubspaces(blockFeatures(5).features, blockFeatures(5).labels, {numClasses: 3, components: 2});
    expectThrows(() => drawClassFeatures(subspaces, {perClass: 0}), /drawClassFeatures: perClass must be a positive integer, got 0/);
    expectThrows(() => drawClassFeatures(subspaces, {perClass: 1, seed: -1}), /drawClassFeatures: seed must be a non-negative integer, got -1/);
    expectThrows(() => drawClassFeatures([], {perClass: 1}), /drawClassFeatures: subspaces must be a non-empty array/);
    expectThrows(() => drawClassFeatures([subspaces[0], {...subspaces[1], mean: new Float32Array(3)}], {perClass: 1}),
                 /drawClassFeatures: subspaces\[1\] must be a mean of 12 values/);
  });
});

describe('sampleCscCtrl', () => {
  let encoder: tf.LayersModel;
  let decoder: tf.LayersModel;
  const train = mnistDataset({split: 'train'});
  before(() => {
    // Linear features and a small λ: dense features (the untrained sparse ones are all zero).
    ({encoder, decoder} = cscCtrl({filters: [3, 3, 3, 6], seed: 2, features: 'linear', lambda: 0.01}));
  });

  it('decodes perClass images of every class, class by class, reproducibly from the seed', async () => {
    const options = {train, trainImages: 200, perClass: 3, components: 2, seed: 1, batchSize: 16};
    const before = tf.memory().numTensors;
    const a = await sampleCscCtrl(encoder, decoder, options);
    assert.deepEqual(a.images.shape, [30, 32, 32, 1]);
    assert.deepEqual(Array.from(a.labels), Array.from({length: 30}, (_, i) => Math.floor(i / 3)));
    const range = tf.tidy(() => [tf.min(a.images).dataSync()[0], tf.max(a.images).dataSync()[0]]);
    assert.ok(range[0] >= -1 && range[1] <= 1 && range[1] > range[0], `${range}`);
    const b = await sampleCscCtrl(encoder, decoder, options);
    expectClose(b.images, a.images, 0);
    const c = await sampleCscCtrl(encoder, decoder, {...options, seed: 2});
    assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(c.images, a.images))).dataSync()[0]) > 1e-4);
    tf.dispose([a.images, b.images, c.images]);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  });

  it('rejects bad arguments with named errors', async () => {
    const base = {train, trainImages: 100, perClass: 2};
    await assert.rejects(sampleCscCtrl(encoder, decoder, {...base, perClass: 0}),
                         /sampleCscCtrl: perClass must be a positive integer, got 0/);
    await assert.rejects(sampleCscCtrl(encoder, decoder, {...base, components: 6}),
                         /sampleCscCtrl: components must be below the feature dimension 6, got 6/);
    await assert.rejects(sampleCscCtrl(encoder, decoder, {...base, trainImages: 10001}),
                         /sampleCscCtrl: trainImages must be at most 9000 \(the training images\), got 10001/);
    await assert.rejects(sampleCscCtrl(encoder, decoder, {...base, seed: 1.5}),
                         /sampleCscCtrl: seed must be a non-negative integer, got 1.5/);
  });
});
