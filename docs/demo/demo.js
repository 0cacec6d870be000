/*
 * sparseland's demo page: the pretrained CSC-CTRL autoencoder on digits drawn in the page, the
 * atoms of its stages, and a convolutional sparse-coding stage trained live on MNIST digits.
 * It runs on the globals `tf` and `sparseland` of the page's scripts; `window.demo` exposes the
 * same steps to the browser tests (test/browser/demo.test.ts).
 */
/* global tf, sparseland, vega, vegaLite */
'use strict';

const sl = sparseland;
tf.wasm.setWasmPaths('/tfjs-backend-wasm/');

const demo = window.demo = {timings: {}};
const $ = (id) => document.getElementById(id);
const status = (text) => { $('status').textContent = text; };

/** Loads a script after the page's first reconstruction (the chart library, the WebGPU backend). */
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement('script'), {src, onload: resolve});
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(script);
  });
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Draws `images` (`[n, h, w, 1]`) as one grid on `canvas`. */
function drawGrid(canvas, images, options) {
  const grid = sl.io.imageGrid(images, options);
  canvas.width = grid.width;
  canvas.height = grid.height;
  canvas.getContext('2d').putImageData(new ImageData(grid.data, grid.width, grid.height), 0, 0);
}

// ---- the pretrained autoencoder -------------------------------------------------------------

/** `x` (`[1, 32, 32, 1]` in [-1, 1]) as the ML-CSC classifiers take digits: the 28×28 digit in [0, 1]. */
const classifierInput = (x) => tf.tidy(() => tf.div(tf.add(tf.slice(x, [0, 2, 2, 0], [1, 28, 28, 1]), 1), 2));

/**
 * Encodes and decodes `x` (`[1, 32, 32, 1]` in [-1, 1]); shows both, the nearest class and the
 * classes the ML-CSC classifiers give, with their probabilities.
 */
async function reconstruct(x) {
  const started = performance.now();
  const z = demo.encoder.predict(x);
  const xHat = demo.decoder.predict(z);
  const [input, reconstruction, features] = await Promise.all([x.data(), xHat.data(), z.data()]);
  const ms = performance.now() - started;
  drawGrid($('input'), x, {normalize: [-1, 1], scale: 4, gap: 0});
  drawGrid($('reconstruction'), xHat, {normalize: [-1, 1], scale: 4, gap: 0});
  const predicted = demo.classes ? demo.classes.predict(z)[0] : null;
  $('class').textContent = predicted === null ? '…' : String(predicted);
  $('timing').textContent = `${ms.toFixed(0)} ms on ${tf.getBackend()}`;
  tf.dispose([z, xHat]);
  const classifiers = {};
  if (demo.classifiers) {
    const digit = classifierInput(x);
    for (const {name, model, view} of demo.classifiers) {
      const probabilities = Array.from(tf.tidy(() => model.predict(digit)).dataSync());
      const best = probabilities.indexOf(Math.max(...probabilities));
      view.digit.textContent = String(best);
      view.probability.textContent = `p = ${probabilities[best].toFixed(2)}`;
      classifiers[name] = probabilities;
    }
    digit.dispose();
  }
  return {input: Array.from(input), reconstruction: Array.from(reconstruction), features: Array.from(features), predicted,
          classifiers};
}

/**
 * The classifiers of the ML-CSC comparison (`sparseland reproduce ml-csc`): layered BP and ML-ISTA,
 * which run pursuits of the multi-layer sparse model, and the CNN of the same filters' shapes, trained alike.
 */
async function loadClassifiers() {
  const names = [['ml-csc-mnist-lbp', 'layered BP, 6 unfoldings'], ['ml-csc-mnist-ml-ista', 'ML-ISTA, 6 unfoldings'],
                 ['ml-csc-mnist-cnn', 'CNN']];
  const loaded = await Promise.all(names.map(([name]) => sl.pretrained.load(name, {from: '/pretrained/'})));
  demo.classifiers = names.map(([name, label], i) => {
    const {model, info} = loaded[i];
    const box = Object.assign(document.createElement('div'), {className: 'verdict'});
    const view = {digit: Object.assign(document.createElement('div'), {className: 'digit'}), probability: document.createElement('div')};
    const caption = Object.assign(document.createElement('div'), {textContent: label});
    const accuracy = Object.assign(document.createElement('div'),
                                   {textContent: `${info.evaluation.testAccuracy.toFixed(2)} % of the test digits`});
    box.append(caption, view.digit, view.probability, accuracy);
    $('classifiers').append(box);
    return {name, model, view};
  });
}

/** Shows test digit `i` on the pad and reconstructs it. */
async function showTestDigit(i) {
  const batch = await demo.testDigits.take(1, i);
  const pad = $('pad').getContext('2d');
  const pixels = await batch.images.data();
  const image = pad.createImageData(280, 280);
  for (let y = 0; y < 280; y++) {
    for (let x = 0; x < 280; x++) {
      const g = Math.round(255 * (pixels[(2 + Math.floor(y / 10)) * 32 + 2 + Math.floor(x / 10)] + 1) / 2);
      image.data.set([g, g, g, 255], 4 * (y * 280 + x));
    }
  }
  pad.putImageData(image, 0, 0);
  const result = await reconstruct(batch.images);
  tf.dispose([batch.images, batch.labels]);
  return result;
}

/**
 * The pad's ink as MNIST prepares digits: its bounding box scaled into 20×20, placed in 28×28
 * with its centre of mass at the centre, padded to 32×32, in [-1, 1]. Null when the pad is empty.
 */
function padDigit() {
  const {data} = $('pad').getContext('2d').getImageData(0, 0, 280, 280);
  let [x0, y0, x1, y1] = [280, 280, -1, -1];
  for (let y = 0; y < 280; y++) {
    for (let x = 0; x < 280; x++) {
      if (data[4 * (y * 280 + x)] > 0) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  if (x1 < 0) return null;
  const side = Math.max(x1 - x0, y1 - y0) + 1;
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const ctx = small.getContext('2d');
  const [w, h] = [20 * (x1 - x0 + 1) / side, 20 * (y1 - y0 + 1) / side];
  ctx.drawImage($('pad'), x0, y0, x1 - x0 + 1, y1 - y0 + 1, (28 - w) / 2, (28 - h) / 2, w, h);
  const grey = ctx.getImageData(0, 0, 28, 28).data;
  let [mass, mx, my] = [0, 0, 0];
  for (let p = 0; p < 784; p++) {
    const g = grey[4 * p] / 255;
    mass += g; mx += g * (p % 28); my += g * Math.floor(p / 28);
  }
  const [dx, dy] = [Math.round(13.5 - mx / mass), Math.round(13.5 - my / mass)];
  const pixels = new Float32Array(32 * 32).fill(-1);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const [tx, ty] = [x + dx, y + dy];
      if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) pixels[(ty + 2) * 32 + tx + 2] = 2 * grey[4 * (y * 28 + x)] / 255 - 1;
    }
  }
  return tf.tensor4d(pixels, [1, 32, 32, 1]);
}

function setUpPad() {
  const pad = $('pad');
  const ctx = pad.getContext('2d');
  let drawing = false;
  const at = (e) => {
    const r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * 280 / r.width, (e.clientY - r.top) * 280 / r.height];
  };
  pad.addEventListener('pointerdown', (e) => {
    drawing = true;
    ctx.beginPath();
    ctx.moveTo(...at(e));
    pad.setPointerCapture(e.pointerId);
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    Object.assign(ctx, {strokeStyle: '#fff', lineWidth: 22, lineCap: 'round', lineJoin: 'round'});
    ctx.lineTo(...at(e));
    ctx.stroke();
  });
  pad.addEventListener('pointerup', async () => {
    drawing = false;
    const x = padDigit();
    if (x) {
      await reconstruct(x);
      x.dispose();
    }
  });
  $('clear').addEventListener('click', () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, 280, 280);
  });
  let next = 0;
  $('next').addEventListener('click', () => showTestDigit(++next % demo.testDigits.count));
}

/** Each CSC stage's atoms: stage 1's as images, deeper ones' root-sum-square over input channels. */
function drawAtoms(encoder) {
  const stages = encoder.layers.filter((layer) => layer.getClassName() === 'CscStage');
  stages.forEach((stage, i) => {
    const atoms = tf.tidy(() => {
      const d = stage.dictionary();
      const rss = d.shape[2] === 1 ? d : tf.sqrt(tf.sum(tf.square(d), 2, true));
      return sl.io.filtersAsImages(rss);
    });
    const figure = document.createElement('figure');
    const canvas = document.createElement('canvas');
    drawGrid(canvas, atoms, {columns: 16, scale: 6});
    figure.append(canvas, `stage ${i + 1}: ${atoms.shape[0]} atoms ${atoms.shape[1]}×${atoms.shape[2]}`);
    $('atoms').append(figure);
    atoms.dispose();
  });
}

/** Class subspaces (10 directions each) of the encoder's features of the first `count` test digits. */
async function fitClasses(count) {
  const {outputs: [features], labels} = await sl.data.mapImages(demo.testDigits, count, 100, (x) => [demo.encoder.predict(x)]);
  demo.classes = sl.metrics.NearestSubspace.fit(features, labels, {components: 10, numClasses: 10});
  features.dispose();
}

// ---- a CSC stage trained in the page --------------------------------------------------------

const trainer = {model: null, stage: null, batch: 0, step: 0, running: false, view: null};

/**
 * The stage trained in the page, from stage.json (also read by scripts/bench/browser.ts): the
 * stage's arguments, the seed of its Glorot-normal atoms, the batch and Adam's learning rate.
 */
async function buildTrainer() {
  const response = await fetch('stage.json');
  if (!response.ok) throw new Error(`stage.json: ${response.status} ${response.statusText}`);
  const config = await response.json();
  trainer.stage = sl.layers.cscStage({...config.stage, kernelInitializer: tf.initializers.glorotNormal({seed: config.seed})});
  trainer.model = tf.sequential({layers: [trainer.stage, sl.layers.cscDecoder({tiedTo: trainer.stage})]});
  trainer.model.compile({optimizer: tf.train.adam(config.learningRate), loss: 'meanSquaredError'});
  trainer.batch = config.batch;
}

/** `steps` Adam steps on batches of digits in [0, 1]; resolves to their losses and times (ms). */
async function trainSteps(steps) {
  const losses = [];
  const times = [];
  for (let s = 0; s < steps; s++) {
    const offset = (trainer.step * trainer.batch) % (demo.trainDigits.count - trainer.batch);
    const batch = await demo.trainDigits.take(trainer.batch, offset);
    const x = tf.tidy(() => tf.div(tf.add(batch.images, 1), 2));
    const started = performance.now();
    const loss = await trainer.model.trainOnBatch(x, x);
    times.push(performance.now() - started);
    tf.dispose([x, batch.images, batch.labels]);
    losses.push(loss);
    trainer.step++;
    await trainer.view?.insert('table', [{step: trainer.step, loss, backend: tf.getBackend()}]).runAsync();
  }
  $('step').textContent = `step ${trainer.step}, loss ${losses[losses.length - 1].toExponential(2)}, ` +
    `${times[times.length - 1].toFixed(0)} ms per step on ${tf.getBackend()}`;
  drawGrid($('trained-atoms'), tf.tidy(() => sl.io.filtersAsImages(trainer.stage.dictionary())), {columns: 8, scale: 5});
  $('download').disabled = false;
  return {losses, times, backend: tf.getBackend()};
}

async function setUpTraining() {
  await Promise.all(['/vega/vega.min.js', '/tfjs-backend-webgpu/tf-backend-webgpu.min.js'].map(loadScript));
  await loadScript('/vega-lite/vega-lite.min.js');
  const select = $('backend');
  for (const name of sl.backend.PAGE_BACKENDS.filter((b) => b !== 'cpu' && tf.findBackendFactory(b) != null)) {
    select.append(new Option(name, name, name === 'wasm', name === 'wasm'));
  }
  select.addEventListener('change', async () => {
    const wasRunning = trainer.running;
    trainer.running = false;
    try {
      await sl.backend.setBackend(select.value);
    } catch (e) {
      status(e.message);
      select.value = tf.getBackend();
    }
    if (wasRunning) $('train').click();
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json', width: 420, height: 200, data: {name: 'table'},
    mark: {type: 'line', point: false},
    encoding: {x: {field: 'step', type: 'quantitative'}, y: {field: 'loss', type: 'quantitative', scale: {type: 'log'}, title: 'loss (MSE)', axis: {format: '.0e'}},
               color: {field: 'backend', type: 'nominal'}},
  };
  trainer.view = new vega.View(vega.parse(vegaLite.compile(spec).spec), {renderer: 'svg', container: '#loss'});
  await trainer.view.runAsync();
  await buildTrainer();
  $('train').addEventListener('click', async () => {
    trainer.running = !trainer.running;
    $('train').textContent = trainer.running ? 'pause' : 'train';
    while (trainer.running) await trainSteps(5);
  });
  $('download').addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([sl.onnx.exportModelToBytes(trainer.model)], {type: 'application/octet-stream'}));
    Object.assign(document.createElement('a'), {href: url, download: 'csc-stage.onnx'}).click();
    URL.revokeObjectURL(url);
  });
}

// ---- start ------------------------------------------------------------------------------------

async function main() {
  demo.timings.scripts = performance.now();
  const digits = Promise.all([fetchBytes('/mnist/t10k-images-idx3-ubyte'), fetchBytes('/mnist/t10k-labels-idx1-ubyte')]);
  await sl.backend.setBackend('wasm');
  demo.timings.backend = performance.now();
  const [{encoder, decoder}, [images, labels]] = await Promise.all([sl.pretrained.load('mnist-csc-ctrl', {from: '/pretrained/'}), digits]);
  demo.timings.loaded = performance.now();
  Object.assign(demo, {encoder, decoder});
  demo.testDigits = sl.data.mnistFromIdx(images, labels, {size: 32, count: 1000, name: 'mnist-test'});
  demo.first = await showTestDigit(0);
  demo.timings.firstReconstruction = performance.now();
  status(`First reconstruction ${(demo.timings.firstReconstruction / 1000).toFixed(1)} s after the page began to load ` +
         `(backend ${tf.getBackend()}). Fitting the class subspaces…`);
  drawAtoms(encoder);
  setUpPad();
  demo.trainDigits = sl.data.mnistFromIdx(images, labels, {size: 28, count: 2000, name: 'mnist-test'});
  await setUpTraining();
  await fitClasses(1000);
  demo.timings.classes = performance.now();
  await loadClassifiers();
  const first = await showTestDigit(0);
  status(`Ready on ${tf.getBackend()}: draw a digit (first reconstruction after ` +
         `${(demo.timings.firstReconstruction / 1000).toFixed(1)} s). sparseland ${sl.version}, tfjs ${tf.version.tfjs}.`);
  return first;
}

/** For the browser tests: the steps of the page, run on demand. */
Object.assign(demo, {
  ready: main(),
  showTestDigit,
  async train(steps, backend) {
    await sl.backend.setBackend(backend, {log: false});
    return trainSteps(steps);
  },
  onnx: () => Array.from(sl.onnx.exportModelToBytes(trainer.model)),
});
