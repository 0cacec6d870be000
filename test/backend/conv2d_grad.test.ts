import * as tf from '@tensorflow/tfjs';
import {expectCpuParity, randomTensor, rounding} from './cpu_parity';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

const PADS: Pad[] = ['same', 'valid', 1, [[0, 0], [2, 0], [1, 3], [0, 0]]];

function outShape(inShape: number[], k: number[], s: number, pad: Pad): [number, number] {
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number], [k[0], k[1], inShape[3], 1], s, 1,
    pad as 'same', rounding(pad));
  return [info.outHeight, info.outWidth];
}

describe('wasm Conv2DBackpropFilter and Conv2DBackpropInput match cpu', () => {
  for (const batch of [1, 3]) {
    for (const stride of [1, 2, 3]) {
      for (const k of [[1, 1], [3, 3], [4, 4], [5, 5], [3, 2]]) {
        for (const pad of PADS) {
          // tfjs sizes a numeric pad from the kernel height alone: the stock wasm Conv2D then
          // writes past its output for non-square kernels.
          if (typeof pad === 'number' && k[0] !== k[1]) continue;
          const name = `conv2d grads: batch ${batch}, stride ${stride}, kernel ${k.join('x')}, ` +
                       `pad ${JSON.stringify(pad)}, input 9x7x2 → 3 channels`;
          it(name, async () => {
            const x = randomTensor([batch, 9, 7, 2], 1);
            const w = randomTensor([k[0], k[1], 2, 3], 2);
            const [oh, ow] = outShape(x.shape, k, stride, pad);
            const r = randomTensor([batch, oh, ow, 3], 3);
            await expectCpuParity((xi, wi, ri) => tf.grads(
              (a: tf.Tensor, b: tf.Tensor) =>
                tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad as 'same',
                                        'NHWC', 1, rounding(pad)), ri)))([xi, wi]), [x, w, r]);
            tf.dispose([x, w, r]);
          });
        }
      }
    }
  }

  // Many image channels: with kh·kw·ci ≥ 256 rows the filter gradient is a convolution of the
  // input read channels-first with the dilated output gradient.
  for (const stride of [1, 2, 3]) {
    for (const k of [[3, 3], [4, 4], [5, 5], [3, 2]]) {
      for (const pad of PADS) {
        if (typeof pad === 'number' && k[0] !== k[1]) continue;
        it(`conv2d filter gradient: batch 2, stride ${stride}, kernel ${k.join('x')}, ` +
           `pad ${JSON.stringify(pad)}, input 9x7x48 → 5 channels`, async () => {
          const x = randomTensor([2, 9, 7, 48], 87);
          const [oh, ow] = outShape(x.shape, k, stride, pad);
          const dy = randomTensor([2, oh, ow, 5], 88);
          await expectCpuParity((xi, dyi) => tf.engine().runKernel(
            tf.Conv2DBackpropFilter, {x: xi, dy: dyi},
            {strides: stride, pad, dataFormat: 'NHWC', filterShape: [k[0], k[1], 48, 5],
             ...(typeof pad === 'number' ? {dimRoundingMode: 'floor'} : {})} as unknown as tf.NamedAttrMap) as tf.Tensor,
          [x, dy]);
          tf.dispose([x, dy]);
        });
      }
    }
  }

  // Many code channels and one image channel: at unit stride the input gradient takes the
  // product-and-scatter path.
  for (const stride of [1, 2]) {
    for (const k of [[1, 1], [3, 3], [4, 4], [5, 5], [3, 2]]) {
      for (const pad of PADS) {
        if (typeof pad === 'number' && k[0] !== k[1]) continue;
        it(`conv2d grads: batch 2, stride ${stride}, kernel ${k.join('x')}, ` +
           `pad ${JSON.stringify(pad)}, input 9x7x1 → 24 channels`, async () => {
          const x = randomTensor([2, 9, 7, 1], 84);
          const w = randomTensor([k[0], k[1], 1, 24], 85);
          const [oh, ow] = outShape(x.shape, k, stride, pad);
          const r = randomTensor([2, oh, ow, 24], 86);
          await expectCpuParity((xi, wi, ri) => tf.grads(
            (a: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad as 'same',
                                      'NHWC', 1, rounding(pad)), ri)))([xi, wi]), [x, w, r]);
          tf.dispose([x, w, r]);
        });
      }
    }
  }

  for (const stride of [1, 2, 3]) {
    for (const pad of ['same', 'valid'] as const) {
      it(`conv2dTranspose forward and grads: stride ${stride}, pad ${pad}, code 4x5x6 → 10x11x2`,
         async () => {
           const inH = pad === 'same' ? 4 * stride : 3 * stride + 3;
           const inW = pad === 'same' ? 5 * stride : 4 * stride + 3;
           const z = randomTensor([2, 4, 5, 6], 4);
           const w = randomTensor([3, 3, 2, 6], 5);
           const r = randomTensor([2, inH, inW, 2], 6);
           await expectCpuParity((zi, wi, ri) => {
             const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2dTranspose(
               a as tf.Tensor4D, b as tf.Tensor4D, [2, inH, inW, 2], stride, pad);
             const [gz, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), ri)))(
               [zi, wi]);
             return [f(zi, wi), gz, gw];
           }, [z, w, r]);
           tf.dispose([z, w, r]);
         });
    }
  }

  for (const [k, batch] of [[[4, 4], 3], [[3, 2], 1]] as const) {
    it(`conv2dTranspose of a 1x1 code with a 'valid' ${k.join('x')} filter (one product): batch ${batch}, ` +
       'forward and grads', async () => {
      const z = randomTensor([batch, 1, 1, 6], 7);
      const w = randomTensor([k[0], k[1], 5, 6], 8);
      const r = randomTensor([batch, k[0], k[1], 5], 9);
      await expectCpuParity((zi, wi, ri) => {
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2dTranspose(
          a as tf.Tensor4D, b as tf.Tensor4D, [batch, k[0], k[1], 5], 1, 'valid');
        const [gz, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), ri)))([zi, wi]);
        return [f(zi, wi), gz, gw];
      }, [z, w, r]);
      tf.dispose([z, w, r]);
    });
  }

  it('conv2d filter gradient over several batch chunks: batch 5, 48x48x64, 5x5 → 1', async () => {
    const x = randomTensor([5, 48, 48, 64], 9);
    const dy = randomTensor([5, 48, 48, 1], 10);
    await expectCpuParity((xi, dyi) => tf.engine().runKernel(
      tf.Conv2DBackpropFilter, {x: xi, dy: dyi},
      {strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [5, 5, 64, 1]}) as tf.Tensor,
    [x, dy]);
    tf.dispose([x, dy]);
  });

  for (const [inShape, outChannels] of [[[3, 28, 28, 1], 8], [[3, 12, 12, 8], 16]] as const) {
    it(`conv2d grads on ML-CSC layers: ${inShape.join('x')} → ${outChannels} channels, ` +
       'kernel 6x6, stride 2, valid', async () => {
      const x = randomTensor([...inShape], 81);
      const w = randomTensor([6, 6, inShape[3], outChannels], 82);
      const [oh, ow] = outShape([...inShape], [6, 6], 2, 'valid');
      const r = randomTensor([inShape[0], oh, ow, outChannels], 83);
      await expectCpuParity((xi, wi, ri) => tf.grads(
        (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(
          tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'valid'), ri)))([xi, wi]), [x, w, r]);
      tf.dispose([x, w, r]);
    });
  }

  it('conv2d grads on a CSC-sized problem: batch 4, 16x16x3 → 64 atoms of 3x3', async () => {
    const x = randomTensor([4, 16, 16, 3], 7);
    const w = randomTensor([3, 3, 3, 64], 8);
    await expectCpuParity((xi, wi) => tf.grads(
      (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([xi, wi]), [x, w]);
    tf.dispose([x, w]);
  });
});
