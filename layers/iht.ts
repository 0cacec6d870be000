/**
 * Model-based iterative hard thresholding with one winner per pooling block (docs/math.md §6).
 */
import * as tf from '@tensorflow/tfjs';
import {ConvDictionary, ConvPadding, convOutputSize} from '../src/ops/dictionary';
import {withoutGradient} from '../src/ops/stop_gradient';
import * as v from '../src/util/validate';
import {BaseLayerArgs, Initializer, InitializerArg, nhwcShape, serializeInitializer, toInitializer} from '../src/util/layer_args';
import {registerLayer} from './register';

const NAME = 'iht';

export interface IhtLayerArgs extends BaseLayerArgs {
  /** Channels of the code `z` (with `pairedFilters`, even: half of them are the negated other half). Required. */
  filters: number;
  /** Filter size, a number or `[kh, kw]`. Required. */
  kernelSize: number | [number, number];
  /** Stride of the dictionary, a number or `[sh, sw]`. Default 1. */
  strides?: number | [number, number];
  /** `'valid'` or `'same'` (as `tf.layers.conv2d`). Default `'valid'`. */
  padding?: ConvPadding;
  /**
   * Pooling block `[ph, pw]` of the code, per channel (as `tf.layers.maxPooling2d`, with
   * stride = block; blocks at the border may be partial). Default 2.
   */
  poolSize?: number | [number, number];
  /**
   * `k`, the largest number of non-zeros kept per sample: the `k` largest block winners (ties
   * at the `k`-th value are all kept). Default null: every block keeps its winner.
   */
  sparsity?: number | null;
  /** Number of IHT iterations (the first, from `z = 0`, is the CNN layer). Default 1. */
  iterations?: number;
  /**
   * Learn `filters/2` filters `w` and use the pairs `(w, −w)`; the winners are then the largest
   * positive entries (ReLU then max pooling, the CNN layer). Default false.
   */
  pairedFilters?: boolean;
  /** Initializer of the filters. Default `'leCunNormal'` (Gaussian with variance `1/fan_in`). */
  kernelInitializer?: InitializerArg;
}

/** One-hot mask of the largest `scores` entry in each `[ph, pw]` block of every channel (first on ties). */
function blockWinners(scores: tf.Tensor4D, [ph, pw]: [number, number]): tf.Tensor4D {
  const [n, h, w, c] = scores.shape;
  if (ph * pw === 1) return tf.onesLike(scores);
  const hb = Math.ceil(h / ph);
  const wb = Math.ceil(w / pw);
  const padded = tf.pad(scores, [[0, 0], [0, hb * ph - h], [0, wb * pw - w], [0, 0]]);
  const blocks = tf.transpose(tf.reshape(padded, [n, hb, ph, wb, pw, c]), [0, 1, 3, 5, 2, 4]);
  const winners = tf.cast(tf.oneHot(tf.argMax(tf.reshape(blocks, [n, hb, wb, c, ph * pw]), 4), ph * pw), 'float32');
  const mask = tf.reshape(tf.transpose(tf.reshape(winners, [n, hb, wb, c, ph, pw]), [0, 1, 4, 2, 5, 3]),
                          [n, hb * ph, wb * pw, c]);
  return tf.slice(mask, [0, 0, 0, 0], [n, h, w, c]) as tf.Tensor4D;
}

/** Mask of the `k` largest-magnitude non-zero entries of each sample (ties at the `k`-th all kept). */
function largest(z: tf.Tensor4D, k: number): tf.Tensor {
  const magnitude = tf.reshape(tf.abs(z), [z.shape[0], -1]);
  const kept = Math.min(k, magnitude.shape[1]!);
  const kth = tf.slice(tf.topk(magnitude, kept).values, [0, kept - 1], [z.shape[0], 1]);
  return tf.reshape(tf.cast(tf.logicalAnd(tf.greaterEqual(magnitude, kth), tf.greater(magnitude, 0)), 'float32'),
                    z.shape);
}

/**
 * Model-based iterative hard thresholding (IHT) for codes with at most one non-zero per pooling
 * block of each channel. With the convolutional dictionary `Φz = conv2dTranspose(z, W)`,
 * `Φᵀx = conv2d(x, W)`, and `z⁰ = 0`, each iteration is
 *
 *     b = z + Φᵀ(x − Φz),   z ← M(b, k),
 *
 * where `M` keeps, in every `poolSize` block of every channel, the entry of largest magnitude
 * (then only the `k = sparsity` largest of those winners per sample). The first iteration,
 * `M(Φᵀx, k)`, is one CNN layer — convolution then max pooling, with the winners left in
 * place — so `x̂ = Φ M(Φᵀx, k)` ({@link reconstruct} with one iteration) inverts the layer when
 * `Φ` with random Gaussian filters of variance `1/fan_in` acts as a near-isometry on such codes
 * (`‖Φz‖ ≈ ‖z‖`). With `pairedFilters` the dictionary is `[w, −w]` and `M` keeps the largest
 * positive entry per block (a ReLU layer with max pooling): `z_w − z_{−w} = conv2d(x, w)`
 * before pooling, so the pair loses nothing that the ReLU would drop. The selection mask carries
 * no gradient. Input `[batch, H, W, C]`, output the code `[batch, H', W', filters]`.
 */
export class Iht extends tf.layers.Layer {
  static className = 'Iht';

  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: ConvPadding;
  readonly poolSize: [number, number];
  readonly sparsity: number | null;
  readonly iterations: number;
  readonly pairedFilters: boolean;
  readonly kernelInitializer: Initializer;
  private kernel: tf.LayerVariable | null = null;

  constructor(args: IhtLayerArgs) {
    super(args as unknown as tf.serialization.ConfigDict);
    this.filters = v.positiveInt(NAME, 'filters', args.filters);
    this.pairedFilters = v.bool(NAME, 'pairedFilters', args.pairedFilters ?? false);
    if (this.pairedFilters && this.filters % 2 !== 0) {
      v.reject(NAME, 'filters', 'even with pairedFilters', this.filters);
    }
    this.kernelSize = v.pair(NAME, 'kernelSize', args.kernelSize);
    this.strides = v.pair(NAME, 'strides', args.strides ?? 1);
    this.padding = v.oneOf(NAME, 'padding', args.padding ?? 'valid', ['valid', 'same'] as const);
    this.poolSize = v.pair(NAME, 'poolSize', args.poolSize ?? 2);
    this.sparsity = args.sparsity == null ? null : v.positiveInt(NAME, 'sparsity', args.sparsity);
    this.iterations = v.positiveInt(NAME, 'iterations', args.iterations ?? 1);
    this.kernelInitializer = toInitializer(NAME, 'kernelInitializer', args.kernelInitializer ?? 'leCunNormal');
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const channels = nhwcShape(NAME, inputShape)[3]!;
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels,
                                            this.pairedFilters ? this.filters / 2 : this.filters],
                                 'float32', this.kernelInitializer);
    this.built = true;
  }

  /** The dictionary `Φ` for signals of spatial size `signalSize`, from the learned `kernel`. */
  dictionary(kernel: tf.Tensor4D, signalSize?: [number, number]): ConvDictionary {
    const filters = this.pairedFilters ? tf.concat([kernel, tf.neg(kernel)], 3) : kernel;
    return new ConvDictionary(filters, this.strides, this.padding, signalSize);
  }

  /** `M(b, k)`: the block winners (largest magnitude, or largest positive with paired filters). */
  private select(b: tf.Tensor4D): tf.Tensor4D {
    const values = this.pairedFilters ? tf.relu(b) : b;
    // The 0/1 mask of `M`, computed outside differentiation (a zero gradient).
    const mask = withoutGradient((u) => {
      const winners = blockWinners(tf.abs(u) as tf.Tensor4D, this.poolSize);
      return this.sparsity === null ? winners : tf.mul(winners, largest(tf.mul(u, winners), this.sparsity));
    }, values);
    return tf.mul(values, mask) as tf.Tensor4D;
  }

  /**
   * The layer's map with an explicit kernel (default: the layer's own), differentiable in the
   * input and the kernel.
   */
  forward(x: tf.Tensor, kernel?: tf.Tensor): tf.Tensor {
    const op = this.dictionary((kernel ?? this.kernel!.read()) as tf.Tensor4D, [x.shape[1]!, x.shape[2]!]);
    let z = this.select(op.adjoint(x) as tf.Tensor4D);
    for (let k = 1; k < this.iterations; k++) {
      z = this.select(tf.add(z, op.adjoint(tf.sub(x, op.synthesis(z)))) as tf.Tensor4D);
    }
    return z;
  }

  /** `Φz`: the signal of spatial size `signalSize` (default: code size × stride for 'same') synthesised from `z`. */
  synthesize(z: tf.Tensor, signalSize?: [number, number]): tf.Tensor {
    return tf.tidy(() => this.dictionary(this.kernel!.read() as tf.Tensor4D, signalSize).synthesis(z));
  }

  /** `x̂ = Φ z` for the layer's code `z` of `x`; with one iteration, `x̂ = Wᵀ M(W x, k)`. */
  reconstruct(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const op = this.dictionary(this.kernel!.read() as tf.Tensor4D, [x.shape[1]!, x.shape[2]!]);
      return op.synthesis(this.forward(x));
    });
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.forward(Array.isArray(inputs) ? inputs[0] : inputs));
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = nhwcShape(NAME, inputShape);
    return [shape[0], ...convOutputSize([shape[1], shape[2]], this.kernelSize, this.strides, this.padding),
            this.filters];
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      poolSize: this.poolSize,
      sparsity: this.sparsity,
      iterations: this.iterations,
      pairedFilters: this.pairedFilters,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
    };
  }
}
registerLayer(Iht);

/**
 * Model-based IHT (docs/math.md §6): `iterations` steps `z ← M(z + Φᵀ(x − Φz), k)` with a
 * convolutional dictionary `Φ` and `M` keeping one winner per pooling block of each channel
 * (then the `sparsity` largest); its first step is a CNN layer with max pooling, winners kept in
 * place. `layer.reconstruct(x)` gives `x̂ = Φz`.
 *
 * Input `[batch, H, W, C]`; output the sparse code `[batch, H', W', filters]` with `H' = ceil(H/s)`
 * ('same') or `floor((H − k)/s) + 1` ('valid').
 *
 * ```js
 * const layer = sl.layers.iht({filters: 96, kernelSize: [5, 1], padding: 'same', poolSize: [2, 1],
 *                              sparsity: 10, inputShape: [32, 1, 32]});
 * ```
 */
export function iht(args: IhtLayerArgs): Iht {
  return new Iht(args);
}
