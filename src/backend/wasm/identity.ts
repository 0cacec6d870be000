/**
 * `Identity` on wasm without a copy: the output shares the input's data and raises its
 * reference count, as the stock `Reshape` does. Tensors are immutable and the backend frees a
 * buffer only when its count drops to zero, so disposing either tensor leaves the other's data
 * in place, and `tf.Variable` assignment only rebinds a variable to another buffer. String
 * tensors keep the stock kernel, whose data lives outside the wasm heap.
 */
import * as tf from '@tensorflow/tfjs';
import {KernelArgs, stock} from './wasm_ops';

export function identity({inputs, backend, attrs}: KernelArgs): tf.TensorInfo {
  const {x} = inputs;
  if (x.dtype === 'string') return stock(tf.Identity)({inputs, backend, attrs}) as tf.TensorInfo;
  (backend as tf.KernelBackend).incRef(x.dataId);
  return {dataId: x.dataId, shape: x.shape, dtype: x.dtype};
}
