/**
 * Rate reduction (docs/math.md §5, docs/rate_reduction.md): MCR²'s `ΔR = R(Z) − R^c(Z|Π)` of
 * labelled features, and the rate reduction `ΔR(Z, Ẑ)` between two sets of features.
 */
import * as tf from '@tensorflow/tfjs';
import {
  checkFeatures, classBlocks, classRate, classRows, epsilonSquaredOf, rate, RateOptions, readLabels,
} from './coding_rate';
import * as v from '../util/validate';

/** `R(Z ∪ Ẑ)`, `R(Z)`, `R(Ẑ)` and `ΔR(Z, Ẑ) = R(Z ∪ Ẑ) − ½(R(Z) + R(Ẑ))` for checked inputs. */
export function pairRates(z: tf.Tensor2D, zHat: tf.Tensor2D, epsilonSquared: number):
    {deltaR: tf.Scalar; rUnion: tf.Scalar; rZ: tf.Scalar; rZHat: tf.Scalar} {
  return tf.tidy(() => {
    const rUnion = rate(tf.concat2d([z, zHat], 0), epsilonSquared);
    const rZ = rate(z, epsilonSquared);
    const rZHat = rate(zHat, epsilonSquared);
    const deltaR = tf.sub<tf.Scalar>(rUnion, tf.mul(0.5, tf.add(rZ, rZHat)));
    return {deltaR, rUnion, rZ, rZHat};
  });
}

/** Checks `z` and `zHat` as features with the same feature size `d`. */
export function checkPair(owner: string, z: tf.Tensor2D, zHat: tf.Tensor2D): void {
  checkFeatures(owner, 'z', z);
  checkFeatures(owner, 'zHat', zHat);
  if (zHat.shape[1] !== z.shape[1]) {
    v.reject(owner, 'zHat', `[m, ${z.shape[1]}] (the feature size of z)`, zHat.shape);
  }
}

/**
 * MCR²'s rate reduction of the features `z` (`[m, d]`, one sample per row) with `labels[i]` the
 * class of row `i`:
 *
 *     ΔR(Z, Π) = R(Z) − R^c(Z|Π)
 *
 * (see {@link codingRate} and {@link classCodingRate}); `ε²` is `options.epsilonSquared`
 * (default 0.5, the squared value the published code passes as `eps`). Returns `deltaR`, `r`
 * and `rc`, each differentiable in `z`; an encoder trained by MCR² maximises `deltaR`.
 */
export function mcr2(z: tf.Tensor2D, labels: tf.Tensor1D | ArrayLike<number>, numClasses: number,
                     options?: RateOptions): {deltaR: tf.Scalar; r: tf.Scalar; rc: tf.Scalar} {
  const owner = 'mcr2';
  checkFeatures(owner, 'z', z);
  const eps2 = epsilonSquaredOf(owner, options);
  const rows = classRows(readLabels(owner, labels, z.shape[0], numClasses), numClasses);
  return tf.tidy(() => {
    const r = rate(z, eps2);
    const blocks = classBlocks(z, rows);
    const rc = classRate(blocks, blocks.map((b) => rate(b, eps2)), z.shape[0]);
    return {deltaR: tf.sub(r, rc), r, rc};
  });
}

/**
 * The rate reduction between two sets of features with the same feature size `d` (rows are
 * samples; the sets may hold different numbers of rows):
 *
 *     ΔR(Z, Ẑ) = R(Z ∪ Ẑ) − ½ (R(Z) + R(Ẑ)),
 *
 * with `Z ∪ Ẑ` the rows of both. It is 0 for `Ẑ = Z` and grows as the two sets span different
 * subspaces. `ε²` is `options.epsilonSquared` (default 0.5). Differentiable in `z` and `zHat`.
 */
export function rateReductionBetween(z: tf.Tensor2D, zHat: tf.Tensor2D,
                                     options?: RateOptions): tf.Scalar {
  const owner = 'rateReductionBetween';
  checkPair(owner, z, zHat);
  const eps2 = epsilonSquaredOf(owner, options);
  return tf.tidy(() => pairRates(z, zHat, eps2).deltaR);
}
