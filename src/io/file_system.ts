/**
 * `file://` saving and loading of layers models on Node without `@tensorflow/tfjs-node`.
 *
 * Written by hand because tfjs ships this handler only inside tfjs-node, which needs a native
 * download. The layout is tfjs-node's (`model.json` beside a weights file), but the weights
 * file is named after its content hash and `model.json` is replaced by an atomic rename last,
 * so a kill at any moment leaves either the previous model or the new one, never a mixture.
 */
import * as tf from '@tensorflow/tfjs';
import {createHash} from 'crypto';
import {promises as fs} from 'fs';
import * as path from 'path';
import * as v from '../util/validate';
import {syncDirectory, temporaryName, writeFileAtomic} from './atomic_write';

const OWNER = 'FileSystemHandler';
const LOADING = 'file:// loading';
const SCHEME = 'file://';
const MODEL_JSON = 'model.json';
const WEIGHTS_FILE = /^weights\.[0-9a-f]{16}\.bin$/;
const TEMPORARY = /^(model\.json|weights\.[0-9a-f]{16}\.bin)\.\d+\.\d+\.tmp$/;
/** Bytes per element of each weight dtype as stored (string weights carry their own lengths). */
const DTYPE_BYTES: Readonly<Record<string, number>> = {float32: 4, int32: 4, complex64: 8, bool: 1, uint8: 1};
/** Bytes per element of each quantized storage dtype. */
const QUANTIZED_BYTES: Readonly<Record<string, number>> = {uint8: 1, uint16: 2, float16: 2};

function concatBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  return Array.isArray(data)
    ? new Uint8Array(Buffer.concat(data.map((b) => Buffer.from(b))))
    : new Uint8Array(data);
}

/** Reads and parses `model.json`, naming the file in every error. */
async function readModelJson(jsonPath: string): Promise<tf.io.ModelJSON> {
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch (e) {
    throw new Error(`${LOADING}: cannot read '${jsonPath}': ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${LOADING}: '${jsonPath}' is not valid JSON (${(e as Error).message}); ` +
                    'it may be truncated or not a model.json');
  }
  const topology = typeof parsed === 'object' && parsed !== null ? (parsed as {modelTopology?: unknown}).modelTopology : undefined;
  if (typeof topology !== 'object' || topology === null) {
    throw new Error(`${LOADING}: '${jsonPath}' has no modelTopology object; it is not a tfjs model.json`);
  }
  return parsed as tf.io.ModelJSON;
}

/** Whether `entry` is a string weight, whose stored length its shape does not fix. */
function isStringWeight(entry: tf.io.WeightsManifestEntry): boolean {
  return entry.dtype === 'string';
}

/** The bytes that weight `entry` takes in its file (not called for string weights). */
function weightBytes(jsonPath: string, entry: tf.io.WeightsManifestEntry): number {
  const {name, shape, dtype, quantization} = entry;
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new Error(`${LOADING}: '${jsonPath}' gives the weight '${name}' the shape ${JSON.stringify(shape)}, ` +
                    'not a list of non-negative integers');
  }
  const stored = quantization == null ? dtype : quantization.dtype;
  const bytes = (quantization == null ? DTYPE_BYTES : QUANTIZED_BYTES)[stored];
  if (bytes === undefined) {
    throw new Error(`${LOADING}: '${jsonPath}' gives the weight '${name}' the ${quantization == null ? '' : 'quantized '}` +
                    `dtype ${JSON.stringify(stored)}, which tfjs cannot read`);
  }
  return shape.reduce((a, b) => a * b, 1) * bytes;
}

/** How to load just the architecture of `jsonPath`, for the errors about missing weights. */
function architectureHint(jsonPath: string): string {
  return `to load the architecture alone, use tf.loadLayersModel(new sl.io.FileSystemHandler('${jsonPath}', {architectureOnly: true}))`;
}

/** Whether `group` has the form of a weights group: `{paths: string[], weights: object[]}`. */
function isGroup(group: unknown): boolean {
  if (typeof group !== 'object' || group === null) return false;
  const {paths, weights} = group as {paths?: unknown; weights?: unknown};
  return Array.isArray(paths) && paths.every((p) => typeof p === 'string') &&
         Array.isArray(weights) && weights.every((w) => typeof w === 'object' && w !== null);
}

/** Checks that `manifest` is a list of weight groups (`{paths, weights}`) and returns it. */
function checkManifest(jsonPath: string, manifest: unknown): tf.io.WeightsManifestConfig {
  if (manifest == null) {
    throw new Error(`${LOADING}: '${jsonPath}' has no weightsManifest, so its model would get random weights; ` +
                    architectureHint(jsonPath));
  }
  if (!Array.isArray(manifest) || !manifest.every(isGroup)) {
    throw new Error(`${LOADING}: '${jsonPath}' has a weightsManifest that is not a list of {paths, weights} groups`);
  }
  return manifest as tf.io.WeightsManifestConfig;
}

/** Whether `file` lies strictly inside `folder` (both absolute or both relative to the same place). */
function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

/** The error for a weights `file`, named by `jsonPath`, that cannot be read. */
function cannotRead(jsonPath: string, file: string, e: unknown): Error {
  return new Error(`${LOADING}: cannot read the weights file '${file}' that '${jsonPath}' names: ${(e as Error).message}`);
}

/**
 * The real path of the weights file `name` that `jsonPath` lists, after checking that it lies
 * inside the model's folder both as written and with symbolic links resolved.
 */
async function weightsFile(jsonPath: string, name: string): Promise<string> {
  const dir = path.dirname(jsonPath);
  const file = path.resolve(dir, name);
  const outside = () => new Error(`${LOADING}: '${jsonPath}' names the weights file '${name}', ` +
                                  `which is outside its folder '${dir}'`);
  if (path.isAbsolute(name) || !isInside(path.resolve(dir), file)) throw outside();
  let real: string;
  try {
    real = await fs.realpath(file);
  } catch (e) {
    throw cannotRead(jsonPath, file, e);
  }
  if (!isInside(await fs.realpath(dir), real)) throw outside();
  return real;
}

/**
 * Reads the weights files of `manifest`, group by group, checking that each group's files hold
 * exactly the bytes its weights need (groups with string weights excepted); returns the weight
 * specs and the bytes of all groups, in order.
 */
async function readWeights(jsonPath: string, manifest: tf.io.WeightsManifestConfig):
    Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of manifest) {
    const files = await Promise.all(group.paths.map((name) => weightsFile(jsonPath, name)));
    const data = await Promise.all(files.map(async (file) => {
      try {
        return await fs.readFile(file);
      } catch (e) {
        throw cannotRead(jsonPath, file, e);
      }
    }));
    if (!group.weights.some(isStringWeight)) {
      const expected = group.weights.reduce((sum, entry) => sum + weightBytes(jsonPath, entry), 0);
      const actual = data.reduce((sum, b) => sum + b.length, 0);
      if (actual !== expected) {
        const names = group.paths.map((p) => `'${p}'`).join(', ');
        throw new Error(`${LOADING}: the weights of '${jsonPath}' need ${expected} bytes, but ` +
                        `${files.length === 1 ? 'its weights file' : 'its weights files'} ${names} ` +
                        `${files.length === 1 ? 'holds' : 'hold'} ${actual} bytes (${actual < expected ? 'too short' : 'too long'})`);
      }
    }
    specs.push(...group.weights);
    buffers.push(...data);
  }
  const all = Buffer.concat(buffers);
  return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)];
}

/** `modelJson` without its weights manifest: the topology and metadata alone. */
function withoutWeights(modelJson: tf.io.ModelJSON): tf.io.ModelArtifacts {
  return tf.io.getModelArtifactsForJSONSync({...modelJson, weightsManifest: undefined} as unknown as tf.io.ModelJSON);
}

/** Options of a {@link FileSystemHandler}. */
export interface FileSystemHandlerOptions {
  /**
   * Load the topology alone, without reading any weights: the model gets fresh initial weights.
   * Needed for a `model.json` without a `weightsManifest`, which is otherwise an error. Default false.
   */
  architectureOnly?: boolean;
}

/**
 * An IOHandler that saves to and loads from a directory (`model.json` + weights file).
 *
 * Loading checks what `model.json` names before using it: every weights file must lie inside
 * the model's folder (symbolic links resolved), the files must hold exactly the bytes that the
 * manifest's weights need, and a model must have a `weightsManifest` (unless `architectureOnly` is
 * set), so that a damaged or foreign model is never loaded with random
 * or shifted weights.
 */
export class FileSystemHandler implements tf.io.IOHandler {
  private readonly architectureOnly: boolean;

  /**
   * @param target the model's folder, or its `model.json` (a path, not a `file://` URL)
   * @param options see {@link FileSystemHandlerOptions}
   */
  constructor(private readonly target: string, options: FileSystemHandlerOptions = {}) {
    if (typeof target !== 'string' || target === '') v.reject(OWNER, 'target', 'a model folder or model.json path', target);
    if (typeof options !== 'object' || options === null) v.reject(OWNER, 'options', 'an object', options);
    this.architectureOnly = v.bool(OWNER, 'architectureOnly', options.architectureOnly ?? false);
  }

  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new Error('file:// saving supports layers models (JSON topology) only');
    }
    const dir = this.target.endsWith(MODEL_JSON) ? path.dirname(this.target) : this.target;
    await fs.mkdir(dir, {recursive: true});
    const weights = artifacts.weightData == null
      ? new Uint8Array(0) : concatBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
    const hash = createHash('sha256').update(weights).digest('hex').slice(0, 16);
    const weightsName = `weights.${hash}.bin`;
    await writeFileAtomic(path.join(dir, weightsName), weights);
    const modelJson: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology as object,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      trainingConfig: artifacts.trainingConfig,
      userDefinedMetadata: artifacts.userDefinedMetadata,
      weightsManifest: [{paths: [weightsName], weights: artifacts.weightSpecs ?? []}],
    };
    await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
    // Remove what earlier (possibly killed) saves left: other weight files and temporaries.
    for (const name of await fs.readdir(dir)) {
      if ((WEIGHTS_FILE.test(name) && name !== weightsName) || TEMPORARY.test(name)) {
        await fs.rm(path.join(dir, name), {force: true});
      }
    }
    return {
      modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts),
    };
  }

  async load(): Promise<tf.io.ModelArtifacts> {
    const jsonPath = this.target.endsWith('.json') ? this.target : path.join(this.target, MODEL_JSON);
    const modelJson = await readModelJson(jsonPath);
    if (this.architectureOnly) return withoutWeights(modelJson);
    // A manifest that lists fewer weights than the model has is rejected by tfjs itself ('N of M weights are not set').
    const manifest = checkManifest(jsonPath, modelJson.weightsManifest);
    return tf.io.getModelArtifactsForJSON(modelJson, () => readWeights(jsonPath, manifest));
  }
}

/**
 * Saves `model` as the folder `dir/name`, replacing what is there: the model is written into a
 * temporary folder, the old one removed, and the new one renamed into place.
 */
export async function saveModelAtomic(model: tf.LayersModel, dir: string, name: string): Promise<void> {
  const target = path.join(dir, name);
  const building = temporaryName(target);
  await model.save(new FileSystemHandler(building));
  await fs.rm(target, {recursive: true, force: true});
  await fs.rename(building, target);
  await syncDirectory(dir);
}

/** Routes `file://` URLs here unless tfjs-node (backend 'tensorflow') provides its own. */
function router(url: string | string[]): tf.io.IOHandler | null {
  if (Array.isArray(url) || !url.startsWith(SCHEME)) return null;
  if (tf.findBackendFactory('tensorflow') != null) return null;
  return new FileSystemHandler(url.slice(SCHEME.length));
}

let registered = false;

/** Registers the `file://` routers once; called when sparseland is imported. */
export function registerFileSystem(): void {
  if (registered) return;
  registered = true;
  tf.io.registerSaveRouter(router as Parameters<typeof tf.io.registerSaveRouter>[0]);
  tf.io.registerLoadRouter(router as Parameters<typeof tf.io.registerLoadRouter>[0]);
}
