/**
 * Pretrained models, loaded with one call:
 *
 *     const {encoder, decoder, info} = await sl.pretrained.load('mnist-csc-ctrl', {from});
 *     const {model, dictionary, info} = await sl.pretrained.load('alista-250x500', {from});
 *     const {model, info} = await sl.pretrained.load('ml-csc-mnist-cnn', {from});
 *
 * `from` is where the package's `pretrained/` folder is served (a URL, `'/pretrained/'` in a page
 * served beside it); in Node it defaults to the installed package's folder. Each model is a
 * folder `<name>/` with `info.json` (how it was trained and its evaluation, with the commands)
 * and either `encoder/` and `decoder/` (an autoencoder, tfjs layers format) or `model/` (a sparse
 * coder or a classifier), a sparse coder with `dictionary.bin` (the float32 dictionary,
 * row-major, shape in `info.json`) where the model does not hold its dictionary as a weight.
 */
import * as tf from '@tensorflow/tfjs';
// Every sparseland layer class registered, so that the models load.
import '../../layers';
import {loadTiedTo} from '../../layers/csc_decoder';
import {Lista} from '../../layers/lista';
import * as v from '../util/validate';

const NAME = 'pretrained.load';

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

/** A pretrained classifier: `model` maps images to class probabilities. */
export interface PretrainedClassifier {
  model: tf.LayersModel;
  info: PretrainedInfo;
}

/** The shipped sparse coders (test/pretrained.test.ts checks the lists against the folders). */
export const PRETRAINED_CODERS = ['alista-250x500', 'lista-cpss-250x500'] as const;
export type PretrainedCoderName = typeof PRETRAINED_CODERS[number];

/** The shipped classifiers: digits `[batch, 28, 28, 1]` in [0, 1] → class probabilities `[batch, 10]`. */
export const PRETRAINED_CLASSIFIERS = ['ml-csc-mnist-cnn', 'ml-csc-mnist-lbp', 'ml-csc-mnist-ml-ista'] as const;
export type PretrainedClassifierName = typeof PRETRAINED_CLASSIFIERS[number];

/** The shipped autoencoders. */
export const PRETRAINED_AUTOENCODERS = ['mnist-csc-ctrl'] as const;
export type PretrainedAutoencoderName = typeof PRETRAINED_AUTOENCODERS[number];

/** The names of the shipped pretrained models. */
export function available(): string[] {
  return [...PRETRAINED_AUTOENCODERS, ...PRETRAINED_CODERS, ...PRETRAINED_CLASSIFIERS].sort();
}

/** Where a model's files are read from: a served `pretrained/` folder, or (Node) the package's. */
export interface PretrainedSource {
  /** Where the files are, for errors. */
  describe(file: string): string;
  /** The bytes of `file` (a path inside the `pretrained/` folder), or null where it does not exist. */
  read(file: string): Promise<Uint8Array | null>;
  /** What `tf.loadLayersModel` loads `file` (a `model.json`) from. */
  model(file: string): string | tf.io.IOHandler;
}

/** The `pretrained/` folder served at `base` (absolute, or relative to the page's address). */
export function urlSource(base: string): PretrainedSource {
  const location = (globalThis as {location?: {href: string}}).location?.href;
  let root: URL;
  try {
    root = new URL(base.endsWith('/') ? base : `${base}/`, location);
  } catch {
    return v.reject(NAME, 'from', 'a URL (absolute, or relative to the page)', base);
  }
  const url = (file: string) => new URL(file, root).href;
  return {
    describe: url,
    async read(file) {
      const response = await fetch(url(file));
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`${NAME}: '${url(file)}' answered ${response.status} ${response.statusText}`);
      return bytes;
    },
    model: url,
  };
}

export interface LoadOptions {
  /**
   * Where the package's `pretrained/` folder is: a URL (or a {@link PretrainedSource}). Required
   * in a page; in Node the default is the installed package's folder.
   */
  from?: string | PretrainedSource;
}

/** Reads `file` as JSON, naming it if it is missing or not JSON. */
async function readInfo(source: PretrainedSource, file: string): Promise<PretrainedInfo> {
  const bytes = await source.read(file);
  if (bytes === null) throw new Error(`${NAME}: cannot read '${source.describe(file)}'`);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as PretrainedInfo;
  } catch (e) {
    throw new Error(`${NAME}: '${source.describe(file)}' is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Loads a pretrained model by name (see {@link available}) from `options.from`: an autoencoder
 * (the encoder first, so that a tied decoder finds its stages), a sparse coder with its
 * dictionary, or a classifier.
 */
export async function load(name: PretrainedAutoencoderName, options?: LoadOptions): Promise<PretrainedAutoencoder>;
export async function load(name: PretrainedCoderName, options?: LoadOptions): Promise<PretrainedCoder>;
export async function load(name: PretrainedClassifierName, options?: LoadOptions): Promise<PretrainedClassifier>;
export async function load(name: string, options?: LoadOptions): Promise<PretrainedAutoencoder | PretrainedCoder | PretrainedClassifier>;
export async function load(name: string, options: LoadOptions = {}):
    Promise<PretrainedAutoencoder | PretrainedCoder | PretrainedClassifier> {
  const names = available();
  if (!names.includes(name)) v.reject(NAME, 'name', `one of ${names.map((n) => `'${n}'`).join(', ')}`, name);
  if (options.from === undefined) v.reject(NAME, 'options.from', "the URL of the package's pretrained/ folder", undefined);
  const source = typeof options.from === 'string' ? urlSource(options.from) : options.from;
  const info = await readInfo(source, `${name}/info.json`);
  const modelFile = (folder: string) => source.model(`${name}/${folder}/model.json`);
  if ((PRETRAINED_AUTOENCODERS as readonly string[]).includes(name)) {
    const encoder = await tf.loadLayersModel(modelFile('encoder'));
    const decoder = await loadTiedTo(encoder, () => tf.loadLayersModel(modelFile('decoder')));
    return {encoder, decoder, info};
  }
  const model = await tf.loadLayersModel(modelFile('model'));
  if ((PRETRAINED_CLASSIFIERS as readonly string[]).includes(name)) return {model, info};
  return {model, dictionary: await coderDictionary(source, name, model, info), info};
}

/** A coder's dictionary: `dictionary.bin` (shape `info.dictionaryShape`) if shipped, else the model's weight `A`. */
async function coderDictionary(source: PretrainedSource, name: string, model: tf.LayersModel,
                               info: PretrainedInfo): Promise<tf.Tensor2D> {
  const file = `${name}/dictionary.bin`;
  const bytes = await source.read(file);
  if (bytes !== null) {
    const shape = info.dictionaryShape as [number, number] | undefined;
    if (!Array.isArray(shape) || bytes.byteLength !== 4 * shape[0] * shape[1]) {
      throw new Error(`${NAME}: '${source.describe(file)}' holds ${bytes.byteLength} bytes, not the 4·M·N of info.json's ` +
                      `dictionaryShape ${JSON.stringify(shape)}`);
    }
    return tf.tensor2d(new Float32Array(bytes.slice().buffer), shape);
  }
  const layer = model.layers[0];
  const held = layer instanceof Lista ? layer.fixedDictionary : undefined;
  if (!held) throw new Error(`${NAME}: the model '${name}' holds no dictionary 'A' and there is no dictionary.bin`);
  return held.clone();
}
