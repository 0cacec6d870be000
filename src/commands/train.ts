/**
 * `sparseland train --preset mnist-csc-ctrl [...]`: a CSC-CTRL training run with a progress bar,
 * checkpoints (every N rounds and on Ctrl-C) with training curves, exact resume, and a
 * reconstruction grid at the end.
 */
import {SingleBar} from 'cli-progress';
import {appendFileSync} from 'fs';
import * as path from 'path';
import {CSC_CTRL_FEATURES, resolveCscCtrlArgs} from '../../models/csc_ctrl';
import {setBackend} from '../backend/node';
import {CTRL_MODES, LEARNING_RATE_SCHEDULES, MOVING_STATISTICS} from '../train/closed_loop';
import {CTRL_RUN_DEFAULTS, CtrlRunOptions, openDataset, ResumeMode, trainCscCtrl} from '../train/ctrl_run';
import {curvesAtCheckpoints} from '../train/ctrl_curves';
import {evaluateCscCtrl} from '../train/ctrl_eval';
import {CommandIo, CommandSpec} from './io';
import {backendFlag, FlagTable, integer, integerList, number} from './options';

/** The command line's training presets: a model preset with its data and run settings. */
export const TRAIN_PRESETS: Record<string, CtrlRunOptions> = {
  'mnist-csc-ctrl': {preset: 'mnist', data: 'mnist', batchSize: 128},
  'cifar-csc-ctrl': {preset: 'cifar', flip: true, batchSize: 128},
  'imagenet64-csc-ctrl': {preset: 'imagenet64', flip: true, batchSize: 64},
  'imagenet128-csc-ctrl': {preset: 'imagenet128', flip: true, batchSize: 32},
};

/** What the flags of `train` set: the trainer's options, and the command's own. */
export interface TrainValues extends Omit<CtrlRunOptions, 'preset'> {
  /** A key of {@link TRAIN_PRESETS}. */
  preset: string;
  out: string;
  resume: boolean;
  resumeOrStart: boolean;
  backend: string;
  maxRounds: number;
  maxMinutes: number;
}

/** `value(preset)` for every training preset, as the help shows a default: `128 for mnist-csc-ctrl, cifar-csc-ctrl; 64 for …`. */
function perPreset(value: (preset: CtrlRunOptions) => unknown): string | undefined {
  const names = new Map<string, string[]>();
  for (const [name, preset] of Object.entries(TRAIN_PRESETS)) {
    const v = value(preset);
    if (v === undefined) return undefined;
    const text = String(v);
    names.set(text, [...(names.get(text) ?? []), name]);
  }
  const texts = [...names.keys()];
  return texts.length === 1 ? texts[0] : texts.map((text) => `${text} for ${names.get(text)!.join(', ')}`).join('; ');
}

/** The trainer's default of `key` under every training preset, as the help shows it; none for a switch that is off. */
function runDefault(key: keyof TrainValues): string | undefined {
  if (key === 'preset') return undefined;
  const defaults: Partial<CtrlRunOptions> = CTRL_RUN_DEFAULTS;
  const text = perPreset((preset) => preset[key as keyof CtrlRunOptions] ?? defaults[key as keyof CtrlRunOptions]);
  return text === 'false' ? undefined : text;
}

const DATA = 'Data';
const MODEL = 'Model';
const TRAINING = 'Training';
const RUN = 'Run';

/**
 * The flags of `train`. The key of a flag is the trainer's option it sets (see `CtrlRunOptions`),
 * or one of the command's own; the help shows the trainer's default of each option under each preset.
 */
export const TRAIN_FLAGS: FlagTable<TrainValues> = ([
  {flags: '--preset <name>', key: 'preset', required: true, choices: Object.keys(TRAIN_PRESETS),
   description: 'a model preset with its data and batch size'},
  {flags: '--data <dir>', key: 'data', group: DATA, default: "mnist for mnist-csc-ctrl; the other presets need --data",
   description: "image folder (DIR/train/<class>/*.JPEG, DIR/val/...); for the MNIST preset 'mnist' " +
                "(10,000 digits) or 'mnist-full' (the standard 60,000 + 10,000)"},
  {flags: '--cache <dir>', key: 'cacheDir', group: DATA, default: 'DIR/.sparseland-cache',
   description: "where the folder's decoded shards go"},
  {flags: '--shard-size <n>', key: 'shardSize', group: DATA, parse: integer(1), default: '1024',
   description: 'images per shard file; at most two shards are held in memory'},
  {flags: '--flip', key: 'flip', group: DATA, description: 'random horizontal flips of folder images'},
  {flags: '--filters <list>', key: 'filters', group: MODEL, parse: integerList(1),
   default: perPreset((preset) => resolveCscCtrlArgs({preset: preset.preset}).filters.join(',')),
   description: "atoms per stage, comma-separated, one number per stage of the preset's model"},
  {flags: '--iterations <k>', key: 'iterations', group: MODEL, parse: integer(0), description: 'ISTA iterations per stage'},
  {flags: '--lambda <x>', key: 'lambda', group: MODEL, parse: number(0), description: 'initial λ of every stage'},
  {flags: '--tied', key: 'tied', group: MODEL, description: "decoder tied to the encoder's dictionaries"},
  {flags: '--no-encoder-batch-norm', key: 'encoderBatchNorm', group: MODEL,
   description: "no batch normalisation between the encoder's stages"},
  {flags: '--features <codes>', key: 'features', group: MODEL, choices: CSC_CTRL_FEATURES,
   description: "the last stage's codes: thresholded, or signed with λ = 0"},
  {flags: '--init <run>', key: 'init', group: MODEL,
   description: 'start from the weights of a run directory or pretrained:NAME (same architecture; ' +
                'new optimizers and schedule)'},
  {flags: '--mode <mode>', key: 'mode', group: TRAINING, choices: CTRL_MODES,
   description: 'CTRL objective without or with the labels'},
  {flags: '--epochs <n>', key: 'epochs', group: TRAINING, parse: integer(1), description: 'length of the run in epochs'},
  {flags: '--rounds <n>', key: 'rounds', group: TRAINING, parse: integer(1),
   description: 'length of the run in rounds instead of epochs'},
  {flags: '--batch <n>', key: 'batchSize', group: TRAINING, parse: integer(1), description: 'images per round'},
  {flags: '--lr <x>', key: 'learningRate', group: TRAINING, parse: number(0), description: "the encoder's Adam step"},
  {flags: '--decoder-lr <x>', key: 'decoderLearningRate', group: TRAINING, parse: number(0), default: '--lr',
   description: "the decoder's Adam step"},
  {flags: '--encoder-steps <n>', key: 'encoderSteps', group: TRAINING, parse: integer(0),
   description: 'encoder steps per round (0: decoder only)'},
  {flags: '--schedule <schedule>', key: 'schedule', group: TRAINING, choices: LEARNING_RATE_SCHEDULES,
   description: 'learning-rate schedule over the run'},
  {flags: '--epsilon-squared <x>', key: 'epsilonSquared', group: TRAINING, parse: number(0),
   description: 'ε² of the rate distortion'},
  {flags: '--seed <n>', key: 'seed', group: TRAINING, parse: integer(0), description: 'seed of the data order and the weights'},
  {flags: '--consistency-weight <x>', key: 'consistencyWeight', group: TRAINING, parse: number(0),
   description: "the decoder also minimises X times the sample-wise consistency of the encoder's stage codes of X̂ with those of X"},
  {flags: '--data-weight <x>', key: 'dataWeight', group: TRAINING, parse: number(0),
   description: "the encoder also minimises X times its stages' data terms ‖X_k − A_k ⊛ C_k‖²/‖X_k‖²"},
  {flags: '--encoder-consistency-weight <x>', key: 'encoderConsistencyWeight', group: TRAINING, parse: number(0),
   description: 'the encoder also maximises X times the sample-wise consistency'},
  {flags: '--shared-statistics', key: 'sharedStatistics', group: TRAINING,
   description: 'encode X and X̂ in one batch (shared batch-norm statistics)'},
  {flags: '--moving-statistics <passes>', key: 'movingStatistics', group: TRAINING, choices: MOVING_STATISTICS,
   description: "passes that move the encoder's batch-norm statistics (real: not those over X̂)"},
  {flags: '--warmup-rounds <n>', key: 'warmupRounds', group: TRAINING, parse: integer(0),
   description: 'first N rounds: encoder only, up ΔR(Z) with the labels (--mode multi)'},
  {flags: '--out <dir>', key: 'out', group: RUN, default: 'out/<preset>', description: 'run directory'},
  {flags: '--resume', key: 'resume', group: RUN, conflicts: 'resumeOrStart',
   description: 'continue the run in --out from its last checkpoint (an error when it has none)'},
  {flags: '--resume-or-start', key: 'resumeOrStart', group: RUN,
   description: 'continue the run in --out if it has a checkpoint, else start it'},
  {flags: '--checkpoint-every <n>', key: 'checkpointEvery', group: RUN, parse: integer(1),
   description: 'rounds between checkpoints'},
  {flags: '--max-rounds <n>', key: 'maxRounds', group: RUN, parse: integer(1), description: 'stop (resumably) after N rounds'},
  {flags: '--max-minutes <x>', key: 'maxMinutes', group: RUN, parse: number(0),
   description: 'stop (resumably) after the round that passes X minutes'},
  backendFlag(RUN),
] satisfies FlagTable<TrainValues>).map((flag) => ({...flag, default: flag.default ?? runDefault(flag.key)}));

/** Formats a round's terms compactly: `objective 9.38 rZ 35.3 ...`. */
function terms(values: Record<string, number>): string {
  return Object.entries(values).map(([k, x]) => `${k} ${x.toPrecision(4)}`).join(' ');
}

/** `sparseland train`. */
export const TRAIN: CommandSpec<TrainValues> = {
  name: 'train',
  summary: 'train a CSC-CTRL autoencoder',
  description: 'Trains a CSC-CTRL autoencoder (docs/ctrl.md) with a progress bar, checkpoints (every N rounds and on ' +
               'Ctrl-C) with training curves and held-out PSNR, exact resume, and a reconstruction grid at the end.',
  arguments: [],
  flags: TRAIN_FLAGS,
  run: async (_args, values, {io, signal, usage}) => {
    // Every flag that is not the command's own is a trainer option, over the preset's.
    const {preset: presetName, out, resume, resumeOrStart, backend, maxRounds, maxMinutes, ...run} = values;
    const options: CtrlRunOptions = {...TRAIN_PRESETS[presetName!], ...run};
    if (options.data === undefined) usage(`the '${presetName}' preset needs --data <dir> (an image folder)`);
    if (options.filters !== undefined) {
      const stages = resolveCscCtrlArgs({preset: options.preset}).filters.length;
      if (options.filters.length !== stages) {
        usage(`option '--filters <list>' argument '${options.filters.join(',')}' is invalid. Expected ${stages} numbers ` +
              `of atoms, one per stage of the '${presetName}' preset.`);
      }
    }
    let stop = signal;
    if (maxMinutes !== undefined) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), maxMinutes * 60000);
      timer.unref();
      signal?.addEventListener('abort', () => controller.abort());
      stop = controller.signal;
    }
    const dir = out ?? path.join('out', presetName!);
    return trainAndEvaluate(presetName!, options, {dir, resume: resumeOrStart ? 'or-start' : resume === true, backend, maxRounds, stop}, io);
  },
};

/** Where and how `sparseland train` trains. */
interface TrainCall {
  dir: string;
  resume: ResumeMode;
  backend?: string;
  maxRounds?: number;
  /** Stops the run after the current round (Ctrl-C, --max-minutes). */
  stop?: AbortSignal;
}

/** Runs the training of `sparseland train` and evaluates its models; resolves to the exit status. */
async function trainAndEvaluate(presetName: string, options: CtrlRunOptions, call: TrainCall, io: CommandIo): Promise<number> {
  const {dir, resume, backend, maxRounds, stop} = call;
  try {
    await setBackend(backend);
    const logFile = path.join(dir, 'log.jsonl');
    let bar: SingleBar | undefined;
    let started = Date.now();
    let firstRound = 0;
    let batchSize = 0;
    const result = await trainCscCtrl(dir, options, resume, {
      signal: stop, maxRounds, warn: io.err,
      onStart: ({totalRounds, position, resumed, dataset}) => {
        firstRound = position.round;
        started = Date.now();
        io.out(`${resumed ? 'resuming' : 'training'} ${presetName} on ${dataset.name} (${dataset.count} images) ` +
               `in ${dir}: round ${position.round} of ${totalRounds}`);
        if (io.progress) {
          // Without a terminal (logs, CI) the bar is printed as a line every 10 s.
          bar = new SingleBar({
            format: 'epoch {epoch} |{bar}| {value}/{total} rounds | {speed} img/s | ETA {eta_formatted} | {terms}',
            etaBuffer: 20, hideCursor: io.progress.isTTY, noTTYOutput: !io.progress.isTTY, notTTYSchedule: 10000,
            stream: io.progress,
          });
          bar.start(totalRounds, position.round, {epoch: position.epoch + 1, speed: '-', terms: ''});
        }
      },
      onRound: (log, position) => {
        batchSize = options.batchSize ?? 0;
        const seconds = (Date.now() - started) / 1000;
        appendFileSync(logFile, JSON.stringify({...log, epoch: position.epoch, time: new Date().toISOString()}) + '\n');
        bar?.update(log.round, {
          epoch: position.epoch + 1,
          speed: ((log.round - firstRound) * (batchSize || 0) / seconds).toFixed(1),
          terms: `enc ${terms(log.encoder)} | dec ${terms(log.decoder)}`,
        });
      },
      onCheckpoint: curvesAtCheckpoints(dir, io.err),
    });
    bar?.stop();
    const {options: run, position} = result;
    const seconds = (Date.now() - started) / 1000;
    io.out(`${result.finished ? 'finished' : 'stopped'} at round ${position.round} (epoch ${position.epoch}, ` +
           `batch ${position.batchInEpoch}) after ${seconds.toFixed(0)} s, ` +
           `${((position.round - firstRound) * run.batchSize / Math.max(seconds, 1e-9)).toFixed(1)} images/s; ` +
           `checkpoint in ${dir}${result.finished ? `, models in ${dir}/encoder and ${dir}/decoder` : ' (--resume continues)'}`);
    const [h] = result.encoder.inputs[0].shape.slice(1) as number[];
    const test = await openDataset(run.data, h, 'test', {warn: io.err, cacheDir: run.cacheDir, shardSize: run.shardSize});
    const train = result.dataset;
    const grid = path.join(dir, 'reconstructions.png');
    const evaluation = await evaluateCscCtrl(result.encoder, result.decoder, {
      test, testImages: Math.min(test.count, 500), train, trainImages: Math.min(train.count, 1000), grid, gridImages: 16,
    });
    io.out(`held-out images (${evaluation.images}): reconstruction PSNR ${evaluation.psnr.toFixed(2)} dB, ` +
           `SSIM ${evaluation.ssim.toFixed(3)}; nearest-subspace accuracy of the features ` +
           `${(100 * evaluation.accuracy!).toFixed(1)} % (fitted on ${Math.min(train.count, 1000)} training images); ` +
           `code density per stage ${evaluation.density.map((d) => d.toFixed(3)).join(', ')}`);
    io.out(`wrote ${grid} (originals above reconstructions) and ${path.join(dir, 'curves.png')} ` +
           `(the objective's terms, the learning rate, and at every checkpoint the held-out PSNR and SSIM in ${path.join(dir, 'eval.jsonl')})`);
    return 0;
  } catch (e) {
    io.err(`sparseland train: ${(e as Error).message}`);
    return 1;
  }
}
