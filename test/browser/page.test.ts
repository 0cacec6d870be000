/**
 * The script build in a real browser: headless Chromium loads `dist/browser/sparseland.js` on
 * top of tfjs's scripts, runs every layer's forward pass and one training step on each backend
 * the page offers, and exports ONNX; the numbers are checked against Node's for the same weights.
 */
import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {existsSync} from 'fs';
import * as path from 'path';
import {startDemoServer, DemoServer} from '../../scripts/demo_web';
import * as sl from '../../src/node';
import {chromiumPath, openPage, OpenPage} from './chromium';
import {LAYER_MODEL_CASES, LayerModelCase} from './layer_models';
import {pageModelSpec, PageModelSpec} from './page_model';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const LEARNING_RATE = 0.05;

/** Largest `|a − b|` relative to the largest `|b|` (1 where `b` is all zeros). */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / (scale || 1);
}

interface CaseResult {
  backend: string;
  forward: number[];
  loss: number;
  weights: number[][];
  onnx: string;
}

/** The model of `c` serialised for the page, and the same run in Node. */
async function nodeRun(c: LayerModelCase): Promise<{spec: PageModelSpec; result: CaseResult}> {
  const model = c.build();
  const x = c.input();
  const y = model.predict(x) as tf.Tensor;
  const target = tf.randomNormal(y.shape, 0, 0.1, 'float32', 99);
  const spec = await pageModelSpec(model, x, target, LEARNING_RATE);
  const forward = Array.from(y.dataSync());
  const onnx = Buffer.from(sl.onnx.exportModelToBytes(model)).toString('base64');
  model.compile({optimizer: tf.train.sgd(LEARNING_RATE), loss: 'meanSquaredError'});
  const loss = await model.trainOnBatch(x, target) as number;
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  tf.dispose([x, y, target]);
  model.dispose();
  return {spec, result: {backend: tf.getBackend(), forward, loss, weights, onnx}};
}

describe('the script build in Chromium (WebGL on the SwiftShader software renderer)', function () {
  this.timeout(180000);
  let server: DemoServer;
  let open: OpenPage;
  const runs = new Map<string, {spec: PageModelSpec; result: CaseResult}>();

  before(async function () {
    if (!chromiumPath()) this.skip();
    assert.ok(existsSync(path.join(ROOT, 'dist', 'browser', 'sparseland.js')),
              'dist/browser/sparseland.js is missing: npm run build makes it');
    server = await startDemoServer();
    open = await openPage(`${server.url}test/pages/harness.html`);
    for (const c of LAYER_MODEL_CASES) runs.set(c.className, await nodeRun(c));
  });

  after(async () => {
    await open?.browser.close();
    await server?.close();
  });

  afterEach(() => assert.deepEqual(open?.errors ?? [], [], 'the page logged errors'));

  it('defines the global sparseland on the page\'s tf, with every layer class registered', async () => {
    const page = await open.page.evaluate(() => {
      const w = globalThis as unknown as {sparseland: typeof sl};
      return {version: w.sparseland.version, classes: w.sparseland.layerClasses().map((c) => c.className).sort()};
    });
    assert.equal(page.version, sl.version);
    assert.deepEqual(page.classes, sl.layerClasses().map((c) => c.className).sort());
  });

  it('has one model case per layer class', () => {
    assert.deepEqual(LAYER_MODEL_CASES.map((c) => c.className).sort(), sl.layerClasses().map((c) => c.className).sort());
  });

  /** Each backend the page runs, and how far from Node's numbers its results may be. */
  const BACKENDS: Array<[string, string, number]> = [
    ['cpu', 'cpu', 1e-5],
    ['wasm', 'wasm with sparseland\'s kernels', 1e-5],
    ['webgl', 'webgl on the software renderer', 2e-3],
    ['webgpu', 'webgpu, where this Chromium offers it', 2e-3],
  ];
  for (const [backend, title, tolerance] of BACKENDS) {
    describe(`${title}: the forward pass and one SGD step agree with Node's within ${tolerance} (relative), the ONNX bytes exactly on Node's backend`, () => {
      before(async function () {
        const reason = await open.page.evaluate((b) =>
          (globalThis as unknown as {harness: {unusable(b: string): Promise<string | null>}}).harness.unusable(b), backend);
        if (reason !== null) {
          if (backend !== 'webgpu') assert.fail(reason);
          console.log(`      (skipped: ${reason})`);
          this.skip();
        }
      });
      for (const c of LAYER_MODEL_CASES) {
        it(c.className, async () => {
          const {spec, result: node} = runs.get(c.className)!;
          const page: CaseResult = await open.page.evaluate((s, b) =>
            (globalThis as unknown as {harness: {run(s: unknown, b: string): Promise<CaseResult>}}).harness.run(s, b), spec as never, backend);
          assert.equal(page.backend, backend);
          const forward = relativeError(page.forward, node.forward);
          assert.ok(forward <= tolerance, `forward pass: relative error ${forward.toExponential(2)}`);
          assert.ok(Math.abs(page.loss - node.loss) <= tolerance * Math.max(1, Math.abs(node.loss)), `loss ${page.loss} against ${node.loss}`);
          // Exported constants such as a stage's step 1/L come from a power iteration on the backend at
          // hand: bytes equal Node's on Node's backend (wasm), the same size elsewhere.
          assert.equal(page.onnx.length, node.onnx.length, 'the ONNX export differs in size from Node\'s');
          if (backend === node.backend) assert.ok(page.onnx === node.onnx, 'the ONNX bytes differ from Node\'s');
          page.weights.forEach((w, i) => {
            const e = relativeError(w, node.weights[i]);
            assert.ok(e <= tolerance, `weight ${i} after the step: relative error ${e.toExponential(2)}`);
          });
        });
      }
    });
  }
});
