/**
 * What the multi-layer convolutional sparse-coding layers (docs/math.md §4) and the IHT layer (§6)
 * share: per-layer argument parsing, initializers given by name or instance, and the base class
 * that holds the filters `W_i` and biases `b_i` of `L` layers, runs layered thresholding (the
 * CNN forward pass) and takes the ML-ISTA proximal-gradient step.
 */
import * as tf from '@tensorflow/tfjs';
import {ConvDictionary, ConvPadding, convOutputSize} from '../src/ops/dictionary';
import {BaseLayerArgs, Initializer, InitializerArg, nhwcShape, serializeInitializer, toInitializer} from '../src/util/layer_args';
import * as v from '../src/util/validate';

/**
 * A per-layer size (kernel size, stride) for `count` layers: one number for all, or an array
 * with one entry per layer, each a number or a pair `[h, w]`.
 */
export function perLayerPairs(owner: string, name: string, value: unknown, count: number): [number, number][] {
  if (typeof value === 'number') return Array(count).fill(v.pair(owner, name, value));
  if (!Array.isArray(value) || value.length !== count) {
    v.reject(owner, name, `a positive integer or an array of ${count} (one per layer)`, value);
  }
  return value.map((entry, i) => v.pair(owner, `${name}[${i}]`, entry));
}

/** Arguments shared by every multi-layer convolutional sparse-coding layer. */
export interface MlCscLayerArgs extends BaseLayerArgs {
  /** Channels `C_i` of each layer's code `Γ_i`, `[C_1, …, C_L]` (one entry per layer). Required. */
  filters: number[];
  /** Filter size: one number for all layers, or one number or `[kh, kw]` per layer. Required. */
  kernelSize: number | (number | [number, number])[];
  /** Stride of each dictionary: one number for all layers, or one per layer. Default 1. */
  strides?: number | (number | [number, number])[];
  /** `'valid'` or `'same'`, for every layer (as `tf.layers.conv2d`). Default `'valid'`. */
  padding?: ConvPadding;
  /** Whether each layer has a bias (a negative threshold) `b_i` of shape `[C_i]`. Default true. */
  useBias?: boolean;
  /** Initializer of the filters `W_i`. Default `'glorotUniform'` (as `tf.layers.conv2d`). */
  kernelInitializer?: InitializerArg;
  /** Initializer of the biases `b_i`. Default `'zeros'`. */
  biasInitializer?: InitializerArg;
}

/** The weight values of a multi-layer model, one entry per layer. */
export interface MlCscWeights {
  /** Analysis filters `W_i` (`D_iᵀ = conv2d(·, W_i)`). */
  kernels: tf.Tensor4D[];
  /** Biases `b_i`, or null without bias. */
  biases: (tf.Tensor | null)[];
  /** Step sizes `c_i` (empty for layers without them). */
  steps: tf.Tensor[];
  /** Synthesis filters `B_i` (empty unless the layer learns them apart from `W_i`). */
  synthesisKernels: tf.Tensor4D[];
}

/** A linear operator pair: synthesis `D Γ` and adjoint `Dᵀ X` (the two may use different filters). */
export interface SynthesisAnalysis {
  synthesis(z: tf.Tensor): tf.Tensor;
  adjoint(x: tf.Tensor): tf.Tensor;
}

/**
 * The proximal-gradient step of ML-ISTA at one layer:
 * `ReLU(Γ − c·Dᵀ(DΓ − target) + b)`, with `c = 1` when `step` is null. `synthesized` is `DΓ`
 * when the caller has it already (the backward pass of ML-ISTA computes it), saving one
 * transposed convolution.
 */
export function proxGradStep(op: SynthesisAnalysis, gamma: tf.Tensor, target: tf.Tensor,
                             step: tf.Tensor | null, bias: tf.Tensor | null, synthesized?: tf.Tensor): tf.Tensor {
  const grad = op.adjoint(tf.sub(synthesized ?? op.synthesis(gamma), target));
  const moved = tf.sub(gamma, step === null ? grad : tf.mul(step, grad));
  return tf.relu(bias === null ? moved : tf.add(moved, bias));
}


/**
 * Base of the multi-layer layers: validates the shared arguments, creates `kernel_i`
 * `[kh, kw, C_{i−1}, C_i]` and `bias_i` `[C_i]` for each layer (in that order, as a stack of
 * `tf.layers.conv2d` has them), then the weights of the subclass (its `buildExtra`).
 * `call` evaluates {@link forward} on the layer's variables.
 */
export abstract class MultiLayerCsc extends tf.layers.Layer {
  readonly filters: number[];
  readonly kernelSize: [number, number][];
  readonly strides: [number, number][];
  readonly padding: ConvPadding;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;

  protected kernelVars: tf.LayerVariable[] = [];
  protected biasVars: tf.LayerVariable[] = [];
  protected stepVars: tf.LayerVariable[] = [];
  protected synthesisVars: tf.LayerVariable[] = [];

  protected constructor(protected readonly owner: string, args: MlCscLayerArgs) {
    super(args as unknown as tf.serialization.ConfigDict);
    if (!Array.isArray(args.filters) || args.filters.length === 0) {
      v.reject(owner, 'filters', 'a non-empty array of channel counts, one per layer', args.filters);
    }
    this.filters = args.filters.map((c, i) => v.positiveInt(owner, `filters[${i}]`, c));
    const count = this.filters.length;
    this.kernelSize = perLayerPairs(owner, 'kernelSize', args.kernelSize, count);
    this.strides = perLayerPairs(owner, 'strides', args.strides ?? 1, count);
    this.padding = v.oneOf(owner, 'padding', args.padding ?? 'valid', ['valid', 'same'] as const);
    this.useBias = v.bool(owner, 'useBias', args.useBias ?? true);
    this.kernelInitializer = toInitializer(owner, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = toInitializer(owner, 'biasInitializer', args.biasInitializer ?? 'zeros');
  }

  /** Number of layers `L`. */
  get depth(): number {
    return this.filters.length;
  }

  /** Filter shape `[kh, kw, C_{i−1}, C_i]` of layer `i` (from 0) for `channels` input channels. */
  protected kernelShape(i: number, channels: number): [number, number, number, number] {
    return [...this.kernelSize[i], i === 0 ? channels : this.filters[i - 1], this.filters[i]];
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const channels = nhwcShape(this.owner, inputShape)[3]!;
    this.filters.forEach((c, i) => {
      this.kernelVars.push(this.addWeight(`kernel_${i + 1}`, this.kernelShape(i, channels), 'float32',
                                          this.kernelInitializer));
      if (this.useBias) this.biasVars.push(this.addWeight(`bias_${i + 1}`, [c], 'float32', this.biasInitializer));
    });
    this.buildExtra(channels);
    this.built = true;
  }

  /** Creates the subclass's weights (after every `kernel_i` and `bias_i`). */
  protected buildExtra(_channels: number): void {}

  /** Adds one scalar step size `c_i` per layer, `step_i` of shape `[1]`. */
  protected addSteps(initializer: Initializer): void {
    this.filters.forEach((_, i) => this.stepVars.push(this.addWeight(`step_${i + 1}`, [1], 'float32', initializer)));
  }

  /**
   * The layer's map with explicit weight values, given in `getWeights()` order (default: the
   * layer's own variables). Differentiable in the input and in every weight.
   */
  forward(x: tf.Tensor, weights?: tf.Tensor[]): tf.Tensor {
    const values = weights ?? this.weights.map((w) => w.read());
    if (values.length !== this.weights.length) {
      v.reject(this.owner, 'weights', `${this.weights.length} tensors (getWeights() order)`, values.length);
    }
    const of = (vars: tf.LayerVariable[]) => vars.map((w) => values[this.weights.indexOf(w)]);
    return this.iterate(x as tf.Tensor4D, {
      kernels: of(this.kernelVars) as tf.Tensor4D[],
      biases: this.useBias ? of(this.biasVars) : this.filters.map(() => null),
      steps: of(this.stepVars),
      synthesisKernels: of(this.synthesisVars) as tf.Tensor4D[],
    });
  }

  /** The algorithm: input `x` and the weights → the last code `Γ_L`. */
  protected abstract iterate(x: tf.Tensor4D, w: MlCscWeights): tf.Tensor;

  /** Layered thresholding `Γ_i = ReLU(conv(Γ_{i−1}, W_i) + b_i)`, `Γ_0 = x`: returns `[Γ_0, …, Γ_L]`. */
  protected thresholding(x: tf.Tensor4D, w: MlCscWeights): tf.Tensor[] {
    const codes: tf.Tensor[] = [x];
    for (let i = 0; i < this.depth; i++) {
      const z = tf.conv2d(codes[i] as tf.Tensor4D, w.kernels[i], this.strides[i], this.padding);
      codes.push(tf.relu(w.biases[i] === null ? z : tf.add(z, w.biases[i]!)));
    }
    return codes;
  }

  /** `D_i` (layer `i` from 0) with filters `kernel`, for the signal `signal` (`Γ_{i−1}`) it maps to. */
  protected dictionary(i: number, kernel: tf.Tensor4D, signal: tf.Tensor): ConvDictionary {
    return new ConvDictionary(kernel, this.strides[i], this.padding, [signal.shape[1]!, signal.shape[2]!]);
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.forward(Array.isArray(inputs) ? inputs[0] : inputs));
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = nhwcShape(this.owner, inputShape);
    let size = [shape[1], shape[2]];
    this.filters.forEach((_, i) => {
      size = convOutputSize(size, this.kernelSize[i], this.strides[i], this.padding);
    });
    return [shape[0], ...size, this.filters[this.depth - 1]];
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
    };
  }
}
