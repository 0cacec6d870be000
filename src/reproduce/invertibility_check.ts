/**
 * The 1-D invertibility check of Gilbert, Zhang, Lee, Zhang and Lee, "Towards understanding the
 * invertibility of convolutional neural networks" (IJCAI 2017; docs/math.md §6).
 *
 * Reading of the paper's "filters 5×1×32×96": the paper's filter bank has `K` filters of size
 * `l × M` over signals of length `n` with `M` channels, `W ∈ R^{Kn×Mn}` (its Fig. 1), so
 * 5×1×32×96 is `l = 5` (by 1: the signal is 1-D), `M = 32` input channels and `K = 96` filters —
 * exactly tfjs's conv2d layout `[kh, kw, C_in, C_out]`. Signals are `[32, 1, 32]` (length 32,
 * 32 channels), codes `[32, 1, 96]`, and `fan = l·M = 160`, so entries `N(0, 1/160)` give every
 * atom (column of `Wᵀ`) unit expected norm. The other reading, 96 filters of size 5 over one
 * channel, has `fan = 5`: its atoms share 5 entries and are far too coherent for one-step
 * recovery (relative errors above 1), and it leaves the "32" without a role.
 *
 * With the paper's names, `W x = conv2d(x, w)` (the CNN layer, signal → code) and
 * `Wᵀ z = conv2dTranspose(z, w)` its adjoint (code → signal). A draw is a code `z` with `k`
 * non-zeros, values U[−1, 1], in distinct pooling blocks (a block is `pool` consecutive positions
 * of one channel); the measurements are `‖Wᵀz‖/‖z‖` (the model-RIP ratio, ≈ 1),
 * `‖WWᵀz‖/‖z‖` (≈ √(1 + K/M) = 2: `WWᵀ` has a unit diagonal on these atoms, and each atom
 * correlates with the `K·(2l − 1)` atoms that overlap it, `Σ_j ⟨w_i, w_j⟩² ≈ K/M = 3`), and the relative error of `x̂ = Wᵀ ẑ`, `ẑ = M(W x, k)` after one IHT step from
 * zero (or `ẑ` after more steps, {@link Iht}), on `x = Wᵀz` or on the code.
 */
import * as tf from '@tensorflow/tfjs';
import {Iht, iht} from '../../layers/iht';
import {uniformGenerator} from '../data/dataset';
import * as v from '../util/validate';

/** The paper's setting: signal length `n`, channels `M`, filters `K`, filter length `l`, pooling block, `k`. */
export const PAPER_SETTING = {length: 32, channels: 32, filters: 96, kernel: 5, pool: 2, k: 10} as const;

/** One way of running the check; the paper's is {@link PAPER_VARIANT}. */
export interface InvertibilityVariant {
  /** A short name for tables and legends. */
  name: string;
  /** Pooling block length (1: no pooling). */
  pool: number;
  /** Non-zeros per code, and the `k` of `M`. */
  k: number;
  /** Standard deviation of the filters' entries. */
  std: number;
  /** IHT iterations from `z = 0` (1: the CNN layer). */
  iterations: number;
  /** Where the error is measured: `‖x − x̂‖/‖x‖` or `‖z − ẑ‖/‖z‖`. */
  errorOn: 'x' | 'z';
}

/** `1/√fan` with `fan = l·M = 160`, the paper's scaling. */
export const PAPER_STD = 1 / Math.sqrt(PAPER_SETTING.kernel * PAPER_SETTING.channels);

/** The paper's setting as this check reads it: pool 2, `k = 10`, `1/√(l·M)`, one step, error on `x`. */
export const PAPER_VARIANT: InvertibilityVariant = {name: 'paper', pool: 2, k: 10, std: PAPER_STD, iterations: 1, errorOn: 'x'};

/** What one variant measures over the draws. */
export interface InvertibilityMeasurement {
  /** `‖Wᵀz‖/‖z‖` per draw. */
  synthesisRatio: number[];
  /** `‖WWᵀz‖/‖z‖` per draw. */
  gramRatio: number[];
  /** Relative reconstruction error per draw (on `x` or `z`, as the variant says). */
  error: number[];
}

/** Checks a variant against the paper's signal size. */
export function checkVariant(owner: string, variant: InvertibilityVariant): InvertibilityVariant {
  const pool = v.positiveInt(owner, 'pool', variant.pool);
  const blocks = Math.ceil(PAPER_SETTING.length / pool) * PAPER_SETTING.filters;
  const k = v.positiveInt(owner, 'k', variant.k);
  if (k > blocks) v.reject(owner, 'k', `at most the number of pooling blocks (${blocks})`, k);
  v.positiveNumber(owner, 'std', variant.std);
  v.positiveInt(owner, 'iterations', variant.iterations);
  v.oneOf(owner, 'errorOn', variant.errorOn, ['x', 'z'] as const);
  return variant;
}

/**
 * `count` codes `[count, n, 1, K]` with `k` non-zeros U[−1, 1] each, at most one per pooling block
 * of `pool` positions of a channel (block and position within it uniform), from `random`.
 */
export function sparseCodes(count: number, pool: number, k: number, random: () => number): tf.Tensor4D {
  const {length, filters} = PAPER_SETTING;
  const perChannel = Math.ceil(length / pool);
  const codes = tf.buffer([count, length, 1, filters]);
  for (let b = 0; b < count; b++) {
    const blocks = new Set<number>();
    while (blocks.size < k) blocks.add(Math.floor(random() * perChannel * filters));
    for (const block of blocks) {
      const start = Math.floor(block / filters) * pool;
      const position = start + Math.floor(random() * Math.min(pool, length - start));
      codes.set(2 * random() - 1, b, position, 0, block % filters);
    }
  }
  return codes.toTensor() as tf.Tensor4D;
}

/** The IHT layer of a variant with the given filters `[l, 1, M, K]`. */
function variantLayer(variant: InvertibilityVariant, kernel: tf.Tensor4D): Iht {
  const layer = iht({filters: PAPER_SETTING.filters, kernelSize: [PAPER_SETTING.kernel, 1], padding: 'same',
                     poolSize: [variant.pool, 1], sparsity: variant.k, iterations: variant.iterations});
  layer.build([null, PAPER_SETTING.length, 1, PAPER_SETTING.channels]);
  layer.setWeights([kernel]);
  return layer;
}

/** Per-sample ℓ2 norms of a batch. */
function norms(t: tf.Tensor): Float32Array {
  return tf.tidy(() => tf.norm(tf.reshape(t, [t.shape[0], -1]), 2, 1).dataSync() as Float32Array);
}

/** Draws processed together. */
const BATCH = 100;

/**
 * Measures `variant` over `draws` codes: filters `N(0, std²)` of shape `[l, 1, M, K]` from `seed`
 * (as tfjs seed `seed + 1`: tfjs takes a seed of 0 for none),
 * codes from another stream of the same seed (so that variants with the same `pool` and `k` see
 * the same codes and, with the same `std`, the same filters).
 */
export function measureInvertibility(variant: InvertibilityVariant, draws: number, seed: number): InvertibilityMeasurement {
  const owner = 'measureInvertibility';
  checkVariant(owner, variant);
  v.positiveInt(owner, 'draws', draws);
  v.nonNegInt(owner, 'seed', seed);
  const {length, channels, filters, kernel: l} = PAPER_SETTING;
  const kernel = tf.mul(tf.randomNormal([l, 1, channels, filters], 0, 1, 'float32', seed + 1), variant.std) as tf.Tensor4D;
  const layer = variantLayer(variant, kernel);
  const random = uniformGenerator(seed + 0x5eed);
  const result: InvertibilityMeasurement = {synthesisRatio: [], gramRatio: [], error: []};
  for (let done = 0; done < draws; done += BATCH) {
    const z = sparseCodes(Math.min(BATCH, draws - done), variant.pool, variant.k, random);
    tf.tidy(() => {
      const x = layer.synthesize(z, [length, 1]);
      const zNorm = norms(z);
      const xNorm = norms(x);
      const gram = norms(layer.dictionary(kernel).adjoint(x));
      const residual = variant.errorOn === 'x' ? norms(tf.sub(layer.reconstruct(x), x)) : norms(tf.sub(layer.forward(x), z));
      zNorm.forEach((n, i) => {
        result.synthesisRatio.push(xNorm[i] / n);
        result.gramRatio.push(gram[i] / n);
        result.error.push(residual[i] / (variant.errorOn === 'x' ? xNorm[i] : n));
      });
    });
    z.dispose();
  }
  for (const weight of layer.weights) weight.dispose();
  kernel.dispose();
  return result;
}
