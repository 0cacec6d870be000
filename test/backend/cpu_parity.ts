/** Runs a computation on the current backend and on `cpu`, and compares the results. */
import * as tf from '@tensorflow/tfjs';
import {expectClose} from '../helpers';

interface Snapshot {
  values: Float32Array;
  shape: number[];
}

function snapshot(t: tf.Tensor): Snapshot {
  return {values: Float32Array.from(t.dataSync()), shape: t.shape};
}

function evaluate(fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], xs: tf.Tensor[]): Snapshot[] {
  const outs = tf.tidy(() => [fn(...xs)].flat());
  const snaps = outs.map(snapshot);
  tf.dispose(outs);
  return snaps;
}

/**
 * Evaluates `fn(...inputs)` on the active backend, then on `cpu` with the inputs copied
 * through arrays, and asserts that every output agrees to `rtol` relative to the largest
 * magnitude of the cpu output (and elementwise). Switches back to the original backend.
 */
export async function expectCpuParity(fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
                                      inputs: tf.Tensor[], rtol = 1e-4): Promise<void> {
  const original = tf.getBackend();
  const outs = evaluate(fn, inputs);
  const ins = inputs.map(snapshot);
  await tf.setBackend('cpu');
  try {
    const copies = ins.map((s) => tf.tensor(s.values, s.shape));
    const expected = evaluate(fn, copies);
    tf.dispose(copies);
    expectClose(outs.length, expected.length, 0);
    outs.forEach((out, i) => {
      const scale = expected[i].values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expectClose(out.shape, expected[i].shape, 0);
      expectClose(out.values, expected[i].values, rtol * Math.max(scale, 1e-3), rtol);
    });
  } finally {
    await tf.setBackend(original);
  }
}

/** Deterministic pseudo-random normal tensor (Box–Muller on a linear congruential stream). */
export function randomTensor(shape: number[], seed: number, offset = 0): tf.Tensor {
  let state = seed >>> 0 || 1;
  const uniform = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  const size = shape.reduce((p, d) => p * d, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    values[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()) + offset;
  }
  return tf.tensor(values, shape);
}

/** tfjs wants a rounding mode exactly when a convolution's or pool's padding is a number. */
export function rounding(pad: unknown): 'floor' | undefined {
  return typeof pad === 'number' ? 'floor' : undefined;
}
