/**
 * Layered basis pursuit: one non-negative convolutional LASSO per layer (docs/math.md §4).
 */
import * as tf from '@tensorflow/tfjs';
import * as v from '../src/util/validate';
import {fistaMomentum} from '../src/ops/momentum';
import {MlCscLayerArgs, MlCscWeights, MultiLayerCsc, proxGradStep} from './ml_csc_common';
import {Initializer, InitializerArg, serializeInitializer, toInitializer} from '../src/util/layer_args';
import {registerLayer} from './register';

const NAME = 'layeredBasisPursuit';

export interface LayeredBasisPursuitLayerArgs extends MlCscLayerArgs {
  /** Number `T` of ISTA/FISTA steps per layer after its thresholding start; 0 gives the CNN. Default 1. */
  iterations?: number;
  /** FISTA momentum between the steps of each layer (false: ISTA). Default false. */
  fista?: boolean;
  /**
   * Initializer of the step sizes `c_i` (one learned scalar per layer). Default `'ones'`; the
   * steps converge for `c_i ≤ 1/‖D_i‖²`.
   */
  stepInitializer?: InitializerArg;
}

/**
 * Layered basis pursuit. Layer by layer (`Γ̂_0 = x`), it approximately solves
 *
 *     Γ̂_i = argmin_{Γ ≥ 0} ½‖Γ̂_{i−1} − D_iΓ‖² + ξ_i‖Γ‖₁,   ξ_i = −b_i/c_i,
 *
 * with `D_i = conv2dTranspose(·, W_i, s_i)`, `D_iᵀ = conv2d(·, W_i, s_i)`, by `T` proximal-gradient
 * steps with step `c_i`, started from thresholding:
 *
 *     Γ⁰ = ReLU(D_iᵀΓ̂_{i−1} + b_i),   Γ^{k+1} = ReLU(Y^k − c_iD_iᵀ(D_iY^k − Γ̂_{i−1}) + b_i),
 *
 * where `Y^k = Γ^k` (ISTA) or, with `fista`, `Y^k = Γ^k + ((t_{k−1} − 1)/t_k)(Γ^k − Γ^{k−1})`,
 * `t_0 = 1`, `t_k = (1 + √(1 + 4t_{k−1}²))/2`. With `c_i < 2/‖D_i‖²` and many steps, `Γ̂_i` meets the
 * layer's optimality conditions `D_iᵀ(Γ̂_{i−1} − D_iΓ̂_i) ≤ ξ_i`, with equality on the support.
 * Zero steps is exactly the CNN; the step sizes `c_i` are the only weights beyond it.
 */
export class LayeredBasisPursuit extends MultiLayerCsc {
  static className = 'LayeredBasisPursuit';

  readonly iterations: number;
  readonly fista: boolean;
  readonly stepInitializer: Initializer;

  constructor(args: LayeredBasisPursuitLayerArgs) {
    super(NAME, args);
    this.iterations = v.nonNegInt(NAME, 'iterations', args.iterations ?? 1);
    this.fista = v.bool(NAME, 'fista', args.fista ?? false);
    this.stepInitializer = toInitializer(NAME, 'stepInitializer', args.stepInitializer ?? 'ones');
  }

  protected buildExtra(): void {
    this.addSteps(this.stepInitializer);
  }

  protected iterate(x: tf.Tensor4D, w: MlCscWeights): tf.Tensor {
    let signal: tf.Tensor = x;
    for (let i = 0; i < this.depth; i++) {
      const op = this.dictionary(i, w.kernels[i], signal);
      const start = op.adjoint(signal);
      let z = tf.relu(w.biases[i] === null ? start : tf.add(start, w.biases[i]!));
      let y = z;
      let t = 1;
      for (let k = 0; k < this.iterations; k++) {
        const next = proxGradStep(op, y, signal, w.steps[i], w.biases[i]);
        if (this.fista) {
          const {next: tNext, weight} = fistaMomentum(t);
          y = tf.add(next, tf.mul(weight, tf.sub(next, z)));
          t = tNext;
        } else {
          y = next;
        }
        z = next;
      }
      signal = z;
    }
    return signal;
  }

  getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), iterations: this.iterations, fista: this.fista,
            stepInitializer: serializeInitializer(this.stepInitializer)};
  }
}
registerLayer(LayeredBasisPursuit);

/**
 * Layered basis pursuit (docs/math.md §4): each layer's code is the non-negative convolutional LASSO
 * solution for the previous layer's code, approximated by `iterations` ISTA (or FISTA) steps
 * started from thresholding. Same weights as the CNN of {@link layeredThresholding} plus one
 * step size per layer.
 *
 * Input `[batch, H, W, C]`; output the last code `[batch, H_L, W_L, filters[L−1]]`, where each
 * layer maps `H` to `ceil(H/s)` ('same') or `floor((H − k)/s) + 1` ('valid').
 *
 * ```js
 * const layer = sl.layers.layeredBasisPursuit({filters: [32, 64], kernelSize: 6, strides: 2,
 *                                              iterations: 6, inputShape: [28, 28, 1]});
 * ```
 */
export function layeredBasisPursuit(args: LayeredBasisPursuitLayerArgs): LayeredBasisPursuit {
  return new LayeredBasisPursuit(args);
}
