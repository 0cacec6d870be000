/**
 * `reproduce invertibility`: the experiments of Gilbert, Zhang, Lee, Zhang and Lee, "Towards
 * understanding the invertibility of convolutional neural networks" (IJCAI 2017; docs/math.md §6).
 *
 * 1. The 1-D check ({@link measureInvertibility}) for the paper's setting and for variants of it
 *    (pooling block, `k`, filter scaling, error on the signal or on the code, IHT iterations):
 *    `invertibility.png` (histograms of `‖Wᵀz‖/‖z‖`, `‖WWᵀz‖/‖z‖` and the error of the setting
 *    that matches the paper's figures, and the error of every variant), `invertibility.json`
 *    (every draw's numbers and the summaries) and `invertibility.md` (variant → median and 90th
 *    percentile of the error, share below 0.5).
 * 2. The first 16 MNIST test digits reconstructed by the random-filter IHT layer (one step and
 *    many) and by the paired-filter ReLU layer: `mnist_reconstructions.png` (rows: originals,
 *    then each reconstruction) and the PSNR of each row in the JSON.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'path';
import {mnistFullDataset} from '../data/mnist_full';
import {writeFileAtomic} from '../io/atomic_write';
import {writeImageGrid} from '../io/image_grid';
import {ChartSeries, writeLineChart} from '../io/line_chart';
import {psnr} from '../metrics/psnr';
import * as v from '../util/validate';
import {InvertibilityMeasurement, InvertibilityVariant, measureInvertibility, PAPER_STD, PAPER_VARIANT} from './invertibility_check';
import {invertPairedRelu, MNIST_IHT_ITERATIONS, pairedReluLayer, randomIhtLayer} from './invertibility_mnist';

const NAME = 'reproduceInvertibility';

/** What the paper reports for its 1-D check. */
export const PUBLISHED = {ratio: 1, error: 'mostly 0.1–0.2, always below 0.5'} as const;

/**
 * The variants measured: the paper's setting, then one change each. The one that matches the
 * paper's error figures is {@link MATCHING_VARIANT}.
 */
export const VARIANTS: InvertibilityVariant[] = [
  PAPER_VARIANT,
  {...PAPER_VARIANT, name: '2 steps', iterations: 2},
  {...PAPER_VARIANT, name: '3 steps', iterations: 3},
  {...PAPER_VARIANT, name: 'pool 1', pool: 1},
  {...PAPER_VARIANT, name: 'pool 4', pool: 4},
  {...PAPER_VARIANT, name: 'pool 8', pool: 8},
  {...PAPER_VARIANT, name: 'k 5', k: 5},
  {...PAPER_VARIANT, name: 'k 20', k: 20},
  {...PAPER_VARIANT, name: 'error on z', errorOn: 'z'},
  {...PAPER_VARIANT, name: 'std 1/√(l·K)', std: 1 / Math.sqrt(5 * 96)},
  {...PAPER_VARIANT, name: 'std 2/√(l·M)', std: 2 * PAPER_STD},
];

/** The variant whose errors fall mostly in 0.1–0.2, as the paper's do. */
export const MATCHING_VARIANT = '2 steps';

/** The panels of the variants' error histograms: a title and the variants it compares. */
export const VARIANT_PANELS: {title: string; names: string[]}[] = [
  {title: 'error: IHT steps', names: ['paper', '2 steps', '3 steps']},
  {title: 'error: pooling block', names: ['pool 1', 'paper', 'pool 4', 'pool 8']},
  {title: 'error: k, and error on z', names: ['k 5', 'paper', 'k 20', 'error on z']},
  {title: 'error: filter scaling (above 1 in the last bin)', names: ['paper', 'std 1/√(l·K)', 'std 2/√(l·M)']},
];

/** Median, 90th percentile, largest value and share below 0.5 of a list of errors. */
export interface ErrorSummary {
  median: number;
  p90: number;
  max: number;
  belowHalf: number;
}

/** The `q`-quantile of `values` (the value at rank `⌊q·(n − 1)⌉` of the sorted list). */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.round(q * (sorted.length - 1))];
}

export function summarize(errors: number[]): ErrorSummary {
  return {median: quantile(errors, 0.5), p90: quantile(errors, 0.9), max: Math.max(...errors),
          belowHalf: errors.filter((e) => e < 0.5).length / errors.length};
}

/**
 * Bin counts of `values` over `bins` equal bins of `[lo, hi]` (values outside go to the end bins),
 * as a chart series at the bins' centres, in shares of the values.
 */
export function histogram(name: string, values: number[], lo: number, hi: number, bins: number): ChartSeries {
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const value of values) counts[Math.min(bins - 1, Math.max(0, Math.floor((value - lo) / width)))] += 1;
  return {name, x: counts.map((_, i) => lo + (i + 0.5) * width), y: counts.map((c) => c / values.length)};
}

/** One MNIST row: its name and the mean PSNR (dB, range [−1, 1]) of its 16 digits against the originals. */
export interface MnistRow {
  name: string;
  psnr: number;
}

export interface InvertibilityReproduction {
  setting: {draws: number; seed: number; length: number; channels: number; filters: number; kernel: number};
  published: typeof PUBLISHED;
  matching: string;
  command?: string;
  variants: (InvertibilityVariant & {summary: ErrorSummary; ratio: {median: number; p05: number; p95: number};
                                     gram: {median: number}; measurement: InvertibilityMeasurement})[];
  mnist: MnistRow[];
}

export interface ReproduceInvertibilityOptions {
  /** The run folder. */
  out: string;
  /** Draws per variant. Default 1,000. */
  draws?: number;
  /** Seed of the filters and the codes. Default 0. */
  seed?: number;
  /** The variants to measure. Default {@link VARIANTS}. */
  variants?: InvertibilityVariant[];
  /** The command that started the run, recorded in the results. */
  command?: string;
  log?: (line: string) => void;
}

/** Table of the variants: median and 90th percentile of the error, share below 0.5. */
export function invertibilityTable(result: InvertibilityReproduction): string {
  const lines = [
    '# Invertibility of random-filter layers (Gilbert et al., IJCAI 2017)', '',
    `Paper: ‖Wᵀz‖/‖z‖ ≈ ${result.published.ratio}, relative error ${result.published.error}. ` +
    `${result.setting.draws} draws per variant, seed ${result.setting.seed}. The paper's setting ('paper'): filters ` +
    '5×1×32×96 with entries N(0, 1/(l·M)), l·M = 160, pooling blocks of 2, k = 10, one IHT step from zero (the CNN ' +
    'layer), error ‖x − x̂‖/‖x‖; every other row changes one of these.', '',
    '| variant | median error | 90th percentile | largest | share below 0.5 | median ‖Wᵀz‖/‖z‖ | median ‖WWᵀz‖/‖z‖ |',
    '|---|---|---|---|---|---|---|',
    ...result.variants.map((r) => `| ${r.name}${r.name === result.matching ? ' (matches the paper)' : ''} | ` +
      `${r.summary.median.toFixed(3)} | ${r.summary.p90.toFixed(3)} | ${r.summary.max.toFixed(3)} | ` +
      `${(100 * r.summary.belowHalf).toFixed(1)} % | ${r.ratio.median.toFixed(3)} | ${r.gram.median.toFixed(3)} |`),
    '',
    '| MNIST reconstruction (first 16 test digits) | PSNR (dB) |', '|---|---|',
    ...result.mnist.map((r) => `| ${r.name} | ${r.psnr.toFixed(2)} |`),
  ];
  if (result.command !== undefined) lines.push('', `Command: \`${result.command}\``);
  return lines.join('\n') + '\n';
}

/** The MNIST grid and the PSNR of each reconstruction row. */
async function mnistReconstructions(file: string, seed: number): Promise<MnistRow[]> {
  const digits = await mnistFullDataset({split: 'test', size: 28}).take(16);
  const x = digits.images as tf.Tensor4D;
  digits.labels.dispose();
  const size: [number, number] = [x.shape[1], x.shape[2]];
  const rows: {name: string; images: tf.Tensor4D}[] = MNIST_IHT_ITERATIONS.map((iterations) => {
    const layer = randomIhtLayer(iterations, seed, size);
    const images = layer.reconstruct(x) as tf.Tensor4D;
    for (const weight of layer.weights) weight.dispose();
    return {name: `random filters + 2×2 max pooling, IHT ${iterations} step${iterations > 1 ? 's' : ''}`, images};
  });
  const paired = pairedReluLayer(seed, [...size, 1]);
  const code = paired.forward(x) as tf.Tensor4D;
  rows.push({name: 'paired filters (w, −w) + ReLU, least squares', images: invertPairedRelu(paired, code, size)});
  for (const weight of paired.weights) weight.dispose();
  code.dispose();
  const grid = tf.concat([x, ...rows.map((r) => r.images)]) as tf.Tensor4D;
  await writeImageGrid(file, grid, {columns: 16, scale: 2, normalize: [-1, 1]});
  const result = rows.map((r) => {
    const values = psnr(x, r.images, {range: [-1, 1]});
    const mean = tf.mean(values).dataSync()[0];
    values.dispose();
    return {name: r.name, psnr: mean};
  });
  tf.dispose([x, grid, ...rows.map((r) => r.images)]);
  return result;
}

/** Runs both parts and writes the figures, the JSON and the table into `out`. */
export async function reproduceInvertibility(options: ReproduceInvertibilityOptions): Promise<InvertibilityReproduction> {
  if (typeof options !== 'object' || options === null) v.reject(NAME, 'options', 'an object', options);
  if (typeof options.out !== 'string' || options.out === '') v.reject(NAME, 'out', 'a folder path', options.out);
  const draws = v.positiveInt(NAME, 'draws', options.draws ?? 1000);
  const seed = v.nonNegInt(NAME, 'seed', options.seed ?? 0);
  const variants = options.variants ?? VARIANTS;
  const log = options.log ?? (() => undefined);
  const measured = variants.map((variant) => {
    const measurement = measureInvertibility(variant, draws, seed);
    const summary = summarize(measurement.error);
    log(`${variant.name}: error median ${summary.median.toFixed(3)}, 90th percentile ${summary.p90.toFixed(3)}, ` +
        `${(100 * summary.belowHalf).toFixed(1)} % below 0.5`);
    return {...variant, summary, measurement,
            ratio: {median: quantile(measurement.synthesisRatio, 0.5), p05: quantile(measurement.synthesisRatio, 0.05),
                    p95: quantile(measurement.synthesisRatio, 0.95)},
            gram: {median: quantile(measurement.gramRatio, 0.5)}};
  });
  const mnist = await mnistReconstructions(path.join(options.out, 'mnist_reconstructions.png'), seed);
  for (const row of mnist) log(`MNIST, ${row.name}: PSNR ${row.psnr.toFixed(2)} dB`);
  const result: InvertibilityReproduction = {
    setting: {draws, seed, length: 32, channels: 32, filters: 96, kernel: 5}, published: PUBLISHED,
    matching: MATCHING_VARIANT, ...(options.command === undefined ? {} : {command: options.command}), variants: measured, mnist,
  };
  const matching = measured.find((m) => m.name === MATCHING_VARIANT) ?? measured[0];
  const bins = 30;
  await writeLineChart(path.join(options.out, 'invertibility.png'), [
    {title: '‖Wᵀz‖/‖z‖', yLabel: 'share of draws', series: [histogram(matching.name, matching.measurement.synthesisRatio, 0.7, 1.3, bins)]},
    {title: '‖WWᵀz‖/‖z‖', yLabel: 'share of draws', series: [histogram(matching.name, matching.measurement.gramRatio, 1.4, 2.6, bins)]},
    {title: '‖x − x̂‖/‖x‖', yLabel: 'share of draws', series: [histogram(matching.name, matching.measurement.error, 0, 1, bins)]},
    ...VARIANT_PANELS.map(({title, names}) => ({
      title, yLabel: 'share of draws',
      series: measured.filter((m) => names.includes(m.name)).map((m) => histogram(m.name, m.measurement.error, 0, 1, bins)),
    })).filter((panel) => panel.series.length > 0),
  ], {columns: 3, width: 1500, height: 900, xLabel: 'value (bins of the histogram)',
      title: `Filters 5×1×32×96, codes with k = 10 non-zeros, ${draws} draws; top row: ${matching.name}`});
  await writeFileAtomic(path.join(options.out, 'invertibility.json'), JSON.stringify(result));
  await writeFileAtomic(path.join(options.out, 'invertibility.md'), invertibilityTable(result));
  return result;
}
