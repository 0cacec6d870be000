import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {codingRate, ctrlBinary, ctrlMulti, CtrlTerms, mcr2, rateReductionBetween} from '../../src/losses';
import {
  expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectThrows,
} from '../helpers';
import {householder, rowsOf, sphereFeatures, valueOf} from './features';

function values(terms: CtrlTerms): Record<string, number> {
  const out = Object.fromEntries(Object.entries(terms).map(([k, t]) => [k, t.dataSync()[0]]));
  tf.dispose(Object.values(terms));
  return out;
}

const LABELS = [0, 2, 1, 1, 0, 2, 2, 0, 1, 0, 2, 1];

describe('losses.ctrlBinary', () => {
  it('objective = rUnion − ½(rZ + rZHat), with rZ = R(Z), rZHat = R(Ẑ), rUnion = R(Z ∪ Ẑ)', () => {
    const z = sphereFeatures(8, 5, 1);
    const zHat = sphereFeatures(6, 5, 2);
    const union = tf.concat([z, zHat], 0) as tf.Tensor2D;
    const t = values(ctrlBinary(z, zHat, {epsilonSquared: 0.3}));
    assert.deepEqual(Object.keys(t).sort(), ['objective', 'rUnion', 'rZ', 'rZHat']);
    expectClose(t.rZ, valueOf(codingRate(z, {epsilonSquared: 0.3})), 1e-6);
    expectClose(t.rZHat, valueOf(codingRate(zHat, {epsilonSquared: 0.3})), 1e-6);
    expectClose(t.rUnion, valueOf(codingRate(union, {epsilonSquared: 0.3})), 1e-6);
    expectClose(t.objective, t.rUnion - 0.5 * (t.rZ + t.rZHat), 1e-5);
    expectClose(t.objective, valueOf(rateReductionBetween(z, zHat, {epsilonSquared: 0.3})), 1e-6);
    tf.dispose([z, zHat, union]);
  });

  it('gradient of the objective in z and zHat matches finite differences (m=4, d=6)', () => {
    const z = sphereFeatures(4, 6, 5);
    const zHat = sphereFeatures(4, 6, 6);
    expectGradientMatchesFiniteDifference((x) => ctrlBinary(x as tf.Tensor2D, zHat).objective, z, 6);
    expectGradientMatchesFiniteDifference((x) => ctrlBinary(z, x as tf.Tensor2D).objective, zHat, 6);
    tf.dispose([z, zHat]);
  });

  it('rejects z and zHat of different feature sizes and bad epsilonSquared', () => {
    const z = sphereFeatures(4, 3, 1);
    const wide = sphereFeatures(4, 2, 2);
    expectThrows(() => ctrlBinary(z, wide), /ctrlBinary: zHat must be \[m, 3\] \(the feature size of z\), got \[4, 2\]/);
    expectThrows(() => ctrlBinary(z, z, {epsilonSquared: -1}), /ctrlBinary: epsilonSquared must be a finite number > 0, got -1/);
    const scalar = tf.scalar(1);
    expectThrows(() => ctrlBinary(scalar as unknown as tf.Tensor2D, z), /ctrlBinary: z must be a rank-2 tensor .*got \[\]/);
    tf.dispose([z, wide, scalar]);
  });

  it('leaks no tensor, forward or through tf.grad', () => {
    const z = sphereFeatures(5, 4, 1);
    const zHat = sphereFeatures(5, 4, 2);
    expectNoLeak(() => Object.values(ctrlBinary(z, zHat)));
    expectNoLeak(() => tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      ctrlBinary(a as tf.Tensor2D, b as tf.Tensor2D).objective)([z, zHat]));
    tf.dispose([z, zHat]);
  });
});

describe('losses.ctrlMulti', () => {
  it('terms are ΔR(Z), ΔR(Ẑ), Σ_j ΔR(Z_j, Ẑ_j); objective = γ1 ΔR(Z) + γ2 ΔR(Ẑ) + γ3 Σ_j ΔR(Z_j, Ẑ_j)', () => {
    const z = sphereFeatures(12, 6, 3);
    const zHat = sphereFeatures(12, 6, 4);
    const labelTensor = tf.tensor1d(LABELS, 'int32');
    const byClass = [0, 1, 2].map((j) => LABELS.flatMap((l, i) => (l === j ? [i] : [])));
    let pairs = 0;
    for (const rows of byClass) {
      const zj = tf.gather(z, rows) as tf.Tensor2D;
      const zHatj = tf.gather(zHat, rows) as tf.Tensor2D;
      pairs += valueOf(rateReductionBetween(zj, zHatj));
      tf.dispose([zj, zHatj]);
    }
    const mz = mcr2(z, LABELS, 3);
    const mzHat = mcr2(zHat, LABELS, 3);
    const deltaRZ = mz.deltaR.dataSync()[0];
    const deltaRZHat = mzHat.deltaR.dataSync()[0];
    tf.dispose([...Object.values(mz), ...Object.values(mzHat)]);

    const t = values(ctrlMulti(z, zHat, labelTensor, 3));
    assert.deepEqual(Object.keys(t).sort(), ['deltaRPairs', 'deltaRZ', 'deltaRZHat', 'objective']);
    expectClose(t.deltaRZ, deltaRZ, 1e-5);
    expectClose(t.deltaRZHat, deltaRZHat, 1e-5);
    expectClose(t.deltaRPairs, pairs, 1e-5);
    expectClose(t.objective, deltaRZ + deltaRZHat + pairs, 1e-5);
    const w = values(ctrlMulti(z, zHat, LABELS, 3, {gammas: [0.5, 2, 3]}));
    expectClose(w.objective, 0.5 * deltaRZ + 2 * deltaRZHat + 3 * pairs, 1e-5);
    tf.dispose([z, zHat, labelTensor]);
  });

  it('with Ẑ = Z the pair term is 0 and the objective is 2 ΔR(Z); an empty class adds 0', () => {
    const q = householder(8, 1);
    const z = tf.tensor2d(rowsOf(q, [0, 1, 2, 3, 4, 5]));
    const labels = [0, 0, 3, 3, 1, 1]; // class 2 is empty
    const t = values(ctrlMulti(z, z, labels, 4));
    expectClose(t.deltaRPairs, 0, 1e-5);
    // Three classes of two orthonormal rows each: R = 3 log(1 + 8/(6ε²)), R^c = log(1 + 8/(2ε²)).
    const deltaR = 3 * Math.log(1 + 8 / 3) - Math.log(1 + 8);
    expectClose(t.deltaRZ, deltaR, 1e-5, 1e-5);
    expectClose(t.objective, 2 * deltaR, 1e-5, 1e-5);
    z.dispose();
  });

  it('gradients of the objective in z and zHat match finite differences (m=6, d=4)', () => {
    const labels = [0, 1, 0, 1, 1, 0];
    const z = sphereFeatures(6, 4, 7);
    const zHat = sphereFeatures(6, 4, 8);
    expectGradientMatchesFiniteDifference((x) => tf.tidy(() =>
      ctrlMulti(x as tf.Tensor2D, zHat, labels, 2, {gammas: [1, 0.5, 2]}).objective), z, 6);
    expectGradientMatchesFiniteDifference((x) => tf.tidy(() =>
      ctrlMulti(z, x as tf.Tensor2D, labels, 2).objective), zHat, 6);
    tf.dispose([z, zHat]);
  });

  it('encoder ascent raises the objective, decoder descent lowers it, optimizer.minimize leaks nothing', () => {
    const zVar = tf.variable(sphereFeatures(12, 6, 9));
    const zHatVar = tf.variable(sphereFeatures(12, 6, 10));
    const encoder = tf.train.adam(1e-2, 0.5, 0.999);
    const decoder = tf.train.adam(1e-2, 0.5, 0.999);
    const objective = () => ctrlMulti(zVar as tf.Tensor2D, zHatVar as tf.Tensor2D, LABELS, 3).objective;
    const current = () => valueOf(tf.tidy(objective));
    const ascend = () => tf.dispose(encoder.minimize(() => tf.neg(tf.tidy(objective)), true, [zVar])!);
    const descend = () => tf.dispose(decoder.minimize(() => tf.tidy(objective), true, [zHatVar])!);
    ascend(); // creates the optimizers' slots
    descend();
    const before = tf.memory().numTensors;
    const start = current();
    for (let i = 0; i < 4; i++) ascend();
    const raised = current();
    for (let i = 0; i < 8; i++) descend();
    const lowered = current();
    assert.equal(tf.memory().numTensors, before, 'tensors leaked over optimizer steps');
    assert.ok(raised > start && lowered < raised, `objective ${start} → ${raised} → ${lowered}`);
    tf.dispose([zVar, zHatVar]);
    encoder.dispose();
    decoder.dispose();
  });

  it('rejects labels, numClasses, gammas and shapes', () => {
    const z = sphereFeatures(4, 3, 1);
    const short = sphereFeatures(3, 3, 2);
    const wide = sphereFeatures(4, 5, 3);
    expectThrows(() => ctrlMulti(z, short, [0, 0, 1, 1], 2), /ctrlMulti: zHat must be \[4, 3\] \(the shape of z\), got \[3, 3\]/);
    expectThrows(() => ctrlMulti(z, wide, [0, 0, 1, 1], 2), /ctrlMulti: zHat must be \[m, 3\] \(the feature size of z\), got \[4, 5\]/);
    expectThrows(() => ctrlMulti(z, z, [0, 0, 1, 2], 2), /ctrlMulti: labels must be integers in \[0, 2\), got 2/);
    expectThrows(() => ctrlMulti(z, z, [0, 1], 2), /ctrlMulti: labels must be 4 class indices/);
    expectThrows(() => ctrlMulti(z, z, [0, 0, 0, 0], 2.5), /ctrlMulti: numClasses must be a positive integer, got 2.5/);
    expectThrows(() => ctrlMulti(z, z, [0, 0, 1, 1], 2, {gammas: [1, 1] as unknown as [number, number, number]}),
                 /ctrlMulti: gammas must be three finite numbers \[γ1, γ2, γ3\], got \[1, 1\]/);
    expectThrows(() => ctrlMulti(z, z, [0, 0, 1, 1], 2, {gammas: [1, NaN, 1]}),
                 /ctrlMulti: gammas must be three finite numbers .*got \[1, NaN, 1\]/);
    expectThrows(() => ctrlMulti(z, z, [0, 0, 1, 1], 2, {epsilonSquared: 0}),
                 /ctrlMulti: epsilonSquared must be a finite number > 0, got 0/);
    tf.dispose([z, short, wide]);
  });

  it('leaks no tensor, forward or through tf.grad', () => {
    const z = sphereFeatures(6, 3, 1);
    const zHat = sphereFeatures(6, 3, 2);
    const labels = [0, 1, 1, 0, 2, 2];
    expectNoLeak(() => Object.values(ctrlMulti(z, zHat, labels, 3)));
    expectNoLeak(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.tidy(() =>
      ctrlMulti(a as tf.Tensor2D, b as tf.Tensor2D, labels, 3).objective))([z, zHat]));
    tf.dispose([z, zHat]);
  });
});
