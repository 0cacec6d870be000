import * as tf from '@tensorflow/tfjs';
import {ConvDictionary, ConvPadding, DenseDictionary, DictionaryOperator,
        normalizeAtoms, powerIteration} from '../../src/ops';
import {expectClose} from '../helpers';

function inner(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0]);
}

function expectAdjoint(op: DictionaryOperator, signalShape: number[]): void {
  tf.tidy(() => {
    const x = tf.randomNormal([2, ...signalShape], 0, 1, 'float32', 3);
    const z = tf.randomNormal([2, ...op.codeShape(signalShape)], 0, 1, 'float32', 4);
    const lhs = inner(op.synthesis(z), x);
    const rhs = inner(z, op.adjoint(x));
    expectClose(lhs, rhs, 1e-3 * Math.max(1, Math.abs(rhs)));
  });
}

describe('dictionary operators', () => {
  it('dense: ⟨A z, x⟩ = ⟨z, Aᵀ x⟩ and A z = z Aᵀ', () => {
    const a = tf.randomNormal([7, 11], 0, 1, 'float32', 1) as tf.Tensor2D;
    const op = new DenseDictionary(a);
    expectAdjoint(op, [7]);
    const z = tf.oneHot([3], 11).toFloat();
    expectClose(op.synthesis(z), tf.slice(a, [0, 3], [7, 1]).reshape([1, 7]));
  });

  for (const padding of ['same', 'valid'] as ConvPadding[]) {
    for (const stride of [1, 2, 3]) {
      for (const [k, h, w] of [[3, 8, 8], [4, 9, 7], [5, 12, 10]]) {
        it(`conv: ⟨A z, x⟩ = ⟨z, Aᵀ x⟩, padding=${padding} stride=${stride} kernel=${k} ${h}×${w}`, () => {
          const f = tf.randomNormal([k, k, 3, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
          const op = new ConvDictionary(f, stride, padding, [h, w]);
          expectAdjoint(op, [h, w, 3]);
        });
      }
    }
  }

  it('normalizeAtoms gives unit columns (dense) and unit filters (conv)', () => {
    const dense = normalizeAtoms(tf.randomNormal([6, 4], 0, 3));
    expectClose(tf.norm(dense, 2, 0), [1, 1, 1, 1]);
    const conv = normalizeAtoms(tf.randomNormal([3, 3, 2, 5], 0, 3));
    expectClose(tf.sqrt(tf.sum(tf.square(conv), [0, 1, 2])), [1, 1, 1, 1, 1]);
  });

  it('power iteration matches the largest singular value squared of a known matrix', () => {
    // A = U diag(s) Vᵀ with orthogonal U, V built from a QR-free construction: a permuted diagonal.
    const s = [3, 2.5, 1, 0.5];
    const a = tf.tensor2d([[0, s[1], 0, 0], [s[0], 0, 0, 0], [0, 0, 0, s[3]], [0, 0, s[2], 0],
                           [0, 0, 0, 0]]);
    const {value, vector} = powerIteration(new DenseDictionary(a), tf.ones([1, 4]), 60);
    expectClose(value, 9, 1e-4);
    expectClose(tf.abs(vector), [[1, 0, 0, 0]], 1e-3);
  });

  it('power iteration on a random dense matrix matches the Gram eigenvalue bound', () => {
    const a = tf.randomNormal([30, 20], 0, 1, 'float32', 9) as tf.Tensor2D;
    const op = new DenseDictionary(a);
    const {value, vector} = powerIteration(op, tf.randomNormal([1, 20], 0, 1, 'float32', 1), 200);
    // At convergence u is an eigenvector: AᵀA u = L u.
    const residual = tf.sub(op.adjoint(op.synthesis(vector)), tf.mul(value, vector));
    expectClose(tf.norm(residual), 0, 1e-3 * value.dataSync()[0]);
    // L is at least ‖A e_i‖² for every unit vector e_i (the largest column norm squared).
    const colMax = tf.max(tf.sum(tf.square(a), 0)).dataSync()[0];
    if (value.dataSync()[0] < colMax) throw new Error('power iteration below a column norm');
  });

  it('power iteration on a convolutional dictionary: a single-atom delta filter has L = 1', () => {
    const f = tf.zeros([3, 3, 1, 1]).add(tf.oneHot([4], 9).reshape([3, 3, 1, 1])) as tf.Tensor4D;
    const {value} = powerIteration(new ConvDictionary(f, 1, 'same', [8, 8]), tf.randomNormal([1, 8, 8, 1]), 10);
    expectClose(value, 1, 1e-4);
  });

  it('power iteration warm-started from the converged vector keeps the same value', () => {
    const f = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 5) as tf.Tensor4D;
    const op = new ConvDictionary(f, 1, 'same', [10, 10]);
    const first = powerIteration(op, tf.randomNormal([1, 10, 10, 4], 0, 1, 'float32', 6), 300);
    const again = powerIteration(op, first.vector, 1);
    expectClose(again.value, first.value, 1e-3 * first.value.dataSync()[0]);
  });

  it('power iteration rejects a bad iteration count', () => {
    const op = new DenseDictionary(tf.eye(3) as tf.Tensor2D);
    try {
      powerIteration(op, tf.ones([1, 3]), 0);
    } catch (e) {
      if (/iterations must be a positive integer, got 0/.test((e as Error).message)) return;
    }
    throw new Error('expected an error naming iterations');
  });
});
