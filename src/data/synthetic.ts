/**
 * The standard synthetic LISTA benchmark (docs/math.md §2): a Gaussian dictionary with normalised
 * columns, Bernoulli–Gaussian codes, noiseless measurements `x = A z`, and the NMSE in dB.
 */
import * as tf from '@tensorflow/tfjs';
import {positiveInt, reject} from '../util/validate';

export interface SyntheticLassoArgs {
  /** `M`, the measurement dimension (rows of `A`). Default 250. */
  m?: number;
  /** `N`, the code dimension (columns of `A`). Default 500. */
  n?: number;
  /** Probability that a code entry is non-zero, in (0, 1]. Default 0.1. */
  p?: number;
  /**
   * Signal-to-noise ratio in dB of the measurements: each sample's `x = A z + e` gets Gaussian
   * noise `e` with standard deviation `std(A z)·10^(−snr/20)`, the standard deviation taken over
   * that sample's `M` entries (as the published LISTA-CPSS code). Default `Infinity` (noiseless).
   */
  snr?: number;
  /**
   * The dictionary `A` (`[M, N]`) to draw measurements with, instead of drawing one (test codes
   * for a trained model: its dictionary, a seed the training did not use). Copied. Default none.
   */
  dictionary?: tf.Tensor2D;
  /** Seed (an integer) of the generator; equal seeds give equal dictionaries and samples. Default 0. */
  seed?: number;
}

export interface SyntheticLasso {
  /** The dictionary `A` (`M × N`): entries drawn `N(0, 1/M)`, then each column scaled to unit norm. */
  readonly A: tf.Tensor2D;
  readonly m: number;
  readonly n: number;
  readonly p: number;
  readonly snr: number;
  /**
   * Draws `batch` codes `z` (`[batch, N]`, each entry `Bernoulli(p) × N(0, 1)`) and their
   * measurements `x = A z (+ e)` (`[batch, M]`). Successive calls continue the seeded stream.
   */
  sample(batch: number): {x: tf.Tensor2D; z: tf.Tensor2D};
}

/**
 * A seeded uniform generator on [0, 1) (mulberry32: a 32-bit state, period 2³²), and normal
 * draws from it by the Box–Muller transform.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  normal(): number {
    const u = 1 - this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }
}

/** Entries `N(0, 1/M)`, then each column scaled to unit norm. */
function drawDictionary(m: number, n: number, random: Random): tf.Tensor2D {
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = random.normal() / Math.sqrt(m);
  for (let j = 0; j < n; j++) {
    let norm = 0;
    for (let i = 0; i < m; i++) norm += a[i * n + j] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) a[i * n + j] /= norm;
  }
  return tf.tensor2d(Float32Array.from(a), [m, n]);
}

/**
 * The synthetic sparse-coding problem of the LISTA literature; with the defaults it is the
 * 250 × 500, 10 %-sparse benchmark. The caller disposes `A`.
 */
export function syntheticLasso(args: SyntheticLassoArgs = {}): SyntheticLasso {
  const owner = 'syntheticLasso';
  const m = positiveInt(owner, 'm', args.m ?? args.dictionary?.shape[0] ?? 250);
  const n = positiveInt(owner, 'n', args.n ?? args.dictionary?.shape[1] ?? 500);
  const p = args.p ?? 0.1;
  if (typeof p !== 'number' || !(p > 0 && p <= 1)) reject(owner, 'p', 'a number in (0, 1]', p);
  const snr = args.snr ?? Infinity;
  if (typeof snr !== 'number' || Number.isNaN(snr)) reject(owner, 'snr', 'a number of dB or Infinity', snr);
  const seed = args.seed ?? 0;
  if (!Number.isInteger(seed)) reject(owner, 'seed', 'an integer', seed);
  const random = new Random(seed);

  const A = args.dictionary === undefined ? drawDictionary(m, n, random) : args.dictionary.clone();
  if (A.rank !== 2 || A.shape[0] !== m || A.shape[1] !== n) {
    A.dispose();
    reject(owner, 'dictionary', `a [${m}, ${n}] matrix (m × n)`, `shape [${args.dictionary!.shape}]`);
  }

  function sample(batch: number): {x: tf.Tensor2D; z: tf.Tensor2D} {
    positiveInt(owner, 'batch', batch);
    const codes = new Float32Array(batch * n);
    for (let i = 0; i < codes.length; i++) {
      if (random.uniform() < p) codes[i] = random.normal();
    }
    const z = tf.tensor2d(codes, [batch, n]);
    const clean = tf.matMul(z, A, false, true) as tf.Tensor2D;
    if (snr === Infinity) return {x: clean, z};
    const values = clean.dataSync();
    clean.dispose();
    const noisy = new Float32Array(values.length);
    for (let b = 0; b < batch; b++) {
      let mean = 0;
      for (let i = 0; i < m; i++) mean += values[b * m + i] / m;
      let variance = 0;
      for (let i = 0; i < m; i++) variance += (values[b * m + i] - mean) ** 2 / m;
      const std = Math.sqrt(variance) * 10 ** (-snr / 20);
      for (let i = 0; i < m; i++) noisy[b * m + i] = values[b * m + i] + std * random.normal();
    }
    return {x: tf.tensor2d(noisy, [batch, m]), z};
  }

  return {A, m, n, p, snr, sample};
}

/**
 * `NMSE(dB) = 10 log10(E‖ẑ − z‖² / E‖z‖²)` over a batch (`[batch, N]`), the LISTA benchmark's
 * figure of merit (lower is better; `−∞` for an exact estimate).
 */
export function nmseDb(zHat: tf.Tensor, z: tf.Tensor): number {
  if (zHat.shape.join() !== z.shape.join()) {
    throw new Error(`nmseDb: zHat and z must have equal shapes, got [${zHat.shape}] and [${z.shape}]`);
  }
  const [err, energy] = tf.tidy(() => [tf.sum(tf.square(tf.sub(zHat, z))), tf.sum(tf.square(z))])
    .map((t) => {
      const v = t.dataSync()[0];
      t.dispose();
      return v;
    });
  return 10 * Math.log10(err / energy);
}
