/**
 * The closed-loop transcription game (docs/math.md §5): encoder `f` and decoder `g` play a
 * minimax on the rate reduction of `Z = f(X)` and `Ẑ = f(g(Z))`.
 */
import * as tf from '@tensorflow/tfjs';
import {CscDecoder} from '../../layers/csc_decoder';
import {CscStage} from '../../layers/csc_stage';
import {ctrlBinary, ctrlMulti, CtrlTerms, mcr2, sampleConsistency} from '../losses';
import {withoutGradient} from '../ops/stop_gradient';
import * as v from '../util/validate';

const NAME = 'ClosedLoopTrainer';

/** `'binary'`: `T = ΔR(Z, Ẑ)`, no labels; `'multi'`: `T = ΔR(Z) + ΔR(Ẑ) + Σ_j ΔR(Z_j, Ẑ_j)` with class labels. */
export type CtrlMode = 'binary' | 'multi';
/** The values of {@link CtrlMode} (the command line's choices). */
export const CTRL_MODES = ['binary', 'multi'] as const;
/** Learning-rate schedule over the run: constant, or cosine decay to zero at `totalRounds`. */
export type LearningRateSchedule = 'constant' | 'cosine';
/** The values of {@link LearningRateSchedule} (the command line's choices). */
export const LEARNING_RATE_SCHEDULES = ['constant', 'cosine'] as const;
/**
 * Which training-mode passes move the encoder's batch-normalisation statistics (what it
 * normalises with at inference): `'real'`, only the passes over the data `X`; `'all'`, also the
 * passes over the decoded `X̂`, as the published code does.
 */
export type MovingStatistics = 'real' | 'all';
/** The values of {@link MovingStatistics} (the command line's choices). */
export const MOVING_STATISTICS = ['real', 'all'] as const;

export interface ClosedLoopArgs {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  /** Default `'binary'`. */
  mode?: CtrlMode;
  /** Number of classes (`'multi'` mode). */
  numClasses?: number;
  /** ε² of the coding rates (published: 0.5). Default 0.5. */
  epsilonSquared?: number;
  /** Weights `[γ₁, γ₂, γ₃]` of the multi-class terms. Default `[1, 1, 1]`. */
  gammas?: [number, number, number];
  /** Adam step of both players. Default 1.5e-4 (published for MNIST and CIFAR-10). */
  learningRate?: number;
  /** Adam step of the decoder, when it should differ from the encoder's (the schedule scales both). Default `learningRate`. */
  decoderLearningRate?: number;
  /** Adam β₁. Default 0.5. */
  beta1?: number;
  /** Adam β₂. Default 0.999. */
  beta2?: number;
  /**
   * Encoder steps per decoder step. Default 1. With 0 only the decoder steps: it learns to close
   * the loop through a fixed encoder.
   */
  encoderSteps?: number;
  /**
   * Weight `β` of the sample-wise consistency in the decoder's step: the decoder minimises
   * `T + β·C` with `C = Σ_k ‖C_k(X) − C_k(X̂)‖²/‖C_k(X)‖²` over the codes `C_k` of the encoder's CSC
   * stages (see `sampleConsistency`; the features when the encoder has no CSC stage), so that every
   * reconstruction has the codes of its own image at every stage, not only features of the right
   * class. The encoder must be a `tf.Sequential`. Default 0 (the published game).
   */
  consistencyWeight?: number;
  /**
   * Weight `α` of the stages' data terms in the encoder's step: the encoder maximises
   * `T − α·D` with `D = Σ_k ‖X_k − A_k ⊛ C_k‖²/‖X_k‖²`, `X_k` the input of CSC stage `k` (on the
   * data `X`), `C_k` its code and `A_k` its dictionary: the data term of the program each stage
   * unrolls, so that every stage's code keeps what synthesises its input. The encoder must be a
   * `tf.Sequential`. Default 0 (the published game).
   */
  dataWeight?: number;
  /**
   * Weight `γ` of the sample-wise consistency in the encoder's step: the encoder maximises
   * `T − α·D + γ·C` (with `X̂` held fixed), the same `C` that the decoder's step minimises, so that
   * the encoder keeps telling each image from its reconstruction, stage by stage, as it tells the
   * classes' reconstructions from their data in `T`. The encoder must be a `tf.Sequential`.
   * Default 0 (the published game).
   */
  encoderConsistencyWeight?: number;
  /** Default `'constant'`. */
  schedule?: LearningRateSchedule;
  /** Length of the run in rounds, for the cosine schedule. */
  totalRounds?: number;
  /**
   * Encode `X` and `X̂` in one batch, so that the encoder's batch normalisation normalises both
   * with the same statistics and cannot hide how the two distributions differ. The published code
   * encodes them in separate passes (false). Default false.
   */
  sharedStatistics?: boolean;
  /**
   * Rounds at the start of the run in which only the encoder steps, up `ΔR(Z)` with the labels
   * (MCR², the first term of the 'multi' objective); the decoder is not used. 'multi' mode only.
   * Default 0.
   */
  warmupRounds?: number;
  /** Default `'real'`: the decoded images do not move the statistics inference uses. */
  movingStatistics?: MovingStatistics;
}

/** The values of one round: the encoder's last step and the decoder's step. */
export interface RoundLog {
  /** Rounds completed, this one included. */
  round: number;
  learningRate: number;
  /** The objective and its terms at the encoder's last step (the encoder maximises `objective`). */
  encoder: Record<string, number>;
  /**
   * The objective and its terms at the decoder's step (the decoder minimises `objective`, plus
   * `consistencyWeight · consistency` when that weight is positive); empty in warm-up rounds.
   */
  decoder: Record<string, number>;
}

/** What a checkpoint stores besides the two models: the round count and both optimizers' state. */
export interface TrainerState {
  /** Rounds completed. */
  round: number;
  encoderOptimizer: Array<{name: string; tensor: tf.Tensor}>;
  decoderOptimizer: Array<{name: string; tensor: tf.Tensor}>;
  /**
   * Each optimizer's running products `[β₁^t, β₂^t]`. Adam multiplies them by `β` at every step,
   * and its `setWeights` recomputes them as `β^t` with `pow`, which differs from the product in the
   * last bit at many `t`; restoring the products makes a resumed run equal to an uninterrupted one.
   */
  betaPowers?: {encoder: [number, number]; decoder: [number, number]};
}

/** The fields of tfjs's `AdamOptimizer` that hold `β₁^t` and `β₂^t` (not exposed by its API). */
interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function readPowers(optimizer: tf.AdamOptimizer): [number, number] {
  const {accBeta1, accBeta2} = optimizer as unknown as AdamPowers;
  return [accBeta1.dataSync()[0], accBeta2.dataSync()[0]];
}

function writePowers(optimizer: tf.AdamOptimizer, [b1, b2]: [number, number], owner: string): void {
  // β^t reaches 0 in float32 after enough steps (0.5^t underflows from t ≈ 150): 0 is a value a checkpoint holds.
  if (![b1, b2].every((b) => Number.isFinite(b) && b >= 0 && b <= 1)) v.reject(NAME, owner, 'two numbers in [0, 1]', [b1, b2]);
  const {accBeta1, accBeta2} = optimizer as unknown as AdamPowers;
  tf.tidy(() => {
    accBeta1.assign(tf.scalar(b1));
    accBeta2.assign(tf.scalar(b2));
  });
}

/**
 * Alternating Adam steps of the CTRL minimax. One round on a batch `X`:
 *
 * 1. `encoderSteps` times: `X̂ = g(f(X))` held fixed, then an encoder step that maximises
 *    `T(f(X), f(X̂))`;
 * 2. one decoder step that minimises `T(Z, f(g(Z)))` with `Z = f(X)` held fixed.
 *
 * Both models run in training mode throughout the round, as the published code does: batch
 * normalisation uses the batch's statistics, and each CSC stage refreshes its step size
 * `0.9/L` by a warm-started power iteration at every pass. With `movingStatistics: 'real'` the
 * passes over `X̂` leave the encoder's moving statistics as they were, so that at inference it
 * normalises real images with statistics of real images.
 *
 * The first `warmupRounds` rounds ('multi' mode) are one encoder step each up `ΔR(Z)`.
 *
 * With a tied decoder (`cscDecoder({tiedTo})`) the shared dictionaries are weights of both
 * players: the encoder's step moves them up the objective and the decoder's step down.
 */
export class ClosedLoopTrainer {
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  readonly mode: CtrlMode;
  readonly numClasses: number;
  readonly epsilonSquared: number;
  readonly gammas: [number, number, number];
  readonly learningRate: number;
  readonly decoderLearningRate: number;
  readonly encoderSteps: number;
  readonly consistencyWeight: number;
  readonly dataWeight: number;
  readonly encoderConsistencyWeight: number;
  readonly schedule: LearningRateSchedule;
  readonly totalRounds: number;
  readonly sharedStatistics: boolean;
  readonly warmupRounds: number;
  readonly movingStatistics: MovingStatistics;
  /** Rounds completed. */
  round = 0;
  private readonly encoderOptimizer: tf.AdamOptimizer;
  private readonly decoderOptimizer: tf.AdamOptimizer;
  private readonly encoderWeights: tf.LayerVariable[];
  private readonly decoderWeights: tf.LayerVariable[];
  /** The moving means and variances of the encoder's batch-normalisation layers. */
  private readonly encoderStatistics: tf.LayerVariable[];

  constructor(args: ClosedLoopArgs) {
    if (!(args?.encoder instanceof tf.LayersModel)) v.reject(NAME, 'encoder', 'a tf.LayersModel', args?.encoder);
    if (!(args.decoder instanceof tf.LayersModel)) v.reject(NAME, 'decoder', 'a tf.LayersModel', args.decoder);
    this.encoder = args.encoder;
    this.decoder = args.decoder;
    this.mode = v.oneOf(NAME, 'mode', args.mode ?? 'binary', ['binary', 'multi'] as const);
    this.numClasses = this.mode === 'multi' ? v.positiveInt(NAME, 'numClasses', args.numClasses) : 0;
    this.epsilonSquared = v.positiveNumber(NAME, 'epsilonSquared', args.epsilonSquared ?? 0.5);
    const gammas = args.gammas ?? [1, 1, 1];
    if (!Array.isArray(gammas) || gammas.length !== 3 || !gammas.every((g) => Number.isFinite(g) && g >= 0)) {
      v.reject(NAME, 'gammas', 'three finite numbers ≥ 0', gammas);
    }
    this.gammas = [...gammas] as [number, number, number];
    this.learningRate = v.positiveNumber(NAME, 'learningRate', args.learningRate ?? 1.5e-4);
    this.decoderLearningRate = v.positiveNumber(NAME, 'decoderLearningRate', args.decoderLearningRate ?? this.learningRate);
    const beta1 = v.nonNegNumber(NAME, 'beta1', args.beta1 ?? 0.5);
    const beta2 = v.nonNegNumber(NAME, 'beta2', args.beta2 ?? 0.999);
    if (beta1 >= 1) v.reject(NAME, 'beta1', 'below 1', beta1);
    if (beta2 >= 1) v.reject(NAME, 'beta2', 'below 1', beta2);
    this.encoderSteps = v.nonNegInt(NAME, 'encoderSteps', args.encoderSteps ?? 1);
    this.consistencyWeight = v.nonNegNumber(NAME, 'consistencyWeight', args.consistencyWeight ?? 0);
    this.dataWeight = v.nonNegNumber(NAME, 'dataWeight', args.dataWeight ?? 0);
    this.encoderConsistencyWeight = v.nonNegNumber(NAME, 'encoderConsistencyWeight', args.encoderConsistencyWeight ?? 0);
    if (this.readsStages() && !(this.encoder instanceof tf.Sequential)) {
      v.reject(NAME, 'encoder', 'a tf.Sequential (the consistency and the data terms read its stages in order)',
               this.encoder.getClassName());
    }
    this.schedule = v.oneOf(NAME, 'schedule', args.schedule ?? 'constant', ['constant', 'cosine'] as const);
    this.totalRounds = this.schedule === 'cosine' ? v.positiveInt(NAME, 'totalRounds', args.totalRounds) : 0;
    this.sharedStatistics = v.bool(NAME, 'sharedStatistics', args.sharedStatistics ?? false);
    this.warmupRounds = v.nonNegInt(NAME, 'warmupRounds', args.warmupRounds ?? 0);
    if (this.warmupRounds > 0 && this.mode !== 'multi') {
      v.reject(NAME, 'warmupRounds', "0 in 'binary' mode (the warm-up maximises ΔR(Z) with the labels)", this.warmupRounds);
    }
    this.movingStatistics = v.oneOf(NAME, 'movingStatistics', args.movingStatistics ?? 'real', ['real', 'all'] as const);
    this.encoderStatistics = batchNormLayers(this.encoder).flatMap((layer) => layer.nonTrainableWeights);
    this.encoderOptimizer = tf.train.adam(this.learningRate, beta1, beta2);
    this.decoderOptimizer = tf.train.adam(this.decoderLearningRate, beta1, beta2);
    this.encoderWeights = this.encoder.trainableWeights;
    const shared = this.decoder.layers.flatMap((layer) => {
      const stage = layer instanceof CscDecoder ? layer.tiedStage() : undefined;
      return stage ? stage.trainableWeights.filter((w) => /\/kernel(_\d+)?$/.test(w.name)) : [];
    });
    this.decoderWeights = [...this.decoder.trainableWeights, ...shared];
    if (this.encoderWeights.length === 0) v.reject(NAME, 'encoder', 'a model with trainable weights', 0);
    if (this.decoderWeights.length === 0) v.reject(NAME, 'decoder', 'a model with trainable weights', 0);
  }

  /** Whether a step needs the encoder's stage codes (a consistency or data weight is positive). */
  private readsStages(): boolean {
    return this.consistencyWeight > 0 || this.dataWeight > 0 || this.encoderConsistencyWeight > 0;
  }

  /** The encoder's learning rate in round `round` (0-based) under the schedule. */
  learningRateAt(round: number): number {
    return this.learningRate * this.scheduleFactor(round);
  }

  /** The factor of the schedule in round `round`: 1, or the cosine decay `½(1 + cos(π·round/totalRounds))`. */
  private scheduleFactor(round: number): number {
    if (this.schedule === 'constant') return 1;
    return 0.5 * (1 + Math.cos(Math.PI * Math.min(round, this.totalRounds) / this.totalRounds));
  }

  /**
   * One round on a batch: `encoderSteps` encoder steps, then one decoder step; in the first
   * `warmupRounds` rounds one {@link warmupStep} instead.
   */
  trainRound(images: tf.Tensor4D, labels?: tf.Tensor1D | ArrayLike<number>): RoundLog {
    const factor = this.scheduleFactor(this.round);
    const learningRate = this.learningRate * factor;
    (this.encoderOptimizer as unknown as {learningRate: number}).learningRate = learningRate;
    (this.decoderOptimizer as unknown as {learningRate: number}).learningRate = this.decoderLearningRate * factor;
    let encoder: Record<string, number> = {};
    let decoder: Record<string, number> = {};
    if (this.round < this.warmupRounds) {
      encoder = this.warmupStep(images, labels);
    } else {
      for (let s = 0; s < this.encoderSteps; s++) encoder = this.encoderStep(images, labels);
      decoder = this.decoderStep(images, labels);
    }
    this.round++;
    return {round: this.round, learningRate, encoder, decoder};
  }

  /**
   * One warm-up step ('multi' mode): an Adam step of the encoder up `ΔR(Z) = R(Z) − R^c(Z|Π)` of
   * `Z = f(X)` with the labels; returns `{objective: ΔR(Z), rZ, rcZ}` before the step.
   */
  warmupStep(images: tf.Tensor4D, labels?: tf.Tensor1D | ArrayLike<number>): Record<string, number> {
    if (this.mode !== 'multi') v.reject(NAME, 'mode', "'multi' for a warm-up step (it needs labels)", this.mode);
    const classLabels = this.checkBatch(images, labels)!;
    return this.playerStep(this.encoderOptimizer, this.encoderWeights, -1, () => {
      const {deltaR, r, rc} = mcr2(this.encode(images), classLabels, this.numClasses, {epsilonSquared: this.epsilonSquared});
      return {objective: deltaR, rZ: r, rcZ: rc};
    });
  }

  /**
   * One encoder step: `X̂ = g(f(X))` held fixed, an Adam step up `T(f(X), f(X̂))` (minus `α·D`, the
   * stages' data terms on `X`, when `dataWeight` is positive; plus `γ·C`, the sample-wise
   * consistency of the stages' codes, when `encoderConsistencyWeight` is positive); returns the
   * terms before the step.
   */
  encoderStep(images: tf.Tensor4D, labels?: tf.Tensor1D | ArrayLike<number>): Record<string, number> {
    const classLabels = this.checkBatch(images, labels);
    const m = images.shape[0];
    const withTerms = (ctrl: CtrlTerms, pass: StagePass, hat: Pick<StagePass, 'z' | 'codes'>): CtrlTerms => {
      if (this.dataWeight === 0 && this.encoderConsistencyWeight === 0) return ctrl;
      let loss: tf.Scalar = ctrl.objective;
      const out: CtrlTerms = {...ctrl};
      if (this.dataWeight > 0) {
        out.data = dataTerms(pass, m);
        loss = tf.sub(loss, tf.mul(this.dataWeight, out.data));
      }
      if (this.encoderConsistencyWeight > 0) {
        out.consistency = sampleConsistency(pass.codes.map((c) => rows(c, 0, m)), hat.codes).consistency;
        loss = tf.add(loss, tf.mul(this.encoderConsistencyWeight, out.consistency));
      }
      return {...out, loss};
    };
    if (this.sharedStatistics) {
      const xHat = tf.tidy(() => this.decode(this.encode(images)));
      const terms = this.playerStep(this.encoderOptimizer, this.encoderWeights, -1, () => {
        const {pass, z, hat} = this.encodeTogether(images, xHat);
        return withTerms(this.objective(z, hat.z, classLabels), pass, hat);
      });
      xHat.dispose();
      return terms;
    }
    return this.playerStep(this.encoderOptimizer, this.encoderWeights, -1, () => {
      const pass = this.encodeStages(images, true);
      // X̂ from the same Z, held out of differentiation (no backward pass through g).
      const xHat = withoutGradient((code) => this.decode(code as tf.Tensor2D), pass.z);
      const hat = this.encoderConsistencyWeight > 0 ? this.encodeStages(xHat, false)
        : {z: this.encodeDecoded(xHat), codes: []};
      return withTerms(this.objective(pass.z, hat.z, classLabels), pass, hat);
    });
  }

  /**
   * One decoder step: `Z = f(X)` held fixed, an Adam step down `T(Z, f(g(Z)))` (plus `β·C`, the
   * sample-wise consistency of the stages' codes, when `consistencyWeight` is positive); returns
   * the terms before the step.
   */
  decoderStep(images: tf.Tensor4D, labels?: tf.Tensor1D | ArrayLike<number>): Record<string, number> {
    const classLabels = this.checkBatch(images, labels);
    const target = tf.tidy(() => {
      const {z, codes} = this.encodeStages(images, true);
      return {z, codes};
    }) as Pick<StagePass, 'z' | 'codes'>;
    const terms = this.playerStep(this.decoderOptimizer, this.decoderWeights, 1, () => {
      const xHat = this.decode(target.z);
      // With shared statistics the Z of the pass over X and X̂ replaces the held one in T, as in the encoder's step.
      const {z, hat} = this.sharedStatistics ? this.encodeTogether(images, xHat)
        : {z: target.z, hat: this.encodeStages(xHat, false)};
      const ctrl = this.objective(z, hat.z, classLabels);
      if (this.consistencyWeight === 0) return ctrl;
      const consistency = sampleConsistency(target.codes, hat.codes);
      return {...ctrl, ...consistency,
              loss: tf.add(ctrl.objective, tf.mul(this.consistencyWeight, consistency.consistency)) as tf.Scalar};
    });
    tf.dispose(target);
    return terms;
  }

  /**
   * `f(images)` in training mode, with the input and the code of each of the encoder's CSC stages
   * on the way when the consistency or the data terms need them (the features alone as the codes
   * when it has no stage). A pass over data (`real`) moves the encoder's moving statistics; one that
   * includes reconstructions does so only with `movingStatistics: 'all'`.
   */
  private encodeStages(images: tf.Tensor4D, real: boolean): StagePass {
    if (!this.readsStages()) {
      return {z: real ? this.encode(images) : this.encodeDecoded(images), codes: [], inputs: [], stages: []};
    }
    return this.keepingStatistics(real || this.movingStatistics === 'all', () => {
      // A Sequential's layers form a chain: applied one by one they are its pass.
      const pass: StagePass = {z: images as unknown as tf.Tensor2D, codes: [], inputs: [], stages: []};
      let x: tf.Tensor = images;
      for (const layer of (this.encoder as tf.Sequential).layers) {
        const input = x;
        x = layer.apply(x, {training: true}) as tf.Tensor;
        if (layer instanceof CscStage) {
          pass.inputs.push(input as tf.Tensor4D);
          pass.codes.push(x);
          pass.stages.push(layer);
        }
      }
      pass.z = x as tf.Tensor2D;
      if (pass.codes.length === 0) pass.codes.push(x);
      return pass;
    });
  }

  /**
   * One pass over `X` and `X̂` together (shared batch statistics; it counts as a pass over `X̂` for
   * the moving statistics): the whole pass, and `Z` with `X̂`'s features and codes split from it.
   */
  private encodeTogether(images: tf.Tensor4D, xHat: tf.Tensor4D):
      {pass: StagePass; z: tf.Tensor2D; hat: Pick<StagePass, 'z' | 'codes'>} {
    const m = images.shape[0];
    const n = xHat.shape[0];
    const pass = this.encodeStages(tf.concat([images, xHat]), false);
    return {pass, z: rows(pass.z, 0, m) as tf.Tensor2D,
            hat: {z: rows(pass.z, m, n) as tf.Tensor2D, codes: pass.codes.map((c) => rows(c, m, n))}};
  }

  /**
   * Runs `pass` (training-mode passes through the encoder); unless `moves`, the encoder's moving
   * statistics are put back as they were before it.
   */
  private keepingStatistics<T>(moves: boolean, pass: () => T): T {
    if (moves || this.encoderStatistics.length === 0) return pass();
    const saved = this.encoderStatistics.map((w) => tf.keep(w.read().clone()));
    const out = pass();
    this.encoderStatistics.forEach((w, i) => w.write(saved[i]));
    tf.dispose(saved);
    return out;
  }

  private encode(images: tf.Tensor4D): tf.Tensor2D {
    return this.encoder.apply(images, {training: true}) as tf.Tensor2D;
  }

  private decode(z: tf.Tensor2D): tf.Tensor4D {
    return this.decoder.apply(z, {training: true}) as tf.Tensor4D;
  }

  /**
   * `f(X̂)` in training mode; with `movingStatistics: 'real'` the encoder's moving statistics are
   * put back as they were before the pass.
   */
  private encodeDecoded(images: tf.Tensor4D): tf.Tensor2D {
    return this.keepingStatistics(this.movingStatistics === 'all', () => this.encode(images));
  }

  /** The objective's terms on `Z = f(X)` and `Ẑ = f(g(Z))` in inference mode (no weight or statistic changes). */
  evaluate(images: tf.Tensor4D, labels?: tf.Tensor1D | ArrayLike<number>): Record<string, number> {
    const classLabels = this.checkBatch(images, labels);
    return tf.tidy(() => {
      const z = this.encoder.apply(images) as tf.Tensor2D;
      const zHat = this.encoder.apply(this.decoder.apply(z)) as tf.Tensor2D;
      return readTerms(this.objective(z, zHat, classLabels));
    });
  }

  /**
   * The state a checkpoint needs to continue exactly: round count, both optimizers' moments
   * (the optimizers' own variables, and a new round-count scalar first in each list) and their
   * running β powers.
   */
  async getState(): Promise<TrainerState> {
    return {
      round: this.round,
      encoderOptimizer: await this.encoderOptimizer.getWeights(),
      decoderOptimizer: await this.decoderOptimizer.getWeights(),
      betaPowers: {encoder: readPowers(this.encoderOptimizer), decoder: readPowers(this.decoderOptimizer)},
    };
  }

  /**
   * Restores {@link getState}'s result, taking ownership of its tensors (the models' weights are
   * restored separately, by loading them).
   */
  async setState(state: TrainerState): Promise<void> {
    this.round = v.nonNegInt(NAME, 'state.round', state.round);
    await this.encoderOptimizer.setWeights(state.encoderOptimizer);
    await this.decoderOptimizer.setWeights(state.decoderOptimizer);
    tf.dispose([...state.encoderOptimizer, ...state.decoderOptimizer].map((w) => w.tensor));
    if (state.betaPowers) {
      writePowers(this.encoderOptimizer, state.betaPowers.encoder, 'state.betaPowers.encoder');
      writePowers(this.decoderOptimizer, state.betaPowers.decoder, 'state.betaPowers.decoder');
    }
  }

  /** Frees the optimizers' state. */
  dispose(): void {
    this.encoderOptimizer.dispose();
    this.decoderOptimizer.dispose();
  }

  /** Checks a batch; returns its labels on the host in 'multi' mode. */
  private checkBatch(images: tf.Tensor4D, labels: tf.Tensor1D | ArrayLike<number> | undefined): Int32Array | undefined {
    if (!(images instanceof tf.Tensor) || images.rank !== 4) {
      v.reject(NAME, 'images', 'a rank-4 tensor [batch, H, W, C]', images instanceof tf.Tensor ? images.shape : images);
    }
    if (this.mode !== 'multi') return undefined;
    if (labels === undefined) v.reject(NAME, 'labels', "given in 'multi' mode", labels);
    return Int32Array.from(labels instanceof tf.Tensor ? labels.dataSync() : labels);
  }

  private objective(z: tf.Tensor2D, zHat: tf.Tensor2D, labels: Int32Array | undefined): CtrlTerms {
    const options = {epsilonSquared: this.epsilonSquared};
    return this.mode === 'multi'
      ? ctrlMulti(z, zHat, labels!, this.numClasses, {...options, gammas: this.gammas})
      : ctrlBinary(z, zHat, options);
  }

  /**
   * One Adam step of `sign · T` over `weights` (`T` is the terms' `loss` where they have one, else
   * their `objective`), then the weights' constraints (as `model.fit` applies them: `λ ≥ 0` of the
   * CSC stages); returns the terms' values before the step.
   */
  private playerStep(optimizer: tf.Optimizer, weights: tf.LayerVariable[], sign: 1 | -1,
                     objective: () => CtrlTerms): Record<string, number> {
    let terms: Record<string, tf.Scalar> = {};
    const cost = optimizer.minimize(() => {
      const all = objective();
      terms = Object.fromEntries(Object.entries(all).map(([k, t]) => [k, tf.keep(t.clone())]));
      const t = all.loss ?? all.objective;
      return sign === 1 ? t : tf.neg(t);
    }, true, weights.map((w) => w.read() as tf.Variable));
    cost?.dispose();
    tf.tidy(() => {
      for (const w of weights) if (w.constraint) w.write(w.constraint.apply(w.read()));
    });
    const values = readTerms(terms);
    tf.dispose(Object.values(terms));
    return values;
  }
}

/** A training-mode pass through the encoder: the features, and each CSC stage with its input and code. */
interface StagePass {
  z: tf.Tensor2D;
  codes: tf.Tensor[];
  inputs: tf.Tensor4D[];
  stages: CscStage[];
}

/**
 * `D = Σ_k ‖X_k − A_k ⊛ C_k‖²/‖X_k‖²` over the stages of a pass, on its first `m` samples: the
 * data term of the convolutional LASSO each stage unrolls, relative to its input's energy.
 */
function dataTerms(pass: StagePass, m: number): tf.Scalar {
  return tf.addN(pass.stages.map((stage, k) => {
    const input = rows(pass.inputs[k], 0, m) as tf.Tensor4D;
    const residual = tf.mul(stage.reconstructionError(input, rows(pass.codes[k], 0, m)), m);
    return tf.div(residual, tf.maximum(tf.sum(tf.square(input)), 1e-12));
  })) as tf.Scalar;
}

/** Rows `from … from + count − 1` (samples, the first axis) of `t`. */
function rows(t: tf.Tensor, from: number, count: number): tf.Tensor {
  return tf.slice(t, from, [count, ...t.shape.slice(1)]);
}

/** The batch-normalisation layers of a model, nested models included. */
function batchNormLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.flatMap((layer) => (layer instanceof tf.LayersModel ? batchNormLayers(layer)
    : layer.getClassName() === 'BatchNormalization' ? [layer] : []));
}

function readTerms(terms: CtrlTerms | Record<string, tf.Scalar>): Record<string, number> {
  return Object.fromEntries(Object.entries(terms).map(([k, t]) => [k, t.dataSync()[0]]));
}
