import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {measuredL0Inf} from '../../src/analysis';
import {expectThrows} from '../helpers';

/**
 * `‖Γ‖₀,∞` by its definition: for every signal patch `kh×kw` at `(qy, qx)`, the non-zeros
 * (`|γ| > threshold`) of the codes at `(p, r)` whose atom, at `(sh·p, sw·r)`, overlaps the patch
 * (`|sh·p − qy| < kh` and `|sw·r − qx| < kw`), all channels; the maximum over patches and the batch.
 */
function bruteForceL0Inf(codes: number[][][][], [kh, kw]: [number, number], [sh, sw]: [number, number],
                         threshold = 0): number {
  const [h, w] = [codes[0].length, codes[0][0].length];
  let best = 0;
  for (const sample of codes) {
    for (let qy = -kh; qy <= sh * (h - 1) + kh; qy++) {
      for (let qx = -kw; qx <= sw * (w - 1) + kw; qx++) {
        let count = 0;
        for (let p = 0; p < h; p++) {
          for (let r = 0; r < w; r++) {
            if (Math.abs(sh * p - qy) >= kh || Math.abs(sw * r - qx) >= kw) continue;
            count += sample[p][r].filter((g) => Math.abs(g) > threshold).length;
          }
        }
        best = Math.max(best, count);
      }
    }
  }
  return best;
}

/** Random codes with about a fraction `density` of non-zeros, of either sign. */
function sparseCodes(shape: [number, number, number, number], density: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const keep = tf.less(tf.randomUniform(shape, 0, 1, 'float32', seed), density);
    return tf.where(keep, tf.randomNormal(shape, 0, 1, 'float32', seed + 1), tf.zeros(shape)) as tf.Tensor4D;
  });
}

describe('analysis.measuredL0Inf', () => {
  const cases: [[number, number, number, number], [number, number], [number, number], number][] = [
    [[2, 7, 9, 3], [3, 2], [1, 1], 0.2],
    [[3, 6, 5, 2], [4, 4], [2, 2], 0.3],
    [[2, 5, 8, 2], [3, 3], [1, 2], 0.25],
    [[1, 3, 3, 4], [4, 4], [1, 1], 0.5],
  ];
  for (const [shape, kernelSize, strides, density] of cases) {
    it(`codes ${JSON.stringify(shape)}, kernel ${JSON.stringify(kernelSize)}, strides ${JSON.stringify(strides)}: the loops over patches`, () => {
      const codes = sparseCodes(shape, density, shape[1] * 10 + shape[2]);
      const expected = bruteForceL0Inf(codes.arraySync(), kernelSize, strides);
      assert.ok(expected > 0);
      assert.equal(measuredL0Inf(codes, {kernelSize, strides}), expected);
      codes.dispose();
    });
  }

  it('counts only |γ| > threshold (0.8), both signs', () => {
    const codes = sparseCodes([2, 6, 6, 3], 0.6, 11);
    const expected = bruteForceL0Inf(codes.arraySync(), [3, 3], [1, 1], 0.8);
    assert.ok(expected < bruteForceL0Inf(codes.arraySync(), [3, 3], [1, 1]));
    assert.equal(measuredL0Inf(codes, {kernelSize: 3, threshold: 0.8}), expected);
    codes.dispose();
  });

  it('closed forms: one non-zero gives 1; all non-zero gives (2kh − 1)(2kw − 1)c at stride 1, ⌈7/2⌉² c at stride 2', () => {
    const one = tf.tensor4d([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -2, 0, 0, 0, 0, 0, 0, 0], [1, 3, 3, 2]);
    assert.equal(measuredL0Inf(one, {kernelSize: 2}), 1);
    const full = tf.ones([2, 9, 9, 3]);
    assert.equal(measuredL0Inf(full, {kernelSize: [3, 2]}), 5 * 3 * 3);
    assert.equal(measuredL0Inf(full, {kernelSize: 4, strides: 2}), 4 * 4 * 3);
    // A code smaller than the stripe: the whole code.
    assert.equal(measuredL0Inf(full, {kernelSize: 6}), 9 * 9 * 3);
    tf.dispose([one, full]);
  });

  it('dense codes [batch, n]: the ℓ0 norm of each sample, the maximum over the batch', () => {
    const codes = tf.tensor2d([[0, 1, 2, 0], [3, 0, 0, 0], [0, -0.5, 0, 0.7]]);
    assert.equal(measuredL0Inf(codes), 2);
    assert.equal(measuredL0Inf(codes, {threshold: 0.6}), 2);
    assert.equal(measuredL0Inf(codes, {threshold: 1.5}), 1);
    assert.equal(measuredL0Inf(codes, {threshold: 5}), 0);
    codes.dispose();
  });

  it('leaves no tensor behind', () => {
    const codes = sparseCodes([2, 5, 5, 2], 0.3, 3);
    const dense = tf.ones([2, 4]);
    const before = tf.memory().numTensors;
    measuredL0Inf(codes, {kernelSize: 3, strides: 2});
    measuredL0Inf(dense);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([codes, dense]);
  });

  it('rejects codes of another rank, a missing or bad kernel size, a kernel size for dense codes and a negative threshold', () => {
    const rank3 = tf.zeros([1, 2, 3]);
    const conv = tf.zeros([1, 4, 4, 2]);
    const dense = tf.zeros([2, 3]);
    expectThrows(() => measuredL0Inf(rank3), /measuredL0Inf: codes must be convolutional \[batch, h, w, c\] or dense \[batch, n\] codes, got \[1, 2, 3\]/);
    expectThrows(() => measuredL0Inf(conv), /measuredL0Inf: kernelSize must be given for convolutional codes, got undefined/);
    expectThrows(() => measuredL0Inf(conv, {kernelSize: [0, 2]}), /measuredL0Inf: kernelSize must be a positive integer or a pair of them, got \[0, 2\]/);
    expectThrows(() => measuredL0Inf(conv, {kernelSize: 3, strides: 1.5}), /measuredL0Inf: strides must be a positive integer or a pair of them, got 1.5/);
    expectThrows(() => measuredL0Inf(dense, {kernelSize: 3}), /measuredL0Inf: kernelSize must be absent for dense codes, got 3/);
    expectThrows(() => measuredL0Inf(dense, {strides: 2}), /measuredL0Inf: strides must be absent for dense codes, got 2/);
    expectThrows(() => measuredL0Inf(dense, {threshold: -1}), /measuredL0Inf: threshold must be a finite number ≥ 0, got -1/);
    tf.dispose([rank3, conv, dense]);
  });
});
