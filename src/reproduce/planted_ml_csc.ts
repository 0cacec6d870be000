/**
 * Signals drawn from a multi-layer convolutional sparse-coding model with known dictionaries
 * (docs/math.md §4): `x = D₁Γ₁ + e`, `Γ_{i−1} = D_iΓ_i`, every code sparse and non-negative, the
 * deepest code `Γ_L` with a chosen ratio `|Γ_max|/|Γ_min|` of its non-zero magnitudes.
 *
 * Signals are one-dimensional: `[batch, 1, n, C₀]` in tfjs's NHWC layout, dictionaries
 * `[1, k_i, C_{i−1}, C_i]`, `D_i = conv2dTranspose(·, D_i)` with 'valid' padding (a code of
 * length `m` makes a signal of length `m + k_i − 1`) and `D_iᵀ = conv2d(·, D_i)`.
 */
import * as tf from '@tensorflow/tfjs';
import {mutualCoherence} from '../analysis/coherence';
import {Random} from '../data/synthetic';
import {ConvDictionary} from '../ops/dictionary';
import * as v from '../util/validate';

const NAME = 'plantedMlCsc';

/** The shape of the model: sizes of every layer. */
export interface PlantedModelShape {
  /** Length `n` of the signals. Default 256. */
  signalLength?: number;
  /** Channels `C₀` of the signals. Default 16. */
  channels?: number;
  /** Atoms `C_i` of each dictionary, `[C₁, …, C_L]`, `L ≥ 2`. Default `[8, 8]`. */
  filters?: number[];
  /** Atom length `k_i` of each dictionary, one per layer. Default `[8, 3]`. */
  kernelSizes?: number[];
  /** Non-zero entries of each atom of `D₂, …, D_L` (out of `k_i·C_{i−1}`). Default 3. */
  atomNonZeros?: number;
  /** Random dictionaries drawn per layer, of which the least coherent is kept. Default 40. */
  draws?: number;
}

/** The default shape of the model. */
export const PLANTED_SHAPE = {signalLength: 256, channels: 16, filters: [8, 8], kernelSizes: [8, 3], atomNonZeros: 3,
                              draws: 40} as const;

/** A model shape with every default applied and checked. */
export type CheckedShape = Required<PlantedModelShape>;

/** Applies the defaults of `shape` and checks it (`owner` names the caller in errors). */
export function checkedShape(owner: string, shape: PlantedModelShape = {}): CheckedShape {
  const filters = shape.filters ?? [...PLANTED_SHAPE.filters];
  if (!Array.isArray(filters) || filters.length < 2) v.reject(owner, 'filters', 'an array of at least 2 atom counts (one per layer)', filters);
  filters.forEach((c, i) => v.positiveInt(owner, `filters[${i}]`, c));
  const kernelSizes = shape.kernelSizes ?? [...PLANTED_SHAPE.kernelSizes];
  if (!Array.isArray(kernelSizes) || kernelSizes.length !== filters.length) {
    v.reject(owner, 'kernelSizes', `an array of ${filters.length} atom lengths (one per layer)`, kernelSizes);
  }
  kernelSizes.forEach((k, i) => v.positiveInt(owner, `kernelSizes[${i}]`, k));
  const signalLength = v.positiveInt(owner, 'signalLength', shape.signalLength ?? PLANTED_SHAPE.signalLength);
  const deepest = signalLength - kernelSizes.reduce((s, k) => s + k - 1, 0);
  if (deepest < 1) v.reject(owner, 'signalLength', `longer than the atoms' total support (at least ${signalLength - deepest + 1})`, signalLength);
  const channels = v.positiveInt(owner, 'channels', shape.channels ?? PLANTED_SHAPE.channels);
  const atomNonZeros = v.positiveInt(owner, 'atomNonZeros', shape.atomNonZeros ?? PLANTED_SHAPE.atomNonZeros);
  filters.forEach((_, i) => {
    if (i > 0 && atomNonZeros > kernelSizes[i] * filters[i - 1]) {
      v.reject(owner, 'atomNonZeros', `at most the ${kernelSizes[i] * filters[i - 1]} entries of an atom of layer ${i + 1}`, atomNonZeros);
    }
  });
  const draws = v.positiveInt(owner, 'draws', shape.draws ?? PLANTED_SHAPE.draws);
  return {signalLength, channels, filters, kernelSizes, atomNonZeros, draws};
}

/** Lengths of the codes `Γ₁, …, Γ_L` of signals of length `n`: `m_i = m_{i−1} − k_i + 1`, `m₀ = n`. */
export function codeLengths(signalLength: number, kernelSizes: number[]): number[] {
  const lengths: number[] = [];
  kernelSizes.reduce((m, k) => {
    lengths.push(m - k + 1);
    return m - k + 1;
  }, signalLength);
  return lengths;
}

/** `[1, k, C_in, C_out]` filters from `values` (atom-major: atom `j`'s `k·C_in` entries in a row), each atom of unit norm. */
function unitAtoms(values: Float32Array, k: number, cIn: number, cOut: number): tf.Tensor4D {
  return tf.tidy(() => {
    const atoms = tf.tensor2d(values, [cOut, k * cIn]);
    const unit = tf.div(atoms, tf.norm(atoms, 'euclidean', 1, true));
    return tf.reshape(tf.transpose(unit), [1, k, cIn, cOut]) as tf.Tensor4D;
  });
}

/**
 * The dictionaries `D₁, …, D_L` of the model: `D₁` signed (Gaussian entries), `D₂, …, D_L`
 * non-negative and sparse (`atomNonZeros` entries per atom at distinct random places, values
 * equal) so that `D_iΓ_i` is sparse and non-negative for a sparse non-negative
 * `Γ_i`; every atom of unit norm. Of `draws` random dictionaries per layer the one of least
 * mutual coherence (over every overlapping shift, {@link mutualCoherence}) is kept.
 */
export function plantedDictionaries(shape: CheckedShape, seed: number): {dictionaries: tf.Tensor4D[]; coherences: number[]} {
  const random = new Random(seed);
  const dictionaries: tf.Tensor4D[] = [];
  const coherences: number[] = [];
  shape.filters.forEach((cOut, i) => {
    const k = shape.kernelSizes[i];
    const cIn = i === 0 ? shape.channels : shape.filters[i - 1];
    let best: tf.Tensor4D | undefined;
    let bestMu = Infinity;
    for (let d = 0; d < shape.draws; d++) {
      const values = new Float32Array(cOut * k * cIn);
      for (let j = 0; j < cOut; j++) {
        const atom = values.subarray(j * k * cIn, (j + 1) * k * cIn);
        if (i === 0) {
          for (let e = 0; e < atom.length; e++) atom[e] = random.normal();
        } else {
          for (const e of distinctDraws(random, atom.length, shape.atomNonZeros)) atom[e] = 1;
        }
      }
      const candidate = unitAtoms(values, k, cIn, cOut);
      const mu = mutualCoherence(candidate);
      if (mu < bestMu) {
        best?.dispose();
        [best, bestMu] = [candidate, mu];
      } else {
        candidate.dispose();
      }
    }
    dictionaries.push(best!);
    coherences.push(bestMu);
  });
  return {dictionaries, coherences};
}

/** `count` distinct integers of [0, size), drawn uniformly. */
function distinctDraws(random: Random, size: number, count: number): number[] {
  const pool = Array.from({length: size}, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random.uniform() * (size - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count);
}

export interface PlantedSignalsOptions {
  /** The dictionaries `D₁, …, D_L` (`[1, k_i, C_{i−1}, C_i]`), from {@link plantedDictionaries}. */
  dictionaries: tf.Tensor4D[];
  /** Length `n` of the signals. */
  signalLength: number;
  /** Number of signals. */
  signals: number;
  /** Non-zeros of `Γ_L` in each signal, at distinct random places (position and atom). Default 2. */
  codeNonZeros?: number;
  /** `|Γ_max|/|Γ_min|` of each signal's `Γ_L`, ≥ 1. */
  ratio: number;
  /** Standard deviation `σ` of the white Gaussian noise on every entry of `x` (the smallest non-zero of `Γ_L` is 1), ≥ 0. */
  noise: number;
  /** Seed of the codes and the noise. Default 0. */
  seed?: number;
}

/** Planted signals and their codes; the caller owns every tensor. */
export interface PlantedSignals {
  /** `[Γ₁, …, Γ_L]`, `Γ_i` of shape `[batch, 1, m_i, C_i]`, non-negative, `Γ_{i−1} = D_iΓ_i`. */
  codes: tf.Tensor4D[];
  /** `D₁Γ₁`, `[batch, 1, n, C₀]`. */
  clean: tf.Tensor4D;
  /** `D₁Γ₁ + e`, `e ~ N(0, σ²)` per entry. */
  x: tf.Tensor4D;
}

/** The default number of non-zeros of `Γ_L` per signal. */
export const PLANTED_CODE_NON_ZEROS = 2;

/**
 * Draws `signals` signals of the model with dictionaries `D_i`: each `Γ_L` has `codeNonZeros`
 * non-zeros at distinct random places, of magnitudes uniform in `[1, ratio]` except two forced
 * to the extremes 1 and `ratio` (so that `|Γ_max|/|Γ_min| = ratio` exactly; with one non-zero,
 * its magnitude is 1 and the ratio 1); then `Γ_{i−1} = D_iΓ_i` down to `Γ₁` and
 * `x = D₁Γ₁ + e`. Every code is non-negative, as the ReLU pursuits of sparseland assume: `Γ_L`
 * by construction and the others because `D₂, …, D_L` are non-negative.
 */
export function plantedSignals(options: PlantedSignalsOptions): PlantedSignals {
  const {dictionaries} = options;
  if (!Array.isArray(dictionaries) || dictionaries.length < 2 || !dictionaries.every((d) => d instanceof tf.Tensor && d.rank === 4)) {
    v.reject(NAME, 'dictionaries', 'an array of at least 2 [1, k, C_in, C_out] filters', dictionaries);
  }
  const signalLength = v.positiveInt(NAME, 'signalLength', options.signalLength);
  const signals = v.positiveInt(NAME, 'signals', options.signals);
  const ratio = options.ratio;
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || !(ratio >= 1)) v.reject(NAME, 'ratio', 'a finite number ≥ 1', ratio);
  const noise = v.nonNegNumber(NAME, 'noise', options.noise);
  const seed = v.nonNegInt(NAME, 'seed', options.seed ?? 0);
  const depth = dictionaries.length;
  const m = codeLengths(signalLength, dictionaries.map((d) => d.shape[1]))[depth - 1];
  if (!(m >= 1)) v.reject(NAME, 'signalLength', "longer than the atoms' total support", signalLength);
  const c = dictionaries[depth - 1].shape[3];
  const nonZeros = v.positiveInt(NAME, 'codeNonZeros', options.codeNonZeros ?? PLANTED_CODE_NON_ZEROS);
  if (nonZeros > m * c) v.reject(NAME, 'codeNonZeros', `at most the ${m * c} entries of Γ_L`, nonZeros);

  const random = new Random(seed);
  const deepest = new Float32Array(signals * m * c);
  for (let b = 0; b < signals; b++) {
    distinctDraws(random, m * c, nonZeros).forEach((place, j) => {
      deepest[b * m * c + place] = j === 0 ? 1 : j === 1 ? ratio : 1 + (ratio - 1) * random.uniform();
    });
  }
  const codes: tf.Tensor4D[] = [tf.tensor4d(deepest, [signals, 1, m, c])];
  for (let i = depth - 1; i >= 0; i--) {
    const op = new ConvDictionary(dictionaries[i], 1, 'valid');
    const below = tf.tidy(() => op.synthesis(codes[0]) as tf.Tensor4D);
    codes.unshift(below);
  }
  const clean = codes.shift()!;
  const noiseValues = new Float32Array(clean.size);
  if (noise > 0) for (let e = 0; e < noiseValues.length; e++) noiseValues[e] = noise * random.normal();
  const x = tf.tidy(() => tf.add(clean, tf.tensor(noiseValues, clean.shape)) as tf.Tensor4D);
  return {codes, clean, x};
}
