/* The page side of test/browser/page.test.ts: runs a model that Node serialised, on a backend. */
/* global tf, sparseland */
tf.wasm.setWasmPaths('/tfjs-backend-wasm/');
// `?threads=N`: XNNPACK threads of the wasm backend (threads need cross-origin isolation).
const threads = new URLSearchParams(location.search).get('threads');
if (threads !== null) tf.wasm.setThreadsCount(Number(threads));

function bytesOf(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function base64Of(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** On `backend`: the model of `spec` loaded and compiled for SGD on the mean squared error, its batch and target. */
async function prepare(spec, backend) {
  await sparseland.backend.setBackend(backend, {log: false});
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: spec.modelTopology, weightSpecs: spec.weightSpecs, weightData: bytesOf(spec.weightData).buffer,
  }));
  model.compile({optimizer: tf.train.sgd(spec.learningRate), loss: 'meanSquaredError'});
  return {model, x: tf.tensor(spec.x.values, spec.x.shape), target: tf.tensor(spec.target.values, spec.target.shape)};
}

window.harness = {
  /**
   * Why tfjs cannot be checked on `backend` in this page (null: it can): the backend does not
   * initialise, or plain tfjs gets a 3×3 convolution of ones wrong there (its corner is 8, read
   * with `dataSync` and then `data`), or fails on a dense layer after it.
   */
  async unusable(backend) {
    try {
      await sparseland.backend.setBackend(backend, {log: false});
    } catch (e) {
      return `this browser does not offer ${backend} (${e.message})`;
    }
    try {
      const y = tf.conv2d(tf.ones([1, 8, 8, 2]), tf.ones([3, 3, 2, 4]), 1, 'same');
      const corner = [y.dataSync()[0], (await y.data())[0]];
      if (corner[0] !== 8 || corner[1] !== 8) return `plain tfjs on ${backend} here gives ${corner[0]} (dataSync) and ${corner[1]} (data) for 8`;
      const dense = tf.layers.dense({units: 4, inputShape: [3], kernelInitializer: 'ones'});
      const sum = (await dense.apply(tf.ones([2, 3])).data())[0];
      if (sum !== 3) return `plain tfjs on ${backend} here gives ${sum} for 3 from a dense layer of ones`;
      return null;
    } catch (e) {
      return `plain tfjs fails on ${backend} here (${e.message})`;
    }
  },

  /** Milliseconds of each of `runs` SGD steps on the mean squared error to `target`, after `warmup` steps. */
  async time(spec, backend, warmup, runs) {
    const {model, x, target} = await prepare(spec, backend);
    const times = [];
    for (let i = 0; i < warmup + runs; i++) {
      const started = performance.now();
      await model.trainOnBatch(x, target);
      if (i >= warmup) times.push(performance.now() - started);
    }
    tf.dispose([x, target]);
    model.dispose();
    return {times, threads: tf.wasm.getThreadsCount(), isolated: crossOriginIsolated};
  },

  /** The forward pass, the ONNX bytes, then one SGD step on the mean squared error to `target`: loss, weights after. */
  async run(spec, backend) {
    const {model, x, target} = await prepare(spec, backend);
    const y = model.predict(x);
    const forward = Array.from(await y.data());
    const onnx = base64Of(sparseland.onnx.exportModelToBytes(model));
    const loss = await model.trainOnBatch(x, target);
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    tf.dispose([x, target, y]);
    model.dispose();
    return {backend: tf.getBackend(), forward, loss, weights, onnx, tensors: tf.memory().numTensors};
  },
};
