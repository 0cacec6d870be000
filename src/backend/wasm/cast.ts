/**
 * `Cast` on wasm without a copy when the dtype does not change (tfjs-core's gradients cast
 * float32 masks to float32): the output shares the input's data and raises its reference
 * count, as `Identity` does. Other casts keep the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import {identity} from './identity';
import {KernelArgs, stock} from './wasm_ops';

export function cast({inputs, backend, attrs}: KernelArgs): tf.TensorInfo {
  if (inputs.x.dtype === (attrs as unknown as tf.CastAttrs).dtype) {
    return identity({inputs, backend, attrs});
  }
  return stock(tf.Cast)({inputs, backend, attrs}) as tf.TensorInfo;
}
