/**
 * Stage-wise training of a LISTA-family layer, the schedule of the published LISTA-CPSS and
 * ALISTA code (Chen, Liu, Wang, Yin; `utils/train.py` of VITA-Group/LISTA-CPSS). For each
 * iteration (layer) `t = 1, …, T` of the unrolled network, on the loss `½‖z^t − z‖²` of the
 * network cut after `t` layers, summed over a batch of fresh samples:
 *
 * 1. **new**: the weights that layer `t` adds (its matrices unless shared with an earlier layer,
 *    its threshold, ALISTA's step size) alone, Adam at `learningRate`;
 * 2. **refine**: for each factor `r` of `refinements` (0.2, 0.02), every weight of layers `≤ t`,
 *    Adam at `r·learningRate`, each weight's gradient multiplied by its multiplier;
 * 3. every weight trained so far has its multiplier multiplied by `decayRate` (0.3).
 *
 * Each phase starts a fresh Adam. A phase ends after `maxIterations` steps, or when the NMSE of
 * the validation set (evaluated every `validateEvery` steps; checked every `checkEvery` steps)
 * has not improved for more than `patience` steps, or after `phaseSeconds` seconds. As in the
 * published code, the multipliers scale gradients, to which Adam's step is nearly invariant: they
 * change the update only through Adam's `ε`.
 */
import * as tf from '@tensorflow/tfjs';
import {Lista} from '../../layers/lista';
import {nmseDb} from '../data/synthetic';
import * as v from '../util/validate';

const NAME = 'trainListaStagewise';

/** Where a stage-wise run is, reported after each validation. */
export interface StagewiseProgress {
  /** Layer `t`, 1-based. */
  layer: number;
  /** `'new'` or `'refine ×r'`. */
  phase: string;
  /** Index of the phase in the whole schedule (0-based) and the number of phases. */
  phaseIndex: number;
  phases: number;
  /** Steps taken in this phase. */
  iteration: number;
  /** Validation NMSE of the `t`-layer network now, and the best of this phase, in dB. */
  nmseDb: number;
  bestDb: number;
}

/** One finished phase. */
export interface PhaseRecord {
  layer: number;
  phase: string;
  iterations: number;
  seconds: number;
  /** Validation NMSE (dB) of the `t`-layer network at the end of the phase. */
  nmseDb: number;
  /** Why it ended: `'patience'`, `'maxIterations'` or `'time'`. */
  ended: 'patience' | 'maxIterations' | 'time';
}

export interface StagewiseOptions {
  /** Draws a training batch `{x: [batch, M], z: [batch, N]}` of fresh samples; the trainer disposes it. */
  sample: (batch: number) => {x: tf.Tensor2D; z: tf.Tensor2D};
  /** The validation set: measurements `x` and their codes `z`. */
  validation: {x: tf.Tensor2D; z: tf.Tensor2D};
  /** Adam's step of the new weights. Default 5e-4. */
  learningRate?: number;
  /** Batch size. Default 64. */
  batchSize?: number;
  /** Factors of the refinement phases. Default [0.2, 0.02]. */
  refinements?: number[];
  /** Factor applied to the multipliers of trained weights after each layer. Default 0.3. */
  decayRate?: number;
  /** Steps between validations. Default 10. */
  validateEvery?: number;
  /** Steps between patience checks. Default 1000. */
  checkEvery?: number;
  /** Steps without a better validation NMSE after which a phase ends. Default 4000. */
  patience?: number;
  /** Most steps of a phase. Default 200000. */
  maxIterations?: number;
  /** Most seconds of a phase (a time budget), or a function of the phase's layer (1-based). Default none. */
  phaseSeconds?: number | ((layer: number) => number);
  /** Phases already done (a resumed run): they are not trained, but counted in the schedule. Default 0. */
  skipPhases?: number;
  /** Called after every validation. */
  onProgress?: (progress: StagewiseProgress) => void;
  /** Called after every phase, with the number of phases done; save the weights here to resume. */
  onPhaseEnd?: (record: PhaseRecord, phasesDone: number) => void | Promise<void>;
}

/** The phases of the schedule in order: layer (1-based) and refinement factor (1 for 'new'). */
export function stagewisePhases(layers: number, refinements: number[]): {layer: number; factor: number; phase: string}[] {
  return Array.from({length: layers}, (_, k) => [
    {layer: k + 1, factor: 1, phase: 'new'},
    ...refinements.map((r) => ({layer: k + 1, factor: r, phase: `refine ×${r}`})),
  ]).flat();
}

/** Validation NMSE (dB) of the network cut after `count` layers. */
export function layerNmseDb(layer: Lista, x: tf.Tensor2D, z: tf.Tensor2D, count: number): number {
  const codes = layer.iterates(x, count);
  const value = nmseDb(codes[count - 1], z);
  tf.dispose(codes);
  return value;
}

/**
 * Trains a built {@link Lista} layer stage-wise (see the file's comment) and returns the record
 * of every phase trained.
 */
export async function trainListaStagewise(layer: Lista, options: StagewiseOptions): Promise<PhaseRecord[]> {
  if (!(layer instanceof Lista) || !layer.built) v.reject(NAME, 'layer', 'a built Lista layer', layer);
  const learningRate = v.positiveNumber(NAME, 'learningRate', options.learningRate ?? 5e-4);
  const batchSize = v.positiveInt(NAME, 'batchSize', options.batchSize ?? 64);
  const refinements = options.refinements ?? [0.2, 0.02];
  if (!Array.isArray(refinements) || !refinements.every((r) => typeof r === 'number' && r > 0)) {
    v.reject(NAME, 'refinements', 'an array of positive factors', refinements);
  }
  const decayRate = v.nonNegNumber(NAME, 'decayRate', options.decayRate ?? 0.3);
  const validateEvery = v.positiveInt(NAME, 'validateEvery', options.validateEvery ?? 10);
  const checkEvery = v.positiveInt(NAME, 'checkEvery', options.checkEvery ?? 1000);
  const patience = v.nonNegNumber(NAME, 'patience', options.patience ?? 4000);
  const maxIterations = v.positiveInt(NAME, 'maxIterations', options.maxIterations ?? 200000);
  const seconds = options.phaseSeconds;
  const phaseSeconds = (t: number): number => (seconds === undefined ? Infinity
    : v.positiveNumber(NAME, 'phaseSeconds', typeof seconds === 'function' ? seconds(t) : seconds));
  if (typeof seconds === 'number') phaseSeconds(1);
  const skipPhases = v.nonNegInt(NAME, 'skipPhases', options.skipPhases ?? 0);
  const {validation} = options;

  const T = layer.iterations;
  const phases = stagewisePhases(T, refinements);
  // Per weight: which entries have been trained, and each entry's gradient multiplier.
  const entriesOf = (w: tf.LayerVariable) => (w.shape.length === 1 ? w.shape[0] as number : 1);
  const multipliers = new Map<tf.LayerVariable, Float32Array>();
  const trained = new Map<tf.LayerVariable, Uint8Array>();
  const records: PhaseRecord[] = [];

  for (let p = 0; p < phases.length; p++) {
    const {layer: t, factor, phase} = phases[p];
    // Masks of this phase: the new entries of layer t, or every trained entry with its multiplier.
    const masks = new Map<tf.LayerVariable, Float32Array>();
    if (phase === 'new') {
      for (const {weight, entry} of layer.iterationWeights(t - 1)) {
        if (!trained.has(weight)) {
          trained.set(weight, new Uint8Array(entriesOf(weight)));
          multipliers.set(weight, new Float32Array(entriesOf(weight)).fill(1));
        }
        const done = trained.get(weight)!;
        const e = entry ?? 0;
        if (done[e]) continue;
        done[e] = 1;
        if (!masks.has(weight)) masks.set(weight, new Float32Array(entriesOf(weight)));
        masks.get(weight)![e] = 1;
      }
    } else {
      for (const [weight, done] of trained) {
        masks.set(weight, multipliers.get(weight)!.map((m, e) => (done[e] ? m : 0)));
      }
    }
    if (p >= skipPhases && masks.size > 0) {
      const record = trainPhase(layer, masks, {
        t, phase, phaseIndex: p, phases: phases.length, learningRate: learningRate * factor, batchSize,
        validateEvery, checkEvery, patience, maxIterations, phaseSeconds: phaseSeconds(t), validation,
        sample: options.sample, onProgress: options.onProgress,
      });
      records.push(record);
      await options.onPhaseEnd?.(record, p + 1);
    }
    const lastOfLayer = p + 1 === phases.length || phases[p + 1].layer !== t;
    if (lastOfLayer) {
      for (const [weight, done] of trained) {
        const m = multipliers.get(weight)!;
        for (let e = 0; e < m.length; e++) if (done[e]) m[e] *= decayRate;
      }
    }
  }
  return records;
}

interface PhaseArgs {
  t: number;
  phase: string;
  phaseIndex: number;
  phases: number;
  learningRate: number;
  batchSize: number;
  validateEvery: number;
  checkEvery: number;
  patience: number;
  maxIterations: number;
  phaseSeconds: number;
  validation: {x: tf.Tensor2D; z: tf.Tensor2D};
  sample: (batch: number) => {x: tf.Tensor2D; z: tf.Tensor2D};
  onProgress?: (progress: StagewiseProgress) => void;
}

function trainPhase(layer: Lista, masks: Map<tf.LayerVariable, Float32Array>, a: PhaseArgs): PhaseRecord {
  const weights = [...masks.keys()];
  const variables = weights.map((w) => w.read() as tf.Variable);
  const maskTensors = weights.map((w) => {
    const m = masks.get(w)!;
    return w.shape.length === 1 ? tf.tensor1d(m) : tf.scalar(m[0]);
  });
  const optimizer = tf.train.adam(a.learningRate);
  const start = Date.now();
  let best = Infinity;
  let bestAt = 0;
  let last = Infinity;
  let ended: PhaseRecord['ended'] = 'maxIterations';
  let i = 0;
  for (; i <= a.maxIterations; i++) {
    if (i > 0) {
      const {x, z} = a.sample(a.batchSize);
      tf.tidy(() => {
        const {grads} = tf.variableGrads(() => {
          const codes = layer.iterates(x, a.t);
          return tf.mul(0.5, tf.sum(tf.square(tf.sub(codes[a.t - 1], z)))) as tf.Scalar;
        }, variables);
        optimizer.applyGradients(variables.map((variable, j) => (
          {name: variable.name, tensor: tf.mul(grads[variable.name], maskTensors[j])})));
        weights.forEach((w) => {
          if (w.constraint != null) w.write(w.constraint.apply(w.read()));
        });
      });
      tf.dispose([x, z]);
    }
    if (i % a.validateEvery === 0) {
      last = layerNmseDb(layer, a.validation.x, a.validation.z, a.t);
      if (!Number.isFinite(last)) {
        throw new Error(`${NAME}: the validation NMSE of layer ${a.t} is ${last} at step ${i} of phase '${a.phase}'`);
      }
      if (last < best) {
        best = last;
        bestAt = i;
      }
      a.onProgress?.({layer: a.t, phase: a.phase, phaseIndex: a.phaseIndex, phases: a.phases, iteration: i,
                      nmseDb: last, bestDb: best});
    }
    if (i > 0 && i % a.checkEvery === 0 && i - bestAt > a.patience) {
      ended = 'patience';
      break;
    }
    if ((Date.now() - start) / 1000 > a.phaseSeconds) {
      ended = 'time';
      break;
    }
  }
  optimizer.dispose();
  tf.dispose(maskTensors);
  return {layer: a.t, phase: a.phase, iterations: Math.min(i, a.maxIterations), seconds: (Date.now() - start) / 1000,
          nmseDb: layerNmseDb(layer, a.validation.x, a.validation.z, a.t), ended};
}
