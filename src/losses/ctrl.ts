/**
 * The objectives of closed-loop transcription (CTRL, docs/math.md §5): with an encoder `f`, a
 * decoder `g`, `Z = f(X)` and `Ẑ = f(g(Z))`, the encoder maximises the objective and the
 * decoder minimises it.
 */
import * as tf from '@tensorflow/tfjs';
import {
  classBlocks, classRate, classRows, epsilonSquaredOf, rate, RateOptions, readLabels,
} from './coding_rate';
import {checkPair, pairRates} from './rate_reduction';
import * as v from '../util/validate';

/** An objective and the terms it is made of, each a differentiable scalar. */
export interface CtrlTerms {
  objective: tf.Scalar;
  [term: string]: tf.Scalar;
}

/**
 * The binary (unlabelled) CTRL objective of the features `z` of the data and `zHat` of their
 * reconstructions (`[m, d]` and `[m̂, d]`, one sample per row):
 *
 *     objective = ΔR(Z, Ẑ) = rUnion − ½ (rZ + rZHat),
 *
 * with terms `rUnion = R(Z ∪ Ẑ)`, `rZ = R(Z)`, `rZHat = R(Ẑ)` (see {@link codingRate}); `ε²` is
 * `options.epsilonSquared` (default 0.5, the squared value the published code passes as `eps`).
 */
export function ctrlBinary(z: tf.Tensor2D, zHat: tf.Tensor2D, options?: RateOptions): CtrlTerms {
  const owner = 'ctrlBinary';
  checkPair(owner, z, zHat);
  const {deltaR, rUnion, rZ, rZHat} = pairRates(z, zHat, epsilonSquaredOf(owner, options));
  return {objective: deltaR, rUnion, rZ, rZHat};
}

function checkGammas(owner: string, gammas: unknown): [number, number, number] {
  if (!Array.isArray(gammas) || gammas.length !== 3 ||
      !gammas.every((g) => typeof g === 'number' && Number.isFinite(g))) {
    v.reject(owner, 'gammas', 'three finite numbers [γ1, γ2, γ3]', gammas);
  }
  return [gammas[0], gammas[1], gammas[2]];
}

/**
 * The multi-class CTRL objective of the features `z` of labelled data and `zHat` of their
 * reconstructions (both `[m, d]`; row `i` of either has class `labels[i]`):
 *
 *     objective = γ1 ΔR(Z) + γ2 ΔR(Ẑ) + γ3 Σ_j ΔR(Z_j, Ẑ_j),
 *
 * with `ΔR(Z) = R(Z) − R^c(Z|Π)` MCR²'s rate reduction (see {@link mcr2}), `Z_j`, `Ẑ_j` the rows
 * of class `j` and {@link rateReductionBetween}'s `ΔR(Z_j, Ẑ_j)` (classes without rows add 0).
 * Terms: `deltaRZ = ΔR(Z)`, `deltaRZHat = ΔR(Ẑ)`, `deltaRPairs = Σ_j ΔR(Z_j, Ẑ_j)`.
 * `options.gammas` defaults to `[1, 1, 1]`; `options.epsilonSquared` is `ε²` (default 0.5).
 */
export function ctrlMulti(z: tf.Tensor2D, zHat: tf.Tensor2D, labels: tf.Tensor1D | ArrayLike<number>,
                          numClasses: number,
                          options?: RateOptions & {gammas?: [number, number, number]}): CtrlTerms {
  const owner = 'ctrlMulti';
  checkPair(owner, z, zHat);
  if (zHat.shape[0] !== z.shape[0]) {
    v.reject(owner, 'zHat', `[${z.shape.join(', ')}] (the shape of z)`, zHat.shape);
  }
  const eps2 = epsilonSquaredOf(owner, options);
  const [g1, g2, g3] = checkGammas(owner, options?.gammas ?? [1, 1, 1]);
  const rows = classRows(readLabels(owner, labels, z.shape[0], numClasses), numClasses);
  const m = z.shape[0];
  return tf.tidy(() => {
    const blocks = classBlocks(z, rows);
    const hatBlocks = classBlocks(zHat, rows);
    // R(Z_j) and R(Ẑ_j) enter both R^c and the pair terms: computed once.
    const rates = blocks.map((b) => rate(b, eps2));
    const hatRates = hatBlocks.map((b) => rate(b, eps2));
    const deltaRZ = tf.sub<tf.Scalar>(rate(z, eps2), classRate(blocks, rates, m));
    const deltaRZHat = tf.sub<tf.Scalar>(rate(zHat, eps2), classRate(hatBlocks, hatRates, m));
    const deltaRPairs = tf.addN<tf.Scalar>(blocks.map((b, j) => tf.sub(
        rate(tf.concat2d([b, hatBlocks[j]], 0), eps2), tf.mul(0.5, tf.add(rates[j], hatRates[j])))));
    const objective = tf.addN<tf.Scalar>([tf.mul(g1, deltaRZ), tf.mul(g2, deltaRZHat), tf.mul(g3, deltaRPairs)]);
    return {objective, deltaRZ, deltaRZHat, deltaRPairs};
  });
}
