/**
 * Checkpoints of a closed-loop run: both models, both optimizers' state, the round count and
 * the position in the data, so that a resumed run continues exactly where the saved one was.
 *
 * Layout of a run directory:
 *
 *     latest.json                 {"checkpoint": "ckpt-000120"}, replaced atomically
 *     ckpt-000120/encoder/        model.json + weights (tfjs layers format)
 *     ckpt-000120/decoder/
 *     ckpt-000120/optimizers.bin  both optimizers' weights, one binary
 *     ckpt-000120/state.json      round, epoch, batch, run options, optimizer weight specs, Adam's β powers
 *
 * A checkpoint is built in a temporary folder (`ckpt-000120.<pid>.<ms>.tmp`), renamed to a name
 * that nothing uses (`ckpt-000120`, or `ckpt-000120.1`, … when a resumed run saves the round that
 * `latest.json` already names), and only then published by replacing `latest.json`; every rename
 * is followed by a sync of its folder. What `latest.json` names is never removed or rewritten:
 * the other checkpoints are removed after it is replaced, and temporaries whose writer is gone
 * at the next save. A kill at any moment, and any number of kills in a row, leave a readable
 * checkpoint named by `latest.json`.
 */
import * as tf from '@tensorflow/tfjs';
// Every sparseland layer class registered, so that any checkpoint's models load.
import '../../layers';
import {loadTiedTo} from '../../layers/csc_decoder';
import {existsSync, promises as fs} from 'fs';
import * as path from 'path';
import {removeStaleTemporaries, syncDirectory, temporaryName, writeFileAtomic} from '../io/atomic_write';
import {registerFileSystem} from '../io/file_system';
import {ClosedLoopTrainer, TrainerState} from './closed_loop';

/** Where a run is in its data and what it was started with. */
export interface RunPosition {
  /** Rounds completed. */
  round: number;
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

/** The rounds completed of a state file (named `step` in checkpoints written before `round`). */
function roundOf(state: RunPosition & {step?: number}): number {
  return state.round ?? state.step!;
}

interface StateFile<Options> extends RunPosition {
  format: 'sparseland-ctrl-checkpoint';
  options: Options;
  optimizerSpecs: {encoder: tf.io.WeightsManifestEntry[]; decoder: tf.io.WeightsManifestEntry[]};
  /** Adam's running products `β₁^t`, `β₂^t` of both optimizers (absent in older checkpoints). */
  betaPowers?: TrainerState['betaPowers'];
}

const LATEST = 'latest.json';
const CHECKPOINT = /^ckpt-\d{6}(\.\d+)?$/;

/** Saves a checkpoint of `trainer` at `position` into the run directory `dir`; returns its path. */
export async function saveCheckpoint<Options>(dir: string, trainer: ClosedLoopTrainer, position: RunPosition,
                                              options: Options): Promise<string> {
  registerFileSystem();
  await fs.mkdir(dir, {recursive: true});
  await sweepCheckpoints(dir);
  const base = `ckpt-${String(position.round).padStart(6, '0')}`;
  let name = base;
  for (let n = 1; existsSync(path.join(dir, name)); n++) name = `${base}.${n}`;
  const building = temporaryName(path.join(dir, name));
  await fs.mkdir(building);
  await trainer.encoder.save(`file://${path.join(building, 'encoder')}`);
  await trainer.decoder.save(`file://${path.join(building, 'decoder')}`);
  const state = await trainer.getState();
  const encoded = [state.encoderOptimizer, state.decoderOptimizer].map((w) => tf.io.encodeWeights(w));
  const [encoder, decoder] = await Promise.all(encoded);
  const bytes = new Uint8Array(encoder.data.byteLength + decoder.data.byteLength);
  bytes.set(new Uint8Array(encoder.data), 0);
  bytes.set(new Uint8Array(decoder.data), encoder.data.byteLength);
  await writeFileAtomic(path.join(building, 'optimizers.bin'), bytes);
  const file: StateFile<Options> = {
    format: 'sparseland-ctrl-checkpoint', ...position, options,
    optimizerSpecs: {encoder: encoder.specs, decoder: decoder.specs}, betaPowers: state.betaPowers,
  };
  await writeFileAtomic(path.join(building, 'state.json'), JSON.stringify(file, null, 1));
  // getState() returns the optimizers' own moment variables, and a new scalar for each round count.
  tf.dispose([state.encoderOptimizer[0].tensor, state.decoderOptimizer[0].tensor]);
  const target = path.join(dir, name);
  await fs.rename(building, target);
  await syncDirectory(dir);
  await writeFileAtomic(path.join(dir, LATEST), JSON.stringify({checkpoint: name}));
  await removeStaleTemporaries(dir, (entry) => CHECKPOINT.test(entry) && entry !== name);
  return target;
}

/**
 * Removes from the run directory `dir` the checkpoints that `latest.json` does not name and the
 * temporaries of writers that are gone (what a kill during a save left).
 */
export async function sweepCheckpoints(dir: string): Promise<void> {
  const published = await latestName(dir);
  await removeStaleTemporaries(dir, (entry) => CHECKPOINT.test(entry) && entry !== published);
}

/** Whether `dir` holds a checkpoint. */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(path.join(dir, LATEST));
}

/** Reads and parses a JSON file of a checkpoint; errors name the file. */
async function readJson<T>(file: string): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`loadCheckpoint: cannot read '${file}': ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`loadCheckpoint: '${file}' is not valid JSON (${(e as Error).message})`);
  }
}

/** The checkpoint `latest.json` names in `dir`, if there is one. */
async function latestName(dir: string): Promise<string | undefined> {
  if (!hasCheckpoint(dir)) return undefined;
  const file = path.join(dir, LATEST);
  const {checkpoint} = await readJson<{checkpoint?: unknown}>(file);
  if (typeof checkpoint !== 'string' || !CHECKPOINT.test(checkpoint)) {
    throw new Error(`loadCheckpoint: '${file}' names no checkpoint folder (got ${JSON.stringify(checkpoint)})`);
  }
  return checkpoint;
}

/** The latest checkpoint's folder and state file. */
async function latest<Options>(dir: string): Promise<{source: string; state: StateFile<Options>}> {
  const name = await latestName(dir);
  if (name === undefined) throw new Error(`loadCheckpoint: no checkpoint in '${dir}' (${LATEST} is missing)`);
  const source = path.join(dir, name);
  const state = await readJson<StateFile<Options>>(path.join(source, 'state.json'));
  if (state.format !== 'sparseland-ctrl-checkpoint') {
    throw new Error(`loadCheckpoint: '${source}/state.json' is not a sparseland checkpoint`);
  }
  return {source, state};
}

async function loadModels<Options>(source: string, state: StateFile<Options>): Promise<CheckpointModels<Options>> {
  registerFileSystem();
  const encoder = await tf.loadLayersModel(`file://${path.join(source, 'encoder', 'model.json')}`);
  const decoder = await loadTiedTo(encoder, () => tf.loadLayersModel(`file://${path.join(source, 'decoder', 'model.json')}`));
  return {encoder, decoder, options: state.options, round: roundOf(state), epoch: state.epoch,
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
  const expected = split + size(state.optimizerSpecs.decoder);
  if (bytes.byteLength !== expected) {
    throw new Error(`loadCheckpoint: '${path.join(source, 'optimizers.bin')}' has ${bytes.byteLength} bytes, ` +
                    `its state.json describes ${expected}`);
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const decode = (from: number, to: number, specs: tf.io.WeightsManifestEntry[]) =>
    Object.entries(tf.io.decodeWeights(buffer.slice(from, to), specs)).map(([name, tensor]) => ({name, tensor}));
  return {
    ...models,
    trainerState: {
      round: roundOf(state),
      encoderOptimizer: decode(0, split, state.optimizerSpecs.encoder),
      decoderOptimizer: decode(split, bytes.byteLength, state.optimizerSpecs.decoder),
      ...(state.betaPowers ? {betaPowers: state.betaPowers} : {}),
    },
  };
}
