/**
 * Energy propagation in deep convolutional networks (Wiatowski, Grohs, Bölcskei, IEEE Trans. Inf.
 * Theory 64, 2018; docs/math.md §7), measured: a scattering network (2-D Morlet filter bank,
 * modulus, low-pass output at every layer; `sl.analysis.scatteringEnergy`) on MNIST digits and on
 * natural-image patches, then the energy per layer of the trained CSC-CTRL encoder and ML-CSC CNN.
 *
 * For the scattering network, with `W_n`, `O_n` the propagated and output energies at depth `n`
 * divided by `‖f‖²` (see src/analysis/scattering.ts):
 * - the **decay**: `W_n ≈ C·r^n`, `r` fitted by least squares on `log W_n`, `n = 1 … N`;
 * - the **depth for ε**: the smallest `N` with `Σ_{n<N} O_n ≥ 1 − ε`, on the mean over the signals
 *   and for every signal, and the `N` at which the fit gives `C·r^N ≤ ε` (for a Parseval bank
 *   `Σ_{n<N} O_n = 1 − W_N`);
 * - the **frame bounds**: `A_N = min_f Σ_{n<N} O_n(f)`, `B_N = max_f (Σ_{n<N} O_n + W_N + P)(f)`
 *   (`P`: the energy of pruned paths), so that `A_N ≤ |||Φ(f)|||²/‖f‖² ≤ B_N` for every signal
 *   measured, whatever the depth beyond `N`.
 *
 * For a trained model, which has no low-pass output, the measurement is the energy of each
 * layer's output, `‖U_ℓ(x)‖²/‖x‖²`: its mean, minimum and maximum over the signals.
 */
import * as tf from '@tensorflow/tfjs';
import {promises as fs} from 'fs';
import * as path from 'path';
import {MultiLayerCsc} from '../../layers/ml_csc_common';
import {disposeFilterBank, FILTER_NORMALIZATIONS, FilterNormalization, morletFilterBank, scatteringEnergy} from '../analysis/scattering';
import {energyPerSample} from '../analysis/energy';
import {mnistFullDataset} from '../data/mnist_full';
import {naturalPatches} from '../data/natural_patches';
import {writeFileAtomic} from '../io/atomic_write';
import {writeLineChart} from '../io/line_chart';
import {load as loadPretrained} from '../pretrained/node';
import * as v from '../util/validate';

const NAME = 'reproduceEnergyDecay';

/** The defaults of `sparseland reproduce energy-decay`. */
export const ENERGY_DECAY_RECIPE = {
  digits: 200, patchStride: 8, size: 32, scales: 3, orientations: 4, depth: 3, prune: 0,
  normalization: 'parseval' as FilterNormalization, epsilons: [0.1, 0.01],
} as const;

/** Mean, minimum and maximum over the signals. */
export interface Spread {
  mean: number;
  min: number;
  max: number;
}

function spread(values: number[]): Spread {
  return {mean: values.reduce((a, e) => a + e, 0) / values.length, min: Math.min(...values), max: Math.max(...values)};
}

/** `W_n ≈ constant·rate^n`. */
export interface DecayFit {
  rate: number;
  constant: number;
}

/**
 * The least-squares fit of `log w_n = log C + n log r` over `n = from … w.length − 1` (positive
 * values only): `w_n ≈ C·r^n`. Needs two such points.
 */
export function fitDecay(w: number[], from = 1): DecayFit {
  if (!Array.isArray(w) || !w.every((e) => typeof e === 'number' && Number.isFinite(e))) v.reject('fitDecay', 'w', 'an array of finite numbers', w);
  v.nonNegInt('fitDecay', 'from', from);
  const points = w.map((e, n) => [n, e]).filter(([n, e]) => n >= from && e > 0).map(([n, e]) => [n, Math.log(e)]);
  if (points.length < 2) v.reject('fitDecay', 'w', `at least two positive values from index ${from}`, w);
  const mx = points.reduce((a, [n]) => a + n, 0) / points.length;
  const my = points.reduce((a, [, y]) => a + y, 0) / points.length;
  const slope = points.reduce((a, [n, y]) => a + (n - mx) * (y - my), 0) / points.reduce((a, [n]) => a + (n - mx) ** 2, 0);
  return {rate: Math.exp(slope), constant: Math.exp(my - slope * mx)};
}

/** The depth that keeps `1 − ε` of the input energy. */
export interface DepthForEpsilon {
  epsilon: number;
  /** Smallest `N` with mean `Σ_{n<N} O_n ≥ 1 − ε`; null if not reached at the depth measured. */
  mean: number | null;
  /** Smallest `N` with `Σ_{n<N} O_n ≥ 1 − ε` for every signal; null if not reached. */
  all: number | null;
  /** Smallest `N` with `C·r^N ≤ ε` (the fitted decay; for a Parseval bank, the same criterion). */
  fitted: number;
}

/** The smallest `N ≤ kept.length` with `kept[N] ≥ 1 − ε` for every row of `kept` (`kept[s][N] = Σ_{n<N} O_n(f_s)`), or null. */
export function depthKeeping(kept: number[][], epsilon: number): number | null {
  v.positiveNumber('depthKeeping', 'epsilon', epsilon);
  const depths = kept[0]?.length ?? 0;
  for (let N = 0; N < depths; N++) if (kept.every((row) => row[N] >= 1 - epsilon)) return N;
  return null;
}

/** The scattering measurement on one set of signals. */
export interface ScatteringMeasurement {
  data: string;
  signals: number;
  /** `W_n/‖f‖²`, `n = 0 … N`. */
  propagated: Spread[];
  /** `O_n/‖f‖²`, `n = 0 … N − 1`. */
  output: Spread[];
  /** `Σ_{n<N} O_n/‖f‖²` for `N = 0 … depth`. */
  kept: Spread[];
  /** Energy of the pruned paths `P_n/‖f‖²`, `n = 0 … N`. */
  pruned: Spread[];
  paths: number[];
  fit: DecayFit;
  depths: DepthForEpsilon[];
  /** `A_N ≤ |||Φ(f)|||²/‖f‖² ≤ B_N` over the signals (see the module's comment). */
  frame: {lower: number; upper: number};
  seconds: number;
}

/** The energy per layer of a trained model on one set of signals. */
export interface ModelMeasurement {
  model: string;
  data: string;
  signals: number;
  layers: ({name: string} & Spread)[];
}

export interface EnergyDecayReproduction {
  setting: {digits: number; patches: number; patchStride: number; size: number; scales: number; orientations: number; depth: number;
            prune: number; normalization: FilterNormalization; epsilons: number[]; lpMin: number; lpMax: number};
  command?: string;
  scattering: ScatteringMeasurement[];
  models: ModelMeasurement[];
}

export interface ReproduceEnergyDecayOptions {
  out: string;
  /** MNIST test digits. Default 200. */
  digits?: number;
  /** Step between the 32 × 32 patches of the natural image (169 patches at 8). Default 8. */
  patchStride?: number;
  /** Scales `J`. Default 3. */
  scales?: number;
  /** Orientations `L`. Default 4. */
  orientations?: number;
  /** Depth `N`. Default 3. */
  depth?: number;
  /** Path pruning (see `scatteringEnergy`). Default 0. */
  prune?: number;
  /** Default `'parseval'`. */
  normalization?: FilterNormalization;
  /** Skip the pretrained models. Default false. */
  skipModels?: boolean;
  command?: string;
  log?: (line: string) => void;
}

/** Measures the scattering network's energies on `x` (`[B, n, n, 1]`). */
export function measureScattering(data: string, x: tf.Tensor4D, bank: ReturnType<typeof morletFilterBank>, depth: number,
                                  prune: number, epsilons: number[]): ScatteringMeasurement {
  const started = Date.now();
  const energy = scatteringEnergy(bank, x, {depth, prune});
  const signals = x.shape[0];
  const perSignal = (rows: number[][]) => Array.from({length: signals}, (_, s) => rows.map((row) => row[s]));
  const outputs = perSignal(energy.output);
  const kept = outputs.map((o) => o.reduce((acc, e) => [...acc, acc[acc.length - 1] + e], [0]));
  const propagated = energy.propagated.map(spread);
  const fit = fitDecay(propagated.map((p) => p.mean));
  const depths = epsilons.map((epsilon) => ({
    epsilon,
    mean: depthKeeping([kept[0].map((_, N) => kept.reduce((a, row) => a + row[N], 0) / signals)], epsilon),
    all: depthKeeping(kept, epsilon),
    fitted: Math.max(0, Math.ceil(Math.log(epsilon / fit.constant) / Math.log(fit.rate))),
  }));
  const upper = Array.from({length: signals}, (_, s) =>
    kept[s][depth] + energy.propagated[depth][s] + energy.pruned.reduce((a, row) => a + row[s], 0));
  return {
    data, signals, propagated, output: energy.output.map(spread), kept: kept[0].map((_, N) => spread(kept.map((row) => row[N]))),
    pruned: energy.pruned.map(spread), paths: energy.paths, fit, depths,
    frame: {lower: Math.min(...kept.map((row) => row[depth])), upper: Math.max(...upper)},
    seconds: (Date.now() - started) / 1000,
  };
}

/**
 * The codes `Γ_1 … Γ_L` of a layered-thresholding layer (`ReLU(conv2d(Γ_{i−1}, W_i, s_i) + b_i)`,
 * the CNN's feature maps): `‖Γ_i‖²/‖x‖²` per layer and signal.
 */
export function thresholdingEnergies(layer: MultiLayerCsc, x: tf.Tensor4D): number[][] {
  const weights = layer.getWeights();
  const depth = layer.filters.length;
  return tf.tidy(() => {
    const energy = (t: tf.Tensor) => tf.sum(tf.square(t), [1, 2, 3]);
    const input = energy(x);
    const ratios: number[][] = [];
    let code: tf.Tensor4D = x;
    for (let i = 0; i < depth; i++) {
      const z = tf.conv2d(code, weights[2 * i] as tf.Tensor4D, layer.strides[i], layer.padding);
      code = tf.relu(layer.useBias ? tf.add(z, weights[2 * i + 1]) : z) as tf.Tensor4D;
      ratios.push(Array.from(tf.div(energy(code), input).dataSync()));
    }
    return ratios;
  });
}

/** The first `count` standard MNIST test digits, `[count, 32, 32, 1]` in [−1, 1] (padded with −1). */
async function testDigits(count: number): Promise<tf.Tensor4D> {
  const {images, labels} = await mnistFullDataset({split: 'test', size: 32}).take(count);
  labels.dispose();
  return images as tf.Tensor4D;
}

/**
 * Runs the measurement and writes `energy.json`, `energy.md` and `energy.png` into `out`.
 * Scattering: digits in [0, 1] zero-padded to 32 × 32, the patches in [0, 1]. CSC-CTRL encoder
 * (`pretrained:mnist-csc-ctrl`): its inputs, `[32, 32, 1]` in [−1, 1] (digits padded with −1,
 * patches `2p − 1`). ML-CSC CNN (`pretrained:ml-csc-mnist-cnn`): `[28, 28, 1]` in [0, 1] (the
 * digits unpadded, the central 28 × 28 of each patch).
 */
export async function reproduceEnergyDecay(options: ReproduceEnergyDecayOptions): Promise<EnergyDecayReproduction> {
  const out = options.out;
  if (typeof out !== 'string' || out === '') v.reject(NAME, 'out', 'a folder path', out);
  const r = ENERGY_DECAY_RECIPE;
  const digits = v.positiveInt(NAME, 'digits', options.digits ?? r.digits);
  if (digits > 10000) v.reject(NAME, 'digits', 'at most 10000 (the test digits)', digits);
  const patchStride = v.positiveInt(NAME, 'patchStride', options.patchStride ?? r.patchStride);
  const scales = v.positiveInt(NAME, 'scales', options.scales ?? r.scales);
  const orientations = v.positiveInt(NAME, 'orientations', options.orientations ?? r.orientations);
  const depth = v.positiveInt(NAME, 'depth', options.depth ?? r.depth);
  const prune = v.nonNegNumber(NAME, 'prune', options.prune ?? r.prune);
  if (prune >= 1) v.reject(NAME, 'prune', 'a fraction in [0, 1)', prune);
  const normalization = v.oneOf(NAME, 'normalization', options.normalization ?? r.normalization, FILTER_NORMALIZATIONS);
  const skipModels = v.bool(NAME, 'skipModels', options.skipModels ?? false);
  const log = options.log ?? (() => undefined);
  const epsilons = [...r.epsilons];

  const signed = await testDigits(digits);
  const patches = naturalPatches({size: r.size, stride: patchStride});
  const unit = tf.tidy(() => tf.div(tf.add(signed, 1), 2) as tf.Tensor4D);
  const bank = morletFilterBank({size: r.size, scales, orientations, normalization});
  const scattering: ScatteringMeasurement[] = [];
  const models: ModelMeasurement[] = [];
  try {
    log(`filter bank: J = ${scales}, L = ${orientations}, ${normalization}; Littlewood–Paley sum in [${bank.lpMin.toFixed(4)}, ${bank.lpMax.toFixed(4)}]`);
    for (const [data, x] of [['mnist', unit], ['patches', patches]] as const) {
      const m = measureScattering(data, x, bank, depth, prune, epsilons);
      scattering.push(m);
      log(`scattering on ${data} (${m.signals} signals, ${m.seconds.toFixed(1)} s): W_n = ${m.propagated.map((p) => p.mean.toExponential(3)).join(', ')}; ` +
          `r = ${m.fit.rate.toFixed(3)}; frame bounds [${m.frame.lower.toFixed(4)}, ${m.frame.upper.toFixed(4)}]`);
    }
    if (!skipModels) {
      const {encoder, decoder} = await loadPretrained('mnist-csc-ctrl');
      const centre = (r.size - 28) / 2;
      try {
        for (const [data, x] of [['mnist', signed], ['patches', patches]] as const) {
          const input = data === 'mnist' ? x : tf.tidy(() => tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D);
          const ratios = energyPerSample(encoder, input);
          if (input !== x) input.dispose();
          models.push({model: 'mnist-csc-ctrl encoder', data, signals: x.shape[0],
                       layers: encoder.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l, i) => ({name: l.name, ...spread(ratios[i])}))});
        }
      } finally {
        encoder.dispose();
        decoder.dispose();
      }
      const {model} = await loadPretrained('ml-csc-mnist-cnn');
      try {
        const layer = model.layers.find((l) => l instanceof MultiLayerCsc) as MultiLayerCsc;
        for (const [data, x] of [['mnist', unit], ['patches', patches]] as const) {
          const input = tf.tidy(() => tf.slice(x, [0, centre, centre, 0], [-1, 28, 28, 1]) as tf.Tensor4D);
          const ratios = thresholdingEnergies(layer, input);
          input.dispose();
          models.push({model: 'ml-csc-mnist-cnn', data, signals: x.shape[0],
                       layers: ratios.map((row, i) => ({name: `Γ${i + 1}`, ...spread(row)}))});
        }
      } finally {
        model.dispose();
      }
      for (const m of models.slice(-4)) log(`${m.model} on ${m.data}: ${m.layers.map((l) => `${l.name} ${l.mean.toPrecision(3)}`).join(', ')}`);
    }
  } finally {
    disposeFilterBank(bank);
    tf.dispose([signed, unit, patches]);
  }
  const result: EnergyDecayReproduction = {
    setting: {digits, patches: scattering[1].signals, patchStride, size: r.size, scales, orientations, depth, prune, normalization, epsilons,
              lpMin: bank.lpMin, lpMax: bank.lpMax},
    command: options.command, scattering, models,
  };
  await fs.mkdir(out, {recursive: true});
  await writeEnergyResults(out, result);
  return result;
}

const DATA_LABEL: Record<string, string> = {mnist: 'MNIST digits', patches: 'natural-image patches'};
const SHORT: Record<string, string> = {mnist: 'MNIST', patches: 'patches'};

/** `x` to 4 significant digits, or `–`. */
const show = (x: number | null) => (x === null ? '–' : Number(x.toPrecision(4)).toString());

/** The Markdown tables of a run. */
export function energyTable(result: EnergyDecayReproduction): string {
  const {setting: s, scattering, models} = result;
  const depths = Array.from({length: s.depth + 1}, (_, n) => n);
  const lines = [
    `Scattering network: 2-D Morlet filters, J = ${s.scales} scales × L = ${s.orientations} orientations (${s.normalization}; ` +
    `Littlewood–Paley sum in [${show(s.lpMin)}, ${show(s.lpMax)}]), modulus, Gaussian low-pass output at every layer; ` +
    `depth ${s.depth}${s.prune > 0 ? `, pruning ${s.prune} of each group's energy` : ', every path'}. Mean over the signals of ` +
    'W_n/‖f‖² (propagated) and of Σ_{k<n} O_k/‖f‖² (kept by the outputs of depths below n):',
    '',
    `| data | signals | ${depths.map((n) => `W_${n}`).join(' | ')} | ${depths.map((n) => `kept, n = ${n}`).join(' | ')} | decay rate r | ` +
    `${s.epsilons.map((e) => `depth for ε = ${e} (mean / all / fit)`).join(' | ')} | A | B | seconds |`,
    `|${'---|'.repeat(3 + 2 * depths.length + s.epsilons.length + 3)}`,
    ...scattering.map((m) => `| ${DATA_LABEL[m.data]} | ${m.signals} | ${m.propagated.map((p) => show(p.mean)).join(' | ')} | ` +
      `${m.kept.map((k) => show(k.mean)).join(' | ')} | ${show(m.fit.rate)} | ` +
      `${m.depths.map((d) => `${d.mean ?? '–'} / ${d.all ?? '–'} / ${d.fitted}`).join(' | ')} | ${show(m.frame.lower)} | ${show(m.frame.upper)} | ` +
      `${m.seconds.toFixed(1)} |`),
    '',
  ];
  if (models.length > 0) {
    lines.push('Trained models: ‖U_ℓ(x)‖²/‖x‖² of each layer\'s output, mean [min, max] over the signals:', '');
    for (const m of models) {
      lines.push(`- ${m.model}, ${DATA_LABEL[m.data]} (${m.signals}): ` +
                 m.layers.map((l) => `${l.name} ${show(l.mean)} [${show(l.min)}, ${show(l.max)}]`).join(', '));
    }
    lines.push('');
  }
  if (result.command) lines.push(`Command: \`${result.command}\``, '');
  return lines.join('\n');
}

/** Writes `energy.json`, `energy.md` and `energy.png` (energy against depth) into `out`. */
export async function writeEnergyResults(out: string, result: EnergyDecayReproduction): Promise<void> {
  await writeFileAtomic(path.join(out, 'energy.json'), JSON.stringify(result, null, 1));
  await writeFileAtomic(path.join(out, 'energy.md'), energyTable(result));
  const depths = (count: number) => Array.from({length: count}, (_, n) => n);
  const scattering = result.scattering;
  const panels = [
    {title: 'Scattering: propagated energy W_n/‖f‖²', yLabel: 'W_n/‖f‖² (mean)', logY: true,
     series: scattering.flatMap((m) => [
       {name: SHORT[m.data], x: depths(m.propagated.length), y: m.propagated.map((p) => p.mean)},
       {name: `fit, r = ${m.fit.rate.toFixed(2)}`, x: depths(m.propagated.length),
        y: depths(m.propagated.length).map((n) => m.fit.constant * m.fit.rate ** n)},
     ])},
    {title: 'Scattering: energy kept by the outputs of depths < n', yLabel: 'Σ O_k/‖f‖²', logY: false,
     series: scattering.flatMap((m) => [
       {name: `${SHORT[m.data]}, mean`, x: depths(m.kept.length), y: m.kept.map((k) => k.mean)},
       {name: `${SHORT[m.data]}, min`, x: depths(m.kept.length), y: m.kept.map((k) => k.min)},
     ])},
  ];
  if (result.models.length > 0) {
    panels.push({title: 'Trained models: energy of each layer\'s output', yLabel: '‖U_ℓ(x)‖²/‖x‖² (mean)', logY: true,
                 series: result.models.map((m) => ({name: `${m.model.startsWith('mnist-csc-ctrl') ? 'CSC-CTRL' : 'CNN'}, ${SHORT[m.data]}`,
                                                    x: m.layers.map((_, i) => i + 1), y: m.layers.map((l) => l.mean)}))});
  }
  await writeLineChart(path.join(out, 'energy.png'), panels, {xLabel: 'depth n (trained models: layer)', columns: panels.length,
                                                               width: 560 * panels.length, height: 460});
}
