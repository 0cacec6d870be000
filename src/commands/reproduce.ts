/**
 * `sparseland reproduce <recipe>`: the papers' experiments, each one command that trains, measures
 * and writes its figures and tables. `reproduce lista`: the LISTA family's NMSE per layer;
 * `reproduce ml-csc`: the CNN against the unrolled pursuits on MNIST.
 */
import {LISTA_VARIANTS, ListaVariant} from '../../layers/lista';
import {reproduceLista, variantSlug} from '../reproduce/lista';
import {ML_CSC_MODELS, ML_CSC_RECIPE, MlCscModel, reproduceMlCsc} from '../reproduce/ml_csc';
import {CommandGroup} from './io';
import {progressLine, reproduceCommand} from './reproduce_command';
import {REPRODUCE_ENERGY_DECAY} from './reproduce_energy_decay';
import {REPRODUCE_INVERTIBILITY} from './reproduce_invertibility';
import {REPRODUCE_NOISE_ROBUSTNESS} from './reproduce_noise_robustness';
import {REPRODUCE_PURSUIT_STABILITY} from './reproduce_pursuit_stability';
import {backendFlag, FlagTable, integer, number, Parse} from './options';
import {InvalidArgumentError} from 'commander';

/** The command line's names of the variants (`lista-cpss`), from the library's list. */
const VARIANT_NAMES = LISTA_VARIANTS.map(variantSlug);

/** A comma-separated list of names among `names` (`what`: the flag's word for them), without repeats. */
function nameList<T extends string>(what: string, names: readonly string[], values: readonly T[]): Parse<T[]> {
  return (value) => {
    const given = value.split(',').map((s) => s.trim());
    const unknown = given.filter((name) => !names.includes(name));
    if (unknown.length > 0 || given.length === 0) {
      throw new InvalidArgumentError(`Expected comma-separated ${what} among ${names.join(', ')}; unknown: ${unknown.join(', ')}.`);
    }
    if (new Set(given).size !== given.length) throw new InvalidArgumentError(`Expected each of the ${what} once.`);
    return given.map((name) => values[names.indexOf(name)]);
  };
}

/** Comma-separated variant names (`lista,alista`) as the library's variants. */
const variantList = nameList<ListaVariant>('variants', VARIANT_NAMES, LISTA_VARIANTS);

/** `inf` or a number of dB. */
const snr: Parse<number> = (value) => (value === 'inf' ? Infinity : number(-Infinity)(value));

/** What the flags of `reproduce lista` set. */
export interface ReproduceListaValues {
  variants: ListaVariant[];
  snr: number;
  out: string;
  minutes: number;
  seed: number;
  resume: boolean;
  backend: string;
}

/** The flags of `reproduce lista`. */
export const REPRODUCE_LISTA_FLAGS: FlagTable<ReproduceListaValues> = [
  {flags: '--variants <list>', key: 'variants', parse: variantList, show: (variants) => variants.map(variantSlug).join(','),
   default: VARIANT_NAMES.join(','),
   description: `comma-separated variants to train (${VARIANT_NAMES.join(', ')})`},
  {flags: '--snr <db>', key: 'snr', parse: snr, show: (db) => (db === Infinity ? 'inf' : String(db)), default: 'inf', description: "SNR of the measurements in dB, or 'inf' (noiseless)"},
  {flags: '--out <dir>', key: 'out', default: 'out/reproduce-lista', description: 'run folder: nmse.png, nmse.json, nmse.md and one folder per variant'},
  {flags: '--minutes <x>', key: 'minutes', parse: number(1e-9), default: 'none: the published recipe, ended by patience',
   description: 'a time budget for the whole run, shared by the variants (a short version of the same recipe)'},
  {flags: '--seed <n>', key: 'seed', parse: integer(0), default: '0', description: 'seed of the dictionary and the training codes'},
  {flags: '--resume', key: 'resume', description: 'continue the run in --out (finished variants are kept)'},
  backendFlag(),
];

/** `sparseland reproduce lista`. */
export const REPRODUCE_LISTA = reproduceCommand<ReproduceListaValues>({
  name: 'lista',
  summary: 'LISTA, LISTA-CP, LISTA-CPSS and ALISTA: NMSE per layer on the 250×500 benchmark',
  description: 'Trains the LISTA family stage-wise as published (LISTA-CPSS, ALISTA) on the 250×500 sparse-coding ' +
               'benchmark and writes nmse.png (NMSE against layer, with ISTA and FISTA), nmse.json, nmse.md (published ' +
               'against measured) and each trained model. See docs/reproductions.md.',
  flags: REPRODUCE_LISTA_FLAGS,
  files: ['nmse.png', 'nmse.json', 'nmse.md'],
  run: async (values, {out, command, io}) => {
    const progress = progressLine(io);
    const result = await reproduceLista({
      out, variants: values.variants, snr: values.snr, minutes: values.minutes, seed: values.seed, resume: values.resume,
      command, log: progress.log,
      onProgress: (variant, p) => progress.show(
        variantSlug(variant),
        `${variantSlug(variant)} |{bar}| phase {value}/{total}: layer {layer} {phase} | step {step} | validation NMSE {nmse} dB (best {best})`,
        p.phases, p.phaseIndex, {layer: p.layer, phase: p.phase, step: p.iteration, nmse: p.nmseDb.toFixed(2), best: p.bestDb.toFixed(2)}),
    });
    progress.stop();
    const last = result.setting.layers;
    for (const c of result.curves) io.out(`${c.method}: NMSE after ${last} layers ${c.nmseDb[last - 1].toFixed(1)} dB`);
  },
});

/** What the flags of `reproduce ml-csc` set. */
export interface ReproduceMlCscValues {
  models: MlCscModel[];
  epochs: number;
  out: string;
  seed: number;
  trainDigits: number;
  testDigits: number;
  resume: boolean;
  backend: string;
}

/** The flags of `reproduce ml-csc`. */
export const REPRODUCE_ML_CSC_FLAGS: FlagTable<ReproduceMlCscValues> = [
  {flags: '--models <list>', key: 'models', parse: nameList<MlCscModel>('models', ML_CSC_MODELS, ML_CSC_MODELS),
   default: ML_CSC_MODELS.join(','), description: `comma-separated models to train (${ML_CSC_MODELS.join(', ')})`},
  {flags: '--epochs <n>', key: 'epochs', parse: integer(1), default: String(ML_CSC_RECIPE.epochs),
   description: 'epochs of every model; the ×0.2 step decay comes every round(0.3 × epochs) epochs'},
  {flags: '--out <dir>', key: 'out', default: 'out/reproduce-ml-csc',
   description: 'run folder: accuracy.png, results.json, results.md and one folder per model'},
  {flags: '--seed <n>', key: 'seed', parse: integer(0), default: '0', description: 'seed of the initial weights and the order of the digits'},
  {flags: '--train-digits <n>', key: 'trainDigits', parse: integer(1), default: String(ML_CSC_RECIPE.trainDigits),
   description: 'train on the first N standard training digits'},
  {flags: '--test-digits <n>', key: 'testDigits', parse: integer(1), default: String(ML_CSC_RECIPE.testDigits),
   description: 'measure on the first N standard test digits'},
  {flags: '--resume', key: 'resume', description: 'continue the run in --out (trained models are kept, the others continue from their checkpoint)'},
  backendFlag(),
];

/** `sparseland reproduce ml-csc`. */
export const REPRODUCE_ML_CSC = reproduceCommand<ReproduceMlCscValues>({
  name: 'ml-csc',
  summary: 'CNN, ML-ISTA, ML-FISTA, ML-LISTA and layered BP with the same filters: MNIST test accuracy',
  description: 'Trains the CNN and the unrolled pursuits of the ML-ISTA paper (same filters, 6 unfoldings) with the ' +
               'published SGD recipe on MNIST and writes accuracy.png (test accuracy and training loss per epoch), ' +
               'results.json, results.md (published against measured) and each trained model. See docs/reproductions.md.',
  flags: REPRODUCE_ML_CSC_FLAGS,
  files: ['accuracy.png', 'results.json', 'results.md'],
  run: async (values, {out, command, io}) => {
    const progress = progressLine(io);
    const result = await reproduceMlCsc({
      out, models: values.models, epochs: values.epochs, seed: values.seed, trainDigits: values.trainDigits,
      testDigits: values.testDigits, resume: values.resume, command, log: progress.log,
      onProgress: (model, p) => progress.show(
        `${model} ${p.epoch}`,
        `${model} epoch {epoch}/{epochs} |{bar}| batch {value}/{total} | loss {loss} | lr {lr} | {duration_formatted} (eta {eta_formatted})`,
        p.batches, p.batch + 1, {epoch: p.epoch + 1, epochs: p.epochs, loss: p.loss.toFixed(4), lr: p.learningRate}),
    });
    progress.stop();
    for (const r of result.results) {
      const last = r.history[r.history.length - 1];
      io.out(`${r.model}: ${last ? `test accuracy ${last.testAccuracy.toFixed(2)} % after epoch ${last.epoch}` : 'not trained'}` +
             `${r.accuracy === null ? '' : `, ${r.accuracy.toFixed(2)} % over the compared epochs`} (published ${r.published} %)`);
    }
  },
});

/** `sparseland reproduce`. */
export const REPRODUCE: CommandGroup = {
  name: 'reproduce',
  summary: "reproduce a paper's experiment: train, measure, plot",
  description: "Reproduces a paper's experiment with one command: it trains, measures, and writes a plot, the figures " +
               'as JSON, and a Markdown table of published against measured.',
  commands: [REPRODUCE_LISTA, REPRODUCE_ML_CSC, REPRODUCE_PURSUIT_STABILITY, REPRODUCE_INVERTIBILITY, REPRODUCE_NOISE_ROBUSTNESS,
             REPRODUCE_ENERGY_DECAY],
};
