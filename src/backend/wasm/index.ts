/**
 * sparseland's kernels for the wasm backend: the convolution and depthwise-convolution
 * gradients composed from the backend's fast (XNNPACK) kernels, a correct `MaxPoolGrad`,
 * matrix products whose transposes are materialised so that the fast path runs, `Identity`
 * and same-dtype `Cast` that share their input's data instead of copying it, and a `Slice`
 * that reads its input in place.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {batchMatMul, fusedMatMul} from './batch_mat_mul';
import {cast} from './cast';
import {conv2dBackpropFilter} from './conv2d_backprop_filter';
import {conv2dBackpropInput} from './conv2d_backprop_input';
import {depthwiseConv2dBackpropFilter} from './depthwise_conv2d_backprop_filter';
import {depthwiseConv2dBackpropInput} from './depthwise_conv2d_backprop_input';
import {identity} from './identity';
import {maxPoolGrad} from './max_pool_grad';
import {slice} from './slice';
import {registerThreadedWasm} from './threads';
import {captureStock} from './wasm_ops';

const KERNELS: [string, tf.KernelFunc][] = [
  [tf.Conv2DBackpropFilter, conv2dBackpropFilter as tf.KernelFunc],
  [tf.Conv2DBackpropInput, conv2dBackpropInput as tf.KernelFunc],
  [tf.DepthwiseConv2dNativeBackpropFilter, depthwiseConv2dBackpropFilter as tf.KernelFunc],
  [tf.DepthwiseConv2dNativeBackpropInput, depthwiseConv2dBackpropInput as tf.KernelFunc],
  [tf.MaxPoolGrad, maxPoolGrad as tf.KernelFunc],
  [tf.BatchMatMul, batchMatMul as tf.KernelFunc],
  [tf._FusedMatMul, fusedMatMul as tf.KernelFunc],
  [tf.Identity, identity as tf.KernelFunc],
  [tf.Cast, cast as tf.KernelFunc],
  [tf.Slice, slice as tf.KernelFunc],
];

let registered = false;

/**
 * Registers sparseland's kernels on the wasm backend (idempotent). With the environment
 * variable `SPARSELAND_WASM_THREADS` set to `n ≥ 2` (and the wasm backend not yet
 * initialised), the backend runs XNNPACK on `n` threads where Node allows it, and stays
 * single-threaded otherwise.
 */
export async function registerWasmKernels(): Promise<void> {
  if (registered) return;
  await registerThreadedWasm(Number(process.env.SPARSELAND_WASM_THREADS ?? 1));
  for (const [kernelName, kernelFunc] of KERNELS) {
    const stock = tf.getKernel(kernelName, 'wasm');
    if (stock != null) {
      captureStock(kernelName);
      tf.unregisterKernel(kernelName, 'wasm');
    }
    tf.registerKernel({kernelName, backendName: 'wasm', kernelFunc, setupFunc: stock?.setupFunc});
  }
  registered = true;
}
