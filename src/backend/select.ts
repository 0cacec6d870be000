/**
 * Backend choice. `setBackend()` picks, in order: an explicit argument, the environment variable
 * `SPARSELAND_BACKEND` (Node), then the first that loads of the environment's list. In Node:
 * `tensorflow` (from `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`), `wasm` (with
 * sparseland's kernels, and XNNPACK on every core up to 8 unless `SPARSELAND_WASM_THREADS` sets
 * the count), `cpu`. In a page: `webgpu`, `webgl`, `wasm`, `cpu`, each where the page has loaded
 * it (`tf.min.js` brings webgl and cpu, `tf-backend-wasm.min.js` wasm, `tf-backend-webgpu.min.js`
 * webgpu). The choice is logged once, with the thread count for wasm.
 */
import * as tf from '@tensorflow/tfjs';
import {getThreadsCount} from '@tensorflow/tfjs-backend-wasm';
import {environmentVariable, isNode, logLine} from '../util/environment';
import {registerWasmKernels} from './wasm';

export type BackendName = 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** The backends Node can run, in the order tried when none is named. */
export const NODE_BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
/** The backends a page can run, in the order tried when none is named. */
export const PAGE_BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** The backends tried, in order, when none is named. */
export function defaultBackends(): readonly BackendName[] {
  return isNode() ? NODE_BACKENDS : PAGE_BACKENDS;
}

/**
 * What makes a backend ready before `tf.setBackend` (false: it cannot load here). The Node entry
 * adds its own (`sparseland/node`: tfjs-node's `tensorflow`, threaded wasm).
 */
export type Preparer = () => Promise<boolean>;
const preparers = new Map<BackendName, Preparer>([
  ['wasm', async () => {
    registerWasmKernels();
    return true;
  }],
]);

/** Replaces how `name` is made ready before it is set (used by the Node entry). */
export function setBackendPreparer(name: BackendName, prepare: Preparer): void {
  preparers.set(name, prepare);
}

let logged: string | null = null;

async function activate(name: BackendName): Promise<boolean> {
  const prepare = preparers.get(name);
  if (prepare ? !(await prepare()) : tf.findBackendFactory(name) == null) return false;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

export interface SetBackendOptions {
  /** Log the choice (stderr in Node, the console in a page; once per backend). Default true. */
  log?: boolean;
}

/**
 * Chooses and initialises the backend; resolves to its name. With `name` (or
 * `SPARSELAND_BACKEND`) set, that backend must load or this rejects with the reason.
 */
export async function setBackend(name?: string, options: SetBackendOptions = {}): Promise<BackendName> {
  const requested = name ?? environmentVariable('SPARSELAND_BACKEND') ?? undefined;
  if (requested !== undefined && requested !== '' && !BACKEND_NAMES.includes(requested as BackendName)) {
    const source = name !== undefined ? 'name' : 'SPARSELAND_BACKEND';
    throw new Error(`setBackend: ${source} must be one of ${BACKEND_NAMES.map((n) => `'${n}'`).join(', ')}, ` +
                    `got '${requested}'`);
  }
  const order = requested ? [requested as BackendName] : defaultBackends();
  for (const candidate of order) {
    if (await activate(candidate)) {
      await tf.ready();
      if ((options.log ?? true) && logged !== candidate) {
        const threads = candidate === 'wasm' ? ` (${getThreadsCount()} thread${getThreadsCount() > 1 ? 's' : ''})` : '';
        logLine(`sparseland: using the '${candidate}' backend${threads}`);
        logged = candidate;
      }
      return candidate;
    }
  }
  throw new Error(`setBackend: the '${requested}' backend could not be initialised` + hint(requested as BackendName));
}

/** What to load for a backend that could not be initialised. */
function hint(name: BackendName): string {
  switch (name) {
    case 'tensorflow': return isNode() ? ' (install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu)' : ' (Node only)';
    case 'webgpu': return isNode() ? ' (browsers only)' : ' (load tf-backend-webgpu.min.js, in a browser that offers WebGPU)';
    case 'webgl': return isNode() ? ' (browsers only)' : ' (this browser offers no WebGL)';
    default: return '';
  }
}
