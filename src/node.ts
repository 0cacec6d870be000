/**
 * sparseland in Node (`require('sparseland')` there, or `sparseland/node`): everything of the
 * main entry, with Node's parts in the same namespaces: `file://` models, PNG grids and charts,
 * MNIST from its packages, image folders, runs with checkpoints on disk, tfjs-node and threaded
 * wasm backends, ONNX files, the shipped pretrained models, and the papers' recipes.
 */
import {registerFileSystem} from './io/file_system';

registerFileSystem();

export * from './index';
export * as backend from './backend/node';
export * as io from './io/node';
export * as data from './data/node';
export * as onnx from './onnx/node';
export * as pretrained from './pretrained/node';
export * as train from './train/node';
export * as reproduce from './reproduce';
