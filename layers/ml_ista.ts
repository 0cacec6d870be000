/**
 * ML-ISTA: unfolded multi-layer ISTA for multi-layer convolutional sparse coding (docs/math.md §4).
 */
import * as tf from '@tensorflow/tfjs';
import * as v from '../src/util/validate';
import {fistaMomentum} from '../src/ops/momentum';
import {MlCscLayerArgs, MlCscWeights, MultiLayerCsc, proxGradStep} from './ml_csc_common';
import {Initializer, InitializerArg, serializeInitializer, toInitializer} from '../src/util/layer_args';
import {registerLayer} from './register';

const NAME = 'mlIsta';

export interface MlIstaLayerArgs extends MlCscLayerArgs {
  /** Number `T` of unfoldings after layered thresholding; 0 gives the CNN. Default 1. */
  iterations?: number;
  /**
   * Initializer of the step sizes `c_i` (one learned scalar per layer). Default `'ones'`; ISTA
   * converges for `c_i ≤ 1/‖D_i‖²`.
   */
  stepInitializer?: InitializerArg;
}

/**
 * ML-ISTA. Starting from layered thresholding `Γ_i = ReLU(conv2d(Γ_{i−1}, W_i) + b_i)`, each of
 * the `T` unfoldings runs a backward pass through the synthesis maps `D_i = conv2dTranspose(·, W_i)`
 *
 *     Γ̂_L = Γ_L,   Γ̂_{i−1} = D_iΓ̂_i   (i = L, …, 2),
 *
 * then a forward pass of proximal-gradient steps, with `D_iᵀ = conv2d(·, W_i)` and `Γ_0 = x`:
 *
 *     Γ_i ← ReLU(Γ̂_i − c_i D_iᵀ(D_iΓ̂_i − Γ_{i−1}) + b_i)   (i = 1, …, L).
 *
 * `b_i = −c_iξ_i` is the negative threshold of a non-negative ℓ1 penalty. With `L = 1`,
 * `c = 1/‖D‖²` and `b = −λ/‖D‖²` the unfoldings are ISTA steps for the non-negative LASSO
 * `min_{Γ≥0} ½‖x − DΓ‖² + λ‖Γ‖₁`. Zero unfoldings is exactly the CNN; the only weights beyond
 * the CNN's are the step sizes `c_i`, which (unlike the reference PyTorch code, where they also
 * scale the initial thresholding) enter only the unfoldings.
 */
export class MlIsta extends MultiLayerCsc {
  static className = 'MlIsta';

  readonly iterations: number;
  readonly stepInitializer: Initializer;

  /** `owner` names the factory in error messages. */
  constructor(args: MlIstaLayerArgs, owner = NAME) {
    super(owner, args);
    this.iterations = v.nonNegInt(owner, 'iterations', args.iterations ?? 1);
    this.stepInitializer = toInitializer(owner, 'stepInitializer', args.stepInitializer ?? 'ones');
  }

  protected buildExtra(): void {
    this.addSteps(this.stepInitializer);
  }

  /** FISTA momentum on the deepest code between unfoldings (ML-FISTA). */
  protected readonly momentum: boolean = false;

  protected iterate(x: tf.Tensor4D, w: MlCscWeights): tf.Tensor {
    const codes = this.thresholding(x, w);
    const ops = codes.slice(0, this.depth).map((signal, i) => this.dictionary(i, w.kernels[i], signal));
    let top = codes[this.depth];
    let previousTop = top;
    let t = 1;
    for (let k = 0; k < this.iterations; k++) {
      const {next: tNext, weight} = fistaMomentum(t);
      const hat = [this.momentum ? tf.add(top, tf.mul(weight, tf.sub(top, previousTop))) : top];
      for (let i = this.depth - 1; i > 0; i--) hat.unshift(ops[i].synthesis(hat[0]));
      let previous: tf.Tensor = x;
      for (let i = 0; i < this.depth; i++) {
        // D_iΓ̂_i of layer i ≥ 2 is Γ̂_{i−1}, computed by the backward pass.
        previous = proxGradStep(ops[i], hat[i], previous, w.steps[i], w.biases[i], i > 0 ? hat[i - 1] : undefined);
      }
      previousTop = top;
      top = previous;
      t = tNext;
    }
    return top;
  }

  getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), iterations: this.iterations,
            stepInitializer: serializeInitializer(this.stepInitializer)};
  }
}
registerLayer(MlIsta);

/**
 * ML-ISTA (docs/math.md §4): layered thresholding followed by `iterations` unfoldings of multi-layer
 * ISTA, each a backward pass `Γ̂_{i−1} = D_iΓ̂_i` and a forward pass of ReLU proximal-gradient
 * steps. Same weights as the CNN of {@link layeredThresholding} plus one step size per layer.
 *
 * Input `[batch, H, W, C]`; output the last code `[batch, H_L, W_L, filters[L−1]]`, where each
 * layer maps `H` to `ceil(H/s)` ('same') or `floor((H − k)/s) + 1` ('valid').
 *
 * ```js
 * const layer = sl.layers.mlIsta({filters: [32, 64], kernelSize: [6, 6], strides: [2, 2],
 *                                 iterations: 6, inputShape: [28, 28, 1]});
 * ```
 */
export function mlIsta(args: MlIstaLayerArgs): MlIsta {
  return new MlIsta(args);
}
