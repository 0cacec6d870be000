/**
 * Checkpoints of a closed-loop run: both models, both optimizers' moments, the round count and
 * the position in the data, so that a resumed run continues exactly where the saved one was.
 *
 * Layout of a run directory:
 *
 *     latest.json                 {"checkpoint": "ckpt-000120"}, replaced atomically
 *     ckpt-000120/encoder/        model.json + weights (tfjs layers format)
 *     ckpt-000120/decoder/
 *     ckpt-000120/optimizers.bin  both optimizers' weights, one binary
 *     ckpt-000120/state.json      round, epoch, batch, run options, optimizer weight specs
 *
 * A checkpoint directory is complete before `latest.json` names it, and older ones are removed
 * only afterwards: a kill at any moment leaves the previous or the new checkpoint readable.
 */
import * as tf from '@tensorflow/tfjs';
import {existsSync, promises as fs} from 'fs';
import * as path from 'path';
import {writeFileAtomic} from '../io/atomic_write';
import {registerFileSystem} from '../io/file_system';
import {ClosedLoopTrainer, TrainerState} from './closed_loop';

/** Where a run is in its data and what it was started with. */
export interface RunPosition {
  /** Rounds completed. */
  step: number;
  /** The epoch the next batch belongs to. */
  epoch: number;
  /** Batches of that epoch already used. */
  batchInEpoch: number;
}

export interface CheckpointModels<Options> extends RunPosition {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  /** The run's options, as given to {@link saveCheckpoint}. */
  options: Options;
}

export interface CheckpointContents<Options> extends CheckpointModels<Options> {
  /** Both optimizers' state, for {@link ClosedLoopTrainer.setState}. */
  trainerState: TrainerState;
}

interface StateFile<Options> extends RunPosition {
  format: 'sparseland-ctrl-checkpoint';
  options: Options;
  optimizerSpecs: {encoder: tf.io.WeightsManifestEntry[]; decoder: tf.io.WeightsManifestEntry[]};
}

const LATEST = 'latest.json';

/** Saves a checkpoint of `trainer` at `position` into the run directory `dir`; returns its path. */
export async function saveCheckpoint<Options>(dir: string, trainer: ClosedLoopTrainer, position: RunPosition,
                                              options: Options): Promise<string> {
  registerFileSystem();
  const name = `ckpt-${String(position.step).padStart(6, '0')}`;
  const target = path.join(dir, name);
  await fs.rm(target, {recursive: true, force: true});
  await fs.mkdir(target, {recursive: true});
  await trainer.encoder.save(`file://${path.join(target, 'encoder')}`);
  await trainer.decoder.save(`file://${path.join(target, 'decoder')}`);
  const state = await trainer.getState();
  const encoded = [state.encoderOptimizer, state.decoderOptimizer].map((w) => tf.io.encodeWeights(w));
  const [encoder, decoder] = await Promise.all(encoded);
  const bytes = new Uint8Array(encoder.data.byteLength + decoder.data.byteLength);
  bytes.set(new Uint8Array(encoder.data), 0);
  bytes.set(new Uint8Array(decoder.data), encoder.data.byteLength);
  await writeFileAtomic(path.join(target, 'optimizers.bin'), bytes);
  const file: StateFile<Options> = {
    format: 'sparseland-ctrl-checkpoint', ...position, options,
    optimizerSpecs: {encoder: encoder.specs, decoder: decoder.specs},
  };
  await writeFileAtomic(path.join(target, 'state.json'), JSON.stringify(file, null, 1));
  // getState() returns the optimizers' own moment variables, and a new scalar for each round count.
  tf.dispose([state.encoderOptimizer[0].tensor, state.decoderOptimizer[0].tensor]);
  await writeFileAtomic(path.join(dir, LATEST), JSON.stringify({checkpoint: name}));
  for (const entry of await fs.readdir(dir)) {
    if (entry.startsWith('ckpt-') && entry !== name) await fs.rm(path.join(dir, entry), {recursive: true, force: true});
  }
  return target;
}

/** Whether `dir` holds a checkpoint. */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(path.join(dir, LATEST));
}

/** The latest checkpoint's folder and state file. */
async function latest<Options>(dir: string): Promise<{source: string; state: StateFile<Options>}> {
  if (!hasCheckpoint(dir)) throw new Error(`loadCheckpoint: no checkpoint in '${dir}' (${LATEST} is missing)`);
  const {checkpoint} = JSON.parse(await fs.readFile(path.join(dir, LATEST), 'utf8')) as {checkpoint: string};
  const source = path.join(dir, checkpoint);
  const state = JSON.parse(await fs.readFile(path.join(source, 'state.json'), 'utf8')) as StateFile<Options>;
  if (state.format !== 'sparseland-ctrl-checkpoint') {
    throw new Error(`loadCheckpoint: '${source}/state.json' is not a sparseland checkpoint`);
  }
  return {source, state};
}

async function loadModels<Options>(source: string, state: StateFile<Options>): Promise<CheckpointModels<Options>> {
  registerFileSystem();
  const encoder = await tf.loadLayersModel(`file://${path.join(source, 'encoder', 'model.json')}`);
  const decoder = await tf.loadLayersModel(`file://${path.join(source, 'decoder', 'model.json')}`);
  return {encoder, decoder, options: state.options, step: state.step, epoch: state.epoch,
          batchInEpoch: state.batchInEpoch};
}

/**
 * The models, options and position of the latest checkpoint of the run directory `dir`, without
 * the optimizers' state (the encoder is loaded first, so that tied decoders find its stages).
 */
export async function loadCheckpointModels<Options>(dir: string): Promise<CheckpointModels<Options>> {
  const {source, state} = await latest<Options>(dir);
  return loadModels(source, state);
}

/** Loads the latest checkpoint of the run directory `dir`: {@link loadCheckpointModels} and both optimizers' state. */
export async function loadCheckpoint<Options>(dir: string): Promise<CheckpointContents<Options>> {
  const {source, state} = await latest<Options>(dir);
  const models = await loadModels(source, state);
  const bytes = await fs.readFile(path.join(source, 'optimizers.bin'));
  const size = (specs: tf.io.WeightsManifestEntry[]) =>
    specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  const split = size(state.optimizerSpecs.encoder);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const decode = (from: number, to: number, specs: tf.io.WeightsManifestEntry[]) =>
    Object.entries(tf.io.decodeWeights(buffer.slice(from, to), specs)).map(([name, tensor]) => ({name, tensor}));
  return {
    ...models,
    trainerState: {
      step: state.step,
      encoderOptimizer: decode(0, split, state.optimizerSpecs.encoder),
      decoderOptimizer: decode(split, bytes.byteLength, state.optimizerSpecs.decoder),
    },
  };
}
