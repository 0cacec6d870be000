import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {DenseDictionary, ista, lassoObjective, normalizeAtoms, powerIteration} from '../../src/ops';
import {expectClose} from '../helpers';

describe('ISTA/FISTA reference solvers', () => {
  const lambda = 0.2;
  let op: DenseDictionary;
  let L: number;
  let x: tf.Tensor;
  before(() => {
    op = new DenseDictionary(normalizeAtoms(tf.randomNormal([20, 40], 0, 1, 'float32', 11)));
    L = powerIteration(op, tf.ones([1, 40]), 200).value.dataSync()[0] * 1.001;
    x = tf.randomNormal([3, 20], 0, 1, 'float32', 12);
  });

  for (const fista of [false, true]) {
    it(`${fista ? 'FISTA' : 'ISTA'} meets the LASSO optimality conditions`, () => {
      const z = ista(op, x, {lambda, lipschitz: L, iterations: fista ? 800 : 3000, fista});
      // KKT: |Aᵀ(x − Az)|_i ≤ λ everywhere, = λ·sign(z_i) on the support.
      const corr = op.adjoint(tf.sub(x, op.synthesis(z))).dataSync();
      const zv = z.dataSync();
      for (let i = 0; i < zv.length; i++) {
        if (Math.abs(zv[i]) > 1e-4) expectClose(corr[i], lambda * Math.sign(zv[i]), 2e-3);
        else assert.ok(Math.abs(corr[i]) <= lambda + 2e-3, `|corr| ${corr[i]} > λ off the support`);
      }
    });
  }

  it('FISTA reaches a lower objective than ISTA after the same 30 iterations', () => {
    const zi = ista(op, x, {lambda, lipschitz: L, iterations: 30});
    const zf = ista(op, x, {lambda, lipschitz: L, iterations: 30, fista: true});
    assert.ok(lassoObjective(op, x, zf, lambda).dataSync()[0] <
              lassoObjective(op, x, zi, lambda).dataSync()[0]);
  });

  for (const fista of [false, true]) {
    it(`${fista ? 'FISTA' : 'ISTA'}'s onIterate sees after iteration k the code of a k-iteration run`, () => {
      const seen: number[][] = [];
      const ks: number[] = [];
      const last = ista(op, x, {lambda, lipschitz: L, iterations: 5, fista, onIterate: (k, z) => {
        ks.push(k);
        seen.push(Array.from(z.dataSync()));
      }});
      assert.deepEqual(ks, [1, 2, 3, 4, 5]);
      for (const k of [1, 3, 5]) {
        const direct = ista(op, x, {lambda, lipschitz: L, iterations: k, fista});
        assert.deepEqual(seen[k - 1], Array.from(direct.dataSync()), `iteration ${k}`);
        direct.dispose();
      }
      assert.deepEqual(seen[4], Array.from(last.dataSync()));
      assert.notDeepEqual(seen[0], seen[1]);
      last.dispose();
    });
  }

  it('memory stays that of one iteration: 500 FISTA iterations leave only the result', () => {
    const before = tf.memory().numTensors;
    let peak = 0;
    const z = ista({...op, gradF: (y, xs) => {
      peak = Math.max(peak, tf.memory().numTensors);
      return op.gradF(y, xs);
    }, synthesis: (c) => op.synthesis(c), adjoint: (s) => op.adjoint(s), codeShape: (s) => op.codeShape(s)},
    x, {lambda, lipschitz: L, iterations: 500, fista: true});
    assert.equal(tf.memory().numTensors, before + 1);
    assert.ok(peak < before + 20, `peak of ${peak - before} live tensors`);
    z.dispose();
  });

  it('one ISTA step with an orthogonal dictionary and L = 1 is the (ReLU-)threshold', () => {
    const q = tf.eye(6).gather([2, 0, 5, 1, 4, 3]) as tf.Tensor2D; // a permutation: QᵀQ = I
    const orth = new DenseDictionary(q);
    const xs = tf.randomNormal([4, 6], 0, 1, 'float32', 13);
    const atx = orth.adjoint(xs);
    expectClose(ista(orth, xs, {lambda: 0.3, lipschitz: 1, iterations: 1}),
                tf.mul(tf.sign(atx), tf.relu(tf.sub(tf.abs(atx), 0.3))));
    expectClose(ista(orth, xs, {lambda: 0.3, lipschitz: 1, iterations: 1, nonNeg: true}),
                tf.relu(tf.sub(atx, 0.3)));
  });
});
