/**
 * Dictionary operators: a linear synthesis map `A` (code → signal) and its exact adjoint `Aᵀ`
 * (signal → code), behind one interface so that every unrolled algorithm is written once
 * (docs/math.md §1, §3).
 */
import * as tf from '@tensorflow/tfjs';

export interface DictionaryOperator {
  /** Synthesis `A z`: code batch → signal batch. */
  synthesis(z: tf.Tensor): tf.Tensor;
  /** Adjoint `Aᵀ x`: signal batch → code batch, with `⟨A z, x⟩ = ⟨z, Aᵀ x⟩`. */
  adjoint(x: tf.Tensor): tf.Tensor;
  /** Gradient of `½‖x − A z‖²` in `z`: `Aᵀ(A z − x)`. */
  gradF(z: tf.Tensor, x: tf.Tensor): tf.Tensor;
  /** Shape of one code (no batch axis) for a signal of shape `signalShape` (no batch axis). */
  codeShape(signalShape: number[]): number[];
}

/**
 * Dense dictionary `A ∈ R^{M×N}` whose columns are the atoms: signals `[batch, M]`, codes
 * `[batch, N]`; `A z = z Aᵀ` and `Aᵀ x = x A` on row batches.
 */
export class DenseDictionary implements DictionaryOperator {
  constructor(readonly matrix: tf.Tensor2D) {}

  synthesis(z: tf.Tensor): tf.Tensor {
    return tf.matMul(z as tf.Tensor2D, this.matrix, false, true);
  }

  adjoint(x: tf.Tensor): tf.Tensor {
    return tf.matMul(x as tf.Tensor2D, this.matrix);
  }

  gradF(z: tf.Tensor, x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.adjoint(tf.sub(this.synthesis(z), x)));
  }

  codeShape(_signalShape: number[]): number[] {
    return [this.matrix.shape[1]];
  }
}

export type ConvPadding = 'same' | 'valid';

/**
 * Convolutional dictionary with filters `W` of shape `[kh, kw, C_img, C_code]` (tfjs conv2d
 * layout): `A z = conv2dTranspose(z, W, stride)` and `Aᵀ x = conv2d(x, W, stride)`, NHWC.
 * Synthesis needs the signal's spatial size, which a stride makes ambiguous; it is given by
 * `signalSize` and defaults to `code size × stride` (exact for 'same' padding).
 */
export class ConvDictionary implements DictionaryOperator {
  readonly strides: [number, number];

  constructor(readonly filters: tf.Tensor4D, strides: number | [number, number] = 1,
              readonly padding: ConvPadding = 'same',
              public signalSize?: [number, number]) {
    this.strides = typeof strides === 'number' ? [strides, strides] : strides;
  }

  synthesis(z: tf.Tensor): tf.Tensor {
    const [b, h, w] = z.shape;
    const [kh, kw, cImg] = this.filters.shape;
    const [sh, sw] = this.strides;
    const size = this.signalSize ??
      (this.padding === 'same' ? [h! * sh, w! * sw] : [(h! - 1) * sh + kh, (w! - 1) * sw + kw]);
    return tf.conv2dTranspose(z as tf.Tensor4D, this.filters, [b!, size[0], size[1], cImg],
                              this.strides, this.padding);
  }

  adjoint(x: tf.Tensor): tf.Tensor {
    return tf.conv2d(x as tf.Tensor4D, this.filters, this.strides, this.padding);
  }

  gradF(z: tf.Tensor, x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.adjoint(tf.sub(this.synthesis(z), x)));
  }

  codeShape(signalShape: number[]): number[] {
    const [kh, kw, , cCode] = this.filters.shape;
    return [...convOutputSize(signalShape, [kh, kw], this.strides, this.padding), cCode];
  }
}

/**
 * Spatial size `[H', W']` of `conv2d` output (the code) for a signal of spatial size
 * `[H, W, ...]`: `ceil(H/s)` for 'same', `floor((H − k)/s) + 1` for 'valid'. Unknown (null)
 * sizes stay null.
 */
export function convOutputSize<T extends number | null>(size: T[], kernelSize: [number, number],
                                                        strides: [number, number],
                                                        padding: ConvPadding): T[] {
  return [0, 1].map((i) => (size[i] == null ? null : padding === 'same'
    ? Math.ceil(size[i]! / strides[i])
    : Math.floor((size[i]! - kernelSize[i]) / strides[i]) + 1)) as T[];
}
