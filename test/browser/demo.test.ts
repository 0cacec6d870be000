/**
 * The demo page (docs/demo/) in headless Chromium: the pretrained autoencoder's first
 * reconstruction equals Node's, the live CSC stage trains on wasm and on webgl (the SwiftShader
 * software renderer here), and its ONNX download is a model; the page logs no error.
 */
import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {startDemoServer, DemoServer} from '../../scripts/demo_web';
import * as sl from '../../src/node';
import {chromiumPath, openPage, OpenPage} from './chromium';

interface Reconstruction {
  input: number[];
  reconstruction: number[];
  predicted: number | null;
  /** Class probabilities by pretrained classifier. */
  classifiers: Record<string, number[]>;
}

interface Training {
  losses: number[];
  times: number[];
  backend: string;
}

type DemoWindow = {demo: {
  ready: Promise<Reconstruction>;
  timings: Record<string, number>;
  train(steps: number, backend: string): Promise<Training>;
  onnx(): number[];
}};

describe('the demo page in Chromium (WebGL on the SwiftShader software renderer)', function () {
  this.timeout(240000);
  let server: DemoServer;
  let open: OpenPage;
  let first: Reconstruction;

  before(async function () {
    if (!chromiumPath()) this.skip();
    server = await startDemoServer();
    open = await openPage(server.url);
    first = await open.page.evaluate(() => (globalThis as unknown as DemoWindow).demo.ready);
  });

  after(async () => {
    await open?.browser.close();
    await server?.close();
  });

  afterEach(() => assert.deepEqual(open?.errors ?? [], [], 'the page logged errors'));

  it('reconstructs the first test digit as Node does with the same model, and names its class (7)', async () => {
    const {encoder, decoder} = await sl.pretrained.load('mnist-csc-ctrl');
    const batch = await sl.data.mnistFullDataset({split: 'test', size: 32}).take(1);
    const xHat = decoder.predict(encoder.predict(batch.images) as tf.Tensor) as tf.Tensor;
    assert.deepEqual(first.input, Array.from(batch.images.dataSync()), 'the page\'s digit is MNIST\'s first test digit');
    const node = xHat.dataSync();
    let diff = 0;
    node.forEach((v, i) => { diff = Math.max(diff, Math.abs(v - first.reconstruction[i])); });
    assert.ok(diff < 1e-4, `largest difference from Node's reconstruction: ${diff}`);
    assert.equal(batch.labels.dataSync()[0], 7);
    assert.equal(first.predicted, 7);
    tf.dispose([batch.images, batch.labels, xHat]);
    encoder.dispose();
    decoder.dispose();
  });

  it('classifies the first test digit with the layered BP, ML-ISTA and CNN classifiers as Node does (7)', async () => {
    const batch = await sl.data.mnistFullDataset({split: 'test', size: 28}).take(1);
    assert.deepEqual(Object.keys(first.classifiers).sort(), ['ml-csc-mnist-cnn', 'ml-csc-mnist-lbp', 'ml-csc-mnist-ml-ista']);
    for (const [name, page] of Object.entries(first.classifiers)) {
      const {model} = await sl.pretrained.load(name as sl.pretrained.PretrainedClassifierName);
      const node = tf.tidy(() => model.predict(tf.div(tf.add(batch.images, 1), 2)) as tf.Tensor).dataSync();
      let diff = 0;
      node.forEach((v, i) => { diff = Math.max(diff, Math.abs(v - page[i])); });
      assert.ok(diff < 1e-4, `${name}: largest difference from Node's probabilities: ${diff}`);
      assert.equal(page.indexOf(Math.max(...page)), 7, `${name}: ${page}`);
      model.dispose();
    }
    tf.dispose([batch.images, batch.labels]);
  });

  it('trains the CSC stage on wasm: the loss falls within 6 steps', async () => {
    const run = await open.page.evaluate(() => (globalThis as unknown as DemoWindow).demo.train(6, 'wasm'));
    assert.equal(run.backend, 'wasm');
    assert.ok(run.losses.every(Number.isFinite), `losses ${run.losses}`);
    assert.ok(Math.min(...run.losses.slice(-2)) < run.losses[0], `losses ${run.losses}`);
  });

  it('goes on training on webgl (software renderer) from the same weights', async () => {
    const run = await open.page.evaluate(() => (globalThis as unknown as DemoWindow).demo.train(2, 'webgl'));
    assert.equal(run.backend, 'webgl');
    assert.ok(run.losses.every(Number.isFinite), `losses ${run.losses}`);
  });

  it('downloads the trained stage as an ONNX model', async () => {
    const bytes = Uint8Array.from(await open.page.evaluate(() => (globalThis as unknown as DemoWindow).demo.onnx()));
    const model = sl.onnx.decodeModel(bytes);
    assert.equal(model.graph.input.length, 1);
    assert.equal(model.graph.output.length, 1);
    const ops = new Set(model.graph.node.map((n) => n.op_type));
    for (const op of ['Conv', 'Relu']) assert.ok(ops.has(op), `the graph's operators: ${[...ops].join(', ')}`);
  });
});
