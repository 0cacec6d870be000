/**
 * `sparseland reproduce invertibility`: the 1-D model-RIP and one-step IHT check of the random-filter
 * layer, with its variants, and MNIST digits reconstructed from random-filter layers.
 */
import * as path from 'path';
import {setBackend} from '../backend/node';
import {reproduceInvertibility} from '../reproduce/invertibility';
import {CommandSpec} from './io';
import {backendFlag, commandLine, FlagTable, integer} from './options';

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
export const REPRODUCE_INVERTIBILITY: CommandSpec<ReproduceInvertibilityValues> = {
  name: 'invertibility',
  summary: 'random-filter CNN layers as model-based IHT: ‖Wᵀz‖/‖z‖ and reconstruction errors, MNIST reconstructions',
  description: 'Measures the 1-D check of Gilbert et al. (IJCAI 2017): filters 5×1×32×96 scaled 1/√fan, codes with 10 ' +
               'non-zeros U[−1, 1], one per pooling block; the ratios ‖Wᵀz‖/‖z‖ and ‖WWᵀz‖/‖z‖ and the relative error ' +
               'of x̂ = Wᵀ M(Wx, k), for the paper\'s setting and variants of it. Writes invertibility.png, ' +
               'invertibility.json, invertibility.md and mnist_reconstructions.png (MNIST digits reconstructed by IHT ' +
               'and from a paired-filter ReLU layer). See docs/theory.md.',
  arguments: [],
  flags: REPRODUCE_INVERTIBILITY_FLAGS,
  run: async (_args, values, {io}) => {
    const out = values.out ?? 'out/reproduce-invertibility';
    try {
      await setBackend(values.backend, {log: false});
      await reproduceInvertibility({out, draws: values.draws, seed: values.seed, command: commandLine(['reproduce', 'invertibility'], REPRODUCE_INVERTIBILITY_FLAGS, values), log: (line) => io.out(line)});
      io.out(`wrote ${['invertibility.png', 'invertibility.json', 'invertibility.md', 'mnist_reconstructions.png']
        .map((f) => path.join(out, f)).join(', ')}`);
      return 0;
    } catch (e) {
      io.err(`sparseland reproduce invertibility: ${(e as Error).message}`);
      return 1;
    }
  },
};
