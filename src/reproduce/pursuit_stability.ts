/**
 * The stability of the pursuits of the multi-layer convolutional sparse-coding model (Papyan,
 * Romano, Elad, JMLR 2017; Sulam et al., "On multi-layer basis pursuit, efficient algorithms and
 * convolutional neural networks", 2019), measured on planted signals: layered thresholding — the
 * forward pass of a CNN — recovers the supports only while the ratio `|Γ_max|/|Γ_min|` of the
 * non-zero coefficients is small, while layered basis pursuit, ML-ISTA and ML-FISTA do not depend
 * on that ratio; noise degrades them all, thresholding most.
 *
 * Every pursuit runs with the true dictionaries (`setWeights`: `kernel_i = D_i`, then the biases
 * `b_i`, then the steps `c_i = 1/‖D_i‖²`) on the signals of {@link plantedSignals}, for every
 * ratio and noise level of the sweep. A run folder holds `stability.json`, `stability.md` and
 * `stability.png`.
 */
import * as tf from '@tensorflow/tfjs';
import {promises as fs} from 'fs';
import * as path from 'path';
import {layeredBasisPursuit} from '../../layers/layered_basis_pursuit';
import {layeredThresholding} from '../../layers/layered_thresholding';
import {MultiLayerCsc} from '../../layers/ml_csc_common';
import {mlFista} from '../../layers/ml_fista';
import {mlIsta} from '../../layers/ml_ista';
import {writeFileAtomic} from '../io/atomic_write';
import {writeLineChart} from '../io/line_chart';
import {ConvDictionary} from '../ops/dictionary';
import {powerIteration} from '../ops/power_iteration';
import * as v from '../util/validate';
import {checkedShape, codeLengths, PLANTED_CODE_NON_ZEROS, plantedDictionaries, PlantedModelShape, plantedSignals} from './planted_ml_csc';

const NAME = 'reproducePursuitStability';

/** The pursuits compared, by the name of their sparseland layer. */
export const PURSUITS = ['layeredThresholding', 'layeredBasisPursuit', 'mlIsta', 'mlFista'] as const;
export type Pursuit = typeof PURSUITS[number];

/** The default sweep and the constants of the recipe. */
export const PURSUIT_STABILITY_RECIPE = {
  ratios: [1, 2, 4, 8, 16], noise: [0, 0.05], signals: 200, codeNonZeros: PLANTED_CODE_NON_ZEROS,
  /** ISTA/FISTA steps per layer (layered BP) and unfoldings (ML-ISTA, ML-FISTA). */
  iterations: 200,
  /** `ξ_i = xiFloor + xiPerNoise·σ`, the ℓ₁ weight of every layer of the BP-type pursuits. */
  xiFloor: 0.02, xiPerNoise: 3,
  /** An entry of an estimated code belongs to its support when it exceeds this (the smallest planted non-zero of `Γ_L` is 1). */
  tolerance: 0.05,
} as const;

/** The support recovery and error of one pursuit at one ratio and noise level. */
export interface StabilityCell {
  pursuit: Pursuit;
  ratio: number;
  noise: number;
  /** Fraction of the signals whose estimated `Γ_L` has exactly the true support (entries > tolerance). */
  support: number;
  /** Mean over the signals of `‖Γ̂_L − Γ_L‖/‖Γ_L‖`. */
  error: number;
  /** The thresholds `β_i = −b_i` of every layer (layered thresholding: the oracle's; the others: `c_iξ_i`). */
  thresholds: number[];
}

export interface ReproducePursuitStabilityOptions {
  /** The run folder. */
  out: string;
  /** Ratios `|Γ_max|/|Γ_min|` of `Γ_L`, each ≥ 1. Default 1, 2, 4, 8, 16. */
  ratios?: number[];
  /** Noise levels `σ` (standard deviation per entry of `x`), each ≥ 0. Default 0, 0.05. */
  noise?: number[];
  /** Signals per ratio and noise level. Default 200. */
  signals?: number;
  /** Seed of the dictionaries, the codes and the noise. Default 0. */
  seed?: number;
  /** ISTA steps and unfoldings of the BP-type pursuits. Default 200. */
  iterations?: number;
  /** The model's sizes (see {@link PlantedModelShape}). Default `PLANTED_SHAPE`. */
  shape?: PlantedModelShape;
  /** The command that started the run, recorded in the results. */
  command?: string;
  log?: (line: string) => void;
}

export interface PursuitStabilityReproduction {
  setting: {ratios: number[]; noise: number[]; signals: number; seed: number; iterations: number; codeNonZeros: number;
            xiFloor: number; xiPerNoise: number; tolerance: number; shape: Required<PlantedModelShape>;
            coherences: number[]; steps: number[]};
  command?: string;
  cells: StabilityCell[];
}

/** A non-empty list of numbers, each checked by `check`. */
function numberList(name: string, value: unknown, check: (n: unknown, at: string) => number): number[] {
  if (!Array.isArray(value) || value.length === 0) v.reject(NAME, name, 'a non-empty array of numbers', value);
  return value.map((n, i) => check(n, `${name}[${i}]`));
}

function ratioValue(n: unknown, at: string): number {
  if (typeof n !== 'number' || !Number.isFinite(n) || !(n >= 1)) v.reject(NAME, at, 'a finite ratio ≥ 1', n);
  return n;
}

/**
 * The oracle threshold of layered thresholding at one layer: the `β` for which
 * `ReLU(corr − β)` has exactly the true support in the most signals. Signal `b` is recovered for
 * every `β` in `(off_b, on_b)`, with `on_b` the smallest correlation on its support and `off_b`
 * the largest off it; `β` is the middle of the widest interval covered by the most of those
 * intervals. When no signal can be separated, `β` is the median of `(on_b + off_b)/2`.
 * `correlations` and `truth` are `[batch, ...]` of one shape.
 */
export function oracleThreshold(correlations: tf.Tensor, truth: tf.Tensor, tolerance = 0): number {
  const batch = truth.shape[0];
  const size = truth.size / batch;
  const c = correlations.dataSync();
  const t = truth.dataSync();
  const on: number[] = [];
  const off: number[] = [];
  for (let b = 0; b < batch; b++) {
    let [low, high] = [Infinity, -Infinity];
    for (let e = b * size; e < (b + 1) * size; e++) {
      if (t[e] > 0) low = Math.min(low, c[e]);
      else high = Math.max(high, c[e]);
    }
    on.push(low);
    off.push(high);
  }
  const points = [...new Set([...on, ...off].filter(Number.isFinite))].sort((a, b) => a - b);
  let best = {count: 0, beta: NaN};
  for (let p = 0; p + 1 < points.length; p++) {
    const mid = (points[p] + points[p + 1]) / 2;
    const count = on.filter((o, b) => off[b] < mid && mid < o).length;
    if (count > best.count) best = {count, beta: mid};
  }
  if (best.count > 0) return best.beta - tolerance;
  const middles = on.map((o, b) => (o + off[b]) / 2).filter(Number.isFinite).sort((a, b) => a - b);
  return (middles[Math.floor(middles.length / 2)] ?? 0) - tolerance;
}

/**
 * Support recovery and error of estimates `Γ̂_L` of codes `Γ_L` (`[batch, ...]`): the fraction of
 * signals with `{Γ̂_L > tolerance} = {Γ_L > 0}`, and the mean of `‖Γ̂_L − Γ_L‖/‖Γ_L‖`.
 */
export function recoveryMeasures(estimate: tf.Tensor, truth: tf.Tensor, tolerance: number): {support: number; error: number} {
  const batch = truth.shape[0];
  const size = truth.size / batch;
  const g = estimate.dataSync();
  const t = truth.dataSync();
  let [recovered, error] = [0, 0];
  for (let b = 0; b < batch; b++) {
    let [same, diff, norm] = [true, 0, 0];
    for (let e = b * size; e < (b + 1) * size; e++) {
      if ((g[e] > tolerance) !== (t[e] > 0)) same = false;
      diff += (g[e] - t[e]) ** 2;
      norm += t[e] ** 2;
    }
    if (same) recovered++;
    error += Math.sqrt(diff / norm);
  }
  return {support: recovered / batch, error: error / batch};
}

/** The pursuit's layer for the dictionaries `D_i`, built for signals `[batch, 1, n, C₀]`. */
function pursuitLayer(pursuit: Pursuit, dictionaries: tf.Tensor4D[], signalLength: number, iterations: number): MultiLayerCsc {
  const args = {filters: dictionaries.map((d) => d.shape[3]), kernelSize: dictionaries.map((d) => [1, d.shape[1]] as [number, number]),
                padding: 'valid' as const};
  const layer = pursuit === 'layeredThresholding' ? layeredThresholding(args)
    : pursuit === 'layeredBasisPursuit' ? layeredBasisPursuit({...args, iterations, fista: true})
    : pursuit === 'mlIsta' ? mlIsta({...args, iterations}) : mlFista({...args, iterations});
  layer.build([null, 1, signalLength, dictionaries[0].shape[2]]);
  return layer;
}

/** `c_i = 1/‖D_i‖²` for the codes of signals of length `n` (100 power-iteration steps from a seeded start). */
export function stepSizes(dictionaries: tf.Tensor4D[], signalLength: number): number[] {
  const lengths = codeLengths(signalLength, dictionaries.map((d) => d.shape[1]));
  return dictionaries.map((d, i) => {
    const op = new ConvDictionary(d, 1, 'valid');
    const start = tf.randomNormal([1, 1, lengths[i], d.shape[3]], 0, 1, 'float32', i + 1);
    const {value, vector} = powerIteration(op, start, 100);
    const step = 1 / value.dataSync()[0];
    tf.dispose([start, value, vector]);
    return step;
  });
}

/**
 * Layered thresholding with the oracle thresholds: layer by layer, `β_i` is
 * {@link oracleThreshold} of `D_iᵀΓ̂_{i−1}` against `Γ_i`, and `Γ̂_i = ReLU(D_iᵀΓ̂_{i−1} − β_i)`.
 * Returns the `β_i`.
 */
export function oracleThresholds(dictionaries: tf.Tensor4D[], x: tf.Tensor4D, codes: tf.Tensor4D[], tolerance: number): number[] {
  const betas: number[] = [];
  let signal = x;
  dictionaries.forEach((d, i) => {
    const correlations = tf.conv2d(signal, d, 1, 'valid');
    const beta = oracleThreshold(correlations, codes[i], i === dictionaries.length - 1 ? tolerance : 0);
    betas.push(beta);
    const next = tf.tidy(() => tf.relu(tf.sub(correlations, beta)) as tf.Tensor4D);
    correlations.dispose();
    if (signal !== x) signal.dispose();
    signal = next;
  });
  signal.dispose();
  return betas;
}

/**
 * The estimate `Γ̂_L` of one pursuit, run as its sparseland layer with weights `D_i`, biases
 * `−β_i` (every channel) and, but for thresholding, steps `c_i`.
 */
export function runPursuit(pursuit: Pursuit, dictionaries: tf.Tensor4D[], x: tf.Tensor4D, thresholds: number[], steps: number[],
                           iterations: number): tf.Tensor {
  const layer = pursuitLayer(pursuit, dictionaries, x.shape[2], iterations);
  const weights = tf.tidy(() => [
    ...dictionaries.flatMap((d, i) => [d.clone(), tf.fill([d.shape[3]], -thresholds[i])]),
    ...(pursuit === 'layeredThresholding' ? [] : steps.map((c) => tf.tensor1d([c]))),
  ]);
  layer.setWeights(weights);
  tf.dispose(weights);
  // A layer keeps every unfolding's tensors until its call ends (training needs them): at 200
  // unfoldings a batch of 200 signals would outgrow the wasm heap, so the signals go in chunks.
  const chunks: tf.Tensor[] = [];
  for (let start = 0; start < x.shape[0]; start += PURSUIT_CHUNK) {
    const size = Math.min(PURSUIT_CHUNK, x.shape[0] - start);
    chunks.push(tf.tidy(() => layer.apply(tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1])) as tf.Tensor));
  }
  const estimate = chunks.length === 1 ? chunks[0] : tf.concat(chunks);
  if (chunks.length > 1) tf.dispose(chunks);
  layer.weights.forEach((w) => w.dispose());
  return estimate;
}

/** Signals per call of a pursuit's layer. */
const PURSUIT_CHUNK = 50;

/**
 * Runs the sweep: for every noise level `σ` and ratio, draws `signals` planted signals (the same
 * dictionaries throughout) and measures every pursuit's support recovery and error on `Γ_L`.
 * Thresholding gets the oracle thresholds; the BP-type pursuits the ℓ₁ weight
 * `ξ_i = xiFloor + xiPerNoise·σ` at every layer (`b_i = −c_iξ_i`). Writes the run folder.
 */
export async function reproducePursuitStability(options: ReproducePursuitStabilityOptions): Promise<PursuitStabilityReproduction> {
  const out = options.out;
  if (typeof out !== 'string' || out === '') v.reject(NAME, 'out', 'a folder path', out);
  const recipe = PURSUIT_STABILITY_RECIPE;
  const ratios = numberList('ratios', options.ratios ?? [...recipe.ratios], ratioValue);
  const noise = numberList('noise', options.noise ?? [...recipe.noise], (n, at) => v.nonNegNumber(NAME, at, n));
  const signals = v.positiveInt(NAME, 'signals', options.signals ?? recipe.signals);
  const seed = v.nonNegInt(NAME, 'seed', options.seed ?? 0);
  const iterations = v.positiveInt(NAME, 'iterations', options.iterations ?? recipe.iterations);
  const shape = checkedShape(NAME, options.shape);
  const log = options.log ?? (() => undefined);

  const {dictionaries, coherences} = plantedDictionaries(shape, seed);
  const steps = stepSizes(dictionaries, shape.signalLength);
  log(`dictionaries: μ = ${coherences.map((mu) => mu.toFixed(3)).join(', ')}; steps c_i = ${steps.map((c) => c.toFixed(3)).join(', ')}`);
  const cells: StabilityCell[] = [];
  try {
    for (const [n, sigma] of noise.entries()) {
      for (const [r, ratio] of ratios.entries()) {
        const planted = plantedSignals({dictionaries, signalLength: shape.signalLength, signals, ratio, noise: sigma,
                                        codeNonZeros: recipe.codeNonZeros, seed: seed + 1 + n * ratios.length + r});
        const truth = planted.codes[planted.codes.length - 1];
        const xi = recipe.xiFloor + recipe.xiPerNoise * sigma;
        for (const pursuit of PURSUITS) {
          const thresholds = pursuit === 'layeredThresholding' ? oracleThresholds(dictionaries, planted.x, planted.codes, recipe.tolerance)
            : steps.map((c) => c * xi);
          const estimate = runPursuit(pursuit, dictionaries, planted.x, thresholds, steps, iterations);
          cells.push({pursuit, ratio, noise: sigma, ...recoveryMeasures(estimate, truth, recipe.tolerance), thresholds});
          estimate.dispose();
        }
        tf.dispose([...planted.codes, planted.clean, planted.x]);
        log(`σ ${sigma}, ratio ${ratio}: ${cells.slice(-PURSUITS.length).map((c) =>
          `${c.pursuit} ${(100 * c.support).toFixed(0)} % (error ${c.error.toFixed(3)})`).join(', ')}`);
      }
    }
  } finally {
    tf.dispose(dictionaries);
  }
  const result: PursuitStabilityReproduction = {
    setting: {ratios, noise, signals, seed, iterations, codeNonZeros: recipe.codeNonZeros, xiFloor: recipe.xiFloor,
              xiPerNoise: recipe.xiPerNoise, tolerance: recipe.tolerance, shape, coherences, steps},
    command: options.command, cells,
  };
  await fs.mkdir(out, {recursive: true});
  await writeStabilityResults(out, result);
  return result;
}

const LABEL: Record<Pursuit, string> = {
  layeredThresholding: 'layered thresholding', layeredBasisPursuit: 'layered BP', mlIsta: 'ML-ISTA', mlFista: 'ML-FISTA',
};

/** The Markdown table: support recovery (%) and relative error of every pursuit, one row per noise level and ratio. */
export function stabilityTable(result: PursuitStabilityReproduction): string {
  const {setting, cells} = result;
  const rows: string[] = [];
  for (const sigma of setting.noise) {
    for (const ratio of setting.ratios) {
      const at = PURSUITS.map((p) => cells.find((c) => c.pursuit === p && c.ratio === ratio && c.noise === sigma)!);
      rows.push(`| ${sigma} | ${ratio} | ${at.map((c) => `${(100 * c.support).toFixed(1)}`).join(' | ')} | ` +
                `${at.map((c) => c.error.toFixed(3)).join(' | ')} |`);
    }
  }
  const names = PURSUITS.map((p) => LABEL[p]);
  return [
    `Support recovery of Γ_${setting.shape.filters.length} (% of ${setting.signals} signals) and mean relative error ` +
    `‖Γ̂ − Γ‖/‖Γ‖, by noise σ and ratio |Γmax|/|Γmin|; μ(D_i) = ${setting.coherences.map((mu) => mu.toFixed(3)).join(', ')}:`,
    '',
    `| σ | ratio | ${names.map((n) => `support: ${n}`).join(' | ')} | ${names.map((n) => `error: ${n}`).join(' | ')} |`,
    `|${'---|'.repeat(2 + 2 * names.length)}`,
    ...rows,
    '',
    ...(result.command ? [`Command: \`${result.command}\``, ''] : []),
  ].join('\n');
}

/** Writes `stability.json`, `stability.md` and `stability.png` (support recovery and error against the ratio) into `out`. */
export async function writeStabilityResults(out: string, result: PursuitStabilityReproduction): Promise<void> {
  await writeFileAtomic(path.join(out, 'stability.json'), JSON.stringify(result, null, 1));
  await writeFileAtomic(path.join(out, 'stability.md'), stabilityTable(result));
  const {ratios, noise} = result.setting;
  const series = (measure: 'support' | 'error') => noise.flatMap((sigma) => PURSUITS.map((p) => ({
    name: `${LABEL[p]}, σ ${sigma}`, x: ratios,
    y: ratios.map((ratio) => {
      const cell = result.cells.find((c) => c.pursuit === p && c.ratio === ratio && c.noise === sigma)!;
      return measure === 'support' ? 100 * cell.support : cell.error;
    }),
  })));
  await writeLineChart(path.join(out, 'stability.png'), [
    {title: 'Support recovery of the deepest code', yLabel: 'signals recovered (%)', series: series('support')},
    {title: 'Relative error of the deepest code', yLabel: '‖Γ̂ − Γ‖/‖Γ‖', series: series('error')},
  ], {xLabel: 'ratio |Γmax|/|Γmin|', columns: 2, width: 1100, height: 440});
}
