/**
 * The converter registry, keyed by layer class name, and the error an unsupported layer raises.
 */
import * as tf from '@tensorflow/tfjs';
import {GraphBuilder, Value} from './graph';

/** One call of a layer in the model: what a converter receives. */
export interface LayerCall {
  graph: GraphBuilder;
  layer: tf.layers.Layer;
  /** The ONNX values of the call's inputs (in the layouts they were produced in). */
  inputs: Value[];
  /** Output shapes of the call in tfjs order, batch axis null. */
  outputShapes: (number | null)[][];
}

/** Adds the nodes of one layer call and returns its output values, one per tfjs output. */
export type Converter = (call: LayerCall) => Value[];

/** The error of an export that meets a layer or an option it cannot lower. */
export class OnnxExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxExportError';
  }
}

/** Throws an {@link OnnxExportError} naming the layer, its class and what is missing. */
export function unsupported(layer: tf.layers.Layer, what: string): never {
  throw new OnnxExportError(`onnx export: layer '${layer.name}' (${layer.getClassName()}): ${what}`);
}

const converters = new Map<string, Converter>();

/** Registers the converter of a layer class (by its `className`). */
export function registerConverter(className: string, converter: Converter): void {
  converters.set(className, converter);
}

/** The converter of a layer class, if any. */
export function converterFor(className: string): Converter | undefined {
  return converters.get(className);
}

/** The class names with a converter, sorted. */
export function supportedLayers(): string[] {
  return [...converters.keys()].sort();
}
