import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {expectCpuParity, randomTensor} from './cpu_parity';

describe('wasm Slice matches cpu', () => {
  const cases: [string, number[], number[], number[]][] = [
    ['rank 1', [10], [3], [5]],
    ['rank 2, rows', [6, 7], [2, 0], [3, 7]],
    ['rank 2, columns', [6, 7], [1, 2], [4, 3]],
    ['rank 3, inner axis', [4, 5, 6], [1, 1, 2], [2, 3, 3]],
    ['rank 4, short runs', [3, 5, 6, 2], [1, 1, 2, 0], [2, 3, 3, 2]],
    ['rank 4, long runs', [2, 3, 40, 20], [0, 1, 5, 0], [2, 2, 30, 20]],
    ['rank 4, whole input', [2, 3, 4, 5], [0, 0, 0, 0], [2, 3, 4, 5]],
    ['rank 4, size -1', [3, 4, 5, 6], [1, 2, 0, 3], [-1, -1, 4, -1]],
    ['rank 5', [2, 3, 4, 5, 6], [1, 0, 1, 2, 1], [1, 3, 2, 2, 4]],
    ['rank 6', [2, 2, 3, 2, 3, 4], [0, 1, 1, 0, 1, 2], [2, 1, 2, 2, 2, 2]],
    ['empty', [3, 4], [1, 1], [0, 2]],
  ];
  for (const [name, shape, begin, size] of cases) {
    it(`${name}: ${shape.join('x')} from ${begin} size ${size}, value and gradient`, async () => {
      const x = randomTensor(shape, 71);
      await expectCpuParity((xi) => [tf.slice(xi, begin, size),
                                     tf.grad((a) => tf.sum(tf.square(tf.slice(a, begin, size))))(xi)],
                            [x]);
      x.dispose();
    });
  }

  it('int32 and bool tensors', () => {
    const i = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');
    const b = tf.tensor2d([[true, false, true], [false, true, true]], [2, 3], 'bool');
    assert.deepEqual(Array.from(tf.slice(i, [0, 1], [2, 2]).dataSync()), [2, 3, 5, 6]);
    assert.deepEqual(Array.from(tf.slice(b, [1, 0], [1, 3]).dataSync()), [0, 1, 1]);
    tf.dispose([i, b]);
  });

  it('string tensors', () => {
    const s = tf.tensor1d(['a', 'b', 'c', 'd']);
    const t = tf.slice(s, [1], [2]);
    assert.deepEqual(t.dataSync(), ['b', 'c']);
    tf.dispose([s, t]);
  });
});
