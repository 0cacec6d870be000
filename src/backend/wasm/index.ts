/**
 * sparseland's kernels for the wasm backend: the convolution and depthwise-convolution
 * gradients composed from the backend's fast (XNNPACK) kernels, a correct `MaxPoolGrad`,
 * matrix products whose transposes are materialised so that the fast path runs, `Identity`
 * and same-dtype `Cast` that share their input's data instead of copying it, a `Slice`
 * that reads its input in place, and a `Tile` by block copies.
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
import {tile} from './tile';
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
  [tf.Tile, tile as tf.KernelFunc],
];

let registered = false;

/**
 * Registers sparseland's kernels on the wasm backend (idempotent). Importing sparseland calls
 * it, so the kernels serve every wasm backend, threaded or not, however it is chosen.
 */
export function registerWasmKernels(): void {
  if (registered) return;
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
