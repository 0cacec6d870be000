/**
 * `sparseland reproduce noise-robustness`: the test accuracy of a trained ML-CSC classifier on
 * MNIST digits with additive Gaussian noise, with its unfoldings and with 0 (the same weights
 * as a CNN), beside a reference classifier.
 */
import {DEFAULT_REFERENCE, DEFAULT_SIGMAS, reproduceNoiseRobustness} from '../reproduce/noise_robustness';
import {reproduceCommand} from './reproduce_command';
import {backendFlag, FlagTable, integer, numberList} from './options';

/** What the flags of `reproduce noise-robustness` set. */
export interface ReproduceNoiseRobustnessValues {
  model: string;
  sigmas: number[];
  digits: number;
  seed: number;
  reference: string;
  out: string;
  backend: string;
}

/** The flags of `reproduce noise-robustness`. */
export const REPRODUCE_NOISE_ROBUSTNESS_FLAGS: FlagTable<ReproduceNoiseRobustnessValues> = [
  {flags: '--model <model>', key: 'model', required: true,
   description: 'the ML-CSC classifier (ML-ISTA, ML-FISTA, ML-LISTA or layered BP): a model folder, its model.json, or pretrained:NAME'},
  {flags: '--sigmas <list>', key: 'sigmas', parse: numberList(0), default: DEFAULT_SIGMAS.join(','),
   description: 'comma-separated standard deviations of the noise added to the digits in [0, 1] (not clipped)'},
  {flags: '--digits <n>', key: 'digits', parse: integer(1), default: '10000', description: 'the first n standard test digits'},
  {flags: '--seed <n>', key: 'seed', parse: integer(0), default: '0', description: 'seed of the noise'},
  {flags: '--reference <model>', key: 'reference', default: DEFAULT_REFERENCE,
   description: "a classifier measured on the same digits for reference (same forms as --model), or 'none'"},
  {flags: '--out <dir>', key: 'out', default: 'out/reproduce-noise-robustness', description: 'run folder: accuracy.png, results.json, results.md'},
  backendFlag(),
];

/** `sparseland reproduce noise-robustness`. */
export const REPRODUCE_NOISE_ROBUSTNESS = reproduceCommand<ReproduceNoiseRobustnessValues>({
  name: 'noise-robustness',
  summary: 'a trained ML-CSC classifier under Gaussian noise: its unfoldings against 0 (the CNN of its weights)',
  description: 'Adds σ·N(0, 1) noise (fixed seed, not clipped) to the MNIST test digits in [0, 1] and measures the test ' +
               'accuracy of the model with its trained unfoldings, of the same weights with 0 unfoldings (the CNN forward ' +
               'pass) and of a reference classifier (by default the shipped CNN). Writes accuracy.png (accuracy against σ), ' +
               'results.json and results.md. See docs/theory.md.',
  flags: REPRODUCE_NOISE_ROBUSTNESS_FLAGS,
  files: ['accuracy.png', 'results.json', 'results.md'],
  run: async (values, {out, command, io}) => {
    const reference = values.reference === undefined ? DEFAULT_REFERENCE : values.reference === 'none' ? null : values.reference;
    const result = await reproduceNoiseRobustness({
      model: values.model!, sigmas: values.sigmas, digits: values.digits, seed: values.seed, reference, out, command,
    });
    for (const curve of result.curves) {
      io.out(`${curve.name}: ${curve.accuracy.map((a, i) => `σ ${result.setting.sigmas[i]}: ${a.toFixed(2)} %`).join(', ')}`);
    }
  },
});
