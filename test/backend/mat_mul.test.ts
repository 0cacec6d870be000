import * as tf from '@tensorflow/tfjs';
import {expectCpuParity, randomTensor} from './cpu_parity';

describe('wasm BatchMatMul and _FusedMatMul with transposes match cpu', () => {
  // tfjs-core's BatchMatMul gradient does not reduce over a broadcast batch: values only there.
  const shapes: [string, number[], number[]][] = [
    ['2-D 37x53 · 53x29', [37, 53], [53, 29]],
    ['2-D 64x250 · 250x500', [64, 250], [250, 500]],
    ['batched 3x40x50 · 3x50x60', [3, 40, 50], [3, 50, 60]],
    ['batched 3x40x50 · 1x50x60 (shared)', [3, 40, 50], [1, 50, 60]],
    ['batched 1x40x50 · 3x50x60 (shared)', [1, 40, 50], [3, 50, 60]],
    ['small batched 5x3x4 · 5x4x2', [5, 3, 4], [5, 4, 2]],
    ['rank 4 2x2x9x8 · 2x2x8x7', [2, 2, 9, 8], [2, 2, 8, 7]],
  ];
  const swap = (s: number[]) => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
  for (const [name, sa, sb] of shapes) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const broadcast = sa[0] !== sb[0];
      it(`matMul ${name}, transposeA ${ta}, transposeB ${tb}: value` +
         (broadcast ? '' : ' and gradients'), async () => {
        const a = randomTensor(ta ? swap(sa) : sa, 31);
        const b = randomTensor(tb ? swap(sb) : sb, 32);
        await expectCpuParity((ai, bi) => {
          const f = (u: tf.Tensor, v: tf.Tensor) => tf.matMul(u, v, ta, tb);
          const y = f(ai, bi);
          return broadcast ? y : [y, ...tf.grads(
            (u: tf.Tensor, v: tf.Tensor) => tf.sum(tf.square(f(u, v))))([ai, bi])];
        }, [a, b]);
        tf.dispose([a, b]);
      });
    }
  }

  for (const [ta, tb] of [[true, false], [false, true]]) {
    it(`fused matMul with bias and relu, transposeA ${ta}, transposeB ${tb}: 33x20 · 20x17`,
       async () => {
         const a = randomTensor(ta ? [20, 33] : [33, 20], 33);
         const b = randomTensor(tb ? [17, 20] : [20, 17], 34);
         const bias = randomTensor([17], 35);
         await expectCpuParity((ai, bi, ci) => tf.grads((u: tf.Tensor, v: tf.Tensor, w: tf.Tensor) =>
           tf.sum(tf.square(tf.fused.matMul({a: u as tf.Tensor2D, b: v as tf.Tensor2D, bias: w,
                                              transposeA: ta, transposeB: tb,
                                              activation: 'relu'}))))([ai, bi, ci]),
                               [a, b, bias]);
         tf.dispose([a, b, bias]);
       });
  }
});
