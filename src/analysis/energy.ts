/**
 * Energy propagation through a model's layers (docs/math.md §7, docs/theory.md).
 */
import * as tf from '@tensorflow/tfjs';
import * as v from '../util/validate';

const NAME = 'energyPerLayer';

/** `Σ` of the squares of each sample of `t` (every axis but the batch axis): `[batch]`. */
function sampleEnergy(t: tf.Tensor): tf.Tensor1D {
  return tf.sum(tf.square(t), [...Array(t.rank).keys()].slice(1)) as tf.Tensor1D;
}

/**
 * The energy each layer keeps of its input, for every layer of `model` in `model.layers` order
 * (input layers left out): for layer ℓ with output `U_ℓ(x)`,
 *
 *     E_ℓ = (1/B) Σ_b ‖U_ℓ(x_b)‖² / ‖x_b‖²,
 *
 * the ratio per sample averaged over the batch `x` (`[B, …]`, the model's input). A layer that
 * is an isometry gives 1, one that doubles its input 4; the modulus of a Parseval frame's
 * coefficients (or the ReLUs of a frame paired with its negative) keeps the energy: 1.
 */
export function energyPerLayer(model: tf.LayersModel, x: tf.Tensor): number[] {
  return energyRatios(NAME, model, x).map((ratios) => ratios.reduce((a, r) => a + r, 0) / ratios.length);
}

/**
 * The ratios of {@link energyPerLayer} before the average: `‖U_ℓ(x_b)‖² / ‖x_b‖²` for every layer
 * ℓ (first index) and sample b (second index). Their minimum and maximum over the samples are the
 * layer's measured frame bounds on `x`.
 */
export function energyPerSample(model: tf.LayersModel, x: tf.Tensor): number[][] {
  return energyRatios('energyPerSample', model, x);
}

function energyRatios(owner: string, model: tf.LayersModel, x: tf.Tensor): number[][] {
  if (!(model instanceof tf.LayersModel)) v.reject(owner, 'model', 'a tf.LayersModel', model);
  if (!(x instanceof tf.Tensor) || x.rank < 2) v.reject(owner, 'x', 'a batch [B, …] of the model\'s inputs', x instanceof tf.Tensor ? x.shape : x);
  const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  if (layers.length === 0) v.reject(owner, 'model', 'a model with at least one layer', `${layers.length} layers`);
  const outputs = layers.map((layer) => {
    if (Array.isArray(layer.output)) v.reject(owner, `layer '${layer.name}'`, 'a layer with one output', layer.output.length);
    return layer.output;
  });
  const probe = tf.model({inputs: model.inputs, outputs});
  return tf.tidy(() => {
    const input = sampleEnergy(x);
    const empty = input.dataSync().findIndex((e) => !(e > 0));
    if (empty >= 0) v.reject(owner, `x (sample ${empty})`, 'of non-zero energy', 0);
    const predicted = probe.predict(x);
    return (Array.isArray(predicted) ? predicted : [predicted])
      .map((out) => Array.from(tf.div(sampleEnergy(out), input).dataSync()));
  });
}
