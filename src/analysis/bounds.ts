/**
 * The guarantees of the multi-layer convolutional sparse-coding model in terms of the mutual
 * coherence `μ(D_i)` of each layer's dictionary (Papyan, Romano, Elad, "Convolutional neural
 * networks analyzed via convolutional sparse coding", JMLR 18, 2017; docs/theory.md). Each bound
 * is on `‖Γ_i‖₀,∞`, the largest number of non-zeros of the code `Γ_i` in one stripe (see
 * {@link measuredL0Inf}).
 *
 * **Sources.** {@link uniquenessBound} is the condition of docs/math.md §4 ("uniqueness when
 * `‖Γ‖₀,∞ < ½(1 + 1/μ)`"). The thresholding and basis-pursuit forms are sparseland's statement
 * of the paper's stability conditions, without its theorem numbers; math.md §4 states what they
 * say qualitatively (thresholding needs the ratio of the largest to the smallest non-zero to be
 * small, basis pursuit does not depend on it), and `reproduce pursuit-stability` measures that
 * claim, not these constants.
 */
import * as v from '../util/validate';

/** `μ`, checked to lie in (0, 1] (a coherence of 0 makes every bound infinite). */
function coherence(owner: string, mu: unknown): number {
  if (typeof mu !== 'number' || !(mu > 0 && mu <= 1)) v.reject(owner, 'mu', 'a mutual coherence in (0, 1]', mu);
  return mu;
}

/**
 * Uniqueness of the ML-CSC representation: if a signal has a representation `{Γ_i}` with
 *
 *     ‖Γ_i‖₀,∞ < ½(1 + 1/μ(D_i))   at every layer i,
 *
 * it is the unique sparsest one (in the ℓ₀,∞ sense) at every layer. Returns `½(1 + 1/μ)`, the
 * strict upper limit on `‖Γ_i‖₀,∞`. Source: docs/math.md §4 (not checked against the paper's
 * text; see the module's comment).
 */
export function uniquenessBound(mu: number): number {
  return 0.5 * (1 + 1 / coherence('uniquenessBound', mu));
}

export interface LayeredThresholdingBoundArgs {
  /** `μ(D_i)`, in (0, 1]. */
  mu: number;
  /** `|Γ_i^min| / |Γ_i^max|`, the smallest over the largest non-zero magnitude of `Γ_i`, in (0, 1]. */
  ratio: number;
  /** `ε_{i−1}`, the noise (ℓ₂,∞ norm) reaching layer i, ≥ 0. Default 0. */
  noise?: number;
  /** `|Γ_i^max|`, the largest non-zero magnitude of `Γ_i`, > 0; required when `noise > 0`. */
  maxCoefficient?: number;
}

/**
 * Stability of layered thresholding (the forward pass of a CNN): it recovers the support of
 * every `Γ_i` (and its estimates stay within a bounded distance of the true codes) if, at
 * every layer i,
 *
 *     ‖Γ_i‖₀,∞ < ½(1 + (1/μ(D_i))·|Γ_i^min|/|Γ_i^max|) − (1/μ(D_i))·ε_{i−1}/|Γ_i^max|,
 *
 * with `|Γ_i^min|`, `|Γ_i^max|` the smallest and largest non-zero magnitudes of `Γ_i` and
 * `ε_{i−1}` the noise reaching layer i. Returns the right-hand side. With `ratio = 1` and no
 * noise it is {@link uniquenessBound}; it shrinks as the coefficients' dynamic range grows, which
 * is the weakness of thresholding that layered basis pursuit does not have. Source: this
 * module's own statement; math.md §4 gives only the dependence on the ratio (not checked against
 * the paper's text; see the module's comment).
 */
export function layeredThresholdingBound(args: LayeredThresholdingBoundArgs): number {
  const owner = 'layeredThresholdingBound';
  const mu = coherence(owner, args.mu);
  if (typeof args.ratio !== 'number' || !(args.ratio > 0 && args.ratio <= 1)) {
    v.reject(owner, 'ratio', 'a ratio |Γmin|/|Γmax| in (0, 1]', args.ratio);
  }
  const noise = v.nonNegNumber(owner, 'noise', args.noise ?? 0);
  if (noise === 0) return 0.5 * (1 + args.ratio / mu);
  const max = v.positiveNumber(owner, 'maxCoefficient', args.maxCoefficient);
  return 0.5 * (1 + args.ratio / mu) - noise / (mu * max);
}

/**
 * Stability of layered basis pursuit: if at every layer i
 *
 *     ‖Γ_i‖₀,∞ ≤ ⅓(1 + 1/μ(D_i)),
 *
 * the layer-by-layer ℓ₁ pursuit (with its Lagrange multipliers set in proportion to the noise)
 * recovers a code whose support lies in that of `Γ_i`, within a distance of `Γ_i` proportional
 * to the noise, whatever the ratio of the coefficients' magnitudes. Returns `⅓(1 + 1/μ)`, the
 * upper limit on `‖Γ_i‖₀,∞`. Source: this module's own statement; math.md §4 says only that basis
 * pursuit does not depend on the ratio. Whether the paper's condition is strict (`<`) or not
 * (`≤`) is not checked (see the module's comment); the value returned is the same.
 */
export function layeredBasisPursuitBound(mu: number): number {
  return (1 + 1 / coherence('layeredBasisPursuitBound', mu)) / 3;
}
