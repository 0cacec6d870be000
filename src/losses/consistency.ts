/**
 * Sample-wise consistency of the closed loop: the codes an encoder gives the data and the codes
 * it gives their reconstructions should agree sample by sample, at every stage.
 */
import * as tf from '@tensorflow/tfjs';
import * as v from '../util/validate';

/** The consistency and its per-stage terms `stage1, stage2, …`, each a differentiable scalar. */
export interface ConsistencyTerms {
  consistency: tf.Scalar;
  [stage: string]: tf.Scalar;
}

/**
 * The relative squared distance between the codes `codes[k]` of the data and `codesHat[k]` of
 * their reconstructions, summed over the stages `k`:
 *
 *     C = Σ_k ‖C_k − Ĉ_k‖²_F / ‖C_k‖²_F,
 *
 * where row `i` of `C_k` (its first axis) belongs to sample `i`, so the Frobenius norms sum
 * `‖c_{k,i} − ĉ_{k,i}‖²` over the batch: `C` is zero exactly when every sample's reconstruction
 * has the codes of the sample itself. Dividing by `‖C_k‖²` makes the stages' terms comparable
 * whatever their scale. Its gradient in `Ĉ_k` is `2(Ĉ_k − C_k)/‖C_k‖²`. Returns `consistency`
 * and the terms `stage1, stage2, …`.
 */
export function sampleConsistency(codes: tf.Tensor[], codesHat: tf.Tensor[]): ConsistencyTerms {
  const owner = 'sampleConsistency';
  if (!Array.isArray(codes) || codes.length === 0 || !codes.every((c) => c instanceof tf.Tensor)) {
    v.reject(owner, 'codes', 'a non-empty array of tensors', codes);
  }
  if (!Array.isArray(codesHat) || codesHat.length !== codes.length) {
    v.reject(owner, 'codesHat', `an array of ${codes.length} tensors (one per entry of codes)`,
             Array.isArray(codesHat) ? `${codesHat.length} entries` : codesHat);
  }
  codesHat.forEach((c, k) => {
    if (!(c instanceof tf.Tensor) || c.shape.join() !== codes[k].shape.join()) {
      v.reject(owner, `codesHat[${k}]`, `a tensor of shape [${codes[k].shape.join(', ')}] (that of codes[${k}])`,
               c instanceof tf.Tensor ? c.shape : c);
    }
  });
  return tf.tidy(() => {
    const stages = codes.map((c, k) => tf.div<tf.Scalar>(tf.sum(tf.squaredDifference(c, codesHat[k])),
                                                         tf.maximum(tf.sum(tf.square(c)), 1e-12)));
    const terms: ConsistencyTerms = {consistency: tf.addN(stages)};
    stages.forEach((s, k) => {
      terms[`stage${k + 1}`] = s;
    });
    return terms;
  });
}
