/**
 * A CSC-CTRL training run over a data set: epochs of closed-loop rounds, checkpoints every N
 * rounds and when stopped, exact resume, and the final models.
 */
import * as tf from '@tensorflow/tfjs';
import {promises as fs} from 'fs';
import * as path from 'path';
import {cscCtrl, CscCtrlPreset, CSC_CTRL_PRESETS, resolveCscCtrlArgs} from '../../models/csc_ctrl';
import {ImageDataset} from '../data/dataset';
import {imageFolder} from '../data/image_folder';
import {removeStaleTemporaries, writeFileAtomic} from '../io/atomic_write';
import {mnistDataset} from '../data/mnist_dataset';
import {mnistFullDataset} from '../data/mnist_full';
import * as v from '../util/validate';
import {loadCheckpoint, hasCheckpoint, RunPosition, saveCheckpoint, sweepCheckpoints} from './checkpoint';
import {copyWeights, loadTrainedModels} from './trained_models';
import {ClosedLoopTrainer, CtrlMode, LearningRateSchedule, MovingStatistics, RoundLog} from './closed_loop';
import {nonFiniteTerm, nonFiniteWeight} from './finite';

const NAME = 'trainCscCtrl';

/** Everything that defines a run; saved in every checkpoint. */
export interface CtrlRunOptions {
  /** Model preset (its input size also sets the image size of folder data). Default `'mnist'`. */
  preset?: CscCtrlPreset;
  /**
   * `'mnist'` (the 10,000 digits of the `mnist` package), `'mnist-full'` (the standard 60,000 +
   * 10,000 split) or the root of an image folder (`root/train/<class>/*`). Default `'mnist'`.
   */
  data?: string;
  /** Overrides of the preset's atoms per stage. */
  filters?: number[];
  /** ISTA iterations per stage. Default 2. */
  iterations?: number;
  /** Decoder tied to the encoder's dictionaries. Default false. */
  tied?: boolean;
  /** Initial `λ` of every stage. Default 0.1. */
  lambda?: number;
  /** Batch normalisation between the encoder's stages. Default true. */
  encoderBatchNorm?: boolean;
  /** The last stage's codes: `'sparse'` or `'linear'` (see `cscCtrl`). Default `'sparse'`. */
  features?: 'sparse' | 'linear';
  /** Default `'binary'`. */
  mode?: CtrlMode;
  epochs?: number;
  /** Length of the run in rounds, in place of `epochs` (the last epoch may then be partial). */
  rounds?: number;
  batchSize?: number;
  learningRate?: number;
  encoderSteps?: number;
  /** The decoder's Adam step, where it differs from `learningRate`. */
  decoderLearningRate?: number;
  /** Weight of the sample-wise consistency of the stages' codes in the decoder's step (see `ClosedLoopTrainer`). Default 0. */
  consistencyWeight?: number;
  /** Weight of the stages' data terms in the encoder's step (see `ClosedLoopTrainer`). Default 0. */
  dataWeight?: number;
  /** Weight of the sample-wise consistency in the encoder's step, which maximises it (see `ClosedLoopTrainer`). Default 0. */
  encoderConsistencyWeight?: number;
  schedule?: LearningRateSchedule;
  epsilonSquared?: number;
  /** Encode `X` and `X̂` in one batch (shared batch-normalisation statistics). Default false. */
  sharedStatistics?: boolean;
  /** Rounds of encoder-only warm-up up `ΔR(Z)` at the start ('multi' mode). Default 0. */
  warmupRounds?: number;
  /** Which passes move the encoder's batch-normalisation statistics. Default `'real'`. */
  movingStatistics?: MovingStatistics;
  /**
   * Where folder data's decoded shards go (one subfolder per split and size). Default: the
   * image folder's own `.sparseland-cache/`.
   */
  cacheDir?: string;
  /** Images per shard file of folder data (see `imageFolder`). Default 1024. */
  shardSize?: number;
  /** Random horizontal flips (folder data). Default false. */
  flip?: boolean;
  /** Seed of the data order and the weights. Default 0. */
  seed?: number;
  /** Rounds between checkpoints. Default 200. */
  checkpointEvery?: number;
  /**
   * Start from the weights of trained models instead of random ones: a run directory or
   * `pretrained:NAME` (see `loadTrainedModels`), of the same architecture. The optimizers, the
   * schedule and the round count start afresh. A resumed run takes its weights from its checkpoint.
   */
  init?: string;
}

/** The options of {@link CtrlRunOptions} that have no default. */
/** The run options without a default. */
export type OptionalRunOption = 'filters' | 'cacheDir' | 'shardSize' | 'init' | 'rounds' | 'decoderLearningRate';

/** Defaults of {@link CtrlRunOptions}. */
export const CTRL_RUN_DEFAULTS: Required<Omit<CtrlRunOptions, OptionalRunOption>> = {
  preset: 'mnist', data: 'mnist', iterations: 2, tied: false, lambda: 0.1, encoderBatchNorm: true, features: 'sparse',
  mode: 'binary', epochs: 1, batchSize: 128,
  learningRate: 1.5e-4, encoderSteps: 1, consistencyWeight: 0, dataWeight: 0, encoderConsistencyWeight: 0, schedule: 'constant', epsilonSquared: 0.5, sharedStatistics: false,
  warmupRounds: 0, movingStatistics: 'real', flip: false, seed: 0,
  checkpointEvery: 200,
};

export interface CtrlRunHooks {
  /** Called once the run knows its size (resumed runs start at `position.round`). */
  onStart?: (info: {totalRounds: number; roundsPerEpoch: number; position: RunPosition; resumed: boolean;
                     dataset: ImageDataset}) => void;
  /** Called after every round. */
  onRound?: (log: RoundLog, position: RunPosition) => void;
  /** Called (and awaited) after each checkpoint is written, with the models in training and the run's options. */
  onCheckpoint?: (dir: string, position: RunPosition, run: CtrlRunState) => void | Promise<void>;
  /** Aborting stops the run after the current round, with a checkpoint (Ctrl-C). */
  signal?: AbortSignal;
  /** Stops after this many rounds in this call (the run can be resumed). */
  maxRounds?: number;
  /** Messages (warnings of the folder reader). Default `console.warn`. */
  warn?: (message: string) => void;
}

/** The models of a run and its options (every default filled in). */
export interface CtrlRunState {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  options: Required<Omit<CtrlRunOptions, OptionalRunOption>> & Pick<CtrlRunOptions, OptionalRunOption>;
}

export interface CtrlRunResult extends CtrlRunState {
  position: RunPosition;
  /** Whether all rounds were done (false when stopped by the signal or `maxRounds`). */
  finished: boolean;
  /** The training data the run read. */
  dataset: ImageDataset;
}

/** Where folder data's shards go and how large they are; where the folder reader's warnings go. */
export interface OpenDatasetOptions {
  warn?: (message: string) => void;
  /** Shards go to `cacheDir/<split>-<size>`. Default: the folder's own `.sparseland-cache/`. */
  cacheDir?: string;
  /** Images per shard. Default 1024. */
  shardSize?: number;
}

/** Opens the data set of a run: MNIST digits (`'mnist'`, `'mnist-full'`) or an image folder at the preset's size. */
export async function openDataset(data: string, size: number, split: 'train' | 'test',
                                  options: OpenDatasetOptions = {}): Promise<ImageDataset> {
  if (data === 'mnist') return mnistDataset({split, size: 32});
  if (data === 'mnist-full') return mnistFullDataset({split, size: 32});
  const folderSplit = split === 'test' ? 'val' : 'train';
  const {warn, cacheDir, shardSize} = options;
  return imageFolder({root: data, split: folderSplit, size, warn, ...(shardSize ? {shardSize} : {}),
                      ...(cacheDir ? {cacheDir: path.join(cacheDir, `${folderSplit}-${size}`)} : {})});
}

/**
 * Whether to continue a run: `false` starts a new one; `true` continues from the checkpoint in
 * the run directory and is an error without one; `'or-start'` continues when there is a
 * checkpoint and starts a new run otherwise.
 */
export type ResumeMode = boolean | 'or-start';

/**
 * Trains (or, with `resume` and a checkpoint in `dir`, continues) a CSC-CTRL autoencoder.
 * The run directory receives checkpoints (see `checkpoint.ts`) and, when all rounds are done,
 * `encoder/` and `decoder/` with the final models and `run.json` with the run's options.
 *
 * After every round the objective's terms and the models' weights are checked: at the first
 * value that is not finite the run stops with an error naming the round and the value, and the
 * last checkpoint (all of whose values were finite) stays the one a resume continues from.
 */
export async function trainCscCtrl(dir: string, options: CtrlRunOptions, resume: ResumeMode = false,
                                   hooks: CtrlRunHooks = {}): Promise<CtrlRunResult> {
  if (typeof dir !== 'string' || dir === '') v.reject(NAME, 'dir', 'a directory path', dir);
  if (resume !== true && resume !== false && resume !== 'or-start') v.reject(NAME, 'resume', "true, false or 'or-start'", resume);
  let encoder: tf.LayersModel;
  let decoder: tf.LayersModel;
  let position: RunPosition = {round: 0, epoch: 0, batchInEpoch: 0};
  let run: CtrlRunResult['options'];
  let restored: Awaited<ReturnType<typeof loadCheckpoint<CtrlRunResult['options']>>> | undefined;
  if (resume === true && !hasCheckpoint(dir)) {
    throw new Error(`${NAME}: there is no checkpoint to resume in '${path.resolve(dir)}' (no latest.json); ` +
                    "start a new run there without resume, or resume with 'or-start'");
  }
  const resumed = resume !== false && hasCheckpoint(dir);
  if (resumed) {
    restored = await loadCheckpoint<CtrlRunResult['options']>(dir);
    ({encoder, decoder} = restored);
    position = {round: restored.round, epoch: restored.epoch, batchInEpoch: restored.batchInEpoch};
    // A resumed run keeps its options; only its length may change.
    run = {...restored.options, epochs: options.epochs ?? restored.options.epochs};
    // A new length in epochs replaces one in rounds.
    if (options.rounds !== undefined) run.rounds = options.rounds;
    else if (options.epochs !== undefined) delete run.rounds;
    if (run.rounds !== undefined) v.positiveInt(NAME, 'rounds', run.rounds);
  } else {
    run = resolve(options);
    ({encoder, decoder} = cscCtrl({preset: run.preset, iterations: run.iterations, tied: run.tied, seed: run.seed,
                                   lambda: run.lambda, encoderBatchNorm: run.encoderBatchNorm, features: run.features,
                                   ...(run.filters ? {filters: run.filters} : {})}));
    if (run.init !== undefined) {
      const trained = await loadTrainedModels(run.init);
      copyWeights(trained.encoder, encoder, `${NAME}: init '${run.init}' (encoder)`);
      copyWeights(trained.decoder, decoder, `${NAME}: init '${run.init}' (decoder)`);
      trained.encoder.dispose();
      trained.decoder.dispose();
    }
  }
  const [h] = encoder.inputs[0].shape.slice(1) as number[];
  const dataset = await openDataset(run.data, h, 'train', {warn: hooks.warn, cacheDir: run.cacheDir, shardSize: run.shardSize});
  const roundsPerEpoch = dataset.batchesPerEpoch(run.batchSize);
  if (roundsPerEpoch === 0) {
    v.reject(NAME, 'batchSize', `at most the ${dataset.count} images of the data set`, run.batchSize);
  }
  const totalRounds = run.rounds ?? roundsPerEpoch * run.epochs;
  const trainer = new ClosedLoopTrainer({
    encoder, decoder, mode: run.mode, numClasses: dataset.classes.length, epsilonSquared: run.epsilonSquared,
    learningRate: run.learningRate, decoderLearningRate: run.decoderLearningRate, encoderSteps: run.encoderSteps,
    consistencyWeight: run.consistencyWeight, dataWeight: run.dataWeight,
    encoderConsistencyWeight: run.encoderConsistencyWeight, schedule: run.schedule, totalRounds,
    sharedStatistics: run.sharedStatistics, warmupRounds: run.warmupRounds, movingStatistics: run.movingStatistics,
  });
  if (restored) await trainer.setState(restored.trainerState);
  hooks.onStart?.({totalRounds, roundsPerEpoch, position, resumed, dataset});
  await fs.mkdir(dir, {recursive: true});
  // What writes killed in an earlier call left.
  await sweepCheckpoints(dir);
  for (const folder of [path.join(dir, 'encoder'), path.join(dir, 'decoder')]) await removeStaleTemporaries(folder);
  let saved = resumed ? position.round : undefined;
  const checkpoint = async () => {
    const written = await saveCheckpoint(dir, trainer, position, run);
    saved = position.round;
    await hooks.onCheckpoint?.(written, position, {encoder, decoder, options: run});
  };
  let roundsThisCall = 0;
  let stopped = false;
  try {
    while (position.round < totalRounds && !stopped) {
      const batches = dataset.batches({batchSize: run.batchSize, epoch: position.epoch, startBatch: position.batchInEpoch,
                                       seed: run.seed, flip: run.flip});
      for await (const batch of batches) {
        const log = trainer.trainRound(batch.images, batch.labels);
        tf.dispose([batch.images, batch.labels]);
        position = position.batchInEpoch + 1 === roundsPerEpoch
          ? {round: trainer.round, epoch: position.epoch + 1, batchInEpoch: 0}
          : {round: trainer.round, epoch: position.epoch, batchInEpoch: position.batchInEpoch + 1};
        roundsThisCall++;
        hooks.onRound?.(log, position);
        const bad = nonFiniteTerm(log) ?? nonFiniteWeight({encoder, decoder});
        if (bad !== undefined) {
          throw new Error(`${NAME}: round ${log.round}: ${bad}; the run stopped, and ` +
                          (saved === undefined ? 'it has no checkpoint'
                            : `its checkpoint of round ${saved} in '${dir}' is the one --resume continues from`));
        }
        // A round is synchronous: let timers (the progress bar) and signal handlers (Ctrl-C) run.
        await new Promise((resolve) => setImmediate(resolve));
        stopped = hooks.signal?.aborted === true || (hooks.maxRounds !== undefined && roundsThisCall >= hooks.maxRounds);
        if (stopped || position.round % run.checkpointEvery === 0) await checkpoint();
        if (stopped || position.batchInEpoch === 0 || position.round >= totalRounds) break;
      }
    }
    const finished = position.round >= totalRounds;
    if (finished) {
      if (saved !== position.round) await checkpoint();
      await encoder.save(`file://${path.join(dir, 'encoder')}`);
      await decoder.save(`file://${path.join(dir, 'decoder')}`);
      await writeFileAtomic(path.join(dir, 'run.json'), JSON.stringify({...run, ...position}, null, 1));
    }
    return {encoder, decoder, position, finished, options: run, dataset};
  } finally {
    trainer.dispose();
  }
}

function resolve(options: CtrlRunOptions): CtrlRunResult['options'] {
  const o = {...CTRL_RUN_DEFAULTS, ...options};
  v.oneOf(NAME, 'preset', o.preset, CSC_CTRL_PRESETS);
  if (typeof o.data !== 'string' || o.data === '') v.reject(NAME, 'data', "'mnist', 'mnist-full' or an image folder", o.data);
  v.positiveInt(NAME, 'epochs', o.epochs);
  if (o.rounds !== undefined) v.positiveInt(NAME, 'rounds', o.rounds);
  v.positiveInt(NAME, 'batchSize', o.batchSize);
  v.positiveInt(NAME, 'checkpointEvery', o.checkpointEvery);
  const stages = resolveCscCtrlArgs({preset: o.preset}).filters.length;
  if (o.filters !== undefined && (!Array.isArray(o.filters) || o.filters.length !== stages)) {
    v.reject(NAME, 'filters', `${stages} numbers of atoms, one per stage of the '${o.preset}' preset`, o.filters);
  }
  v.nonNegInt(NAME, 'seed', o.seed);
  v.bool(NAME, 'flip', o.flip);
  if (o.shardSize !== undefined) v.positiveInt(NAME, 'shardSize', o.shardSize);
  if (o.init !== undefined && (typeof o.init !== 'string' || o.init === '')) {
    v.reject(NAME, 'init', "a run directory or 'pretrained:NAME'", o.init);
  }
  return o;
}
