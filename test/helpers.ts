/** Shared test utilities: closeness, leak, gradient and save/load checks. */
import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {mkdtempSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import '../src/node';

type Values = tf.Tensor | number | ArrayLike<number> | number[][] | number[][][] | number[][][][];

function flat(v: Values): Float32Array | number[] {
  if (v instanceof tf.Tensor) return v.dataSync() as Float32Array;
  if (typeof v === 'number') return [v];
  return (Array.isArray(v) ? (v as unknown[]).flat(4) : Array.from(v)) as number[];
}

/** Asserts `|a − b| ≤ atol + rtol·|b|` elementwise, and equal lengths. */
export function expectClose(actual: Values, expected: Values, atol = 1e-5, rtol = 0): void {
  const a = flat(actual);
  const b = flat(expected);
  assert.equal(a.length, b.length, `lengths differ: ${a.length} vs ${b.length}`);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - b[i]) - rtol * Math.abs(b[i]);
    if (!(err <= atol) && (worst < 0 || err > worstErr)) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) {
    assert.fail(`values differ at index ${worst}: ${a[worst]} vs ${b[worst]} ` +
                `(|diff| = ${Math.abs(a[worst] - b[worst])}, atol ${atol}, rtol ${rtol})`);
  }
}

/** Max |a − b| over all entries. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/**
 * Runs `fn` twice (the first run may create lazily built weights), disposes what the second
 * returns, and asserts that no tensor is left behind.
 */
export function expectNoLeak(fn: () => tf.Tensor | tf.Tensor[]): void {
  tf.dispose(fn());
  const before = tf.memory().numTensors;
  tf.dispose(fn());
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
}

/**
 * Compares the gradient of a scalar function with central finite differences (in float64
 * arithmetic on the float32 results) at `samples` random coordinates of `x`.
 */
export function expectGradientMatchesFiniteDifference(
    f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, samples = 6, h = 1e-2, rtol = 5e-2,
    gradient: () => tf.Tensor = () => tf.grad(f)(x)): void {
  const g = gradient();
  const gv = g.dataSync();
  assert.ok(gv.every(Number.isFinite), 'gradient has non-finite entries');
  const base = x.dataSync();
  const scale = Math.max(...Array.from(gv, Math.abs), 1e-6);
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(((s + 0.5) / samples) * base.length);
    const plus = Float32Array.from(base);
    const minus = Float32Array.from(base);
    plus[i] += h;
    minus[i] -= h;
    const fp = tf.tidy(() => f(tf.tensor(plus, x.shape)).dataSync()[0]);
    const fm = tf.tidy(() => f(tf.tensor(minus, x.shape)).dataSync()[0]);
    const fd = (fp - fm) / (2 * h);
    assert.ok(Math.abs(fd - gv[i]) <= rtol * scale + 1e-4,
              `gradient at ${i}: autodiff ${gv[i]} vs finite difference ${fd}`);
  }
  g.dispose();
}

/**
 * The same check for a weight: the gradient of `loss()` in `variable` (by `tf.variableGrads`)
 * against central differences made by assigning perturbed values; the variable is restored.
 */
export function expectVariableGradientMatchesFiniteDifference(
    loss: () => tf.Scalar, variable: tf.Variable, samples = 6, h = 1e-2, rtol = 5e-2): void {
  const saved = variable.clone();
  try {
    expectGradientMatchesFiniteDifference((value) => {
      variable.assign(value);
      return loss();
    }, saved, samples, h, rtol, () => tf.variableGrads(loss, [variable]).grads[variable.name]);
  } finally {
    variable.assign(saved);
    saved.dispose();
  }
}

/**
 * Saves `model` to a temporary directory through `file://`, loads it back with
 * `tf.loadLayersModel`, and asserts equal weights and equal predictions on `input`.
 */
export async function expectSaveLoadRoundTrip(model: tf.LayersModel,
                                              input: tf.Tensor | tf.Tensor[]): Promise<tf.LayersModel> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sparseland-'));
  try {
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${path.join(dir, 'model.json')}`);
    const w0 = model.getWeights();
    const w1 = loaded.getWeights();
    assert.equal(w1.length, w0.length, 'number of weights');
    w0.forEach((w, i) => expectClose(w1[i], w, 0));
    const y0 = model.predict(input) as tf.Tensor;
    const y1 = loaded.predict(input) as tf.Tensor;
    expectClose(y1, y0, 1e-6);
    tf.dispose([y0, y1]);
    return loaded;
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

/** Asserts that `fn` throws an error whose message matches `pattern`. */
export function expectThrows(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.match(e.message, pattern);
    return true;
  });
}
