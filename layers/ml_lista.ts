/**
 * ML-LISTA: multi-layer ISTA with learned synthesis and analysis filters (docs/math.md §4).
 */
import * as tf from '@tensorflow/tfjs';
import * as v from '../src/util/validate';
import {MlCscLayerArgs, MlCscWeights, MultiLayerCsc, proxGradStep} from './ml_csc_common';
import {Initializer, InitializerArg, serializeInitializer, toInitializer} from '../src/util/layer_args';
import {registerLayer} from './register';

const NAME = 'mlLista';

export interface MlListaLayerArgs extends MlCscLayerArgs {
  /** Number `T` of unfoldings after layered thresholding; 0 gives the CNN. Default 1. */
  iterations?: number;
  /**
   * Initializer of the synthesis filters `B_i`. Default null: each `B_i` starts as a copy of
   * the initial `W_i`, so that the layer starts as ML-ISTA with unit steps.
   */
  synthesisInitializer?: InitializerArg | null;
}

/**
 * ML-LISTA: ML-ISTA (see {@link MlIsta}) with the synthesis maps `B_iΓ = conv2dTranspose(Γ, B_i)`
 * learned apart from the analysis maps `W_iᵀX = conv2d(X, W_i)`; the step sizes are absorbed in
 * the filters. From layered thresholding `Γ_i = ReLU(W_iᵀΓ_{i−1} + b_i)` each unfolding runs
 *
 *     Γ̂_L = Γ_L,   Γ̂_{i−1} = B_iΓ̂_i   (i = L, …, 2),
 *     Γ_i ← ReLU(Γ̂_i − W_iᵀ(B_iΓ̂_i − Γ_{i−1}) + b_i)   (i = 1, …, L,  Γ_0 = x).
 *
 * With `B_i = W_i` it is ML-ISTA with `c_i = 1`; zero unfoldings is exactly the CNN with filters
 * `W_i`. (The reference PyTorch code splits the roles differently: its `B_i` serves the backward
 * pass and the data term, its `W_i` only the Gram term `W_iᵀW_i`.) Weights:
 * `kernel_i, bias_i` (as the CNN), then `synthesis_kernel_i` of the same shape as `kernel_i`.
 */
export class MlLista extends MultiLayerCsc {
  static className = 'MlLista';

  readonly iterations: number;
  readonly synthesisInitializer: Initializer | null;

  constructor(args: MlListaLayerArgs) {
    super(NAME, args);
    this.iterations = v.nonNegInt(NAME, 'iterations', args.iterations ?? 1);
    this.synthesisInitializer = args.synthesisInitializer == null
      ? null : toInitializer(NAME, 'synthesisInitializer', args.synthesisInitializer);
  }

  protected buildExtra(channels: number): void {
    this.filters.forEach((_, i) => {
      const b = this.addWeight(`synthesis_kernel_${i + 1}`, this.kernelShape(i, channels), 'float32',
                               this.synthesisInitializer ?? tf.initializers.zeros());
      if (this.synthesisInitializer === null) b.write(this.kernelVars[i].read());
      this.synthesisVars.push(b);
    });
  }

  protected iterate(x: tf.Tensor4D, w: MlCscWeights): tf.Tensor {
    const codes = this.thresholding(x, w);
    const ops = codes.slice(0, this.depth).map((signal, i) => {
      const analysis = this.dictionary(i, w.kernels[i], signal);
      const synthesis = this.dictionary(i, w.synthesisKernels[i], signal);
      return {synthesis: (z: tf.Tensor) => synthesis.synthesis(z), adjoint: (s: tf.Tensor) => analysis.adjoint(s)};
    });
    let top = codes[this.depth];
    for (let t = 0; t < this.iterations; t++) {
      const hat = [top];
      for (let i = this.depth - 1; i > 0; i--) hat.unshift(ops[i].synthesis(hat[0]));
      let previous: tf.Tensor = x;
      for (let i = 0; i < this.depth; i++) {
        // B_iΓ̂_i of layer i ≥ 2 is Γ̂_{i−1}, computed by the backward pass.
        previous = proxGradStep(ops[i], hat[i], previous, null, w.biases[i], i > 0 ? hat[i - 1] : undefined);
      }
      top = previous;
    }
    return top;
  }

  getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), iterations: this.iterations,
            synthesisInitializer: this.synthesisInitializer && serializeInitializer(this.synthesisInitializer)};
  }
}
registerLayer(MlLista);

/**
 * ML-LISTA (docs/math.md §4): layered thresholding followed by `iterations` unfoldings of
 * multi-layer ISTA in which the synthesis filters `B_i` (backward pass, `B_iΓ̂_i`) and the
 * analysis filters `W_i` (`W_iᵀ`) are learned separately.
 *
 * Input `[batch, H, W, C]`; output the last code `[batch, H_L, W_L, filters[L−1]]`, where each
 * layer maps `H` to `ceil(H/s)` ('same') or `floor((H − k)/s) + 1` ('valid').
 *
 * ```js
 * const layer = sl.layers.mlLista({filters: [32, 64], kernelSize: 6, strides: 2, iterations: 6,
 *                                  inputShape: [28, 28, 1]});
 * ```
 */
export function mlLista(args: MlListaLayerArgs): MlLista {
  return new MlLista(args);
}
