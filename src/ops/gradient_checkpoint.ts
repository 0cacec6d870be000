/**
 * Gradient checkpointing: `f(x)` whose backward pass keeps only `x` and recomputes `f` to
 * differentiate it, so that a training step holds the intermediate tensors of one checkpointed
 * block at a time (about one more forward pass of compute).
 *
 * Written by hand because tfjs has no checkpointing; it relies on one tfjs internal (the
 * engine's active tape, see {@link gradsWithinBackward}).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * `tf.grads(f)(xs)` for use inside a custom gradient function. tfjs 4 keeps one tape per
 * engine, and a gradient computed while another is back-propagated replaces and then clears
 * the outer tape; the outer tape is put back afterwards.
 */
function gradsWithinBackward(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): tf.Tensor[] {
  const state = (tf.engine() as unknown as {state: {activeTape: unknown}}).state;
  const outer = state.activeTape;
  try {
    return tf.grads(f)(xs);
  } finally {
    state.activeTape = outer;
  }
}

/**
 * `f(x)`, differentiable in `x` and in `weights` (every tensor `f` reads that needs a gradient,
 * e.g. the reads of a layer's trainable weights), with the backward pass recomputing `f`.
 */
export function checkpointed(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, weights: tf.Tensor[]): tf.Tensor {
  const run = tf.customGrad(((input: tf.Tensor, ...rest: unknown[]) => {
    const save = rest[rest.length - 1] as tf.GradSaveFunc;
    save([input]);
    return {
      value: f(input),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        gradsWithinBackward((xs: tf.Tensor) => tf.sum(tf.mul(f(xs), dy)), [saved, ...weights]),
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return run(x, ...weights);
}
