/**
 * sparseland: unrolled sparse-coding networks for TensorFlow.js, in web pages and in Node.
 *
 * `import * as sl from 'sparseland'`, then `await sl.backend.setBackend()` and
 * `sl.layers.cscStage({...})`, as one writes `tf.layers.conv2d({...})`; the layer classes are
 * `sl.layers.CscStage` and so on (`sl.layerClasses()` lists them). This entry imports no Node
 * module; in Node, `require('sparseland')` resolves to `sparseland/node`, which adds files,
 * images, checkpoints, threads, the recipes and the command line.
 */
import {registerWasmKernels} from './backend/wasm';

registerWasmKernels();

export * as backend from './backend';
export * as ops from './ops';
export * as io from './io';
export * as data from './data';
export * as losses from './losses';
export * as metrics from './metrics';
export * as layers from '../layers';
export * as models from '../models';
export * as onnx from './onnx';
export * as pretrained from './pretrained';
export * as train from './train';
export * as analysis from './analysis';
export {layerClasses} from '../layers/register';
export type {LayerClass} from '../layers/register';
export {version} from './version';
