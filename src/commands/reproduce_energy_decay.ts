/**
 * `sparseland reproduce energy-decay`: energy propagation of a scattering network (Morlet filters,
 * modulus, low-pass output at every layer) on MNIST digits and natural-image patches, and the
 * energy per layer of the trained CSC-CTRL encoder and ML-CSC CNN (docs/theory.md).
 */
import {FILTER_NORMALIZATIONS, FilterNormalization} from '../analysis/scattering';
import {ENERGY_DECAY_RECIPE, reproduceEnergyDecay} from '../reproduce/energy_decay';
import {reproduceCommand} from './reproduce_command';
import {InvalidArgumentError} from 'commander';
import {backendFlag, FlagTable, integer, number, Parse} from './options';

/** A number in [0, 1). */
const fraction: Parse<number> = (value) => {
  const n = number(0)(value);
  if (n >= 1) throw new InvalidArgumentError('Expected a number in [0, 1).');
  return n;
};

/** What the flags of `reproduce energy-decay` set. */
export interface ReproduceEnergyDecayValues {
  digits: number;
  patchStride: number;
  scales: number;
  orientations: number;
  depth: number;
  prune: number;
  normalization: FilterNormalization;
  skipModels: boolean;
  out: string;
  backend: string;
}

const RECIPE = ENERGY_DECAY_RECIPE;

/** The flags of `reproduce energy-decay`. */
export const REPRODUCE_ENERGY_DECAY_FLAGS: FlagTable<ReproduceEnergyDecayValues> = [
  {flags: '--digits <n>', key: 'digits', parse: integer(1), default: String(RECIPE.digits), description: 'the first N standard MNIST test digits'},
  {flags: '--patch-stride <n>', key: 'patchStride', parse: integer(1), default: String(RECIPE.patchStride),
   description: 'step between the 32×32 patches of the natural image (169 patches at 8)'},
  {flags: '--scales <J>', key: 'scales', parse: integer(1), default: String(RECIPE.scales), description: 'scales of the Morlet filters'},
  {flags: '--orientations <L>', key: 'orientations', parse: integer(1), default: String(RECIPE.orientations),
   description: 'orientations of the Morlet filters'},
  {flags: '--depth <N>', key: 'depth', parse: integer(1), default: String(RECIPE.depth),
   description: 'layers of the scattering network ((J·L)^N paths per signal at depth N)'},
  {flags: '--prune <fraction>', key: 'prune', parse: fraction, default: String(RECIPE.prune),
   description: 'drop the weakest paths carrying at most this fraction of each group\'s energy (their energy is reported)'},
  {flags: '--normalization <name>', key: 'normalization', choices: FILTER_NORMALIZATIONS, default: RECIPE.normalization,
   description: 'parseval: Littlewood–Paley sum ≡ 1; admissible: the Morlet filters scaled so that its maximum is 1'},
  {flags: '--skip-models', key: 'skipModels', description: 'measure only the scattering network, not the pretrained models'},
  {flags: '--out <dir>', key: 'out', default: 'out/reproduce-energy-decay', description: 'run folder: energy.png, energy.json, energy.md'},
  backendFlag(),
];

/** `sparseland reproduce energy-decay`. */
export const REPRODUCE_ENERGY_DECAY = reproduceCommand<ReproduceEnergyDecayValues>({
  name: 'energy-decay',
  summary: 'energy propagation: a scattering network on MNIST and natural-image patches, the trained encoder and CNN',
  description: 'Runs a scattering network (2-D Morlet filters, modulus, low-pass output at every layer) on MNIST test ' +
               'digits and on patches of a natural image and measures, by depth, the propagated energy and the energy ' +
               'of the outputs, the fitted decay rate, the depth that keeps 1 − ε of the input energy (ε = 0.1, 0.01) ' +
               'and the frame bounds; then the energy of each layer of the pretrained CSC-CTRL encoder and ML-CSC CNN. ' +
               'Writes energy.png (energy against depth), energy.json and energy.md. See docs/theory.md.',
  flags: REPRODUCE_ENERGY_DECAY_FLAGS,
  files: ['energy.png', 'energy.json', 'energy.md'],
  run: async (values, {out, command, io}) => {
    await reproduceEnergyDecay({
      out, digits: values.digits, patchStride: values.patchStride, scales: values.scales, orientations: values.orientations,
      depth: values.depth, prune: values.prune, normalization: values.normalization, skipModels: values.skipModels,
      command, log: io.out,
    });
  },
});
