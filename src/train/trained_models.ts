/**
 * A trained CSC-CTRL encoder/decoder pair named by where it lies: a run directory (its final
 * models, else its latest checkpoint) or `pretrained:NAME`. `sparseland eval` evaluates one;
 * a run started with `init` takes its weights.
 */
import * as tf from '@tensorflow/tfjs';
// Every sparseland layer class registered, so that any checkpoint's models load.
import '../../layers';
import {loadTiedTo} from '../../layers/csc_decoder';
import {existsSync, readFileSync} from 'fs';
import * as path from 'path';
import {load} from '../pretrained/node';
import {hasCheckpoint, loadCheckpointModels} from './checkpoint';

/** The prefix that names a shipped pretrained model instead of a directory. */
export const PRETRAINED = 'pretrained:';

export interface TrainedModels {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  /** The data the models were trained on, where recorded. */
  data?: string;
  /** Where that run cached its folder shards, and their size, where recorded. */
  cacheDir?: string;
  shardSize?: number;
}

/** Loads the models of a run directory (final models, else the latest checkpoint) or of `pretrained:NAME`. */
export async function loadTrainedModels(source: string): Promise<TrainedModels> {
  if (source.startsWith(PRETRAINED)) {
    const name = source.slice(PRETRAINED.length);
    const loaded = await load(name);
    if (!('encoder' in loaded)) {
      loaded.model.dispose();
      if ('dictionary' in loaded) loaded.dictionary.dispose();
      throw new Error(`'${source}' is a ${'dictionary' in loaded ? 'sparse coder' : 'classifier'}, not a CSC-CTRL autoencoder`);
    }
    return {encoder: loaded.encoder, decoder: loaded.decoder, data: loaded.info.data as string | undefined};
  }
  const meta = path.join(source, 'run.json');
  type Recorded = {data?: string; cacheDir?: string; shardSize?: number};
  const {data, cacheDir, shardSize}: Recorded = existsSync(meta) ? JSON.parse(readFileSync(meta, 'utf8')) as Recorded : {};
  if (existsSync(path.join(source, 'encoder', 'model.json')) && existsSync(path.join(source, 'decoder', 'model.json'))) {
    const encoder = await tf.loadLayersModel(`file://${path.resolve(source, 'encoder', 'model.json')}`);
    const decoder = await loadTiedTo(encoder, () => tf.loadLayersModel(`file://${path.resolve(source, 'decoder', 'model.json')}`));
    return {encoder, decoder, data, cacheDir, shardSize};
  }
  if (hasCheckpoint(source)) {
    const checkpoint = await loadCheckpointModels<Recorded>(source);
    return {encoder: checkpoint.encoder, decoder: checkpoint.decoder, data: data ?? checkpoint.options.data,
            cacheDir: cacheDir ?? checkpoint.options.cacheDir, shardSize: shardSize ?? checkpoint.options.shardSize};
  }
  throw new Error(`no models in '${source}' (expected encoder/ and decoder/, or a checkpoint)`);
}

/**
 * Copies every weight of `from` into `to` (trainable ones, batch-normalisation statistics and
 * the power iteration's vectors alike), after checking that the two models have the same
 * weights in the same order and shapes; `what` names the source in the error.
 */
export function copyWeights(from: tf.LayersModel, to: tf.LayersModel, what: string): void {
  const source = from.weights;
  const target = to.weights;
  if (source.length !== target.length) {
    throw new Error(`${what} has ${source.length} weights where the model has ${target.length}`);
  }
  target.forEach((w, i) => {
    const s = source[i];
    if (s.shape.join() !== w.shape.join()) {
      throw new Error(`${what}: weight ${i} ('${s.originalName}') has shape [${s.shape}] where the model's ` +
                      `'${w.originalName}' has [${w.shape}]`);
    }
  });
  to.setWeights(from.getWeights());
}
