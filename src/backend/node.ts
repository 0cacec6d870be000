/**
 * The backends in Node: `tensorflow` from the optional peers `@tensorflow/tfjs-node-gpu` or
 * `@tensorflow/tfjs-node`, and `wasm` on several threads (see `./wasm/threads`).
 */
import * as tf from '@tensorflow/tfjs';
import {setBackendPreparer} from './select';
import {registerWasmKernels} from './wasm';
import {registerThreadedWasm, wasmThreads} from './wasm/threads';

export * from './index';
export {registerThreadedWasm, wasmThreads} from './wasm/threads';

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

setBackendPreparer('tensorflow', async () => tf.findBackendFactory('tensorflow') != null ||
  tryRequire('@tensorflow/tfjs-node-gpu') || tryRequire('@tensorflow/tfjs-node'));
setBackendPreparer('wasm', async () => {
  registerWasmKernels();
  await registerThreadedWasm(wasmThreads());
  return true;
});
