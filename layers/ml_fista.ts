/**
 * ML-FISTA: unfolded multi-layer FISTA for multi-layer convolutional sparse coding (docs/math.md §4).
 */
import {MlIsta, MlIstaLayerArgs} from './ml_ista';
import {registerLayer} from './register';

/** The arguments of {@link MlIsta}; the step sizes `c_i` converge for `c_i ≤ 1/‖D_i‖²`. */
export type MlFistaLayerArgs = MlIstaLayerArgs;

/**
 * ML-FISTA: ML-ISTA (see {@link MlIsta}) with FISTA momentum on the deepest code. From layered
 * thresholding `Γ_i = ReLU(conv2d(Γ_{i−1}, W_i) + b_i)`, `Γ_L^{prev} = Γ_L`, `t = 1`, each of the
 * `T` unfoldings computes
 *
 *     t' = (1 + √(1 + 4t²))/2,   Z = Γ_L + ((t − 1)/t')(Γ_L − Γ_L^{prev}),
 *     Γ̂_L = Z,   Γ̂_{i−1} = D_iΓ̂_i   (i = L, …, 2),
 *     Γ_i ← ReLU(Γ̂_i − c_i D_iᵀ(D_iΓ̂_i − Γ_{i−1}) + b_i)   (i = 1, …, L,  Γ_0 = x),
 *
 * then `Γ_L^{prev}` ← the previous `Γ_L`, `t ← t'`; `D_i = conv2dTranspose(·, W_i)`,
 * `D_iᵀ = conv2d(·, W_i)`. With `L = 1` it is FISTA on the non-negative LASSO; zero unfoldings
 * is exactly the CNN, whose weights it shares, plus the step sizes `c_i`.
 */
export class MlFista extends MlIsta {
  static className = 'MlFista';
  protected readonly momentum = true;

  constructor(args: MlFistaLayerArgs) {
    super(args, 'mlFista');
  }
}
registerLayer(MlFista);

/**
 * ML-FISTA (docs/math.md §4): layered thresholding followed by `iterations` unfoldings of
 * multi-layer FISTA (ML-ISTA with momentum on the deepest code). Same weights as the CNN of
 * {@link layeredThresholding} plus one step size per layer.
 *
 * Input `[batch, H, W, C]`; output the last code `[batch, H_L, W_L, filters[L−1]]`, where each
 * layer maps `H` to `ceil(H/s)` ('same') or `floor((H − k)/s) + 1` ('valid').
 *
 * ```js
 * const layer = sl.layers.mlFista({filters: [32, 64], kernelSize: 6, strides: 2, iterations: 6,
 *                                  inputShape: [28, 28, 1]});
 * ```
 */
export function mlFista(args: MlFistaLayerArgs): MlFista {
  return new MlFista(args);
}
