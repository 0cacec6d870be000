/**
 * Mocha root hooks: tests run on the backend named by SPARSELAND_BACKEND (default 'wasm', the
 * embedded default), with sparseland's kernels registered.
 */
import {setBackend} from '../src/backend/node';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await setBackend(process.env.SPARSELAND_BACKEND ?? 'wasm', {log: false});
  },
};
