import * as tf from '@tensorflow/tfjs';
import {expectCpuParity, randomTensor, rounding} from './cpu_parity';

type Pad = 'same' | 'valid' | number;

/** Values rounded to halves, so that windows often hold tied maxima. */
function withTies(shape: number[], seed: number, offset: number): tf.Tensor {
  return tf.tidy(() => tf.div(tf.round(tf.mul(randomTensor(shape, seed, offset), 2)), 2));
}

describe('wasm MaxPoolGrad matches cpu', () => {
  const inputs: [string, (shape: number[]) => tf.Tensor][] = [
    ['mixed signs', (shape) => randomTensor(shape, 21)],
    ['all negative', (shape) => randomTensor(shape, 22, -10)],
    ['all negative with ties', (shape) => withTies(shape, 23, -10)],
  ];
  for (const [kind, make] of inputs) {
    for (const batch of [1, 3]) {
      for (const stride of [1, 2, 3]) {
        for (const size of [[1, 1], [2, 2], [3, 3], [4, 4], [3, 2]]) {
          for (const pad of ['same', 'valid', 1] as Pad[]) {
            if (typeof pad === 'number' && (size[0] !== size[1] || size[0] < 3)) continue;
            it(`maxPool grad: ${kind}, batch ${batch}, stride ${stride}, window ` +
               `${size.join('x')}, pad ${pad}, input 9x7x2`, async () => {
              const x = make([batch, 9, 7, 2]);
              const f = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, size as [number, number],
                                                     stride, pad, rounding(pad));
              const y = f(x);
              const r = randomTensor(y.shape, 24);
              await expectCpuParity((xi, ri) => tf.grad((a) => tf.sum(tf.mul(f(a), ri)))(xi),
                                    [x, r]);
              tf.dispose([x, y, r]);
            });
          }
        }
      }
    }
  }
});
