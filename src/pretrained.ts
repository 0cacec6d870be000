/**
 * Pretrained models shipped in the package's `pretrained/` folder, loaded with one call:
 *
 *     const {encoder, decoder, info} = await sl.pretrained.load('mnist-csc-ctrl');
 *
 * Each model is a folder `pretrained/<name>/` with `encoder/` and `decoder/` (tfjs layers
 * format) and `info.json` (how it was trained and its evaluation, with the commands).
 */
import * as tf from '@tensorflow/tfjs';
// Every sparseland layer class registered, so that the models load.
import '../layers';
import {loadTiedTo} from '../layers/csc_decoder';
import {existsSync, readdirSync, readFileSync} from 'fs';
import * as path from 'path';
import {FileSystemHandler} from './io/file_system';
import * as v from './util/validate';

export interface PretrainedInfo {
  /** What the model is. */
  description: string;
  /** The command that trained it. */
  command: string;
  /** Its evaluation (`sparseland eval`) and the command that produced it. */
  evaluation: Record<string, unknown>;
  [key: string]: unknown;
}

export interface PretrainedModel {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  info: PretrainedInfo;
}

/** The package's `pretrained/` folder (found from this file, in `src/` or in the build's `dist/src/`). */
export function pretrainedDir(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as {name?: string}).name === 'sparseland') {
      return path.join(dir, 'pretrained');
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`pretrained: the sparseland package folder was not found above ${__dirname}`);
    dir = parent;
  }
}

/** The names of the shipped pretrained models. */
export function available(): string[] {
  const dir = pretrainedDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => existsSync(path.join(dir, name, 'info.json'))).sort();
}

/** Reads a model's `info.json`, naming the file if it is missing or not JSON. */
function readInfo(file: string): PretrainedInfo {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`pretrained.load: cannot read '${file}': ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as PretrainedInfo;
  } catch (e) {
    throw new Error(`pretrained.load: '${file}' is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Loads a pretrained encoder/decoder pair (the encoder first, so that a tied decoder finds its
 * stages), through {@link FileSystemHandler} and its checks even where tfjs-node handles `file://`.
 */
export async function load(name: string): Promise<PretrainedModel> {
  const names = available();
  if (!names.includes(name)) v.reject('pretrained.load', 'name', `one of ${names.map((n) => `'${n}'`).join(', ')}`, name);
  const dir = path.join(pretrainedDir(), name);
  const info = readInfo(path.join(dir, 'info.json'));
  const encoder = await tf.loadLayersModel(new FileSystemHandler(path.join(dir, 'encoder', 'model.json')));
  const decoder = await loadTiedTo(encoder, () => tf.loadLayersModel(new FileSystemHandler(path.join(dir, 'decoder', 'model.json'))));
  return {encoder, decoder, info};
}
