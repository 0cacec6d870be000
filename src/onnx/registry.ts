/**
 * The converter registry, keyed by layer class, and the error an unsupported layer raises.
 */
import * as tf from '@tensorflow/tfjs';
import type {LayerClass} from '../../layers/register';
import {GraphBuilder, Value} from './graph';

export type {LayerClass};

/** One call of a layer in the model: what a converter receives besides the layer. */
export interface ConverterContext {
  graph: GraphBuilder;
  /** The ONNX values of the call's inputs (in the layouts they were produced in). */
  inputs: Value[];
  /** Output shapes of the call in tfjs order, batch axis null. */
  outputShapes: (number | null)[][];
}

/** Adds the nodes of one call of `layer` and returns its output values, one per tfjs output. */
export type Converter<L extends tf.layers.Layer = tf.layers.Layer> = (layer: L, ctx: ConverterContext) => Value[];

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

/** The converters by layer class (the class itself, not its name: a user's class of the same name has none). */
const converters = new Map<object, {cls: LayerClass, convert: Converter}>();

/**
 * Registers the converter of a layer class: `registerConverter(CscStage, (stage, ctx) => …)`,
 * `stage` typed `CscStage`. It serves the layers whose class is exactly `cls` (a subclass may
 * compute something else and needs its own). A class has one converter.
 */
export function registerConverter<L extends tf.layers.Layer>(cls: LayerClass<L>, converter: Converter<L>): void {
  if (converters.has(cls)) throw new Error(`registerConverter: ${cls.className} already has a converter`);
  converters.set(cls, {
    cls,
    convert: (layer, ctx) => {
      if (!(layer instanceof cls)) unsupported(layer, `the converter of ${cls.className} got another class`);
      return converter(layer, ctx);
    },
  });
}

/**
 * A tfjs layer class by its registered name (`'Dense'`): tfjs-layers exports its factories and
 * the `tf.layers.Layer` base class only, and registers each of its layer classes for
 * deserialisation, where they are found.
 */
export function tfjsLayerClass(className: string): LayerClass {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  const cls = entry?.[0];
  if (!cls || !isLayerClass(cls)) throw new Error(`tfjsLayerClass: tfjs has no layer class '${className}'`);
  return cls;
}

function isLayerClass(cls: tf.serialization.SerializableConstructor<tf.serialization.Serializable>):
    cls is tf.serialization.SerializableConstructor<tf.serialization.Serializable> & LayerClass {
  return cls.prototype instanceof tf.layers.Layer;
}

/** The converter of `layer`'s class, if any. */
export function converterFor(layer: tf.layers.Layer): Converter | undefined {
  return converters.get(layer.constructor)?.convert;
}

/** Whether the layer class `cls` has a converter. */
export function hasConverter(cls: LayerClass): boolean {
  return converters.has(cls);
}

/** The `className`s of the layer classes with a converter, sorted. */
export function supportedLayers(): string[] {
  return [...converters.values()].map(({cls}) => cls.className).sort();
}
