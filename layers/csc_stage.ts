/**
 * The convolutional sparse-coding stage (docs/math.md §3).
 */
import * as tf from '@tensorflow/tfjs';
import {ConvDictionary, ConvPadding, convOutputSize} from '../src/ops/dictionary';
import {normalizeAtoms} from '../src/ops/normalize';
import {powerIteration, powerSteps} from '../src/ops/power_iteration';
import {withoutGradient} from '../src/ops/stop_gradient';
import {elasticNetProx} from '../src/ops/thresholds';
import {BaseLayerArgs, Initializer, InitializerArg, nhwcShape, serializeInitializer, toInitializer} from '../src/util/layer_args';
import * as v from '../src/util/validate';

const NAME = 'cscStage';

export type CscAlgorithm = 'ista' | 'fista';
export type CscStep = 'powerIteration' | 'learned';
export type ThresholdShape = 'scalar' | 'perChannel';

export interface CscStageLayerArgs extends BaseLayerArgs {
  /** Number of atoms `C_code` (channels of the code). Required unless `dictionary` is given. */
  filters?: number;
  /** Atom size: a number or `[kh, kw]`. Default 3. */
  kernelSize?: number | [number, number];
  /** Stride of the convolutional dictionary: a number or `[sh, sw]`. Default 1. */
  strides?: number | [number, number];
  /** `'same'` or `'valid'`. Default `'same'`. */
  padding?: ConvPadding;
  /** `K`, the number of unrolled iterations after the initial `prox(η Aᵀ x)`. Default 2. */
  iterations?: number;
  /** `'ista'` or `'fista'` (momentum between iterations). Default `'ista'`. */
  algorithm?: CscAlgorithm;
  /** `λ`, the initial ℓ1 weight. Default 0.1. */
  lambda?: number;
  /** `μ`, the ℓ2 (elastic-net) weight. Default 0. */
  mu?: number;
  /** Non-negative codes (`S⁺`, a ReLU) instead of the two-sided soft threshold. Default true. */
  nonNeg?: boolean;
  /** Scale every atom to unit ℓ2 norm in each forward pass. Default true. */
  normalizeAtoms?: boolean;
  /**
   * `'powerIteration'`: `η = stepScale / L` with `L = ‖A‖²` by warm-started power iteration,
   * refreshed each training step and held out of differentiation; `'learned'`: `η` is a
   * trainable scalar initialised to `stepScale / L`. Default `'powerIteration'`.
   */
  step?: CscStep;
  /** The factor of `1/L` in the step. Default 0.9. */
  stepScale?: number;
  /** Power-iteration steps per forward pass (warm-started from the previous pass). Default 2. */
  powerIterations?: number;
  /** `λ` as one scalar or one value per code channel. Default `'scalar'`. */
  lambdaShape?: ThresholdShape;
  /** Whether `λ` is learned (kept ≥ 0). Default true. */
  trainableLambda?: boolean;
  /** One dictionary for all iterations (true) or one per iteration (false). Default true. */
  tied?: boolean;
  /**
   * Weight of the side loss `mean_batch ‖x − A z‖²` added to the model's loss during
   * training (0 turns it off). Default 0.
   */
  reconstructionWeight?: number;
  /**
   * Gradient checkpointing in training: keep only the stage's input and output for the
   * backward pass and run the iterations again there (about one more forward pass of
   * compute), so that deep or large-image models fit in memory (the wasm heap is 4 GB).
   * Default false.
   */
  checkpoint?: boolean;
  /** Initial dictionary `[kh, kw, C_img, C_code]`, copied into the weights. */
  dictionary?: tf.Tensor4D;
  /** Initializer of the dictionary when none is given (name, instance or saved form). Default `'glorotNormal'`. */
  kernelInitializer?: InitializerArg;
}

/**
 * `tf.grads(f)(xs)` for use inside a custom gradient function. tfjs 4 keeps one tape per
 * engine, and a gradient computed while another is back-propagated replaces and then clears
 * the outer tape; the outer tape is put back afterwards.
 */
function gradsWithinBackward(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): tf.Tensor[] {
  const state = (tf.engine() as unknown as {state: {activeTape: unknown}}).state;
  const outer = state.activeTape;
  try {
    return tf.grads(f)(xs);
  } finally {
    state.activeTape = outer;
  }
}

/** Spatial size used for power iteration when the input's size is not known at build time. */
const DEFAULT_POWER_SIZE = 16;

/**
 * A convolutional sparse-coding stage: `K` unrolled ISTA/FISTA iterations for
 *
 *     z = argmin_{z (≥ 0)} λ‖z‖₁ + (μ/2)‖z‖² + ½‖x − A ⊛ z‖²,
 *
 * with `A z = conv2dTranspose(z, W)` and `Aᵀ x = conv2d(x, W)`:
 *
 *     z⁰ = prox(η Aᵀ x),   z^{k+1} = prox(y^k − η Aᵀ(A y^k − x)),   prox(v) = S_{λη/(1+μη)}(v/(1+μη))
 *
 * (`S⁺` for non-negative codes; `y^k = z^k` for ISTA, FISTA momentum otherwise), with each atom
 * of `W` normalised to unit norm and `η = 0.9/L`, `L = ‖A‖²` from warm-started power
 * iteration, as the published layer does (`K = 2`, `λ = 0.1`, `μ = 0`). Input
 * `[batch, H, W, C_img]`, output the code `[batch, H', W', C_code]`.
 */
export class CscStage extends tf.layers.Layer {
  static className = 'CscStage';

  readonly filters: number | undefined;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: ConvPadding;
  readonly iterations: number;
  readonly algorithm: CscAlgorithm;
  readonly lambda: number;
  readonly mu: number;
  readonly nonNeg: boolean;
  readonly normalize: boolean;
  readonly step: CscStep;
  readonly stepScale: number;
  readonly powerIterations: number;
  readonly lambdaShape: ThresholdShape;
  readonly trainableLambda: boolean;
  readonly tied: boolean;
  readonly reconstructionWeight: number;
  readonly checkpoint: boolean;
  readonly kernelInitializer: Initializer;

  private readonly initialDictionary: tf.Tensor4D | undefined;
  private kernels: tf.LayerVariable[] = [];
  private powerVectors: tf.LayerVariable[] = [];
  private lambdaWeight!: tf.LayerVariable;
  private stepWeight: tf.LayerVariable | null = null;
  private lastReconstruction: tf.Scalar | null = null;
  /** Spatial size `[H, W]` of the input seen at build time (null entries when unknown). */
  inputSize: [number | null, number | null] = [null, null];
  /** Channels `C_img` of the input, known once built. */
  inputChannels: number | null = null;

  /** Every stage created in this process by layer name, newest last (resolves saved ties). */
  private static readonly byName = new Map<string, WeakRef<CscStage>[]>();

  /** The most recently created live stage named `name`. */
  static find(name: string): CscStage | undefined {
    const list = CscStage.byName.get(name) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const stage = list[i].deref();
      if (stage) return stage;
    }
    return undefined;
  }

  constructor(args: CscStageLayerArgs) {
    super(args as tf.serialization.ConfigDict);
    if (args.dictionary !== undefined) {
      if (!(args.dictionary instanceof tf.Tensor) || args.dictionary.rank !== 4) {
        v.reject(NAME, 'dictionary', 'a rank-4 tensor [kh, kw, C_img, C_code]',
                 args.dictionary instanceof tf.Tensor ? args.dictionary.shape : args.dictionary);
      }
      const [kh, kw, , cCode] = args.dictionary.shape;
      if (args.filters !== undefined && args.filters !== cCode) {
        v.reject(NAME, 'filters', `the dictionary's ${cCode} atoms`, args.filters);
      }
      if (args.kernelSize !== undefined &&
          v.pair(NAME, 'kernelSize', args.kernelSize).join() !== [kh, kw].join()) {
        v.reject(NAME, 'kernelSize', `the dictionary's [${kh}, ${kw}]`, args.kernelSize);
      }
      this.initialDictionary = tf.keep(args.dictionary.clone());
      this.filters = cCode;
      this.kernelSize = [kh, kw];
    } else {
      this.filters = v.positiveInt(NAME, 'filters', args.filters);
      this.kernelSize = v.pair(NAME, 'kernelSize', args.kernelSize ?? 3);
    }
    this.strides = v.pair(NAME, 'strides', args.strides ?? 1);
    this.padding = v.oneOf(NAME, 'padding', args.padding ?? 'same', ['same', 'valid'] as const);
    this.iterations = v.nonNegInt(NAME, 'iterations', args.iterations ?? 2);
    this.algorithm = v.oneOf(NAME, 'algorithm', args.algorithm ?? 'ista', ['ista', 'fista'] as const);
    this.lambda = v.nonNegNumber(NAME, 'lambda', args.lambda ?? 0.1);
    this.mu = v.nonNegNumber(NAME, 'mu', args.mu ?? 0);
    this.nonNeg = v.bool(NAME, 'nonNeg', args.nonNeg ?? true);
    this.normalize = v.bool(NAME, 'normalizeAtoms', args.normalizeAtoms ?? true);
    this.step = v.oneOf(NAME, 'step', args.step ?? 'powerIteration', ['powerIteration', 'learned'] as const);
    this.stepScale = v.positiveNumber(NAME, 'stepScale', args.stepScale ?? 0.9);
    if (this.stepScale >= 2) v.reject(NAME, 'stepScale', 'below 2 (ISTA diverges at η ≥ 2/L)', this.stepScale);
    this.powerIterations = v.positiveInt(NAME, 'powerIterations', args.powerIterations ?? 2);
    this.lambdaShape = v.oneOf(NAME, 'lambdaShape', args.lambdaShape ?? 'scalar', ['scalar', 'perChannel'] as const);
    this.trainableLambda = v.bool(NAME, 'trainableLambda', args.trainableLambda ?? true);
    this.tied = v.bool(NAME, 'tied', args.tied ?? true);
    this.reconstructionWeight = v.nonNegNumber(NAME, 'reconstructionWeight', args.reconstructionWeight ?? 0);
    this.checkpoint = v.bool(NAME, 'checkpoint', args.checkpoint ?? false);
    this.kernelInitializer = toInitializer(NAME, 'kernelInitializer', args.kernelInitializer ?? 'glorotNormal');
    const named = (CscStage.byName.get(this.name) ?? []).filter((ref) => ref.deref() !== undefined);
    CscStage.byName.set(this.name, [...named, new WeakRef(this)]);
    if (this.reconstructionWeight > 0) {
      this.addLoss(() => (this.lastReconstruction === null
        ? tf.scalar(0) : tf.mul(this.reconstructionWeight, this.lastReconstruction)) as tf.Scalar);
    }
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = nhwcShape(NAME, inputShape);
    const cImg = shape[3]!;
    const [kh, kw] = this.kernelSize;
    if (this.initialDictionary && this.initialDictionary.shape[2] !== cImg) {
      v.reject(NAME, 'dictionary', `${cImg} input channels (C_img) to match the input`,
               this.initialDictionary.shape);
    }
    this.inputSize = [shape[1], shape[2]];
    this.inputChannels = cImg;
    const kernelShape: [number, number, number, number] = [kh, kw, cImg, this.filters!];
    const count = this.tied ? 1 : this.iterations + 1;
    const powerSize = this.inputSize.map((s) => s ?? DEFAULT_POWER_SIZE);
    const codeShape = [...convOutputSize(powerSize, this.kernelSize, this.strides, this.padding),
                       this.filters!];
    for (let i = 0; i < count; i++) {
      const suffix = this.tied ? '' : `_${i}`;
      const kernel = this.addWeight(`kernel${suffix}`, kernelShape, 'float32', this.kernelInitializer);
      if (this.initialDictionary) kernel.write(this.initialDictionary);
      this.kernels.push(kernel);
      this.powerVectors.push(this.addWeight(`power_vector${suffix}`, [1, ...codeShape], 'float32',
                                            tf.initializers.randomNormal({seed: 7}), undefined, false));
    }
    this.lambdaWeight = this.addWeight('lambda', this.lambdaShape === 'scalar' ? [] : [this.filters!],
                                       'float32', tf.initializers.constant({value: this.lambda}),
                                       undefined, this.trainableLambda, tf.constraints.nonNeg());
    // Converge the power-iteration vectors for the initial dictionaries, then start from them.
    tf.tidy(() => {
      this.powerVectors.forEach((u, i) => {
        u.write(powerIteration(this.operator(i, powerSize as [number, number]), u.read(), 200).vector);
      });
    });
    if (this.step === 'learned') {
      const eta = this.stepSize(0);
      this.stepWeight = this.addWeight('step', [], 'float32', tf.initializers.constant({value: eta.dataSync()[0]}),
                                       undefined, true, tf.constraints.nonNeg());
      eta.dispose();
    }
    this.initialDictionary?.dispose();
    this.built = true;
  }

  /** The (normalised) filters of iteration `i` (`i = 0` for the initial thresholding). */
  dictionary(i = 0): tf.Tensor4D {
    const w = this.kernels[this.tied ? 0 : i].read() as tf.Tensor4D;
    return this.normalize ? normalizeAtoms(w) : w;
  }

  /** The dictionary operator of iteration `i` for signals of spatial size `signalSize`. */
  operator(i = 0, signalSize?: [number, number]): ConvDictionary {
    return new ConvDictionary(this.dictionary(i), this.strides, this.padding, signalSize);
  }

  /**
   * `L = ‖A_i‖²` by power iteration from the stored vector (its steps, then the Rayleigh
   * quotient), read only: inference is deterministic.
   */
  private lipschitz(i: number): tf.Scalar {
    // Outside differentiation, as the published layer computes L: recorded, the power
    // iteration would be differentiated (to zero) in every backward pass.
    return withoutGradient((w) => powerIteration(this.powerOperator(w), this.powerVectors[i].read(),
                                                 this.powerIterations).value,
                           this.kernels[this.tied ? 0 : i].read()) as tf.Scalar;
  }

  /** Advances the stored power-iteration vector of iteration `i` by `powerIterations` steps (training passes). */
  private advancePower(i: number): void {
    const u = this.powerVectors[i];
    u.write(withoutGradient((w) => powerSteps(this.powerOperator(w), u.read(), this.powerIterations),
                            this.kernels[this.tied ? 0 : i].read()));
  }

  /** The operator of the kernel `w` on the power iteration's signal size. */
  private powerOperator(w: tf.Tensor): ConvDictionary {
    const size = this.inputSize.map((s) => s ?? DEFAULT_POWER_SIZE) as [number, number];
    return new ConvDictionary(this.normalize ? normalizeAtoms(w as tf.Tensor4D) : w as tf.Tensor4D, this.strides,
                              this.padding, size);
  }

  /** `η` of iteration `i`: the learned step, or `stepScale / L`. */
  private eta(i: number): tf.Tensor {
    return this.stepWeight ? this.stepWeight.read() : tf.div(this.stepScale, this.lipschitz(i));
  }

  /** The step `η` of iteration `i` as an inference pass uses it. */
  stepSize(i = 0): tf.Scalar {
    return tf.tidy(() => tf.clone(this.eta(i)) as tf.Scalar);
  }

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const training = kwargs['training'] === true;
    return tf.tidy(() => {
      // Advance the power iteration once per training pass; the pursuit then reads it.
      if (training && !this.stepWeight) this.powerVectors.forEach((_, i) => this.advancePower(i));
      const z = training && this.checkpoint ? this.checkpointed(x) : this.pursue(x);
      if (training && this.reconstructionWeight > 0) {
        this.lastReconstruction?.dispose();
        this.lastReconstruction = tf.keep(this.reconstructionError(x, z));
      }
      return z;
    });
  }

  /** The unrolled ISTA/FISTA iterations on `x` (see the class comment). */
  private pursue(x: tf.Tensor4D): tf.Tensor {
    const signalSize: [number, number] = [x.shape[1], x.shape[2]];
    const count = this.tied ? 1 : this.iterations + 1;
    const etas = Array.from({length: count}, (_, i) => this.eta(i));
    const lambda = this.lambdaWeight.read();
    const prox = (value: tf.Tensor, eta: tf.Tensor) =>
      elasticNetProx(value, tf.mul(lambda, eta), this.mu === 0 ? 0 : tf.mul(this.mu, eta), this.nonNeg);
    let op = this.operator(0, signalSize);
    let z = prox(tf.mul(etas[0], op.adjoint(x)), etas[0]);
    let y = z;
    // The initial step is FISTA's first (from z = 0, no momentum): t₁ = (1 + √5)/2.
    let t = (1 + Math.sqrt(5)) / 2;
    for (let k = 1; k <= this.iterations; k++) {
      if (!this.tied) op = this.operator(k, signalSize);
      const eta = etas[this.tied ? 0 : k];
      const next = prox(tf.sub(y, tf.mul(eta, op.gradF(y, x))), eta);
      if (this.algorithm === 'fista') {
        const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
        y = tf.add(next, tf.mul((t - 1) / tNext, tf.sub(next, z)));
        t = tNext;
      } else {
        y = next;
      }
      z = next;
    }
    return z;
  }

  /**
   * {@link pursue} with gradient checkpointing: the forward pass keeps only its input and
   * output, and the backward pass runs the iterations again to differentiate them, so a
   * training step holds one stage's intermediate tensors at a time, not every stage's.
   */
  private checkpointed(x: tf.Tensor4D): tf.Tensor {
    const weights = this.trainableWeights.map((w) => w.read());
    const run = tf.customGrad(((input: tf.Tensor, ...rest: unknown[]) => {
      const save = rest[rest.length - 1] as tf.GradSaveFunc;
      save([input]);
      return {
        value: this.pursue(input as tf.Tensor4D),
        gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
          gradsWithinBackward((xs: tf.Tensor) => tf.sum(tf.mul(this.pursue(xs as tf.Tensor4D), dy)),
                              [saved, ...weights]),
      };
    }) as Parameters<typeof tf.customGrad>[0]);
    return run(x, ...weights);
  }

  /** `mean_batch ‖x − A z‖²`, with `A` the last iteration's dictionary. */
  reconstructionError(x: tf.Tensor4D, z: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const a = this.operator(this.tied ? 0 : this.iterations, [x.shape[1], x.shape[2]]);
      return tf.div(tf.sum(tf.square(tf.sub(x, a.synthesis(z)))), x.shape[0]) as tf.Scalar;
    });
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], ...convOutputSize([shape[1], shape[2]], this.kernelSize, this.strides, this.padding),
            this.filters!];
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters!,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      iterations: this.iterations,
      algorithm: this.algorithm,
      lambda: this.lambda,
      mu: this.mu,
      nonNeg: this.nonNeg,
      normalizeAtoms: this.normalize,
      step: this.step,
      stepScale: this.stepScale,
      powerIterations: this.powerIterations,
      lambdaShape: this.lambdaShape,
      trainableLambda: this.trainableLambda,
      tied: this.tied,
      reconstructionWeight: this.reconstructionWeight,
      checkpoint: this.checkpoint,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
    };
  }
}
tf.serialization.registerClass(CscStage);

/**
 * A convolutional sparse-coding stage (docs/math.md §3): `iterations` unrolled ISTA/FISTA steps of
 * non-negative (by default) convolutional LASSO with unit-norm atoms and step `0.9/L`.
 *
 * Input `[batch, H, W, C_img]`; output `[batch, H/stride, W/stride, filters]` ('same'
 * padding) or `[batch, (H−k)/stride + 1, ...]` ('valid').
 *
 * ```js
 * const stage = sl.layers.cscStage({filters: 64, kernelSize: 3, iterations: 2, inputShape: [32, 32, 3]});
 * ```
 */
export function cscStage(args: CscStageLayerArgs): CscStage {
  return new CscStage(args);
}
