/**
 * `sparseland reproduce pursuit-stability`: layered thresholding against layered basis pursuit,
 * ML-ISTA and ML-FISTA on planted multi-layer convolutional sparse signals, swept over the ratio
 * `|Γ_max|/|Γ_min|` and the noise (docs/theory.md).
 */
import {PURSUIT_STABILITY_RECIPE, reproducePursuitStability} from '../reproduce/pursuit_stability';
import {reproduceCommand} from './reproduce_command';
import {backendFlag, FlagTable, integer, numberList} from './options';

/** What the flags of `reproduce pursuit-stability` set. */
export interface ReproducePursuitStabilityValues {
  ratios: number[];
  noise: number[];
  signals: number;
  seed: number;
  out: string;
  backend: string;
}

const RECIPE = PURSUIT_STABILITY_RECIPE;

/** The flags of `reproduce pursuit-stability`. */
export const REPRODUCE_PURSUIT_STABILITY_FLAGS: FlagTable<ReproducePursuitStabilityValues> = [
  {flags: '--ratios <list>', key: 'ratios', parse: numberList(1), default: RECIPE.ratios.join(','),
   description: 'comma-separated ratios |Γmax|/|Γmin| of the deepest code, each ≥ 1'},
  {flags: '--noise <list>', key: 'noise', parse: numberList(0), default: RECIPE.noise.join(','),
   description: 'comma-separated noise levels σ (standard deviation per signal entry; the smallest coefficient is 1), each ≥ 0'},
  {flags: '--signals <n>', key: 'signals', parse: integer(1), default: String(RECIPE.signals), description: 'signals per ratio and noise level'},
  {flags: '--seed <n>', key: 'seed', parse: integer(0), default: '0', description: 'seed of the dictionaries, the codes and the noise'},
  {flags: '--out <dir>', key: 'out', default: 'out/reproduce-pursuit-stability',
   description: 'run folder: stability.png, stability.json, stability.md'},
  backendFlag(),
];

/** `sparseland reproduce pursuit-stability`. */
export const REPRODUCE_PURSUIT_STABILITY = reproduceCommand<ReproducePursuitStabilityValues>({
  name: 'pursuit-stability',
  summary: 'layered thresholding against layered BP, ML-ISTA and ML-FISTA on planted ML-CSC signals',
  description: 'Draws signals of a two-layer convolutional sparse model with known dictionaries, recovers the deepest code ' +
               'with each pursuit, and writes stability.png (support recovery and relative error against the ratio ' +
               '|Γmax|/|Γmin|, per noise level), stability.json and stability.md. See docs/theory.md.',
  flags: REPRODUCE_PURSUIT_STABILITY_FLAGS,
  files: ['stability.png', 'stability.json', 'stability.md'],
  run: async (values, {out, command, io}) => {
    await reproducePursuitStability({out, ratios: values.ratios, noise: values.noise, signals: values.signals, seed: values.seed,
                                     command, log: io.out});
  },
});
