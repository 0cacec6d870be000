/**
 * Features projected to the unit sphere, as closed-loop transcription requires (docs/math.md §5).
 */
import * as tf from '@tensorflow/tfjs';
import {BaseLayerArgs} from '../src/util/layer_args';
import * as v from '../src/util/validate';
import {registerLayer} from './register';

const NAME = 'unitNormalization';

export interface UnitNormalizationLayerArgs extends BaseLayerArgs {
  /** The axis normalised; negative counts from the last. Default −1. */
  axis?: number;
  /** Floor of the squared norm, so that a zero vector stays zero (and its gradient finite) instead of NaN. Default 1e-12. */
  epsilon?: number;
}

/**
 * `y = x / √max(‖x‖₂², ε)` along one axis (Keras's `UnitNormalization`, ONNX `LpNormalization`
 * with p = 2): the coding rate `½ logdet(I + α ZᵀZ)` of unit-norm features is bounded and its
 * Cholesky factorisation well conditioned.
 */
export class UnitNormalization extends tf.layers.Layer {
  static className = 'UnitNormalization';

  readonly axis: number;
  readonly epsilon: number;

  constructor(args: UnitNormalizationLayerArgs = {}) {
    super(args as tf.serialization.ConfigDict);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis)) v.reject(NAME, 'axis', 'an integer', axis);
    this.axis = axis;
    this.epsilon = v.positiveNumber(NAME, 'epsilon', args.epsilon ?? 1e-12);
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (this.axis >= shape.length || this.axis < -shape.length || this.axis === 0 || this.axis === -shape.length) {
      v.reject(NAME, 'axis', `a feature axis of an input of rank ${shape.length} (not the batch axis)`, this.axis);
    }
    this.built = true;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), this.axis, true), this.epsilon)));
    });
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  }

  getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), axis: this.axis, epsilon: this.epsilon};
  }
}
registerLayer(UnitNormalization);

/**
 * Scales every feature vector to unit ℓ2 norm along `axis` (default the last).
 *
 * ```js
 * const encoder = tf.sequential({layers: [..., tf.layers.flatten(), sl.layers.unitNormalization()]});
 * ```
 */
export function unitNormalization(args: UnitNormalizationLayerArgs = {}): UnitNormalization {
  return new UnitNormalization(args);
}
