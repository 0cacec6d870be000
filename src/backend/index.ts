export {BACKEND_NAMES, defaultBackends, NODE_BACKENDS, PAGE_BACKENDS, setBackend, setBackendPreparer} from './select';
export type {BackendName, Preparer, SetBackendOptions} from './select';
export {registerWasmKernels} from './wasm';
