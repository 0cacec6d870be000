/**
 * Layer-argument helpers shared by every sparseland layer: initializers given by name,
 * instance or saved form, and the NHWC input-shape check.
 */
import * as tf from '@tensorflow/tfjs';
import * as v from './validate';

/** The arguments every tfjs layer takes: `inputShape`, `batchInputShape`, `name`, `trainable`, `dtype`, ... */
export type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export type Initializer = ReturnType<typeof tf.initializers.ones>;

/**
 * An initializer: the name of a `tf.initializers` factory (`'glorotUniform'`, `'zeros'`, ...),
 * an instance (`tf.initializers.varianceScaling({...})`), or its saved form `{className, config}`.
 */
export type InitializerArg = string | Initializer | tf.serialization.ConfigDict;

/** Resolves an {@link InitializerArg}; the error names `name` and quotes the value. */
export function toInitializer(owner: string, name: string, value: unknown): Initializer {
  if (value instanceof tf.serialization.Serializable && typeof (value as Initializer).apply === 'function') {
    return value as Initializer;
  }
  if (typeof value === 'string') {
    const factory = (tf.initializers as unknown as Record<string, unknown>)[value];
    if (typeof factory === 'function' && value !== 'Initializer') {
      return (factory as (args: object) => Initializer)({});
    }
  } else if (value !== null && typeof value === 'object' && typeof (value as {className?: unknown}).className === 'string') {
    const {className, config} = value as {className: string, config?: tf.serialization.ConfigDict};
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
    if (entry !== undefined) {
      const made = entry[1](entry[0], config ?? {});
      if (typeof (made as Initializer).apply === 'function') return made as Initializer;
    }
  }
  return v.reject(owner, name, 'a tf.initializers name, instance or {className, config}',
                  typeof value === 'object' ? JSON.stringify(value) : value);
}

/** The saved form `{className, config}` of an initializer. */
export function serializeInitializer(init: Initializer): tf.serialization.ConfigDict {
  return {className: init.getClassName(), config: init.getConfig()};
}

/** The single input shape of a layer, checked to be `[batch, H, W, C]` with known `C`. */
export function nhwcShape(owner: string, inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  if (shape.length !== 4 || shape[3] == null) {
    v.reject(owner, 'input shape', '[batch, H, W, channels] with known channels', shape.map(String));
  }
  return shape;
}
