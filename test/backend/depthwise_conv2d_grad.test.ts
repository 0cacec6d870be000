import * as tf from '@tensorflow/tfjs';
import {expectClose} from '../helpers';
import {expectCpuParity, randomTensor, rounding} from './cpu_parity';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

const PADS: Pad[] = ['same', 'valid', 2, [[0, 0], [1, 0], [0, 2], [0, 0]]];

describe('wasm depthwise conv2d gradients match cpu', () => {
  for (const batch of [1, 3]) {
    for (const stride of [1, 2, 3]) {
      for (const k of [[1, 1], [3, 3], [4, 4], [5, 5], [2, 3]]) {
        for (const multiplier of [1, 2]) {
          for (const pad of PADS) {
            if (typeof pad === 'number' && k[0] !== k[1]) continue;
            const name = `depthwiseConv2d grads: batch ${batch}, stride ${stride}, ` +
                         `kernel ${k.join('x')}, multiplier ${multiplier}, ` +
                         `pad ${JSON.stringify(pad)}, input 8x10x3`;
            it(name, async () => {
              const x = randomTensor([batch, 8, 10, 3], 11);
              const w = randomTensor([k[0], k[1], 3, multiplier], 12);
              const f = (a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(
                a as tf.Tensor4D, b as tf.Tensor4D, stride, pad as 'same', 'NHWC', 1, rounding(pad));
              const y = f(x, w);
              const r = randomTensor(y.shape, 13);
              await expectCpuParity((xi, wi, ri) => tf.grads(
                (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), ri)))([xi, wi]), [x, w, r]);
              tf.dispose([x, w, y, r]);
            });
          }
        }
      }
    }
  }

  // The cpu backprop kernels ignore dilations; check the adjoint identities instead:
  // ⟨conv(x, W), dy⟩ = ⟨W, dW(x, dy)⟩ = ⟨x, dx(dy, W)⟩ for any probe W, x.
  for (const pad of ['same', 'valid'] as const) {
    it(`depthwise backprop kernels with dilation 2 are adjoint to the forward: pad ${pad}, ` +
       'kernel 3x3, multiplier 2, input 2x9x8x2', () => {
      const x = randomTensor([2, 9, 8, 2], 14);
      const w = randomTensor([3, 3, 2, 2], 15);
      const conv = (a: tf.Tensor, b: tf.Tensor) =>
        tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad, 'NHWC', 2);
      const y = conv(x, w);
      const dy = randomTensor(y.shape, 16);
      const attrs = {strides: 1, dilations: 2, pad};
      const dW = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, {x, dy},
                                       {...attrs, filterShape: w.shape}) as tf.Tensor;
      const dX = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, {dy, filter: w},
                                       {...attrs, inputShape: x.shape}) as tf.Tensor;
      const dot = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0]);
      for (let probe = 0; probe < 3; probe++) {
        const wp = randomTensor(w.shape, 20 + probe);
        const xp = randomTensor(x.shape, 30 + probe);
        const yw = conv(x, wp);
        const yx = conv(xp, w);
        expectClose(dot(wp, dW), dot(yw, dy), 1e-3, 1e-4);
        expectClose(dot(xp, dX), dot(yx, dy), 1e-3, 1e-4);
        tf.dispose([wp, xp, yw, yx]);
      }
      tf.dispose([x, w, y, dy, dW, dX]);
    });
  }

  it('separableConv2d grads: batch 2, 12x12x4, 3x3 depthwise, multiplier 2 → 5', async () => {
    const x = randomTensor([2, 12, 12, 4], 17);
    const dw = randomTensor([3, 3, 4, 2], 18);
    const pw = randomTensor([1, 1, 8, 5], 19);
    await expectCpuParity((xi, a, b) => tf.grads((u: tf.Tensor, v: tf.Tensor, s: tf.Tensor) =>
      tf.sum(tf.square(tf.separableConv2d(u as tf.Tensor4D, v as tf.Tensor4D, s as tf.Tensor4D,
                                          2, 'same'))))([xi, a, b]), [x, dw, pw]);
    tf.dispose([x, dw, pw]);
  });
});
