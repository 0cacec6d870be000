/**
 * Layered thresholding, the forward pass of a ReLU CNN read as sparse coding (docs/math.md §4).
 */
import * as tf from '@tensorflow/tfjs';
import {MlCscLayerArgs, MlCscWeights, MultiLayerCsc} from './ml_csc_common';
import {registerLayer} from './register';

/** Arguments of {@link layeredThresholding}: only the shared multi-layer arguments. */
export type LayeredThresholdingLayerArgs = MlCscLayerArgs;

/**
 * Layered thresholding for the multi-layer convolutional sparse-coding model
 * `x = D₁Γ₁, Γ₁ = D₂Γ₂, …, Γ_{L−1} = D_LΓ_L`:
 *
 *     Γ̂₀ = x,   Γ̂_i = S⁺_{−b_i}(D_iᵀ Γ̂_{i−1}) = ReLU(conv2d(Γ̂_{i−1}, W_i, s_i) + b_i),
 *
 * with `D_iᵀ = conv2d(·, W_i, s_i)`: exactly a stack of `tf.layers.conv2d({activation: 'relu'})`
 * with the same weights (`kernel_1, bias_1, …, kernel_L, bias_L`). Input `[batch, H, W, C]`,
 * output `Γ̂_L`.
 */
export class LayeredThresholding extends MultiLayerCsc {
  static className = 'LayeredThresholding';

  constructor(args: LayeredThresholdingLayerArgs) {
    super('layeredThresholding', args);
  }

  protected iterate(x: tf.Tensor4D, w: MlCscWeights): tf.Tensor {
    return this.thresholding(x, w)[this.depth];
  }
}
registerLayer(LayeredThresholding);

/**
 * Layered thresholding (docs/math.md §4): `L` convolution + bias + ReLU layers, the CNN forward pass
 * seen as the simplest pursuit of a multi-layer convolutional sparse code.
 *
 * Input `[batch, H, W, C]`; output the last code `[batch, H_L, W_L, filters[L−1]]`, where each
 * layer maps `H` to `ceil(H/s)` ('same') or `floor((H − k)/s) + 1` ('valid').
 *
 * ```js
 * const layer = sl.layers.layeredThresholding({filters: [8, 16], kernelSize: 3, strides: [1, 2],
 *                                              inputShape: [28, 28, 1]});
 * ```
 */
export function layeredThresholding(args: LayeredThresholdingLayerArgs): LayeredThresholding {
  return new LayeredThresholding(args);
}
