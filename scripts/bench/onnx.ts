/**
 * Inference benchmark of exported models: each model runs in onnxruntime-node (the ONNX file
 * from `exportModelToBytes`, on 2 and on 1 intra-op threads, with the session options of
 * `sessionOptions`; image models also exported with `layout: 'nchw'`, which takes and returns
 * NCHW batches as PyTorch does), in tfjs on the default backend
 * (`setBackend()`: wasm on every core unless tfjs-node is installed) and in PyTorch CPU eager
 * (scripts/reference/bench_onnx.py, `torch.no_grad()`, on 1 and on 2 threads) with the same
 * weights, and the driver prints the median milliseconds per batch and the ratios.
 *
 * Models: a three-layer 64-channel conv2d model on 32×32×3 (batch 32); a `cscStage` encoder
 * (64 atoms 3×3, 2 iterations, 32×32×3, batch 32) and its autoencoder with the tied
 * `cscDecoder`; a 16-iteration LISTA for a 250×500 dictionary (batch 64); an ML-ISTA MNIST
 * classifier (6 unfoldings, 28×28×1, batch 32) when the exporter has an `MlIsta` converter;
 * one 2048×1024 · 1024×1024 matrix product, the rate each runtime reaches at its best.
 *
 * From each model's operation count the driver also prints the arithmetic rate (GFLOP/s) of
 * onnxruntime and PyTorch, as a share of the matrix product's rate in the same runtime, and the
 * share of onnxruntime's matrix-product rate that being 1.5× faster than PyTorch would take.
 *
 * The weights PyTorch receives are those the exporter bakes in: the CSC stage's normalised
 * atoms, its step `η = stage.stepSize(0)` and `λ`. Before timing, the driver compares
 * onnxruntime's output and the reference script's output with tfjs's `predict` on the same
 * batch (max abs difference, relative to the output's largest magnitude).
 *
 * Timing: `--rounds` rounds (default 5), each timing every model in tfjs and onnxruntime, then
 * running the reference script on 1 and on 2 threads; each is the median of `--runs` batches
 * (default 20) after `--warmup` (default 3). The table shows the lowest round median (other
 * processes on the machine only ever add time), then the spread of the round medians and the
 * ratio to PyTorch within each round (median and range over the rounds).
 *
 * Run from the repository root: `npx tsc -p . && node dist/scripts/bench/onnx.js`
 * (other options: `--python PATH`, default /usr/bin/python3; `--only key,key` with keys conv,
 * csc, cscae, lista, mlista, matmul; `--save DIR` keeps the ONNX files and the weights given to
 * PyTorch). The reference script runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from
 * its environment, as in scripts/bench/run.ts.
 */
import * as tf from '@tensorflow/tfjs';
import {execFileSync} from 'child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'fs';
import * as ort from 'onnxruntime-node';
import {cpus, loadavg, tmpdir} from 'os';
import * as path from 'path';
import {cscDecoder} from '../../layers/csc_decoder';
import {cscStage} from '../../layers/csc_stage';
import {lista} from '../../layers/lista';
import {MlIsta} from '../../layers/ml_ista';
import {mlCscClassifier} from '../../models/ml_csc_classifier';
import {setBackend} from '../../src/backend/node';
import {ConvDictionary} from '../../src/ops/dictionary';
import {normalizeAtoms} from '../../src/ops/normalize';
import {powerIteration} from '../../src/ops/power_iteration';
import {OnnxExportError, exportModelToBytes, supportedLayers} from '../../src/onnx';

/** One benchmarked model and what the reference script needs to run it. */
interface Case {
  key: string;
  name: string;
  model: tf.LayersModel;
  input: tf.Tensor;
  /** Weights for the reference script, in tfjs layout (the script converts them). */
  tensors: Record<string, tf.Tensor>;
  scalars: Record<string, number>;
  /** Floating-point operations of one batch: 2 per multiply-add of its convolutions and matrix products. */
  flops: number;
}

interface PythonResult {
  median_ms: number;
  max_abs_diff: number;
  output_scale: number;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median milliseconds of `runs` calls of `f` after `warmup` untimed ones. */
async function medianMs(f: () => unknown, warmup: number, runs: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

const uniform = (shape: number[], seed: number) => tf.randomUniform(shape, 0, 1, 'float32', seed);

/** 1. Three conv2d 3×3 'same' ReLU layers, 64 channels, 32×32×3 input, batch 32. */
function convCase(): Case {
  const model = tf.sequential({layers: [0, 1, 2].map((i) => tf.layers.conv2d({
    filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', name: `conv${i}`,
    biasInitializer: tf.initializers.randomUniform({minval: -0.1, maxval: 0.1, seed: 20 + i}),
    kernelInitializer: tf.initializers.glorotUniform({seed: 10 + i}),
    ...(i === 0 ? {inputShape: [32, 32, 3]} : {}),
  }))});
  const tensors: Record<string, tf.Tensor> = {};
  model.layers.forEach((layer, i) => {
    const [kernel, bias] = layer.getWeights();
    tensors[`kernel${i}`] = kernel;
    tensors[`bias${i}`] = bias;
  });
  const pixels = 32 * 32 * 32;
  return {key: 'conv', name: '3 × conv2d 3×3, 64 ch, 32×32×3, batch 32', model,
          input: uniform([32, 32, 32, 3], 1), tensors, scalars: {},
          flops: 2 * pixels * 64 * 9 * (3 + 64 + 64)};
}

/** 2. The `cscStage` encoder (64 atoms 3×3, 2 iterations) and its autoencoder with the tied decoder. */
function cscCases(): Case[] {
  const input = tf.input({shape: [32, 32, 3]});
  const stage = cscStage({filters: 64, kernelSize: 3, iterations: 2, inputShape: [32, 32, 3],
                          kernelInitializer: tf.initializers.glorotNormal({seed: 3}), name: 'encoder'});
  const code = stage.apply(input) as tf.SymbolicTensor;
  const decoded = cscDecoder({tiedTo: stage, name: 'decoder'}).apply(code) as tf.SymbolicTensor;
  const encoder = tf.model({inputs: input, outputs: code, name: 'csc_encoder'});
  const autoencoder = tf.model({inputs: input, outputs: decoded, name: 'csc_autoencoder'});
  const eta = stage.stepSize(0);
  const lambda = stage.weights.find((w) => w.originalName.endsWith('lambda'))!.read();
  const scalars = {eta: eta.dataSync()[0], lambda: lambda.dataSync()[0], iterations: stage.iterations};
  eta.dispose();
  const tensors = {dictionary: stage.dictionary(0)};
  const x = uniform([32, 32, 32, 3], 2);
  // One analysis or synthesis convolution: 64 atoms of 3×3×3 at every pixel of the batch;
  // the encoder does one analysis, then a synthesis and an analysis per iteration.
  const pass = 2 * 32 * 32 * 32 * 64 * 27;
  const flops = pass * (1 + 2 * stage.iterations);
  return [
    {key: 'csc', name: 'cscStage encoder, 64 atoms 3×3, 2 iterations, batch 32', model: encoder, input: x,
     tensors, scalars, flops},
    {key: 'cscae', name: 'cscStage + tied cscDecoder (autoencoder), batch 32', model: autoencoder, input: x,
     tensors, scalars, flops: flops + pass},
  ];
}

/** 3. LISTA, 16 untied iterations, `A` 250×500, batch 64. */
function listaCase(): Case {
  const a = normalizeAtoms(tf.randomNormal([250, 500], 0, 1 / Math.sqrt(250), 'float32', 4)) as tf.Tensor2D;
  const layer = lista({dictionary: a, iterations: 16, variant: 'lista', lambda: 0.1});
  const model = tf.sequential({layers: [layer]});
  a.dispose();
  const tensors: Record<string, tf.Tensor> = {};
  for (const w of layer.weights) tensors[w.originalName.split('/').pop()!] = w.read();
  // x W_e^k (64×250·250×500) every iteration, z S^k (64×500·500×500) from the second on.
  return {key: 'lista', name: 'LISTA, 16 iterations, A 250×500, batch 64', model,
          input: tf.randomNormal([64, 250], 0, 1, 'float32', 5), tensors, scalars: {iterations: 16},
          flops: 2 * 64 * 500 * (16 * 250 + 15 * 500)};
}

/** 4. ML-ISTA MNIST classifier (filters 32, 64, 512; 6 unfoldings), batch 32. */
function mlIstaCase(): Case {
  const model = mlCscClassifier({pursuit: 'mlIsta', iterations: 6});
  const layer = model.layers[0] as MlIsta;
  const byName = new Map(layer.weights.map((w) => [w.originalName.split('/').pop()!, w]));
  // Steps c_i = 0.9/‖D_i‖² and small negative biases, so that the unfoldings converge instead
  // of amplifying the random filters (the default c_i = 1 diverges for them).
  let size = [28, 28];
  let channels = 1;
  const layerFlops: number[] = [];
  layer.filters.forEach((filters, i) => {
    const kernel = byName.get(`kernel_${i + 1}`)!.read() as tf.Tensor4D;
    const lipschitz = tf.tidy(() => {
      const op = new ConvDictionary(kernel, layer.strides[i], layer.padding, size as [number, number]);
      const start = tf.randomNormal([1, ...op.codeShape([...size, channels])], 0, 1, 'float32', 30 + i);
      return powerIteration(op, start, 50).value.dataSync()[0] * 1.01;
    });
    byName.get(`step_${i + 1}`)!.write(tf.tensor1d([0.9 / lipschitz]));
    byName.get(`bias_${i + 1}`)!.write(tf.fill([filters], -0.01));
    size = size.map((s, j) => Math.floor((s - layer.kernelSize[i][j]) / layer.strides[i][j]) + 1);
    layerFlops.push(2 * 32 * size[0] * size[1] * filters * layer.kernelSize[i][0] * layer.kernelSize[i][1] * channels);
    channels = filters;
  });
  const tensors: Record<string, tf.Tensor> = {};
  for (const w of layer.weights) tensors[w.originalName.split('/').pop()!] = w.read();
  const [denseKernel, denseBias] = model.layers[2].getWeights();
  tensors.dense_kernel = denseKernel;
  tensors.dense_bias = denseBias;
  // The layered thresholding (one analysis per layer), then per unfolding the backward pass
  // (a synthesis per layer but the first) and the forward pass (a synthesis and an analysis per
  // layer); a synthesis costs what its layer's analysis does. Then the dense layer.
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const flops = sum(layerFlops) + layer.iterations * (sum(layerFlops.slice(1)) + 2 * sum(layerFlops)) +
    2 * 32 * tensors.dense_kernel.size;
  return {key: 'mlista', name: 'ML-ISTA classifier, 6 unfoldings, 28×28×1, batch 32', model,
          input: uniform([32, 28, 28, 1], 6), tensors, flops,
          scalars: {iterations: layer.iterations,
                    ...Object.fromEntries(layer.strides.map(([s], i) => [`stride_${i + 1}`, s]))}};
}

/**
 * 5. One matrix product, 2048×1024 · 1024×1024 (a bias-free dense layer): the rate a runtime
 * reaches on a product large enough to run at its peak, the ceiling of the models above.
 */
function matmulCase(): Case {
  const model = tf.sequential({layers: [tf.layers.dense({
    units: 1024, useBias: false, inputShape: [1024], name: 'matmul',
    kernelInitializer: tf.initializers.glorotUniform({seed: 7})})]});
  return {key: 'matmul', name: 'MatMul 2048×1024 · 1024×1024', model,
          input: tf.randomNormal([2048, 1024], 0, 1, 'float32', 8), tensors: {kernel: model.layers[0].getWeights()[0]},
          scalars: {}, flops: 2 * 2048 * 1024 * 1024};
}

/** Writes `tensor` as raw little-endian float32 and returns its manifest entry. */
function writeTensor(dir: string, file: string, tensor: tf.Tensor): {file: string, shape: number[]} {
  writeFileSync(path.join(dir, file), Buffer.from((tensor.dataSync() as Float32Array).slice().buffer));
  return {file, shape: tensor.shape};
}

/** Runs the reference script on `threads` threads; per model key its result, or the error. */
function pytorch(python: string, dir: string, runs: number, warmup: number, threads: number):
    Record<string, PythonResult> | string {
  const env = {...process.env};
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  try {
    const out = execFileSync(python, [path.resolve('scripts/reference/bench_onnx.py'), '--dir', dir,
                                      '--runs', String(runs), '--warmup', String(warmup),
                                      '--threads', String(threads)], {env, encoding: 'utf8'});
    return JSON.parse(out.trim().split('\n').pop()!).models;
  } catch (e) {
    return `fails (${(e as Error).message.split('\n')[0].slice(0, 80)})`;
  }
}

const fmt = (v: number | undefined, digits = 1): string => v === undefined ? '-' : v.toFixed(digits);

/** The timed columns: key and title (`n`: the export with `layout: 'nchw'`, for image inputs). */
const COLUMNS: [string, string][] = [['ort2', 'onnxruntime 2T'], ['ort1', 'onnxruntime 1T'],
                                     ['ort2n', 'onnxruntime NCHW 2T'], ['ort1n', 'onnxruntime NCHW 1T'], ['tfjs', 'tfjs'],
                                     ['torch1', 'PyTorch 1T'], ['torch2', 'PyTorch 2T']];

/**
 * The onnxruntime session options of a deployment on `threads` cores of a shared machine: all
 * graph optimisations (the default, stated), operators run one after another on `threads`
 * intra-op threads, the CPU memory arena and memory pattern on (the defaults), and idle pool
 * threads that sleep instead of spinning (`session.intra_op.allow_spinning = 0`): spinning
 * threads take the cores other processes need, and under load a 2-thread run then took 3×
 * the time of one that sleeps. The reference script sets `OMP_WAIT_POLICY=PASSIVE`, the
 * same for PyTorch's OpenMP threads.
 */
function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {graphOptimizationLevel: 'all', executionMode: 'sequential', intraOpNumThreads: threads,
          interOpNumThreads: 1, enableCpuMemArena: true, enableMemPattern: true,
          extra: {session: {intra_op: {allow_spinning: '0'}}}};
}

async function main(): Promise<void> {
  const runs = Number(option('--runs') ?? 20);
  const warmup = Number(option('--warmup') ?? 3);
  const rounds = Number(option('--rounds') ?? 5);
  const python = option('--python') ?? '/usr/bin/python3';
  const only = option('--only')?.split(',');
  const saveDir = option('--save');
  const load = loadavg();
  const backend = await setBackend();

  const hasMlIsta = supportedLayers().includes('MlIsta');
  const makers: [string, () => Case[]][] = [
    ['conv', () => [convCase()]],
    ['csc', cscCases],
    ['lista', () => [listaCase()]],
    ['mlista', () => (hasMlIsta || only?.includes('mlista') ? [mlIstaCase()] : [])],
    ['matmul', () => [matmulCase()]],
  ];
  const cases = makers.filter(([key]) => !only || only.some((k) => k.startsWith(key)))
    .flatMap(([, make]) => make()).filter((c) => !only || only.includes(c.key));
  if (!hasMlIsta) {
    console.log('the exporter has no MlIsta converter (sl.onnx.supportedLayers()): the ML-ISTA classifier ' +
                (only?.includes('mlista') ? 'runs in tfjs and PyTorch only' : 'is skipped (--only mlista runs it ' +
                 'in tfjs and PyTorch)'));
  }

  const dir = saveDir ? path.resolve(saveDir) : mkdtempSync(path.join(tmpdir(), 'sparseland-bench-onnx-'));
  mkdirSync(dir, {recursive: true});
  // Per model: the median of every round per column, and the relative differences to tfjs.
  const medians: Record<string, Record<string, number[]>> = {};
  const notes: Record<string, Record<string, string>> = {};
  const diffs: Record<string, {ort?: number, torch?: number}> = {};
  const sessions = new Map<string, {column: string, session: ort.InferenceSession, feeds: ort.InferenceSession.FeedsType}[]>();
  const record = (key: string, column: string, value: number | string) => {
    if (typeof value === 'string') {
      notes[key][column] = value;
    } else {
      (medians[key][column] ??= []).push(value);
    }
  };
  try {
    const manifest: unknown[] = [];
    for (const c of cases) {
      medians[c.key] = {};
      notes[c.key] = {};
      diffs[c.key] = {};
      const expected = c.model.predict(c.input) as tf.Tensor;
      const scale = tf.tidy(() => tf.max(tf.abs(expected)).dataSync()[0]);
      manifest.push({
        key: c.key, scalars: c.scalars,
        input: writeTensor(dir, `${c.key}_input.bin`, c.input),
        output: writeTensor(dir, `${c.key}_output.bin`, expected),
        tensors: Object.fromEntries(Object.entries(c.tensors).map(([name, t]) =>
          [name, writeTensor(dir, `${c.key}_${name}.bin`, t)])),
      });
      const list = [];
      // The NHWC export (as the tfjs model), and for image inputs the NCHW one, which takes and
      // returns what PyTorch does.
      for (const layout of c.input.rank === 4 ? ['nhwc', 'nchw'] as const : ['nhwc'] as const) {
        let bytes: Uint8Array;
        try {
          bytes = exportModelToBytes(c.model, {layout});
        } catch (e) {
          if (!(e instanceof OnnxExportError)) throw e;
          notes[c.key].ort1 = notes[c.key].ort2 = 'no converter';
          break;
        }
        if (saveDir) writeFileSync(path.join(dir, `${c.key}_${layout}.onnx`), bytes);
        const [input, want] = tf.tidy(() => (layout === 'nchw'
          ? [tf.transpose(c.input, [0, 3, 1, 2]), expected.rank === 4 ? tf.transpose(expected, [0, 3, 1, 2]) : expected.clone()]
          : [c.input.clone(), expected.clone()]));
        const data = (input.dataSync() as Float32Array).slice();
        for (const threads of [2, 1]) {
          const session = await ort.InferenceSession.create(bytes, sessionOptions(threads));
          const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, input.shape)};
          list.push({column: `ort${threads}${layout === 'nchw' ? 'n' : ''}`, session, feeds});
        }
        const last = list[list.length - 1];
        const out = (await last.session.run(last.feeds))[last.session.outputNames[0]].data as Float32Array;
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.tensor(out, want.shape), want))).dataSync()[0]) / scale;
        diffs[c.key].ort = Math.max(diffs[c.key].ort ?? 0, diff);
        tf.dispose([input, want]);
      }
      sessions.set(c.key, list);
      expected.dispose();
    }
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({models: manifest}, null, 1));

    for (let round = 1; round <= rounds; round++) {
      for (const c of cases) {
        record(c.key, 'tfjs', await medianMs(() => {
          const y = c.model.predict(c.input) as tf.Tensor;
          y.dataSync();
          y.dispose();
        }, warmup, runs));
        for (const {column, session, feeds} of sessions.get(c.key)!) {
          record(c.key, column, await medianMs(() => session.run(feeds), warmup, runs));
        }
      }
      for (const threads of [1, 2]) {
        const result = pytorch(python, dir, runs, warmup, threads);
        for (const c of cases) {
          if (typeof result === 'string') {
            record(c.key, `torch${threads}`, result);
          } else {
            record(c.key, `torch${threads}`, result[c.key].median_ms);
            diffs[c.key].torch = Math.max(diffs[c.key].torch ?? 0,
                                          result[c.key].max_abs_diff / result[c.key].output_scale);
          }
        }
      }
      const line = cases.map((c) => `${c.key} ${COLUMNS.map(([col]) => fmt(medians[c.key][col]?.at(-1))).join('/')}`);
      console.log(`round ${round} (${COLUMNS.map(([, title]) => title).join('/')}): ${line.join('; ')}`);
    }
  } finally {
    for (const list of sessions.values()) for (const {session} of list) await session.release();
    if (!saveDir) rmSync(dir, {recursive: true, force: true});
  }

  console.log(`\nms per batch: the lowest of ${rounds} round medians (${runs} runs after ${warmup} warm-up ` +
              `each); tfjs on '${backend}'; ${cpus().length} cores; load average before the run ` +
              `${load.map((l) => l.toFixed(2)).join(', ')}`);
  console.log(['model', ...COLUMNS.map(([, title]) => title), 'tfjs / ort 2T', 'faster PyTorch / ort 2T (NHWC, NCHW)',
               'PyTorch / ort, 1T and 2T (NHWC, NCHW)', 'max rel. diff to tfjs: ort, torch'].join(' | '));
  const best: Best = (key, column) =>
    (medians[key][column]?.length ? Math.min(...medians[key][column]) : undefined);
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? fmt(a / b, 2) : '-');
  for (const c of cases) {
    const cells = COLUMNS.map(([col]) => notes[c.key][col] ?? fmt(best(c.key, col)));
    const ort2 = best(c.key, 'ort2');
    const fastest = fastestOf(best, c.key, ['torch1', 'torch2']);
    const equal = (n: string) => `${ratio(best(c.key, 'torch1'), best(c.key, `ort1${n}`))}, ` +
      `${ratio(best(c.key, 'torch2'), best(c.key, `ort2${n}`))}`;
    console.log([c.name, ...cells, ratio(best(c.key, 'tfjs'), ort2),
                 `${ratio(fastest, ort2)}, ${ratio(fastest, best(c.key, 'ort2n'))}`,
                 `${equal('')} (NHWC); ${equal('n')} (NCHW)`,
                 `${diffs[c.key].ort?.toExponential(1) ?? '-'}, ${diffs[c.key].torch?.toExponential(1) ?? '-'}`,
    ].join(' | '));
  }
  if (rounds > 1) {
    console.log('\nspread of the round medians (min–max):');
    for (const c of cases) {
      console.log(`  ${c.key}: ` + COLUMNS.filter(([col]) => medians[c.key][col]).map(([col, title]) =>
        `${title} ${fmt(Math.min(...medians[c.key][col]))}–${fmt(Math.max(...medians[c.key][col]))}`).join(', '));
    }
    // Within a round every column ran minutes apart at most, under about the same load: the
    // round's own ratio is steadier than the ratio of the columns' lowest medians.
    console.log('\nfaster PyTorch / onnxruntime 2T within each round, NHWC and NCHW: median (min–max) of the rounds');
    for (const c of cases) {
      const m = medians[c.key];
      const perRound = (column: string) => (m[column] && m.torch1 && m.torch2
        ? m[column].map((t, r) => Math.min(m.torch1[r], m.torch2[r]) / t) : undefined);
      const show = (ratios: number[] | undefined) => (ratios
        ? `${fmt(median(ratios), 2)} (${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)})` : '-');
      console.log(`  ${c.key}: ${show(perRound('ort2'))}, ${show(perRound('ort2n'))}`);
    }
  }
  printRates(cases, best);
}

/** A model's lowest round median (ms) in a column, if it ran there. */
type Best = (key: string, column: string) => number | undefined;

/** The lowest of a model's times over `columns` (the faster of them), if any ran. */
function fastestOf(best: Best, key: string, columns: string[]): number | undefined {
  const times = columns.map((col) => best(key, col)).filter((t): t is number => t !== undefined);
  return times.length ? Math.min(...times) : undefined;
}

/**
 * Arithmetic rates from the lowest round medians: GFLOP/s of onnxruntime (2 threads, the faster
 * layout) and of the faster PyTorch, each as a share of the same runtime's rate on the matrix
 * product, and what 1.5× PyTorch's speed would take of onnxruntime's matrix-product rate.
 */
function printRates(cases: Case[], best: Best): void {
  const ortMs = (key: string) => fastestOf(best, key, ['ort2', 'ort2n']);
  const torchMs = (key: string) => fastestOf(best, key, ['torch1', 'torch2']);
  const gflops = (c: Case, ms: number | undefined) => (ms === undefined ? undefined : c.flops / ms / 1e6);
  const peak = cases.find((c) => c.key === 'matmul');
  const ortPeak = peak && gflops(peak, ortMs('matmul'));
  const torchPeak = peak && gflops(peak, torchMs('matmul'));
  const share = (rate: number | undefined, of: number | undefined) =>
    (rate !== undefined && of ? `${fmt(100 * rate / of, 0)} %` : '-');
  console.log('\narithmetic rate, GFLOP/s (share of the same runtime\'s MatMul rate): onnxruntime 2T, faster ' +
              'PyTorch; 1.5× PyTorch\'s rate as a share of onnxruntime\'s MatMul rate');
  for (const c of cases) {
    const ort = gflops(c, ortMs(c.key));
    const torch = gflops(c, torchMs(c.key));
    console.log(`  ${c.key} (${fmt(c.flops / 1e6, 0)} MFLOP): ${fmt(ort)} (${share(ort, ortPeak)}), ` +
                `${fmt(torch)} (${share(torch, torchPeak)}); 1.5× PyTorch: ${share(torch && 1.5 * torch, ortPeak)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
