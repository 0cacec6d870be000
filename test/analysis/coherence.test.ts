import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {mutualCoherence} from '../../src/analysis';
import {expectClose, expectThrows} from '../helpers';

/**
 * The convolutional coherence by its definition, in float64: every pair of atoms `(i, j)` and
 * every shift `(dy, dx)` on the stride's grid with `|dy| < kh`, `|dx| < kw`, but an atom against
 * itself unshifted, of `|Σ d_i[y + dy, x + dx, c]·d_j[y, x, c]| / (‖d_i‖‖d_j‖)`.
 */
function bruteForceConvCoherence(d: number[][][][], [sh, sw]: [number, number] = [1, 1]): number {
  const [kh, kw, cin, cout] = [d.length, d[0].length, d[0][0].length, d[0][0][0].length];
  const norm = (i: number) => {
    let s = 0;
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < cin; c++) s += d[y][x][c][i] ** 2;
    return Math.sqrt(s);
  };
  let mu = 0;
  for (let i = 0; i < cout; i++) {
    for (let j = 0; j < cout; j++) {
      for (let dy = -(kh - 1); dy < kh; dy++) {
        for (let dx = -(kw - 1); dx < kw; dx++) {
          if ((i === j && dy === 0 && dx === 0) || dy % sh !== 0 || dx % sw !== 0) continue;
          let s = 0;
          for (let y = 0; y < kh; y++) {
            for (let x = 0; x < kw; x++) {
              if (y + dy < 0 || y + dy >= kh || x + dx < 0 || x + dx >= kw) continue;
              for (let c = 0; c < cin; c++) s += d[y + dy][x + dx][c][i] * d[y][x][c][j];
            }
          }
          mu = Math.max(mu, Math.abs(s) / (norm(i) * norm(j)));
        }
      }
    }
  }
  return mu;
}

describe('analysis.mutualCoherence', () => {
  it('two unit atoms at an angle θ: |cos θ| (θ = 1.1, 2.5)', () => {
    for (const theta of [1.1, 2.5]) {
      const d = tf.tensor2d([[1, Math.cos(theta)], [0, Math.sin(theta)]]);
      expectClose(mutualCoherence(d), Math.abs(Math.cos(theta)), 1e-6);
      d.dispose();
    }
  });

  it('does not depend on the atoms\' norms: atoms scaled by 3 and 0.01 give |cos θ|', () => {
    const theta = 0.7;
    const d = tf.tensor2d([[3, 0.01 * Math.cos(theta)], [0, 0.01 * Math.sin(theta)]]);
    expectClose(mutualCoherence(d), Math.cos(theta), 1e-6);
    d.dispose();
  });

  it('an exact duplicate, or a negated and scaled copy, gives 1', () => {
    const a = [0.3, -1.2, 0.5, 2];
    const b = [1, 0, 0.4, -0.2];
    const duplicate = tf.tensor2d([a, b, a]).transpose();
    const negated = tf.tensor2d([a, b, a.map((x) => -2 * x)]).transpose();
    expectClose(mutualCoherence(duplicate), 1, 1e-6);
    expectClose(mutualCoherence(negated), 1, 1e-6);
    tf.dispose([duplicate, negated]);
  });

  it('an orthonormal basis (the 4×4 Hadamard matrix / 2) gives 0', () => {
    const d = tf.tensor2d([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]]).div(2);
    expectClose(mutualCoherence(d), 0, 1e-7);
    d.dispose();
  });

  it('a 1×1 convolutional dictionary [1, 1, C_in, C_out] is the dense [C_in, C_out] one', () => {
    const dense = tf.randomNormal([5, 7], 0, 1, 'float32', 3) as tf.Tensor2D;
    const conv = dense.reshape([1, 1, 5, 7]);
    expectClose(mutualCoherence(conv), mutualCoherence(dense), 1e-6);
    tf.dispose([dense, conv]);
  });

  it('a 1×2 filter of ones against its own shift by one: 1/2', () => {
    const d = tf.ones([1, 2, 1, 1]);
    expectClose(mutualCoherence(d), 0.5, 1e-7);
    d.dispose();
  });

  for (const [shape, seed] of [[[3, 3, 2, 4], 1], [[4, 2, 1, 3], 2], [[2, 5, 3, 2], 4]] as [[number, number, number, number], number][]) {
    it(`convolutional ${JSON.stringify(shape)}: equals the loops over pairs and shifts`, () => {
      const d = tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor4D;
      expectClose(mutualCoherence(d), bruteForceConvCoherence(d.arraySync()), 1e-5);
      d.dispose();
    });
  }

  for (const strides of [[2, 2], [1, 3], [3, 1]] as [number, number][]) {
    it(`convolutional [4, 4, 2, 3], strides ${JSON.stringify(strides)}: only shifts on the stride's grid`, () => {
      const d = tf.randomNormal([4, 4, 2, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
      const mu = mutualCoherence(d, {strides});
      expectClose(mu, bruteForceConvCoherence(d.arraySync(), strides), 1e-5);
      assert.ok(mu <= mutualCoherence(d) + 1e-7, 'fewer shifts, no larger coherence');
      d.dispose();
    });
  }

  it('a shifted atom keeps its full norm: [1, 2] against its shift by one is 2/5, not 1', () => {
    const d = tf.tensor4d([1, 2], [1, 2, 1, 1]);
    expectClose(mutualCoherence(d), 2 / 5, 1e-7);
    d.dispose();
  });

  it('leaves no tensor behind', () => {
    const dense = tf.randomNormal([6, 9], 0, 1, 'float32', 6);
    const conv = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 7);
    const before = tf.memory().numTensors;
    mutualCoherence(dense);
    mutualCoherence(conv, {strides: 2});
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([dense, conv]);
  });

  it('rejects a rank other than 2 or 4, an atom of zero norm, too few atoms and bad strides, naming them', () => {
    const rank3 = tf.zeros([2, 2, 2]);
    expectThrows(() => mutualCoherence(rank3), /mutualCoherence: d must be a dense \[M, N\] or a convolutional .*got \[2, 2, 2\]/);
    expectThrows(() => mutualCoherence([[1, 0], [0, 1]] as unknown as tf.Tensor), /mutualCoherence: d must be .*got \[\[1, 0\], \[0, 1\]\]/);
    const zeroAtom = tf.tensor2d([[1, 0, 2], [1, 0, 3]]);
    expectThrows(() => mutualCoherence(zeroAtom), /mutualCoherence: d \(atom 1\) must be of non-zero norm, got 0/);
    const zeroFilter = tf.concat([tf.ones([2, 2, 1, 1]), tf.zeros([2, 2, 1, 1])], 3);
    expectThrows(() => mutualCoherence(zeroFilter), /mutualCoherence: d \(atom 1\) must be of non-zero norm, got 0/);
    const oneAtom = tf.ones([3, 1]);
    expectThrows(() => mutualCoherence(oneAtom), /mutualCoherence: d must be a dense dictionary of at least 2 atoms \(columns\), got \[3, 1\]/);
    const onePixel = tf.ones([1, 1, 3, 1]);
    expectThrows(() => mutualCoherence(onePixel), /mutualCoherence: d must be a dictionary of at least 2 atoms, .*got \[1, 1, 3, 1\]/);
    const strided = tf.ones([1, 2, 1, 1]);
    expectThrows(() => mutualCoherence(strided, {strides: 2}), /mutualCoherence: d must be a dictionary of at least 2 atoms, .*got \[1, 2, 1, 1\]/);
    expectThrows(() => mutualCoherence(strided, {strides: [0, 1]}), /mutualCoherence: strides must be a positive integer or a pair of them, got \[0, 1\]/);
    const dense = tf.eye(2);
    expectThrows(() => mutualCoherence(dense, {strides: 2}), /mutualCoherence: strides must be absent for a dense dictionary, got 2/);
    tf.dispose([rank3, zeroAtom, zeroFilter, oneAtom, onePixel, strided, dense]);
  });
});
