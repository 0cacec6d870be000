import '@tensorflow/tfjs-backend-wasm';

/** Registers sparseland's gradient kernels on the wasm backend (idempotent). */
export async function registerWasmKernels(): Promise<void> {
  // Kernels are added here.
}
