/**
 * ONNX test utilities: run an exported model in onnxruntime-node against tfjs `predict`, and
 * check exported files with Python's `onnx` (checker with full_check, strict shape inference).
 */
import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {execFileSync, spawnSync} from 'child_process';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'fs';
import * as ort from 'onnxruntime-node';
import {tmpdir} from 'os';
import * as path from 'path';
import * as sl from '../../src/node';

const PYTHON = '/usr/bin/python3';

let pythonOnnx: boolean | undefined;

/** Whether /usr/bin/python3 can import onnx (Debian's python3-onnx). */
export function hasPythonOnnx(): boolean {
  if (pythonOnnx === undefined) {
    pythonOnnx = existsSync(PYTHON) &&
      spawnSync(PYTHON, ['-c', 'import onnx.checker, onnx.shape_inference'], {stdio: 'ignore'}).status === 0;
  }
  return pythonOnnx;
}

const CHECK = `
import sys, onnx, onnx.checker, onnx.shape_inference
for p in sys.argv[1:]:
    try:
        m = onnx.load(p)
        onnx.checker.check_model(m, full_check=True)
        onnx.shape_inference.infer_shapes(m, strict_mode=True)
    except Exception as e:
        print(p + ': ' + str(e))
        sys.exit(1)
`;

/** Runs the Python checker on `files`; fails with its message. */
export function checkWithPython(files: string[]): void {
  try {
    execFileSync(PYTHON, ['-c', CHECK, ...files], {encoding: 'utf8', stdio: 'pipe'});
  } catch (e) {
    const err = e as {stdout?: string, stderr?: string};
    assert.fail(`onnx checker: ${err.stdout || err.stderr || String(e)}`);
  }
}

/**
 * Collects the files exported by one describe block, for one final checker test:
 * `const files = exportedFiles();` in the describe, then `files.add(bytes, title)` in tests and
 * `files.checkerTest()` last.
 */
export function exportedFiles(): {add(bytes: Uint8Array, title: string): void, checkerTest(): void} {
  const dir = mkdtempSync(path.join(tmpdir(), 'sparseland-onnx-'));
  const files: string[] = [];
  return {
    add(bytes, title) {
      const file = path.join(dir, `${files.length}_${title.replace(/[^A-Za-z0-9]+/g, '_').slice(0, 60)}.onnx`);
      writeFileSync(file, bytes);
      files.push(file);
    },
    checkerTest() {
      it('every exported file passes onnx.checker (full_check) and strict shape inference', function () {
        try {
          if (!hasPythonOnnx()) {
            this.skip();
          }
          assert.ok(files.length > 0, 'no exported files');
          checkWithPython(files);
        } finally {
          rmSync(dir, {recursive: true, force: true});
        }
      });
      // Announce the reason in the report when Python's onnx is absent.
      if (!hasPythonOnnx()) {
        it('(skipped: /usr/bin/python3 with the onnx module, Debian python3-onnx, is not installed)');
      }
    },
  };
}

/** Deterministic inputs of shape `shape` (values in [-1, 1]). */
export function sampleInput(shape: number[], seed = 1): tf.Tensor {
  return tf.tidy(() => tf.randomUniform(shape, -1, 1, 'float32', seed));
}

/**
 * Exports `model`, runs it in onnxruntime-node at each batch size (through the symbolic batch
 * dimension) on deterministic random inputs and compares every output with `model.predict`:
 * max |onnx − tfjs| ≤ tol·max(1, max|tfjs|). Returns the exported bytes.
 */
export async function expectOnnxMatchesTfjs(model: tf.LayersModel, batchSizes = [1, 3], tol = 1e-4):
    Promise<Uint8Array> {
  const batches = batchSizes.map((batch) =>
    model.inputs.map((t, i) => sampleInput([batch, ...t.shape.slice(1) as number[]], 11 * batch + i)));
  try {
    return await expectOnnxMatchesTfjsOn(model, batches, tol);
  } finally {
    tf.dispose(batches.flat());
  }
}

/**
 * {@link expectOnnxMatchesTfjs} on given inputs: `batches` holds, per run, one tensor per model
 * input (not disposed).
 */
export async function expectOnnxMatchesTfjsOn(model: tf.LayersModel, batches: tf.Tensor[][], tol = 1e-4):
    Promise<Uint8Array> {
  const bytes = sl.onnx.exportModelToBytes(model);
  const session = await ort.InferenceSession.create(bytes);
  try {
    assert.deepEqual(session.inputNames.length, model.inputs.length);
    for (const xs of batches) {
      const batch = xs[0].shape[0];
      const feeds: Record<string, ort.Tensor> = {};
      session.inputNames.forEach((name, i) => {
        feeds[name] = new ort.Tensor('float32', xs[i].dataSync() as Float32Array, xs[i].shape);
      });
      const results = await session.run(feeds);
      const predicted = model.predict(xs.length === 1 ? xs[0] : xs);
      const expected = Array.isArray(predicted) ? predicted : [predicted];
      assert.equal(session.outputNames.length, expected.length, 'number of outputs');
      session.outputNames.forEach((name, i) => {
        const got = results[name];
        assert.deepEqual(Array.from(got.dims), expected[i].shape, `output ${name} shape at batch ${batch}`);
        const want = expected[i].dataSync();
        const data = got.data as Float32Array;
        let scale = 1;
        let worst = 0;
        for (let j = 0; j < want.length; j++) {
          scale = Math.max(scale, Math.abs(want[j]));
          worst = Math.max(worst, Math.abs(data[j] - want[j]));
        }
        assert.ok(worst <= tol * scale,
                  `output ${name} at batch ${batch}: max |onnx − tfjs| = ${worst} > ${tol} × ${scale}`);
      });
      tf.dispose(expected);
    }
  } finally {
    await session.release();
  }
  return bytes;
}

/**
 * Sets the biases of a built multi-layer layer (`bias_i`) to random values in [−0.1, 0.05]
 * and its steps (`step_i`) to random values in [0.2, 0.6], so that the thresholds act and
 * every layer's constants differ.
 */
export function randomizeBiasesAndSteps(layer: tf.layers.Layer, seed: number): void {
  tf.tidy(() => layer.setWeights(layer.weights.map((w, i) => {
    const value = w.read();
    if (/bias_\d+$/.test(w.originalName)) return tf.randomUniform(value.shape, -0.1, 0.05, 'float32', seed + i);
    if (/step_\d+$/.test(w.originalName)) return tf.randomUniform(value.shape, 0.2, 0.6, 'float32', seed + i);
    return value;
  })));
}
