export {setBackend} from './select';
export type {BackendName, SetBackendOptions} from './select';
export {registerWasmKernels} from './wasm';
export {registerThreadedWasm, wasmThreads} from './wasm/threads';
