/**
 * `sparseland train --preset mnist-csc-ctrl [...]`: a CSC-CTRL training run with a progress bar,
 * checkpoints (every N rounds and on Ctrl-C) with training curves, exact resume, and a
 * reconstruction grid at the end.
 */
import {SingleBar} from 'cli-progress';
import {appendFileSync} from 'fs';
import * as path from 'path';
import {resolveCscCtrlArgs} from '../../models/csc_ctrl';
import {setBackend} from '../backend';
import {CtrlRunOptions, openDataset, trainCscCtrl} from '../train/ctrl_run';
import {curvesAtCheckpoints} from '../train/ctrl_curves';
import {evaluateCscCtrl} from '../train/ctrl_eval';
import {CommandIo, numberOption, parseCommandLine, positiveIntList} from './io';

/** The command line's training presets: a model preset with its data and run settings. */
export const TRAIN_PRESETS: Record<string, CtrlRunOptions> = {
  'mnist-csc-ctrl': {preset: 'mnist', data: 'mnist', batchSize: 128},
  'cifar-csc-ctrl': {preset: 'cifar', flip: true, batchSize: 128},
  'imagenet64-csc-ctrl': {preset: 'imagenet64', flip: true, batchSize: 64},
  'imagenet128-csc-ctrl': {preset: 'imagenet128', flip: true, batchSize: 32},
};

export const TRAIN_USAGE = `sparseland train --preset ${Object.keys(TRAIN_PRESETS).join('|')} [options]
  --data DIR            image folder (DIR/train/<class>/*.JPEG, DIR/val/...); for the MNIST preset
                        'mnist' (10,000 digits, the default) or 'mnist-full' (the standard 60,000 + 10,000)
  --cache DIR           where the folder's decoded shards go (default DIR/.sparseland-cache)
  --shard-size N        images per shard file (default 1024); at most two shards are held in memory
  --epochs N            epochs (default 1)          --batch N         images per round
  --rounds N            length of the run in rounds instead of epochs
  --out DIR             run directory (default out/<preset>)
  --resume              continue the run in --out from its last checkpoint (an error when it has none)
  --resume-or-start     continue the run in --out if it has a checkpoint, else start it
  --init DIR|pretrained:NAME   start from these trained weights (same architecture; new optimizers and schedule)
  --backend NAME        tensorflow | wasm | cpu (default: the best available)
  --mode binary|multi   CTRL objective without or with labels (default binary)
  --lr X --decoder-lr X --encoder-steps N --schedule constant|cosine --epsilon-squared X --seed N
  --consistency-weight X   the decoder also minimises X times the sample-wise consistency of the
                        encoder's stage codes of X̂ with those of X (default 0; --encoder-steps 0: decoder only)
  --data-weight X       the encoder also minimises X times its stages' data terms ‖X_k − A_k ⊛ C_k‖²/‖X_k‖²
  --encoder-consistency-weight X   the encoder also maximises X times the sample-wise consistency
  --filters A,B,...     atoms per stage   --iterations K   --tied   --flip
  --shared-statistics   encode X and X̂ in one batch (shared batch-norm statistics)
  --moving-statistics real|all   passes that move the encoder's batch-norm statistics (default real: not X̂)
  --warmup-rounds N     first N rounds: encoder only, up ΔR(Z) with the labels (--mode multi)
  --lambda X            initial λ of every stage   --no-encoder-batch-norm   no normalisation between stages
  --features sparse|linear   the last stage's codes: thresholded, or signed with λ = 0
  --checkpoint-every N  rounds between checkpoints (default 200)
  --max-rounds N        stop (resumably) after N rounds
  --max-minutes X       stop (resumably) after the round that passes X minutes`;

const OPTIONS = {
  'preset': {type: 'string'}, 'data': {type: 'string'}, 'cache': {type: 'string'}, 'shard-size': {type: 'string'},
  'epochs': {type: 'string'}, 'rounds': {type: 'string'}, 'batch': {type: 'string'},
  'out': {type: 'string'}, 'resume': {type: 'boolean'}, 'resume-or-start': {type: 'boolean'}, 'backend': {type: 'string'}, 'mode': {type: 'string'},
  'lr': {type: 'string'}, 'encoder-steps': {type: 'string'}, 'schedule': {type: 'string'},
  'epsilon-squared': {type: 'string'}, 'seed': {type: 'string'}, 'filters': {type: 'string'},
  'iterations': {type: 'string'}, 'tied': {type: 'boolean'}, 'flip': {type: 'boolean'},
  'shared-statistics': {type: 'boolean'}, 'lambda': {type: 'string'}, 'no-encoder-batch-norm': {type: 'boolean'},
  'features': {type: 'string'}, 'moving-statistics': {type: 'string'}, 'warmup-rounds': {type: 'string'},
  'init': {type: 'string'}, 'consistency-weight': {type: 'string'}, 'data-weight': {type: 'string'}, 'encoder-consistency-weight': {type: 'string'},
  'decoder-lr': {type: 'string'}, 'checkpoint-every': {type: 'string'}, 'max-rounds': {type: 'string'}, 'max-minutes': {type: 'string'},
} as const;

/** Formats a round's terms compactly: `objective 9.38 rZ 35.3 ...`. */
function terms(values: Record<string, number>): string {
  return Object.entries(values).map(([k, x]) => `${k} ${x.toPrecision(4)}`).join(' ');
}

export async function trainCommand(args: string[], io: CommandIo, signal?: AbortSignal): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(args, OPTIONS, false).values;
  } catch (e) {
    return io.usage((e as Error).message);
  }
  const presetName = parsed.preset;
  if (presetName === undefined) return io.usage("'train' needs --preset");
  const preset = TRAIN_PRESETS[presetName];
  if (!preset) return io.usage(`unknown preset '${presetName}' (one of ${Object.keys(TRAIN_PRESETS).join(', ')})`);
  const options: CtrlRunOptions = {...preset};
  const numbers: [keyof typeof parsed, keyof CtrlRunOptions, boolean, number][] = [
    ['epochs', 'epochs', true, 1], ['rounds', 'rounds', true, 1], ['batch', 'batchSize', true, 1], ['lr', 'learningRate', false, 0],
    ['decoder-lr', 'decoderLearningRate', false, 0],
    ['encoder-steps', 'encoderSteps', true, 0], ['consistency-weight', 'consistencyWeight', false, 0],
    ['data-weight', 'dataWeight', false, 0], ['encoder-consistency-weight', 'encoderConsistencyWeight', false, 0], ['epsilon-squared', 'epsilonSquared', false, 0],
    ['seed', 'seed', true, 0], ['iterations', 'iterations', true, 0], ['lambda', 'lambda', false, 0], ['checkpoint-every', 'checkpointEvery', true, 1],
    ['warmup-rounds', 'warmupRounds', true, 0], ['shard-size', 'shardSize', true, 1],
  ];
  for (const [flag, key, integer, min] of numbers) {
    const raw = parsed[flag];
    if (typeof raw !== 'string') continue;
    const value = numberOption(flag, raw, integer, min);
    if (typeof value === 'string') return io.usage(value);
    (options as Record<string, unknown>)[key] = value;
  }
  if (parsed.data !== undefined) options.data = parsed.data;
  if (parsed.cache !== undefined) options.cacheDir = parsed.cache;
  if (parsed.init !== undefined) options.init = parsed.init;
  if (options.data === undefined) return io.usage(`preset '${presetName}' needs --data DIR (an image folder)`);
  if (parsed.mode !== undefined) {
    if (parsed.mode !== 'binary' && parsed.mode !== 'multi') return io.usage(`--mode must be binary or multi, got '${parsed.mode}'`);
    options.mode = parsed.mode;
  }
  if (parsed.schedule !== undefined) {
    if (parsed.schedule !== 'constant' && parsed.schedule !== 'cosine') {
      return io.usage(`--schedule must be constant or cosine, got '${parsed.schedule}'`);
    }
    options.schedule = parsed.schedule;
  }
  if (parsed.filters !== undefined) {
    const list = positiveIntList('filters', parsed.filters);
    if (typeof list === 'string') return io.usage(list);
    const stages = resolveCscCtrlArgs({preset: options.preset}).filters.length;
    if (list.length !== stages) {
      return io.usage(`--filters must be ${stages} numbers of atoms, one per stage of the '${presetName}' preset, got '${parsed.filters}'`);
    }
    options.filters = list;
  }
  if (parsed.tied) options.tied = true;
  if (parsed.flip) options.flip = true;
  if (parsed['shared-statistics']) options.sharedStatistics = true;
  if (parsed['no-encoder-batch-norm']) options.encoderBatchNorm = false;
  if (parsed['moving-statistics'] !== undefined) {
    const value = parsed['moving-statistics'];
    if (value !== 'real' && value !== 'all') return io.usage(`--moving-statistics must be real or all, got '${value}'`);
    options.movingStatistics = value;
  }
  if (parsed.features !== undefined) {
    if (parsed.features !== 'sparse' && parsed.features !== 'linear') {
      return io.usage(`--features must be sparse or linear, got '${parsed.features}'`);
    }
    options.features = parsed.features;
  }
  let maxRounds: number | undefined;
  if (parsed['max-rounds'] !== undefined) {
    const value = numberOption('max-rounds', parsed['max-rounds'], true, 1);
    if (typeof value === 'string') return io.usage(value);
    maxRounds = value;
  }
  let stop = signal;
  if (parsed['max-minutes'] !== undefined) {
    const minutes = numberOption('max-minutes', parsed['max-minutes'], false, 0);
    if (typeof minutes === 'string') return io.usage(minutes);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), minutes * 60000);
    timer.unref();
    signal?.addEventListener('abort', () => controller.abort());
    stop = controller.signal;
  }
  const dir = parsed.out ?? path.join('out', presetName);
  try {
    await setBackend(parsed.backend);
    const logFile = path.join(dir, 'log.jsonl');
    let bar: SingleBar | undefined;
    let started = Date.now();
    let firstStep = 0;
    let batchSize = 0;
    if (parsed.resume && parsed['resume-or-start']) return io.usage('give --resume or --resume-or-start, not both');
    const result = await trainCscCtrl(dir, options, parsed['resume-or-start'] ? 'or-start' : parsed.resume === true, {
      signal: stop, maxRounds, warn: io.err,
      onStart: ({totalRounds, position, resumed, dataset}) => {
        firstStep = position.step;
        started = Date.now();
        io.out(`${resumed ? 'resuming' : 'training'} ${presetName} on ${dataset.name} (${dataset.count} images) ` +
               `in ${dir}: round ${position.step} of ${totalRounds}`);
        if (io.progress) {
          // Without a terminal (logs, CI) the bar is printed as a line every 10 s.
          bar = new SingleBar({
            format: 'epoch {epoch} |{bar}| {value}/{total} rounds | {speed} img/s | ETA {eta_formatted} | {terms}',
            etaBuffer: 20, hideCursor: io.progress.isTTY, noTTYOutput: !io.progress.isTTY, notTTYSchedule: 10000,
            stream: io.progress,
          });
          bar.start(totalRounds, position.step, {epoch: position.epoch + 1, speed: '-', terms: ''});
        }
      },
      onRound: (log, position) => {
        batchSize = options.batchSize ?? 0;
        const seconds = (Date.now() - started) / 1000;
        appendFileSync(logFile, JSON.stringify({...log, epoch: position.epoch, time: new Date().toISOString()}) + '\n');
        bar?.update(log.step, {
          epoch: position.epoch + 1,
          speed: ((log.step - firstStep) * (batchSize || 0) / seconds).toFixed(1),
          terms: `enc ${terms(log.encoder)} | dec ${terms(log.decoder)}`,
        });
      },
      onCheckpoint: curvesAtCheckpoints(dir, io.err),
    });
    bar?.stop();
    const {options: run, position} = result;
    const seconds = (Date.now() - started) / 1000;
    io.out(`${result.finished ? 'finished' : 'stopped'} at round ${position.step} (epoch ${position.epoch}, ` +
           `batch ${position.batchInEpoch}) after ${seconds.toFixed(0)} s, ` +
           `${((position.step - firstStep) * run.batchSize / Math.max(seconds, 1e-9)).toFixed(1)} images/s; ` +
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
