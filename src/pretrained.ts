/**
 * Pretrained models shipped in the package's `pretrained/` folder, loaded with one call:
 *
 *     const {encoder, decoder, info} = await sl.pretrained.load('mnist-csc-ctrl');
 *     const {model, dictionary, info} = await sl.pretrained.load('alista-250x500');
 *     const {model, info} = await sl.pretrained.load('ml-csc-mnist-cnn');
 *
 * Each model is a folder `pretrained/<name>/` with `info.json` (how it was trained and its
 * evaluation, with the commands) and either `encoder/` and `decoder/` (an autoencoder, tfjs
 * layers format) or `model/` (a sparse coder or a classifier), a sparse coder with
 * `dictionary.bin` (the float32 dictionary, row-major, shape in `info.json`) where the model does
 * not hold its dictionary as a weight.
 */
import * as tf from '@tensorflow/tfjs';
// Every sparseland layer class registered, so that the models load.
import '../layers';
import {loadTiedTo} from '../layers/csc_decoder';
import {Lista} from '../layers/lista';
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

/** A pretrained autoencoder: features `encoder(x)`, reconstructions `decoder(features)`. */
export interface PretrainedAutoencoder {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  info: PretrainedInfo;
}

/** A pretrained sparse coder: `model` maps measurements `y [batch, M]` to codes `x̂ [batch, N]` for `y ≈ A x`. */
export interface PretrainedCoder {
  model: tf.LayersModel;
  /** The dictionary `A` (`[M, N]`) the model was trained for. */
  dictionary: tf.Tensor2D;
  info: PretrainedInfo;
}

/** The shipped sparse coders (test/pretrained.test.ts checks both lists against the folders). */
export const PRETRAINED_CODERS = ['alista-250x500', 'lista-cpss-250x500'] as const;
export type PretrainedCoderName = typeof PRETRAINED_CODERS[number];

/** A pretrained classifier: `model` maps images to class probabilities. */
export interface PretrainedClassifier {
  model: tf.LayersModel;
  info: PretrainedInfo;
}

/** The shipped classifiers: digits `[batch, 28, 28, 1]` in [0, 1] → class probabilities `[batch, 10]`. */
export const PRETRAINED_CLASSIFIERS = ['ml-csc-mnist-cnn'] as const;
export type PretrainedClassifierName = typeof PRETRAINED_CLASSIFIERS[number];

/** The shipped autoencoders. */
export const PRETRAINED_AUTOENCODERS = ['mnist-csc-ctrl'] as const;
export type PretrainedAutoencoderName = typeof PRETRAINED_AUTOENCODERS[number];

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
 * Loads a pretrained model by name (see {@link available}), through {@link FileSystemHandler}
 * and its checks even where tfjs-node handles `file://`: an autoencoder (the encoder first, so
 * that a tied decoder finds its stages) or a sparse coder with its dictionary.
 */
export async function load(name: PretrainedAutoencoderName): Promise<PretrainedAutoencoder>;
export async function load(name: PretrainedCoderName): Promise<PretrainedCoder>;
export async function load(name: PretrainedClassifierName): Promise<PretrainedClassifier>;
export async function load(name: string): Promise<PretrainedAutoencoder | PretrainedCoder | PretrainedClassifier>;
export async function load(name: string): Promise<PretrainedAutoencoder | PretrainedCoder | PretrainedClassifier> {
  const names = available();
  if (!names.includes(name)) v.reject('pretrained.load', 'name', `one of ${names.map((n) => `'${n}'`).join(', ')}`, name);
  const dir = path.join(pretrainedDir(), name);
  const info = readInfo(path.join(dir, 'info.json'));
  const modelFile = (folder: string) => new FileSystemHandler(path.join(dir, folder, 'model.json'));
  if (existsSync(path.join(dir, 'model'))) {
    const model = await tf.loadLayersModel(modelFile('model'));
    if ((PRETRAINED_CLASSIFIERS as readonly string[]).includes(name)) return {model, info};
    return {model, dictionary: coderDictionary(dir, model, info), info};
  }
  const encoder = await tf.loadLayersModel(modelFile('encoder'));
  const decoder = await loadTiedTo(encoder, () => tf.loadLayersModel(modelFile('decoder')));
  return {encoder, decoder, info};
}

/** A coder's dictionary: `dictionary.bin` (shape `info.dictionaryShape`) if shipped, else the model's weight `A`. */
function coderDictionary(dir: string, model: tf.LayersModel, info: PretrainedInfo): tf.Tensor2D {
  const file = path.join(dir, 'dictionary.bin');
  if (existsSync(file)) {
    const shape = info.dictionaryShape as [number, number] | undefined;
    const bytes = readFileSync(file);
    if (!Array.isArray(shape) || bytes.byteLength !== 4 * shape[0] * shape[1]) {
      throw new Error(`pretrained.load: '${file}' holds ${bytes.byteLength} bytes, not the 4·M·N of info.json's ` +
                      `dictionaryShape ${JSON.stringify(shape)}`);
    }
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return tf.tensor2d(values, shape);
  }
  const layer = model.layers[0];
  const held = layer instanceof Lista ? layer.fixedDictionary : undefined;
  if (!held) throw new Error(`pretrained.load: the model in '${dir}' holds no dictionary 'A' and there is no dictionary.bin`);
  return held.clone();
}
