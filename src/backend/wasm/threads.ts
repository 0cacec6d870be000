/**
 * Multithreaded wasm in Node. The stock backend runs single-threaded there, because it starts
 * its pthread workers from blob URLs, which Node's `worker_threads` cannot load. This loader
 * builds the backend from `tfjs-backend-wasm-threaded-simd` with the worker script and the
 * main script given as files, and registers it as `'wasm'` before that backend is first
 * initialised. Any failure (no SharedArrayBuffer, a worker that does not start within the
 * time limit, fewer than two threads) leaves the stock single-threaded SIMD backend in place.
 * The workers are unreferenced, so they never keep the process alive.
 */
import * as tf from '@tensorflow/tfjs';
import {BackendWasm, setThreadsCount} from '@tensorflow/tfjs-backend-wasm';
import {existsSync, readFileSync, writeFileSync} from 'fs';
import os from 'os';
import * as path from 'path';

/** Most XNNPACK threads used by default. */
const MAX_DEFAULT_THREADS = 8;

/**
 * XNNPACK threads for the wasm backend: `SPARSELAND_WASM_THREADS` when set (1 keeps the stock
 * single-threaded backend), else the machine's cores, at most 8.
 */
export function wasmThreads(): number {
  const value = process.env.SPARSELAND_WASM_THREADS;
  if (value === undefined || value === '') {
    return Math.min(MAX_DEFAULT_THREADS, os.availableParallelism?.() ?? os.cpus().length);
  }
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`SPARSELAND_WASM_THREADS must be a positive integer, got '${value}'`);
  }
  return threads;
}

/** Longest wait for the threaded module and its workers to start. */
const START_TIMEOUT_MS = 10000;

interface Worker {
  unref(): void;
  terminate(): void;
}

interface ThreadedModule {
  cwrap(name: string, returns: string | null, args: string[]): (...a: unknown[]) => unknown;
  tfjs: object;
  PThread?: {unusedWorkers: Worker[]; runningWorkers: Worker[]; terminateAllThreads?(): void};
}

type Factory = (config: object) => Promise<ThreadedModule>;

function workers(module: {PThread?: ThreadedModule['PThread']}): Worker[] {
  const p = module.PThread;
  return p == null ? [] : [...p.unusedWorkers, ...p.runningWorkers];
}

/**
 * The pthread worker script as a file: the package ships it as a string export
 * (`wasmWorkerContents`) for the blob URL, so it is written once to the temporary directory.
 */
function workerScript(dir: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const {wasmWorkerContents} = require(path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as
    {wasmWorkerContents: string};
  const file = path.join(os.tmpdir(), `sparseland-tfjs-wasm-${tf.version_core}-${process.getuid?.() ?? 0}.worker.js`);
  // As for the blob: the string's newlines stand for `\n` escapes inside string literals.
  const script = wasmWorkerContents.replace(/\n/g, '\\n');
  if (!existsSync(file) || readFileSync(file, 'utf8') !== script) writeFileSync(file, script);
  return file;
}

/** Resolves to the threaded module, or rejects after `START_TIMEOUT_MS`. */
async function loadThreadedModule(threads: number): Promise<ThreadedModule> {
  const main = require.resolve(
    '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const dir = path.dirname(main);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory = require(main) as Factory;
  const worker = workerScript(dir);
  const config: {PThread?: ThreadedModule['PThread']} & Record<string, unknown> = {
    locateFile: (file: string) => file.endsWith('.worker.js') ? worker : path.join(dir, file),
    mainScriptUrlOrBlob: main,
    print: () => undefined,
    printErr: () => undefined,
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('threaded wasm did not start in time')),
                       START_TIMEOUT_MS);
    timer.unref();
  });
  // The module caps its thread count at half the logical cores that `os.cpus()` lists when it
  // starts (it assumes two hardware threads per core): list enough of them until it is up.
  const cpus = os.cpus;
  os.cpus = () => {
    const list = cpus();
    while (list.length > 0 && list.length < 2 * threads) list.push(list[0]);
    return list;
  };
  try {
    const module = await Promise.race([factory(config), timeout]);
    workers(module).forEach((w) => w.unref());
    return module;
  } catch (e) {
    workers(config).forEach((w) => w.terminate());
    throw e;
  } finally {
    os.cpus = cpus;
    clearTimeout(timer);
  }
}

/**
 * Registers a threaded wasm backend with `threads` XNNPACK threads as `'wasm'`. Resolves to
 * the thread count in use, or to 1 where the stock single-threaded backend stays (threads
 * unavailable, `threads < 2`, or the wasm backend already initialised).
 */
export async function registerThreadedWasm(threads: number): Promise<number> {
  if (threads < 2 || typeof SharedArrayBuffer === 'undefined') return 1;
  if ((tf.engine().registry as Record<string, unknown>).wasm != null) return 1;
  let module: ThreadedModule;
  try {
    module = await loadThreadedModule(threads);
  } catch {
    return 1;
  }
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  setThreadsCount(threads);
  const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
  workers(module).forEach((w) => w.unref());
  const count = (module.tfjs as {getThreadsCount(): number}).getThreadsCount();
  if (count < 2) {
    workers(module).forEach((w) => w.terminate());
    return 1;
  }
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => backend, 2);
  return count;
}
