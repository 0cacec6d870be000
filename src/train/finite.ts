/**
 * Checks that stop a training run at the first value that is not finite (as Keras'
 * `TerminateOnNaN`), before a checkpoint could save it.
 */
import * as tf from '@tensorflow/tfjs';
import {RoundLog} from './closed_loop';

/** The first term of a round's log that is NaN or ±Infinity, described; `undefined` when all are finite. */
export function nonFiniteTerm(log: RoundLog): string | undefined {
  for (const player of ['encoder', 'decoder'] as const) {
    for (const [name, value] of Object.entries(log[player])) {
      if (!Number.isFinite(value)) return `the ${player}'s ${name} is ${value}`;
    }
  }
  return undefined;
}

/**
 * The first weight (trainable or not) of the models that holds NaN or ±Infinity, described;
 * `undefined` when all are finite. One reduction over all weights (`Σ 0·w` is NaN exactly when
 * some entry is not finite); only then are the weights examined one by one.
 */
export function nonFiniteWeight(models: Record<string, tf.LayersModel>): string | undefined {
  const weights = Object.entries(models).flatMap(([model, m]) => m.weights.map((w) => ({model, w})));
  const finite = tf.tidy(() => Number.isFinite(tf.addN(weights.map(({w}) => tf.sum(tf.mul(w.read(), 0)))).dataSync()[0]));
  if (finite) return undefined;
  for (const {model, w} of weights) {
    const bad = tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(w.read()))).dataSync()[0] === 1);
    if (bad) return `the ${model}'s weight '${w.name}' is not finite`;
  }
  return undefined;
}
