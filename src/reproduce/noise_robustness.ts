/**
 * Robustness to noise of an ML-CSC classifier, with and without its unfoldings (docs/theory.md).
 * The ML-CSC reading of a CNN (docs/math.md §4) makes the forward pass layered thresholding, a
 * pursuit whose stability degrades with the noise `ε` reaching each layer, and the unfoldings of
 * ML-ISTA (ML-FISTA, ML-LISTA, layered basis pursuit) a pursuit of the same codes that fits every
 * layer to the data, as basis pursuit does: the sparse prior predicts that the unrolled model
 * keeps more of its accuracy under noise than its own weights run as a CNN (0 unfoldings).
 *
 * The test digits `x` (in [0, 1], the inputs of the classifiers of `reproduce ml-csc`) become
 * `x + σ·z` with `z ~ N(0, 1)` per pixel, drawn once from `seed` and shared by every σ and every
 * model, and are **not clipped** to [0, 1]: the noise is the additive white Gaussian noise
 * `Y = X + E` of the model's stability analysis (clipping would bias the black background upward).
 */
import * as tf from '@tensorflow/tfjs';
import {existsSync, promises as fs, statSync} from 'fs';
import * as path from 'path';
import {LayeredBasisPursuit} from '../../layers/layered_basis_pursuit';
import {LayeredThresholding} from '../../layers/layered_thresholding';
import {MlIsta} from '../../layers/ml_ista';
import {MlLista} from '../../layers/ml_lista';
import {mnistFullDataset} from '../data/mnist_full';
import {writeFileAtomic} from '../io/atomic_write';
import {FileSystemHandler} from '../io/file_system';
import {writeLineChart} from '../io/line_chart';
import {available, load, PRETRAINED_CLASSIFIERS} from '../pretrained/node';
import * as v from '../util/validate';

const NAME = 'reproduceNoiseRobustness';

/** The noise levels measured by default (standard deviations, on digits in [0, 1]). */
export const DEFAULT_SIGMAS: readonly number[] = [0, 0.1, 0.2, 0.3, 0.5];

/** The separately trained CNN measured beside the model by default. */
export const DEFAULT_REFERENCE = 'pretrained:ml-csc-mnist-cnn';

const PRETRAINED = 'pretrained:';
/** Digits per batch. */
const BATCH = 500;
/** The classes of layers whose unfoldings are set (their config's `iterations`). */
const UNROLLED = 'MlIsta, MlFista, MlLista or LayeredBasisPursuit';

export interface ReproduceNoiseRobustnessOptions {
  /**
   * The ML-CSC classifier: a folder holding `model.json` (or `model/model.json`), a `model.json`,
   * `'pretrained:NAME'` of a classifier, or a loaded model. Its first unrolled layer (ML-ISTA,
   * ML-FISTA, ML-LISTA or layered basis pursuit) is run with its trained unfoldings and with 0.
   * Inputs: digits `[batch, 28, 28, 1]` in [0, 1].
   */
  model: string | tf.LayersModel;
  /** Standard deviations σ of the noise, each ≥ 0. Default {@link DEFAULT_SIGMAS}. */
  sigmas?: number[];
  /** The first N digits of the standard test set (at most 10,000). Default 10,000. */
  digits?: number;
  /** Seed of the noise. Default 0. */
  seed?: number;
  /**
   * A classifier measured on the same noisy digits for reference (same forms as `model`), or
   * null for none. Default {@link DEFAULT_REFERENCE}, the CNN trained apart.
   */
  reference?: string | tf.LayersModel | null;
  /** If given, the folder where `accuracy.png`, `results.json` and `results.md` are written. */
  out?: string;
  /** The command that started the run, recorded in the results. */
  command?: string;
  log?: (line: string) => void;
}

/** One curve: a model's test accuracy (%) at each σ. */
export interface NoiseCurve {
  /** The legend's name (`ML-ISTA, 6 unfoldings`). */
  name: string;
  /** What was measured: the model's own unfoldings, the same weights with 0, or the reference. */
  role: 'unrolled' | 'zeroUnfoldings' | 'reference';
  /** Unfoldings of the run (null for the reference). */
  unfoldings: number | null;
  /** Accuracy (%) at each of the setting's σ. */
  accuracy: number[];
}

export interface NoiseRobustnessReproduction {
  setting: {model: string; reference: string | null; layer: string; unfoldings: number; sigmas: number[];
            digits: number; seed: number; clipped: false};
  command?: string;
  curves: NoiseCurve[];
  seconds: number;
}

/** The class names of a model's layers, for messages. */
function layerNames(model: tf.LayersModel): string {
  return `[${model.layers.map((l) => l.getClassName()).join(', ')}]`;
}

/**
 * Loads the classifier at `source`: a folder with `model.json` or `model/model.json`, a
 * `model.json`, or `pretrained:NAME` of a classifier; errors name it as the option `argument`.
 */
export async function loadClassifier(argument: string, source: string): Promise<tf.LayersModel> {
  const classifiers = PRETRAINED_CLASSIFIERS as readonly string[];
  const what = `a model folder, its model.json, or 'pretrained:NAME' of a classifier (${classifiers.map((n) => `'${n}'`).join(', ')})`;
  if (typeof source !== 'string' || source === '') v.reject(NAME, argument, what, source);
  if (source.startsWith(PRETRAINED)) {
    const name = source.slice(PRETRAINED.length);
    if (!classifiers.includes(name) || !available().includes(name)) v.reject(NAME, argument, what, source);
    return (await load(name as typeof PRETRAINED_CLASSIFIERS[number])).model;
  }
  if (!existsSync(source)) v.reject(NAME, argument, `${what}; no such file or folder`, source);
  const json = !statSync(source).isDirectory() ? source
    : [path.join(source, 'model.json'), path.join(source, 'model', 'model.json')].find((f) => existsSync(f));
  if (json === undefined) v.reject(NAME, argument, `${what}; the folder holds no model.json nor model/model.json`, source);
  return tf.loadLayersModel(new FileSystemHandler(path.resolve(json)));
}

/** The index of the first layer of `model` whose unfoldings can be set. */
function unrolledLayer(model: tf.LayersModel): number {
  const index = model.layers.findIndex((l) => l instanceof MlIsta || l instanceof MlLista || l instanceof LayeredBasisPursuit);
  if (index < 0) {
    const note = model.layers.some((l) => l instanceof LayeredThresholding) ? ' (layered thresholding, the CNN, has none)' : '';
    v.reject(NAME, 'model', `a classifier with an unrolled ML-CSC layer (${UNROLLED})${note}`, `a model of layers ${layerNames(model)}`);
  }
  return index;
}

/** The unfoldings of `model`'s first unrolled ML-CSC layer. */
export function unfoldingsOf(model: tf.LayersModel): number {
  return (model.layers[unrolledLayer(model)] as MlIsta | MlLista | LayeredBasisPursuit).iterations;
}

/**
 * A copy of `model` whose first unrolled ML-CSC layer runs `unfoldings` unfoldings (its config's
 * `iterations`), with the same weights: with 0 it is the CNN forward pass of those weights.
 */
export async function withUnfoldings(model: tf.LayersModel, unfoldings: number): Promise<tf.LayersModel> {
  v.nonNegInt('withUnfoldings', 'unfoldings', unfoldings);
  const index = unrolledLayer(model);
  const topology = model.toJSON(null, false) as unknown as tf.io.ModelJSON['modelTopology'] & {config: {layers: {config: {name: string}}[]}};
  const entry = topology.config.layers.find((l) => l.config.name === model.layers[index].name);
  if (entry === undefined) throw new Error(`withUnfoldings: the layer '${model.layers[index].name}' is not in the model's config`);
  (entry.config as {iterations?: number}).iterations = unfoldings;
  const copy = await tf.models.modelFromJSON({modelTopology: topology});
  const weights = model.getWeights();
  copy.setWeights(weights);
  return copy;
}

/**
 * Standard normal noise for the digits `offset … offset + count − 1` (of shape `[count, …shape]`):
 * one seeded stream per batch of 500 digits, so the same digits get the same noise
 * whatever the batches around them.
 */
export function digitNoise(seed: number, offset: number, count: number, shape: number[]): tf.Tensor {
  v.nonNegInt('digitNoise', 'seed', seed);
  if (offset % BATCH !== 0) v.reject('digitNoise', 'offset', `a multiple of ${BATCH}`, offset);
  // tfjs draws unseeded numbers for the seed 0: every stream here is seeded from 1 up.
  return tf.randomNormal([count, ...shape], 0, 1, 'float32', seed * 1_000_003 + offset / BATCH + 1);
}

/** A model argument as the legend names it: `pretrained:NAME` as NAME, a path by its last part. */
function shortName(given: string | tf.LayersModel): string {
  if (typeof given !== 'string') return given.name;
  if (given.startsWith(PRETRAINED)) return given.slice(PRETRAINED.length);
  const base = path.basename(given);
  return base === 'model.json' || base === 'model' ? path.basename(path.dirname(given)) : base;
}

/** The legend's name of a layer class. */
function pursuitName(model: tf.LayersModel): string {
  const layer = model.layers[unrolledLayer(model)];
  const names: Record<string, string> = {MlIsta: 'ML-ISTA', MlFista: 'ML-FISTA', MlLista: 'ML-LISTA', LayeredBasisPursuit: 'layered BP'};
  return names[layer.getClassName()] ?? layer.getClassName();
}

function checkInput(argument: string, model: tf.LayersModel): void {
  const shape = model.inputs[0].shape;
  if (shape.length !== 4 || shape[1] !== 28 || shape[2] !== 28 || shape[3] !== 1) {
    v.reject(NAME, argument, 'a classifier of digits [batch, 28, 28, 1]', `a model of input [${shape.slice(1).join(', ')}]`);
  }
}

/**
 * Measures the test accuracy of an ML-CSC classifier on MNIST test digits with additive Gaussian
 * noise of each σ, with its trained unfoldings and with 0 (the same weights as a CNN), and of a
 * reference classifier; writes `accuracy.png` (accuracy against σ, one line per model),
 * `results.json` and `results.md` to `out` if given.
 */
export async function reproduceNoiseRobustness(options: ReproduceNoiseRobustnessOptions): Promise<NoiseRobustnessReproduction> {
  if (typeof options !== 'object' || options === null) v.reject(NAME, 'options', 'an object', options);
  const sigmas = options.sigmas ?? [...DEFAULT_SIGMAS];
  if (!Array.isArray(sigmas) || sigmas.length === 0) v.reject(NAME, 'sigmas', 'a non-empty array of numbers ≥ 0', sigmas);
  sigmas.forEach((s, i) => v.nonNegNumber(NAME, `sigmas[${i}]`, s));
  const digits = v.positiveInt(NAME, 'digits', options.digits ?? 10000);
  if (digits > 10000) v.reject(NAME, 'digits', 'at most 10000 (the standard test set)', digits);
  const seed = v.nonNegInt(NAME, 'seed', options.seed ?? 0);
  if (options.out !== undefined && (typeof options.out !== 'string' || options.out === '')) v.reject(NAME, 'out', 'a folder path', options.out);
  const referenceArg = options.reference === undefined ? DEFAULT_REFERENCE : options.reference;

  const started = Date.now();
  const owned: tf.LayersModel[] = [];
  const resolve = async (argument: string, given: string | tf.LayersModel) => {
    if (given instanceof tf.LayersModel) return given;
    const model = await loadClassifier(argument, given as string);
    owned.push(model);
    return model;
  };
  const describe = (given: string | tf.LayersModel) => (typeof given === 'string' ? given : `(a model: ${given.name})`);
  try {
    const model = await resolve('model', options.model);
    checkInput('model', model);
    const unfoldings = unfoldingsOf(model);
    const zero = await withUnfoldings(model, 0);
    owned.push(zero);
    const reference = referenceArg === null ? null : await resolve('reference', referenceArg);
    if (reference) checkInput('reference', reference);

    const pursuit = pursuitName(model);
    const runs: {curve: NoiseCurve; model: tf.LayersModel; correct: number[]}[] = [
      {curve: {name: `${pursuit}, ${unfoldings} unfoldings`, role: 'unrolled', unfoldings, accuracy: []}, model, correct: []},
      {curve: {name: '0 unfoldings (same weights)', role: 'zeroUnfoldings', unfoldings: 0, accuracy: []}, model: zero, correct: []},
      ...(reference && referenceArg !== null
        ? [{curve: {name: `reference: ${shortName(referenceArg)}`, role: 'reference' as const, unfoldings: null, accuracy: []},
            model: reference, correct: []}]
        : []),
    ];
    for (const run of runs) run.correct = sigmas.map(() => 0);

    const test = mnistFullDataset({split: 'test', size: 28});
    for (let offset = 0; offset < digits; offset += BATCH) {
      const count = Math.min(BATCH, digits - offset);
      const {images, labels} = await test.take(count, offset);
      const clean = tf.tidy(() => tf.div(tf.add(images, 1), 2));
      const noise = digitNoise(seed, offset, count, [28, 28, 1]);
      sigmas.forEach((sigma, s) => {
        const noisy = tf.tidy(() => tf.add(clean, tf.mul(sigma, noise)));
        for (const run of runs) {
          run.correct[s] += tf.tidy(() => {
            const scores = run.model.predict(noisy) as tf.Tensor2D;
            return tf.sum(tf.cast(tf.equal(tf.argMax(scores, 1), labels), 'int32')).dataSync()[0];
          });
        }
        noisy.dispose();
      });
      tf.dispose([images, labels, clean, noise]);
      options.log?.(`${Math.min(offset + BATCH, digits)}/${digits} digits`);
    }
    for (const run of runs) run.curve.accuracy = run.correct.map((c) => 100 * c / digits);

    const result: NoiseRobustnessReproduction = {
      setting: {model: describe(options.model), reference: referenceArg === null ? null : describe(referenceArg),
                layer: model.layers[unrolledLayer(model)].getClassName(), unfoldings, sigmas: [...sigmas], digits, seed, clipped: false},
      ...(options.command === undefined ? {} : {command: options.command}),
      curves: runs.map((r) => r.curve),
      seconds: (Date.now() - started) / 1000,
    };
    if (options.out !== undefined) await writeNoiseRobustness(options.out, result);
    return result;
  } finally {
    owned.forEach((m) => m.dispose());
  }
}

/** Writes `accuracy.png`, `results.json` and `results.md` of `result` to `out`. */
export async function writeNoiseRobustness(out: string, result: NoiseRobustnessReproduction): Promise<void> {
  await fs.mkdir(out, {recursive: true});
  await writeFileAtomic(path.join(out, 'results.json'), JSON.stringify(result, null, 1));
  await writeFileAtomic(path.join(out, 'results.md'), noiseRobustnessTable(result));
  const {sigmas, digits} = result.setting;
  await writeLineChart(path.join(out, 'accuracy.png'), [
    {title: `Test accuracy on ${digits} noisy MNIST digits`, yLabel: 'accuracy (%)',
     series: result.curves.map((c) => ({name: c.name, x: sigmas, y: c.accuracy}))},
  ], {xLabel: 'noise σ (digits in [0, 1], not clipped)', columns: 1, width: 720, height: 440});
}

/** The Markdown table: accuracy (%) of each curve at each σ. */
export function noiseRobustnessTable(result: NoiseRobustnessReproduction): string {
  const {sigmas, digits, seed, model} = result.setting;
  return [
    `Test accuracy (%) on the first ${digits} standard MNIST test digits (in [0, 1]) plus σ·N(0, 1) noise per pixel ` +
    `(seed ${seed}, not clipped); model ${model}:`,
    '',
    `| model | ${sigmas.map((s) => `σ = ${s}`).join(' | ')} |`,
    `|---|${sigmas.map(() => '---').join('|')}|`,
    ...result.curves.map((c) => `| ${c.name} | ${c.accuracy.map((a) => a.toFixed(2)).join(' | ')} |`),
    '',
    ...(result.command ? [`Command: \`${result.command}\``, ''] : []),
  ].join('\n');
}
