/**
 * The MNIST comparison of Sulam, Aberdam, Beck and Elad ("On multi-layer basis pursuit, efficient
 * algorithms and convolutional neural networks", arXiv 1806.00701, code jsulam/ml-ista): a CNN and
 * the unrolled pursuits ML-ISTA, ML-FISTA, ML-LISTA and layered basis pursuit with the same filters
 * (`32×1×6×6` stride 2, `64×32×6×6` stride 2, `512×64×4×4` stride 1: 28 → 12 → 4 → 1), 6
 * unfoldings and a linear classifier on the 512 features, all trained alike: SGD with learning rate
 * 0.002, momentum 0.9 and weight decay 1e-5 on every weight, the rate ×0.2 every 30 epochs, batch
 * 128, 100 epochs, the standard 60,000/10,000 split, inputs in [0, 1]. The published figure of a
 * model is the mean test accuracy of epochs 81–99 (the code's `Acc_test[-20:-1]`).
 *
 * A run folder holds one folder per model (`ml-ista/`: `state.json` with the epochs done and the
 * position in the current one, the checkpoint it names, and `model/` once trained) and the
 * results: `results.json`, `results.md` and `accuracy.png`.
 */
import * as tf from '@tensorflow/tfjs';
import {existsSync, promises as fs, readFileSync} from 'fs';
import * as path from 'path';
import {mlCscClassifier, Pursuit} from '../../models/ml_csc_classifier';
import {ImageDataset} from '../data/dataset';
import {mnistFullDataset} from '../data/mnist_full';
import {removeStaleTemporaries, syncDirectory, temporaryName, writeFileAtomic} from '../io/atomic_write';
import {FileSystemHandler, saveModelAtomic} from '../io/file_system';
import {writeLineChart} from '../io/line_chart';
import * as v from '../util/validate';

const NAME = 'reproduceMlCsc';

/** The models of the comparison, by their command-line names. */
export const ML_CSC_MODELS = ['cnn', 'ml-ista', 'ml-fista', 'ml-lista', 'lbp'] as const;
export type MlCscModel = typeof ML_CSC_MODELS[number];

/** The pursuit of each model (`'layeredThresholding'` is the CNN). */
export const ML_CSC_PURSUIT: Record<MlCscModel, Pursuit> = {
  'cnn': 'layeredThresholding', 'ml-ista': 'mlIsta', 'ml-fista': 'mlFista', 'ml-lista': 'mlLista', 'lbp': 'layeredBasisPursuit',
};

/** Each model's name in tables, plots and packaged models. */
export const ML_CSC_LABEL: Record<MlCscModel, string> = {
  'cnn': 'CNN', 'ml-ista': 'ML-ISTA', 'ml-fista': 'ML-FISTA', 'ml-lista': 'ML-LISTA', 'lbp': 'Layered BP',
};

/** Published test accuracy (%), mean of epochs 81–99 of 100. */
export const PUBLISHED_ACCURACY: Record<MlCscModel, number> = {
  'cnn': 98.74, 'ml-ista': 99.11, 'ml-fista': 99.16, 'ml-lista': 98.81, 'lbp': 99.19,
};

/** How the models are trained. */
export interface MlCscRecipe {
  batchSize: number;
  /** SGD with momentum; weight decay on every weight. */
  learningRate: number;
  momentum: number;
  weightDecay: number;
  /** The rate is multiplied by `decayFactor` every `decayEvery` epochs of 100 (in proportion in shorter runs). */
  decayEvery: number;
  decayFactor: number;
  /** Unfoldings of the pursuits. */
  unfoldings: number;
  /** `'published'` ({@link publishedInitialization}) or `'glorot'` (the layers' own initialisers). */
  initialization: 'published' | 'glorot';
}

/** The published recipe, and the published run's length and data. */
export const ML_CSC_RECIPE: Readonly<MlCscRecipe> & {epochs: 100; trainDigits: 60000; testDigits: 10000} = {
  epochs: 100, batchSize: 128, learningRate: 0.002, momentum: 0.9, weightDecay: 1e-5,
  decayEvery: 30, decayFactor: 0.2, unfoldings: 6, initialization: 'published', trainDigits: 60000, testDigits: 10000,
};

export interface ReproduceMlCscOptions {
  /** The run folder. */
  out: string;
  /** The models to train, in order. Default all five. */
  models?: MlCscModel[];
  /**
   * Epochs of every model. Default 100 (the published recipe). The step decay is compressed in
   * proportion: ×0.2 every `round(0.3 × epochs)` epochs (at least 1).
   */
  epochs?: number;
  /** Seed of the initial weights and of the order of the digits. Default 0. */
  seed?: number;
  /** Continue the run in `out`: models done are kept, an unfinished one continues from its checkpoint. */
  resume?: boolean;
  /** Train on the first N standard training digits. Default 60,000 (all). */
  trainDigits?: number;
  /** Measure on the first N standard test digits. Default 10,000 (all). */
  testDigits?: number;
  /** Changes to the published recipe {@link ML_CSC_RECIPE} (for tests and quick looks). Default none. */
  recipe?: Partial<MlCscRecipe>;
  /** A checkpoint within an epoch at least this often (minutes). Default 5. */
  checkpointMinutes?: number;
  /** The command that started the run, recorded in the results. */
  command?: string;
  onProgress?: (model: MlCscModel, progress: MlCscProgress) => void;
  log?: (line: string) => void;
}

/** Where the training of a model is, after each step. */
export interface MlCscProgress {
  /** The epoch (from 0) and its batch (from 0) just trained. */
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Cross-entropy of the batch (without the weight decay). */
  loss: number;
  learningRate: number;
}

/** What one epoch gave. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Accuracy (%) on the test digits after the epoch. */
  testAccuracy: number;
  /** Accuracy (%) and mean cross-entropy on the training batches during the epoch. */
  trainAccuracy: number;
  trainLoss: number;
  /** Seconds of training in the epoch (without the test). */
  seconds: number;
}

/** Training progress of one model, kept in its `state.json`. */
interface ModelState {
  model: MlCscModel;
  epochs: number;
  seed: number;
  trainDigits: number;
  testDigits: number;
  recipe: MlCscRecipe;
  history: EpochRecord[];
  /** The next batch to train: epoch (from 0) and batch (from 0). */
  epoch: number;
  batch: number;
  /** Sums over the batches of the current epoch trained so far. */
  running: {loss: number; correct: number; seen: number; seconds: number};
  /** The folder of the weights and the optimizer's state at that position, or 'model' when done. */
  checkpoint: string | null;
  optimizerSpecs: tf.io.WeightsManifestEntry[] | null;
  done: boolean;
}

/** One model's results. */
export interface MlCscResult {
  model: MlCscModel;
  published: number;
  history: EpochRecord[];
  /** The measured figure: the mean test accuracy over {@link comparedEpochs}, once they are trained. */
  accuracy: number | null;
  minutes: number;
  done: boolean;
}

export interface MlCscReproduction {
  setting: {epochs: number; seed: number; trainDigits: number; testDigits: number; recipe: MlCscRecipe;
            /** Epochs between the decays of the learning rate in this run. */
            decayEvery: number; comparedEpochs: [number, number]};
  command?: string;
  results: MlCscResult[];
}

/** Epochs between the decays of the learning rate in a run of `epochs` epochs. */
export function decayEvery(epochs: number, recipe: MlCscRecipe = ML_CSC_RECIPE): number {
  return Math.max(1, Math.round(recipe.decayEvery * epochs / ML_CSC_RECIPE.epochs));
}

/** The learning rate of epoch `epoch` (from 0) of a run of `epochs` epochs. */
export function learningRateAt(epoch: number, epochs: number, recipe: MlCscRecipe = ML_CSC_RECIPE): number {
  return recipe.learningRate * recipe.decayFactor ** Math.floor(epoch / decayEvery(epochs, recipe));
}

/**
 * The epochs (1-based, inclusive) whose mean test accuracy is compared with the published figure:
 * 81–99 of 100 as published (the last 20 % but the final epoch), scaled to `epochs`; the last
 * epoch alone where that range is empty.
 */
export function comparedEpochs(epochs: number): [number, number] {
  const first = Math.floor(0.8 * epochs) + 1;
  return first <= epochs - 1 ? [first, epochs - 1] : [epochs, epochs];
}

/**
 * The published initialisation: filters `0.1/√fan_in · N(0, 1)`, biases 0, step sizes 1, the
 * classifier as PyTorch's `nn.Linear` (`U(±1/√fan_in)` for weights and biases). ML-LISTA's synthesis
 * filters start equal to the analysis filters (sparseland's ML-LISTA, which starts as ML-ISTA; the
 * published code draws them apart).
 */
export function publishedInitialization(model: tf.LayersModel, seed: number): void {
  // tfjs draws unseeded numbers for the seed 0: every stream here is seeded from 1 up.
  const stream = (k: number) => seed * 1009 + k + 1;
  const pursuit = model.layers[0];
  const values = tf.tidy(() => {
    const kernels = new Map<string, tf.Tensor>();
    return pursuit.weights.map((w, k) => {
      const shape = w.shape as number[];
      const name = w.originalName.split('/').pop()!;
      const [, kind, index] = /^(kernel|bias|step|synthesis_kernel)_(\d+)$/.exec(name) ?? [];
      if (kind === 'kernel') {
        const [kh, kw, cin] = shape;
        const kernel = tf.randomNormal(shape, 0, 0.1 / Math.sqrt(kh * kw * cin), 'float32', stream(k));
        kernels.set(index, kernel);
        return kernel;
      }
      if (kind === 'synthesis_kernel') return kernels.get(index)!.clone();
      if (kind === 'bias') return tf.zeros(shape);
      if (kind === 'step') return tf.ones(shape);
      throw new Error(`${NAME}: no published initialisation for the weight '${w.originalName}'`);
    });
  });
  pursuit.setWeights(values);
  tf.dispose(values);
  const dense = model.layers[model.layers.length - 1];
  const fanIn = dense.weights[0].shape[0]!;
  const bound = 1 / Math.sqrt(fanIn);
  const classifier = dense.weights.map((w, k) => tf.randomUniform(w.shape as number[], -bound, bound, 'float32', stream(100 + k)));
  dense.setWeights(classifier);
  tf.dispose(classifier);
}

/** The classifier of `model` at the recipe's initialisation. */
export function mlCscModel(model: MlCscModel, seed: number, recipe: MlCscRecipe = ML_CSC_RECIPE): tf.Sequential {
  const classifier = mlCscClassifier({pursuit: ML_CSC_PURSUIT[model], iterations: recipe.unfoldings});
  if (recipe.initialization === 'published') publishedInitialization(classifier, seed);
  return classifier;
}

/** Images in [-1, 1] as the published inputs in [0, 1]. */
const unitRange = (images: tf.Tensor4D): tf.Tensor4D => tf.tidy(() => tf.div(tf.add(images, 1), 2));

/** Accuracy (%) of `model` on `data`, in batches of 500. */
export async function testAccuracy(model: tf.LayersModel, data: ImageDataset): Promise<number> {
  let correct = 0;
  for await (const {images, labels} of data.batches({batchSize: 500, shuffle: false, dropLast: false})) {
    correct += tf.tidy(() => {
      const scores = model.predict(unitRange(images)) as tf.Tensor2D;
      return tf.sum(tf.cast(tf.equal(tf.argMax(scores, 1), labels), 'int32')).dataSync()[0];
    });
    tf.dispose([images, labels]);
  }
  return 100 * correct / data.count;
}

async function readState(file: string): Promise<ModelState | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ModelState;
  } catch (e) {
    throw new Error(`${NAME}: '${file}' is not valid JSON (${(e as Error).message})`);
  }
}

/** Saves the model and the optimizer's state as a new checkpoint folder of `dir`; returns its name and the specs. */
async function saveCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: ModelState):
    Promise<{name: string; specs: tf.io.WeightsManifestEntry[]}> {
  const name = `ckpt-${String(state.epoch).padStart(3, '0')}-${String(state.batch).padStart(5, '0')}`;
  const building = temporaryName(path.join(dir, name));
  await fs.mkdir(building);
  await model.save(new FileSystemHandler(path.join(building, 'model')));
  const weights = await optimizer.getWeights();
  const {data, specs} = await tf.io.encodeWeights(weights);
  // getWeights() returns the optimizer's own accumulators and a new scalar for the step count.
  weights[0].tensor.dispose();
  await writeFileAtomic(path.join(building, 'optimizer.bin'), new Uint8Array(data));
  await fs.rm(path.join(dir, name), {recursive: true, force: true});
  await fs.rename(building, path.join(dir, name));
  await syncDirectory(dir);
  return {name, specs};
}

/**
 * One step of the recipe on a batch of digits `x` in [0, 1]: the cross-entropy of the scores plus
 * `(weightDecay/2)·Σ‖w‖²` over the trainable weights (PyTorch's `weight_decay`, which adds
 * `weightDecay·w` to every gradient), minimised by `optimizer`; disposes `x`. Returns the batch's
 * mean cross-entropy and how many digits the scores classify right.
 */
export function trainingStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor4D, labels: tf.Tensor1D,
                             weightDecay: number): {loss: number; correct: number} {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let loss = 0;
  let correct = 0;
  const cost = optimizer.minimize(() => {
    const scores = model.apply(x, {training: true}) as tf.Tensor2D;
    const crossEntropy = tf.mean(tf.metrics.categoricalCrossentropy(tf.oneHot(labels, 10), scores));
    loss = crossEntropy.dataSync()[0];
    correct = tf.sum(tf.cast(tf.equal(tf.argMax(scores, 1), labels), 'int32')).dataSync()[0];
    return tf.add(crossEntropy, tf.mul(weightDecay / 2, tf.addN(variables.map((w) => tf.sum(tf.square(w))))));
  }, true, variables);
  tf.dispose([cost!, x]);
  return {loss, correct};
}

/** Trains one model to the end of its epochs from where `state` is, saving as it goes. */
async function trainModel(dir: string, state: ModelState, train: ImageDataset, test: ImageDataset,
                          options: ReproduceMlCscOptions): Promise<tf.LayersModel> {
  const stateFile = path.join(dir, 'state.json');
  const model = state.checkpoint
    ? await tf.loadLayersModel(new FileSystemHandler(path.join(dir, state.checkpoint, 'model', 'model.json')))
    : mlCscModel(state.model, state.seed, state.recipe);
  const optimizer = tf.train.momentum(state.recipe.learningRate, state.recipe.momentum);
  if (state.checkpoint && state.optimizerSpecs) {
    const bytes = readFileSync(path.join(dir, state.checkpoint, 'optimizer.bin'));
    const named = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), state.optimizerSpecs);
    await optimizer.setWeights(state.optimizerSpecs.map((s) => ({name: s.name, tensor: named[s.name]})));
  }
  const {batchSize, weightDecay} = state.recipe;
  const batches = train.batchesPerEpoch(batchSize, false);
  const checkpointMs = 60_000 * (options.checkpointMinutes ?? 5);
  const save = async () => {
    const previous = state.checkpoint;
    const {name, specs} = await saveCheckpoint(dir, model, optimizer, state);
    Object.assign(state, {checkpoint: name, optimizerSpecs: specs});
    await writeFileAtomic(stateFile, JSON.stringify(state, null, 1));
    if (previous && previous !== name) await fs.rm(path.join(dir, previous), {recursive: true, force: true});
  };
  let lastSave = Date.now();
  while (state.epoch < state.epochs) {
    const learningRate = learningRateAt(state.epoch, state.epochs, state.recipe);
    // The momentum optimizer steps by a scalar that only setLearningRate replaces.
    optimizer.setLearningRate(learningRate);
    let started = Date.now();
    for await (const {images, labels} of train.batches({batchSize, epoch: state.epoch, startBatch: state.batch,
                                                         seed: state.seed, dropLast: false})) {
      const {loss, correct} = trainingStep(model, optimizer, unitRange(images), labels, weightDecay);
      const count = labels.shape[0];
      tf.dispose([images, labels]);
      const now = Date.now();
      state.running = {loss: state.running.loss + loss * count, correct: state.running.correct + correct,
                       seen: state.running.seen + count, seconds: state.running.seconds + (now - started) / 1000};
      started = now;
      options.onProgress?.(state.model, {epoch: state.epoch, epochs: state.epochs, batch: state.batch, batches, loss, learningRate});
      state.batch++;
      if (state.batch < batches && now - lastSave >= checkpointMs) {
        await save();
        lastSave = Date.now();
        started = lastSave;
      }
    }
    const record: EpochRecord = {
      epoch: state.epoch + 1, testAccuracy: await testAccuracy(model, test),
      trainAccuracy: 100 * state.running.correct / state.running.seen, trainLoss: state.running.loss / state.running.seen,
      seconds: state.running.seconds,
    };
    options.log?.(`${state.model}: epoch ${record.epoch}/${state.epochs}: test accuracy ${record.testAccuracy.toFixed(2)} %, ` +
                  `training loss ${record.trainLoss.toFixed(4)} (${(record.seconds / 60).toFixed(1)} min)`);
    Object.assign(state, {history: [...state.history, record], epoch: state.epoch + 1, batch: 0,
                          running: {loss: 0, correct: 0, seen: 0, seconds: 0}});
    if (state.epoch < state.epochs) {
      await save();
      lastSave = Date.now();
    }
    await writeResults(options, path.dirname(dir));
  }
  optimizer.dispose();
  await saveModelAtomic(model, dir, 'model');
  const last = state.checkpoint;
  Object.assign(state, {checkpoint: 'model', optimizerSpecs: null, done: true});
  await writeFileAtomic(stateFile, JSON.stringify(state, null, 1));
  if (last && last !== 'model') await fs.rm(path.join(dir, last), {recursive: true, force: true});
  return model;
}

/** The published recipe with `changes`, checked. */
function resolveRecipe(changes: Partial<MlCscRecipe>): MlCscRecipe {
  if (typeof changes !== 'object' || changes === null) v.reject(NAME, 'recipe', 'an object', changes);
  const r = {...ML_CSC_RECIPE, ...changes};
  return {
    batchSize: v.positiveInt(NAME, 'recipe.batchSize', r.batchSize),
    learningRate: v.positiveNumber(NAME, 'recipe.learningRate', r.learningRate),
    momentum: v.nonNegNumber(NAME, 'recipe.momentum', r.momentum),
    weightDecay: v.nonNegNumber(NAME, 'recipe.weightDecay', r.weightDecay),
    decayEvery: v.positiveInt(NAME, 'recipe.decayEvery', r.decayEvery),
    decayFactor: v.positiveNumber(NAME, 'recipe.decayFactor', r.decayFactor),
    unfoldings: v.nonNegInt(NAME, 'recipe.unfoldings', r.unfoldings),
    initialization: v.oneOf(NAME, 'recipe.initialization', r.initialization, ['published', 'glorot'] as const),
  };
}

/** The settings of a run, checked and with the defaults filled in. */
function resolveOptions(options: ReproduceMlCscOptions) {
  const out = options.out;
  if (typeof out !== 'string' || out === '') v.reject(NAME, 'out', 'a folder path', out);
  const models = options.models ?? [...ML_CSC_MODELS];
  if (!Array.isArray(models) || models.length === 0) v.reject(NAME, 'models', 'a non-empty list', models);
  models.forEach((model, i) => v.oneOf(NAME, `models[${i}]`, model, ML_CSC_MODELS));
  if (new Set(models).size !== models.length) v.reject(NAME, 'models', 'a list without repeats', models);
  const setting = {
    epochs: v.positiveInt(NAME, 'epochs', options.epochs ?? ML_CSC_RECIPE.epochs),
    seed: v.nonNegInt(NAME, 'seed', options.seed ?? 0),
    trainDigits: v.positiveInt(NAME, 'trainDigits', options.trainDigits ?? ML_CSC_RECIPE.trainDigits),
    testDigits: v.positiveInt(NAME, 'testDigits', options.testDigits ?? ML_CSC_RECIPE.testDigits),
    recipe: resolveRecipe(options.recipe ?? {}),
  };
  if (setting.trainDigits > ML_CSC_RECIPE.trainDigits) v.reject(NAME, 'trainDigits', 'at most 60000', setting.trainDigits);
  if (setting.testDigits > ML_CSC_RECIPE.testDigits) v.reject(NAME, 'testDigits', 'at most 10000', setting.testDigits);
  if (options.checkpointMinutes !== undefined) v.positiveNumber(NAME, 'checkpointMinutes', options.checkpointMinutes);
  return {out, models, setting};
}

const runKey = (s: {epochs: number; seed: number; trainDigits: number; testDigits: number; recipe: MlCscRecipe}) =>
  `${s.epochs} epochs, seed ${s.seed}, ${s.trainDigits} training and ${s.testDigits} test digits, recipe ${JSON.stringify(s.recipe)}`;

/**
 * Trains every model with the published recipe (or its compressed version), measuring the test
 * accuracy after each epoch, and writes the run folder (see the file's comment). A run killed at
 * any moment continues with `resume` from its last checkpoint (at most `checkpointMinutes` back).
 */
export async function reproduceMlCsc(options: ReproduceMlCscOptions): Promise<MlCscReproduction> {
  const {out, models, setting} = resolveOptions(options);
  await fs.mkdir(out, {recursive: true});
  const stateFile = (model: MlCscModel) => path.join(out, model, 'state.json');
  if (!options.resume && (existsSync(path.join(out, 'results.json')) || models.some((m) => existsSync(stateFile(m))))) {
    throw new Error(`${NAME}: '${path.resolve(out)}' already holds a run; continue it with resume, or choose another folder`);
  }
  for (const model of models) {
    const state = await readState(stateFile(model));
    if (state && runKey(state) !== runKey(setting)) {
      throw new Error(`${NAME}: '${stateFile(model)}' is a run of ${runKey(state)}, not of ${runKey(setting)}`);
    }
  }
  const train = mnistFullDataset({split: 'train', size: 28}).first(setting.trainDigits);
  const test = mnistFullDataset({split: 'test', size: 28}).first(setting.testDigits);
  for (const model of models) {
    const dir = path.join(out, model);
    await fs.mkdir(dir, {recursive: true});
    const state: ModelState = await readState(stateFile(model)) ?? {
      model, ...setting, history: [], epoch: 0, batch: 0, running: {loss: 0, correct: 0, seen: 0, seconds: 0},
      checkpoint: null, optimizerSpecs: null, done: false,
    };
    await removeStaleTemporaries(dir, (entry) => /^ckpt-/.test(entry) && entry !== state.checkpoint);
    if (state.done) {
      options.log?.(`${model}: trained already (${state.epochs} epochs)`);
      continue;
    }
    if (state.epoch > 0 || state.batch > 0) options.log?.(`${model}: continuing at epoch ${state.epoch + 1}, batch ${state.batch + 1}`);
    (await trainModel(dir, state, train, test, options)).dispose();
  }
  return writeResults(options, out);
}

/** Reads the models' states in `out` and writes `results.json`, `results.md` and `accuracy.png`. */
async function writeResults(options: ReproduceMlCscOptions, out: string): Promise<MlCscReproduction> {
  const {models, setting} = resolveOptions({...options, out});
  const window = comparedEpochs(setting.epochs);
  const results: MlCscResult[] = [];
  for (const model of models) {
    const state = await readState(path.join(out, model, 'state.json'));
    const history = state?.history ?? [];
    const compared = history.filter((r) => r.epoch >= window[0] && r.epoch <= window[1]);
    results.push({
      model, published: PUBLISHED_ACCURACY[model], history,
      accuracy: compared.length === window[1] - window[0] + 1
        ? compared.reduce((s, r) => s + r.testAccuracy, 0) / compared.length : null,
      minutes: history.reduce((s, r) => s + r.seconds, 0) / 60, done: state?.done ?? false,
    });
  }
  const result: MlCscReproduction = {
    setting: {...setting, decayEvery: decayEvery(setting.epochs, setting.recipe), comparedEpochs: window},
    command: options.command, results,
  };
  await writeFileAtomic(path.join(out, 'results.json'), JSON.stringify(result, null, 1));
  await writeFileAtomic(path.join(out, 'results.md'), mlCscTable(result));
  const trained = results.filter((r) => r.history.length > 0);
  if (trained.length > 0) {
    const epochs = (r: MlCscResult) => r.history.map((e) => e.epoch);
    await writeLineChart(path.join(out, 'accuracy.png'), [
      {title: 'Test accuracy', yLabel: 'accuracy (%)',
       series: trained.map((r) => ({name: ML_CSC_LABEL[r.model], x: epochs(r), y: r.history.map((e) => e.testAccuracy)}))},
      {title: 'Training loss', yLabel: 'cross-entropy', logY: true,
       series: trained.map((r) => ({name: ML_CSC_LABEL[r.model], x: epochs(r), y: r.history.map((e) => e.trainLoss)}))},
    ], {xLabel: 'epoch', columns: 2, width: 960, height: 400});
  }
  return result;
}

/** The Markdown table: published against measured accuracy, the last epoch's, epochs and minutes. */
export function mlCscTable(result: MlCscReproduction): string {
  const {epochs, comparedEpochs: [first, last], trainDigits, testDigits} = result.setting;
  const span = first === last ? `epoch ${first}` : `epochs ${first}–${last}`;
  const rows = result.results.map((r) => {
    const final = r.history[r.history.length - 1];
    return `| ${ML_CSC_LABEL[r.model]} | ${r.published.toFixed(2)} | ${r.accuracy === null ? '—' : r.accuracy.toFixed(2)} | ` +
           `${final ? final.testAccuracy.toFixed(2) : '—'} | ${r.history.length}/${epochs} | ${r.minutes.toFixed(1)} |`;
  });
  return [
    `Test accuracy (%) on ${testDigits} standard test digits after training on ${trainDigits}; measured: the mean of ${span} ` +
    `of ${epochs} (published: the mean of epochs 81–99 of 100):`,
    '',
    '| model | published | measured | last epoch | epochs | minutes |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    ...(result.command ? [`Command: \`${result.command}\``, ''] : []),
  ].join('\n');
}
