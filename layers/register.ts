/**
 * The registration of sparseland's layer classes: each layer file ends with one
 * `registerLayer(Cls)`, which makes the class deserialisable and records it in
 * {@link layerClasses}, the list that the exports, the ONNX converters and the tests are
 * checked against.
 */
import * as tf from '@tensorflow/tfjs';

/** The package name under which the layers are registered (`sparseland>CscStage`). */
export const PACKAGE = 'sparseland';

/** A layer class as tfjs (de)serialises it: constructible, with its static `className`. */
export type LayerClass<L extends tf.layers.Layer = tf.layers.Layer> = (new (...args: never[]) => L) & {
  readonly className: string;
};

const classes: LayerClass[] = [];

/**
 * Registers a sparseland layer class with tfjs under the package name, and records it.
 *
 * tfjs (4.x) writes a layer's `getClassName()`, the bare `className`, into a saved topology and
 * looks up the `className` it reads in its serialisation map; `registerClass(cls, 'sparseland')`
 * adds the name `sparseland>CscStage` only to a map that tfjs-layers never reads. So the
 * package-qualified name is also entered in the serialisation map here: a `model.json` that
 * names `sparseland>CscStage` loads as one that names `CscStage` (every model saved so far),
 * and it still resolves to this class if an application registers a class of its own called
 * `CscStage`.
 */
export function registerLayer<L extends tf.layers.Layer>(cls: tf.serialization.SerializableConstructor<L>): void {
  const clash = classes.find((c) => c.className === cls.className);
  if (clash) throw new Error(`registerLayer: two sparseland layer classes are named '${cls.className}'`);
  tf.serialization.registerClass(cls, PACKAGE);
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  map[qualifiedName(cls)] = map[cls.className];
  classes.push(cls);
}

/** The package-qualified name of a layer class, `sparseland>CscStage`. */
export function qualifiedName(cls: {readonly className: string}): string {
  return `${PACKAGE}>${cls.className}`;
}

/** The sparseland layer classes, in the order they were registered. */
export function layerClasses(): LayerClass[] {
  return [...classes];
}
