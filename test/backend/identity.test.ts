import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {expectClose} from '../helpers';
import {randomTensor} from './cpu_parity';

interface Counts {
  tensors: number;
  dataIds: number;
}

function counts(): Counts {
  return {tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds()};
}

describe('wasm Identity and same-dtype Cast share data', () => {
  it('clone equals the original, and either survives the other being disposed', () => {
    const before = counts();
    const x = randomTensor([3, 4, 5], 61);
    const expected = x.dataSync().slice();
    const first = x.clone();
    expectClose(first.dataSync(), expected, 0);
    x.dispose();
    expectClose(first.dataSync(), expected, 0);
    const second = first.clone();
    first.dispose();
    expectClose(second.dataSync(), expected, 0);
    second.dispose();
    assert.deepEqual(counts(), before);
  });

  it('tf.keep inside tidy and the identity op keep the data until the last tensor goes', () => {
    const before = counts();
    const x = randomTensor([6, 7], 62);
    const expected = x.dataSync().slice();
    const kept = tf.tidy(() => {
      const y = tf.keep(tf.clone(x));
      tf.clone(y);
      return y;
    });
    x.dispose();
    expectClose(kept.dataSync(), expected, 0);
    kept.dispose();
    assert.deepEqual(counts(), before);
  });

  it('a variable built from, assigned from and cloned to tensors keeps its own values', () => {
    const before = counts();
    const init = randomTensor([4, 4], 63);
    const initValues = init.dataSync().slice();
    const v = tf.variable(init);
    const snapshot = v.clone();
    init.dispose();
    expectClose(v.dataSync(), initValues, 0);
    const next = randomTensor([4, 4], 64);
    const nextValues = next.dataSync().slice();
    v.assign(next);
    next.dispose();
    expectClose(v.dataSync(), nextValues, 0);
    expectClose(snapshot.dataSync(), initValues, 0);
    const copy = tf.clone(v);
    v.dispose();
    expectClose(copy.dataSync(), nextValues, 0);
    tf.dispose([copy, snapshot]);
    assert.deepEqual(counts(), before);
  });

  it('gradients through clone and an optimizer step leave no data behind', () => {
    const w = tf.variable(randomTensor([5, 3], 65));
    const x = randomTensor([2, 5], 66);
    const optimizer = tf.train.sgd(0.1);
    const step = () => tf.dispose(optimizer.minimize(
      () => tf.sum(tf.square(tf.matMul(x, tf.clone(w)))), true, [w])!);
    step();
    const before = counts();
    step();
    assert.deepEqual(counts(), before);
    const values = w.dataSync();
    assert.ok(values.every(Number.isFinite));
    optimizer.dispose();
    tf.dispose([w, x]);
  });

  it('string tensors clone by value', () => {
    const x = tf.tensor(['a', 'bc']);
    const y = tf.clone(x);
    x.dispose();
    assert.deepEqual(y.dataSync(), ['a', 'bc']);
    y.dispose();
  });

  it('a cast to the same dtype shares data; other casts convert', () => {
    const x = randomTensor([3, 5], 68);
    const before = tf.engine().backend.numDataIds();
    const same = tf.cast(x, 'float32');
    assert.equal(tf.engine().backend.numDataIds(), before);
    const values = x.dataSync().slice();
    x.dispose();
    expectClose(same.dataSync(), values, 0);
    const mask = tf.greater(same, 0);
    const asFloat = tf.cast(mask, 'float32');
    const asInt = tf.cast(tf.mul(same, 10), 'int32');
    assert.equal(asFloat.dtype, 'float32');
    expectClose(asFloat.dataSync(), Array.from(values, (v) => Number(v > 0)), 0);
    assert.deepEqual(Array.from(asInt.dataSync()), Array.from(values, (v) => Math.fround(v * 10) | 0));
    tf.dispose([same, mask, asFloat, asInt]);
  });

  it('a clone costs no new backend data', () => {
    const x = randomTensor([8, 8], 67);
    const before = tf.engine().backend.numDataIds();
    const y = tf.clone(x);
    assert.equal(tf.engine().backend.numDataIds(), before);
    tf.dispose([x, y]);
  });
});
