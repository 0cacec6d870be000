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
import {writeFileAtomic} from './atomic_write';

const SCHEME = 'file://';
const MODEL_JSON = 'model.json';
const WEIGHTS_FILE = /^weights\.[0-9a-f]{16}\.bin$/;
const TEMPORARY = /^(model\.json|weights\.[0-9a-f]{16}\.bin)\.\d+\.\d+\.tmp$/;

function concatBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  return Array.isArray(data)
    ? new Uint8Array(Buffer.concat(data.map((b) => Buffer.from(b))))
    : new Uint8Array(data);
}

/** An IOHandler that saves to and loads from a directory (`model.json` + weights file). */
export class FileSystemHandler implements tf.io.IOHandler {
  constructor(private readonly target: string) {}

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
    let text: string;
    try {
      text = await fs.readFile(jsonPath, 'utf8');
    } catch (e) {
      throw new Error(`file:// loading: cannot read '${jsonPath}': ${(e as Error).message}`);
    }
    const modelJson = JSON.parse(text) as tf.io.ModelJSON;
    const dir = path.dirname(jsonPath);
    return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of manifest) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(await fs.readFile(path.join(dir, p)));
      }
      const all = Buffer.concat(buffers);
      return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)];
    });
  }
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
