/**
 * `sparseland reproduce invertibility`: the 1-D model-RIP and one-step IHT check of the random-filter
 * layer, with its variants, and MNIST digits reconstructed from random-filter layers.
 */
import {reproduceInvertibility} from '../reproduce/invertibility';
import {reproduceCommand} from './reproduce_command';
import {backendFlag, FlagTable, integer} from './options';

/** What the flags of `reproduce invertibility` set. */
export interface ReproduceInvertibilityValues {
  draws: number;
  seed: number;
  out: string;
  backend: string;
}

/** The flags of `reproduce invertibility`. */
export const REPRODUCE_INVERTIBILITY_FLAGS: FlagTable<ReproduceInvertibilityValues> = [
  {flags: '--draws <n>', key: 'draws', parse: integer(1), default: '1000', description: 'random sparse codes per variant'},
  {flags: '--seed <n>', key: 'seed', parse: integer(0), default: '0', description: 'seed of the filters and the codes'},
  {flags: '--out <dir>', key: 'out', default: 'out/reproduce-invertibility',
   description: 'run folder: invertibility.png, invertibility.json, invertibility.md and mnist_reconstructions.png'},
  backendFlag(),
];

/** `sparseland reproduce invertibility`. */
export const REPRODUCE_INVERTIBILITY = reproduceCommand<ReproduceInvertibilityValues>({
  name: 'invertibility',
  summary: 'random-filter CNN layers as model-based IHT: ‖Wᵀz‖/‖z‖ and reconstruction errors, MNIST reconstructions',
  description: 'Measures the 1-D check of Gilbert et al. (IJCAI 2017): filters 5×1×32×96 scaled 1/√fan, codes with 10 ' +
               'non-zeros U[−1, 1], one per pooling block; the ratios ‖Wᵀz‖/‖z‖ and ‖WWᵀz‖/‖z‖ and the relative error ' +
               'of x̂ = Wᵀ M(Wx, k), for the paper\'s setting and variants of it. Writes invertibility.png, ' +
               'invertibility.json, invertibility.md and mnist_reconstructions.png (MNIST digits reconstructed by IHT ' +
               'and from a paired-filter ReLU layer). See docs/theory.md.',
  flags: REPRODUCE_INVERTIBILITY_FLAGS,
  files: ['invertibility.png', 'invertibility.json', 'invertibility.md', 'mnist_reconstructions.png'],
  run: async (values, {out, command, io}) => {
    await reproduceInvertibility({out, draws: values.draws, seed: values.seed, command, log: io.out});
  },
});
