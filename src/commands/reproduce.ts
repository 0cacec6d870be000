/**
 * `sparseland reproduce <recipe>`: the papers' experiments, each one command that trains, measures
 * and writes its figures and tables. `reproduce lista`: the LISTA family's NMSE per layer.
 */
import {SingleBar} from 'cli-progress';
import * as path from 'path';
import {LISTA_VARIANTS, ListaVariant} from '../../layers/lista';
import {setBackend} from '../backend';
import {reproduceLista, variantSlug} from '../reproduce/lista';
import {CommandGroup, CommandSpec} from './io';
import {backendFlag, FlagTable, integer, number, Parse} from './options';
import {InvalidArgumentError} from 'commander';

/** The command line's names of the variants (`lista-cpss`), from the library's list. */
const VARIANT_NAMES = LISTA_VARIANTS.map(variantSlug);

/** Comma-separated variant names (`lista,alista`) as the library's variants. */
const variantList: Parse<ListaVariant[]> = (value) => {
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((name) => !VARIANT_NAMES.includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new InvalidArgumentError(`Expected comma-separated variants among ${VARIANT_NAMES.join(', ')}; unknown: ${unknown.join(', ')}.`);
  }
  return names.map((name) => LISTA_VARIANTS[VARIANT_NAMES.indexOf(name)]);
};

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
  {flags: '--variants <list>', key: 'variants', parse: variantList, default: VARIANT_NAMES.join(','),
   description: `comma-separated variants to train (${VARIANT_NAMES.join(', ')})`},
  {flags: '--snr <db>', key: 'snr', parse: snr, default: 'inf', description: "SNR of the measurements in dB, or 'inf' (noiseless)"},
  {flags: '--out <dir>', key: 'out', default: 'out/reproduce-lista', description: 'run folder: nmse.png, nmse.json, nmse.md and one folder per variant'},
  {flags: '--minutes <x>', key: 'minutes', parse: number(1e-9), default: 'none: the published recipe, ended by patience',
   description: 'a time budget for the whole run, shared by the variants (a short version of the same recipe)'},
  {flags: '--seed <n>', key: 'seed', parse: integer(0), default: '0', description: 'seed of the dictionary and the training codes'},
  {flags: '--resume', key: 'resume', description: 'continue the run in --out (finished variants are kept)'},
  backendFlag(),
];

/** The command line that `values` come from, for the run's record. */
function commandLine(values: Partial<ReproduceListaValues>): string {
  const words = ['sparseland', 'reproduce', 'lista'];
  for (const flag of REPRODUCE_LISTA_FLAGS) {
    const value = values[flag.key];
    if (value === undefined) continue;
    words.push(flag.flags.split(' ')[0]);
    if (flag.key === 'variants') words.push((value as ListaVariant[]).map(variantSlug).join(','));
    else if (typeof value !== 'boolean') words.push(value === Infinity ? 'inf' : String(value));
  }
  return words.join(' ');
}

/** `sparseland reproduce lista`. */
export const REPRODUCE_LISTA: CommandSpec<ReproduceListaValues> = {
  name: 'lista',
  summary: 'LISTA, LISTA-CP, LISTA-CPSS and ALISTA: NMSE per layer on the 250×500 benchmark',
  description: 'Trains the LISTA family stage-wise as published (LISTA-CPSS, ALISTA) on the 250×500 sparse-coding ' +
               'benchmark and writes nmse.png (NMSE against layer, with ISTA and FISTA), nmse.json, nmse.md (published ' +
               'against measured) and each trained model. See docs/reproductions.md.',
  arguments: [],
  flags: REPRODUCE_LISTA_FLAGS,
  run: async (_args, values, {io}) => {
    const out = values.out ?? 'out/reproduce-lista';
    try {
      await setBackend(values.backend, {log: false});
      let bar: SingleBar | undefined;
      let barOf: ListaVariant | undefined;
      const result = await reproduceLista({
        out, variants: values.variants, snr: values.snr, minutes: values.minutes, seed: values.seed, resume: values.resume,
        command: commandLine(values),
        log: (line) => {
          bar?.stop();
          bar = undefined;
          io.out(line);
        },
        onProgress: (variant, p) => {
          if (!io.progress) return;
          if (bar === undefined || barOf !== variant) {
            bar?.stop();
            barOf = variant;
            bar = new SingleBar({
              format: `${variantSlug(variant)} |{bar}| phase {value}/{total}: layer {layer} {phase} | step {step} | ` +
                      'validation NMSE {nmse} dB (best {best})',
              hideCursor: io.progress.isTTY, noTTYOutput: !io.progress.isTTY, notTTYSchedule: 10000, stream: io.progress,
            });
            bar.start(p.phases, p.phaseIndex, {layer: p.layer, phase: p.phase, step: 0, nmse: '-', best: '-'});
          }
          bar.update(p.phaseIndex, {layer: p.layer, phase: p.phase, step: p.iteration, nmse: p.nmseDb.toFixed(2),
                                    best: p.bestDb.toFixed(2)});
        },
      });
      bar?.stop();
      const last = result.setting.layers;
      for (const c of result.curves) io.out(`${c.method}: NMSE after ${last} layers ${c.nmseDb[last - 1].toFixed(1)} dB`);
      io.out(`wrote ${path.join(out, 'nmse.png')}, ${path.join(out, 'nmse.json')} and ${path.join(out, 'nmse.md')}`);
      return 0;
    } catch (e) {
      io.err(`sparseland reproduce lista: ${(e as Error).message}`);
      return 1;
    }
  },
};

/** `sparseland reproduce`. */
export const REPRODUCE: CommandGroup = {
  name: 'reproduce',
  summary: "reproduce a paper's experiment: train, measure, plot",
  description: "Reproduces a paper's experiment with one command: it trains, measures, and writes a plot, the figures " +
               'as JSON, and a Markdown table of published against measured.',
  commands: [REPRODUCE_LISTA],
};
