/**
 * Backend choice. `setBackend()` picks, in order: an explicit argument, the environment variable
 * `SPARSELAND_BACKEND`, then the first that loads of `tensorflow` (from
 * `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`), `wasm` (with sparseland's
 * gradient kernels, and XNNPACK on every core up to 8 unless `SPARSELAND_WASM_THREADS` sets the
 * count), `cpu`. The choice is logged once, with the thread count for wasm.
 */
import * as tf from '@tensorflow/tfjs';
import {getThreadsCount} from '@tensorflow/tfjs-backend-wasm';
import {registerWasmKernels} from './wasm';
import {registerThreadedWasm, wasmThreads} from './wasm/threads';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
const NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

let logged: string | null = null;

function tryRequire(name: string): boolean {
  try {
    // Optional peers, loaded only when installed: a static import would make them required.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(name);
    return true;
  } catch {
    return false;
  }
}

async function activate(name: BackendName): Promise<boolean> {
  if (name === 'tensorflow') {
    if (tf.findBackendFactory('tensorflow') == null &&
        !tryRequire('@tensorflow/tfjs-node-gpu') && !tryRequire('@tensorflow/tfjs-node')) {
      return false;
    }
  }
  if (name === 'wasm') {
    registerWasmKernels();
    await registerThreadedWasm(wasmThreads());
  }
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

export interface SetBackendOptions {
  /** Log the choice to stderr (once per process and backend). Default true. */
  log?: boolean;
}

/**
 * Chooses and initialises the backend; resolves to its name. With `name` (or
 * `SPARSELAND_BACKEND`) set, that backend must load or this rejects with the reason.
 */
export async function setBackend(name?: string, options: SetBackendOptions = {}): Promise<BackendName> {
  const requested = name ?? process.env.SPARSELAND_BACKEND ?? undefined;
  if (requested !== undefined && requested !== '' && !NAMES.includes(requested as BackendName)) {
    const source = name !== undefined ? 'name' : 'SPARSELAND_BACKEND';
    throw new Error(`setBackend: ${source} must be one of ${NAMES.map((n) => `'${n}'`).join(', ')}, ` +
                    `got '${requested}'`);
  }
  const order = requested ? [requested as BackendName] : NAMES;
  for (const candidate of order) {
    if (await activate(candidate)) {
      await tf.ready();
      if ((options.log ?? true) && logged !== candidate) {
        const threads = candidate === 'wasm' ? ` (${getThreadsCount()} thread${getThreadsCount() > 1 ? 's' : ''})` : '';
        process.stderr.write(`sparseland: using the '${candidate}' backend${threads}\n`);
        logged = candidate;
      }
      return candidate;
    }
  }
  throw new Error(`setBackend: the '${requested}' backend could not be initialised` +
                  (requested === 'tensorflow'
                    ? ' (install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu)' : ''));
}
