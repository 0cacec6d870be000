/**
 * The convolutional sparse-coding stage (docs/math.md §3).
 */
import * as tf from '@tensorflow/tfjs';
import {ConvDictionary, ConvPadding, convOutputSize} from '../src/ops/dictionary';
import {normalizeAtoms} from '../src/ops/normalize';
import {checkpointed} from '../src/ops/gradient_checkpoint';
import {fistaMomentum, nextMomentum} from '../src/ops/momentum';
import {WarmPowerIteration} from '../src/ops/power_iteration';
import {elasticNetProx} from '../src/ops/thresholds';
import {BaseLayerArgs, Initializer, InitializerArg, nhwcShape, serializeInitializer, toInitializer} from '../src/util/layer_args';
import * as v from '../src/util/validate';
import {registerLayer} from './register';

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
  /**
   * The stage's identity for tied decoders (16 hex digits), saved with it; by default a hash of
   * its name and initial dictionary, taken when it is built. Only loading sets it.
   */
  tieId?: string;
}

/**
 * 16 hex digits of a 64-bit FNV-1a hash of the stage's name and initial dictionary: the identity
 * of a new stage. Stages built alike (same name, same initial weights) get the same identity, so
 * a run restarted from the same seed saves the same files; any other stage gets another.
 */
function contentId(name: string, kernel: tf.Tensor): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = (1n << 64n) - 1n;
  const bytes = [...new TextEncoder().encode(name), ...new Uint8Array(kernel.dataSync().buffer)];
  for (const b of bytes) h = ((h ^ BigInt(b)) * prime) & mask;
  return h.toString(16).padStart(16, '0');
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
  private power: WarmPowerIteration[] = [];
  private lambdaWeight!: tf.LayerVariable;
  private stepWeight: tf.LayerVariable | null = null;
  private lastReconstruction: tf.Scalar | null = null;
  /** Spatial size `[H, W]` of the input seen at build time (null entries when unknown). */
  inputSize: [number | null, number | null] = [null, null];
  /** Channels `C_img` of the input, known once built. */
  inputChannels: number | null = null;

  /**
   * The identity by which a saved tied decoder finds this stage (undefined until built): a hash
   * of its name and initial dictionary, saved in the config and restored by loading, so a decoder
   * ties to the stage it was saved with, not to another model's stage of the same layer name.
   */
  tieId: string | undefined;

  /** Every live stage created in this process, newest last (resolves saved ties). */
  private static readonly created: WeakRef<CscStage>[] = [];

  /**
   * The stage a saved tie names: the one with identity `id` (ties saved before identities
   * existed give none: then the layer name), among `within` when given, else the newest live
   * stage created in this process.
   */
  static find(tie: {name: string; id?: string}, within?: readonly CscStage[]): CscStage | undefined {
    const matches = (stage: CscStage) => (tie.id !== undefined ? stage.tieId === tie.id : stage.name === tie.name);
    if (within) return within.find(matches);
    for (let i = CscStage.created.length - 1; i >= 0; i--) {
      const stage = CscStage.created[i].deref();
      if (stage && matches(stage)) return stage;
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
    if (args.tieId !== undefined && (typeof args.tieId !== 'string' || !/^[0-9a-f]{16}$/.test(args.tieId))) {
      v.reject(NAME, 'tieId', '16 hex digits', args.tieId);
    }
    this.tieId = args.tieId;
    const live = CscStage.created.filter((ref) => ref.deref() !== undefined);
    CscStage.created.splice(0, CscStage.created.length, ...live, new WeakRef(this));
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
    const restored = this.tieId !== undefined;
    const powerSize = this.inputSize.map((s) => s ?? DEFAULT_POWER_SIZE);
    const codeShape = [...convOutputSize(powerSize, this.kernelSize, this.strides, this.padding),
                       this.filters!];
    for (let i = 0; i < count; i++) {
      const suffix = this.tied ? '' : `_${i}`;
      const kernel = this.addWeight(`kernel${suffix}`, kernelShape, 'float32', this.kernelInitializer);
      if (this.initialDictionary) kernel.write(this.initialDictionary);
      this.kernels.push(kernel);
      if (i === 0) this.tieId ??= contentId(this.name, kernel.read());
      this.power.push(new WarmPowerIteration(this.addWeight(`power_vector${suffix}`, [1, ...codeShape], 'float32',
                                                            tf.initializers.randomNormal({seed: 7}), undefined, false),
                                             this.powerIterations));
    }
    this.lambdaWeight = this.addWeight('lambda', this.lambdaShape === 'scalar' ? [] : [this.filters!],
                                       'float32', tf.initializers.constant({value: this.lambda}),
                                       undefined, this.trainableLambda, tf.constraints.nonNeg());
    // Converge the power-iteration vectors for the initial dictionaries, then start from them; a
    // stage rebuilt from a saved configuration (it has its saved tieId) waits for its weights.
    const operator = (i: number) => this.operator(i, powerSize as [number, number]);
    this.power.forEach((p, i) => (restored ? p.convergeUnlessWritten(() => operator(i)) : tf.tidy(() => p.converge(operator(i)))));
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

  /** `L = ‖A_i‖²` from the stored power-iteration vector, read only (see `WarmPowerIteration`). */
  private lipschitz(i: number): tf.Scalar {
    return this.power[i].estimate((w) => this.powerOperator(w), this.kernels[this.tied ? 0 : i].read());
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
      if (training && !this.stepWeight) {
        this.power.forEach((p, i) => p.advance((w) => this.powerOperator(w), this.kernels[this.tied ? 0 : i].read()));
      }
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
    let t = nextMomentum(1);
    for (let k = 1; k <= this.iterations; k++) {
      if (!this.tied) op = this.operator(k, signalSize);
      const eta = etas[this.tied ? 0 : k];
      const next = prox(tf.sub(y, tf.mul(eta, op.gradF(y, x))), eta);
      if (this.algorithm === 'fista') {
        const {next: tNext, weight} = fistaMomentum(t);
        y = tf.add(next, tf.mul(weight, tf.sub(next, z)));
        t = tNext;
      } else {
        y = next;
      }
      z = next;
    }
    return z;
  }

  /**
   * {@link pursue} with gradient checkpointing (`src/ops/gradient_checkpoint.ts`): a training
   * step holds one stage's intermediate tensors at a time, not every stage's.
   */
  private checkpointed(x: tf.Tensor4D): tf.Tensor {
    return checkpointed((input) => this.pursue(input as tf.Tensor4D), x, this.trainableWeights.map((w) => w.read()));
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
      ...(this.tieId !== undefined ? {tieId: this.tieId} : {}),
    };
  }
}
registerLayer(CscStage);

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
