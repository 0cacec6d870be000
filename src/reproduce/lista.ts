/**
 * The LISTA benchmark of LISTA-CPSS (Chen et al., NeurIPS 2018) and ALISTA (Liu et al., ICLR
 * 2019), reproduced: `M = 250`, `N = 500`, `A_ij ~ N(0, 1/M)` with unit-norm columns, codes with
 * a Bernoulli(0.1) support and N(0, 1) values, `y = A x` (or with noise at a given SNR), 16
 * layers initialised from ISTA with `λ = 0.4`, `L = 1.001‖A‖₂²`, trained stage-wise
 * (`trainListaStagewise`), and the NMSE `‖x̂ − x‖²/‖x‖²` of every layer on 1,000 test codes, in
 * dB, beside ISTA and FISTA with the same threshold.
 *
 * A run folder holds one folder per variant (`lista-cpss/`: the trained `model/`, `state.json`
 * with the phases done, and while training the checkpoint of the last phase) and the results:
 * `nmse.json`, `nmse.md` and `nmse.png`.
 */
import * as tf from '@tensorflow/tfjs';
import {existsSync, promises as fs, readFileSync} from 'fs';
import * as path from 'path';
import {Lista, lista, ListaVariant, LISTA_VARIANTS} from '../../layers/lista';
import {nmseDb, syntheticLasso} from '../data/synthetic';
import {removeStaleTemporaries, writeFileAtomic} from '../io/atomic_write';
import {FileSystemHandler, saveModelAtomic} from '../io/file_system';
import {ChartReference, writeLineChart} from '../io/line_chart';
import {spectralNormSquared} from '../ops/linalg';
import {DenseDictionary} from '../ops/dictionary';
import {ista} from '../ops/solvers';
import {PhaseRecord, StagewiseProgress, stagewisePhases, trainListaStagewise} from '../train/lista_stagewise';
import * as v from '../util/validate';

const NAME = 'reproduceLista';

/** The published setting. */
export const LISTA_BENCHMARK = {m: 250, n: 500, p: 0.1, lambda: 0.4, layers: 16, validationCodes: 1000, testCodes: 1000,
                                supportSelection: {p: 1.2, pMax: 13}} as const;

/**
 * Published NMSE (dB) after 16 layers on the noiseless problem, read off Fig. 5 of the Open-L2O
 * benchmark and the LISTA-CPSS and ALISTA papers (about ±2 dB), and of ISTA and FISTA.
 */
export const PUBLISHED_NMSE_DB: Record<ListaVariant | 'ista' | 'fista', number> = {
  lista: -35, listaCp: -30, listaCpss: -63, alista: -78, ista: -5.8, fista: -7.6,
};

/** Published NMSE (dB) after 16 layers at SNR 20 dB: every learned variant ends near −20 dB (the noise floor). */
export const PUBLISHED_NMSE_DB_SNR20: Record<ListaVariant, number> = {lista: -20, listaCp: -20, listaCpss: -20, alista: -20};

/** The published NMSE after 16 layers of `method` at `snr`, where there is one. */
export function publishedNmseDb(method: NmseCurve['method'], snr: number | 'inf'): number | undefined {
  if (snr === 'inf') return PUBLISHED_NMSE_DB[method];
  return snr === 20 && method !== 'ista' && method !== 'fista' ? PUBLISHED_NMSE_DB_SNR20[method] : undefined;
}

/** The folder name and the command line's name of a variant (`listaCpss` → `lista-cpss`). */
export function variantSlug(variant: ListaVariant): string {
  return variant.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export interface ReproduceListaOptions {
  /** The run folder. */
  out: string;
  /** The variants to train, in order. Default all four. */
  variants?: ListaVariant[];
  /** SNR of the measurements in dB. Default `Infinity` (noiseless). */
  snr?: number;
  /**
   * A budget in minutes for the whole run: the variants share it equally, and each phase of a
   * variant gets a share proportional to its layer's cost. Default none: the published recipe,
   * whose phases end by patience alone.
   */
  minutes?: number;
  /** Seed of the dictionary and the training samples; the test codes use another stream. Default 0. */
  seed?: number;
  /** Continue the run in `out` (variants finished are kept, an unfinished one continues from its last phase). */
  resume?: boolean;
  /**
   * A smaller problem than the published one (for tests and quick looks): `M`, `N`, layers,
   * validation and test codes. Default the published {@link LISTA_BENCHMARK}.
   */
  size?: {m?: number; n?: number; layers?: number; validationCodes?: number; testCodes?: number};
  /** Options of the stage-wise trainer other than the data (for short runs and tests). */
  trainer?: {validateEvery?: number; checkEvery?: number; patience?: number; maxIterations?: number; batchSize?: number};
  /** The command that started the run, recorded in the results. */
  command?: string;
  onProgress?: (variant: ListaVariant, progress: StagewiseProgress) => void;
  log?: (line: string) => void;
}

/** NMSE per layer of one method. */
export interface NmseCurve {
  /** `'lista'`, …, `'ista'`, `'fista'`. */
  method: ListaVariant | 'ista' | 'fista';
  /** NMSE in dB after layer (iteration) 1, 2, …, 16. */
  nmseDb: number[];
  /** Minutes of training (0 for ISTA and FISTA). */
  minutes: number;
  /** Training steps over all phases. */
  steps: number;
}

export interface ListaReproduction {
  setting: Omit<typeof LISTA_BENCHMARK, 'm' | 'n' | 'layers' | 'validationCodes' | 'testCodes'> &
    {m: number; n: number; layers: number; validationCodes: number; testCodes: number;
     snr: number | 'inf'; seed: number; minutes: number | null};
  command?: string;
  curves: NmseCurve[];
}

interface VariantState {
  variant: ListaVariant;
  m: number;
  n: number;
  layers: number;
  snr: number | 'inf';
  seed: number;
  minutes: number | null;
  phasesDone: number;
  phases: PhaseRecord[];
  /** The folder of the weights after `phasesDone` phases (`ckpt-NNN`), or 'model' when done. */
  checkpoint: string | null;
  done: boolean;
}

const snrValue = (snr: number): number | 'inf' => (snr === Infinity ? 'inf' : snr);

/** NMSE (dB) of `layer` cut after each of its layers, on `x` with codes `z`. */
export function nmsePerLayer(layer: Lista, x: tf.Tensor2D, z: tf.Tensor2D): number[] {
  const codes = layer.iterates(x);
  const values = codes.map((c) => nmseDb(c, z));
  tf.dispose(codes);
  return values;
}

/** NMSE (dB) of ISTA or FISTA after 1, …, `iterations` iterations with `λ` and `L = 1.001‖A‖₂²`. */
export function solverNmse(A: tf.Tensor2D, x: tf.Tensor2D, z: tf.Tensor2D, lambda: number, iterations: number,
                           fista: boolean): number[] {
  const op = new DenseDictionary(A);
  const lipschitz = 1.001 * spectralNormSquared(A);
  const values: number[] = [];
  const onIterate = (_k: number, code: tf.Tensor) => values.push(nmseDb(code as tf.Tensor2D, z));
  ista(op, x, {lambda, lipschitz, iterations, fista, onIterate}).dispose();
  return values;
}

async function readState(file: string): Promise<VariantState | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as VariantState;
  } catch (e) {
    throw new Error(`${NAME}: '${file}' is not valid JSON (${(e as Error).message})`);
  }
}

/** A one-layer model of the variant at its ISTA initialisation for `A`. */
function listaModel(variant: ListaVariant, A: tf.Tensor2D, layers: number): tf.Sequential {
  const {lambda, supportSelection} = LISTA_BENCHMARK;
  const ss = variant === 'listaCpss' || variant === 'alista';
  return tf.sequential({layers: [lista({
    variant, dictionary: A, iterations: layers, lambda, name: variantSlug(variant).replace(/-/g, '_'),
    ...(ss ? {supportSelection: {...supportSelection}} : {}),
  })]});
}

async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(new FileSystemHandler(path.join(dir, 'model.json')));
}

/**
 * Trains every variant with the published stage-wise recipe (or its budgeted version), measures
 * the NMSE of every layer on fresh test codes, and writes the run folder (see the file's comment).
 */
export async function reproduceLista(options: ReproduceListaOptions): Promise<ListaReproduction> {
  const out = options.out;
  if (typeof out !== 'string' || out === '') v.reject(NAME, 'out', 'a folder path', out);
  const variants = options.variants ?? [...LISTA_VARIANTS];
  if (!Array.isArray(variants) || variants.length === 0) v.reject(NAME, 'variants', 'a non-empty list', variants);
  variants.forEach((variant, i) => v.oneOf(NAME, `variants[${i}]`, variant, LISTA_VARIANTS));
  const snr = options.snr ?? Infinity;
  if (typeof snr !== 'number' || Number.isNaN(snr)) v.reject(NAME, 'snr', 'a number of dB or Infinity', snr);
  const minutes = options.minutes === undefined ? undefined : v.positiveNumber(NAME, 'minutes', options.minutes);
  const seed = v.nonNegInt(NAME, 'seed', options.seed ?? 0);
  const log = options.log ?? (() => undefined);
  const size = options.size ?? {};
  const setting = {
    ...LISTA_BENCHMARK,
    m: v.positiveInt(NAME, 'size.m', size.m ?? LISTA_BENCHMARK.m),
    n: v.positiveInt(NAME, 'size.n', size.n ?? LISTA_BENCHMARK.n),
    layers: v.positiveInt(NAME, 'size.layers', size.layers ?? LISTA_BENCHMARK.layers),
    validationCodes: v.positiveInt(NAME, 'size.validationCodes', size.validationCodes ?? LISTA_BENCHMARK.validationCodes),
    testCodes: v.positiveInt(NAME, 'size.testCodes', size.testCodes ?? LISTA_BENCHMARK.testCodes),
    snr: snrValue(snr), seed, minutes: minutes ?? null,
  };

  await fs.mkdir(out, {recursive: true});
  const resultsFile = path.join(out, 'nmse.json');
  if (!options.resume && (existsSync(resultsFile) || variants.some((x) => existsSync(path.join(out, variantSlug(x), 'state.json'))))) {
    throw new Error(`${NAME}: '${path.resolve(out)}' already holds a run; continue it with resume, or choose another folder`);
  }

  const {m, n, p, lambda, layers, validationCodes, testCodes} = setting;
  const problem = syntheticLasso({m, n, p, snr, seed});
  const validation = problem.sample(validationCodes);
  const testProblem = syntheticLasso({dictionary: problem.A, p, snr, seed: seed + 1_000_003});
  const test = testProblem.sample(testCodes);
  const phases = stagewisePhases(layers, [0.2, 0.02]);
  // Cost of a phase ∝ its layer count: a budget gives each phase of layer t the share t / Σ.
  const weightSum = phases.reduce((s, ph) => s + ph.layer, 0);
  const variantSeconds = minutes === undefined ? undefined : minutes * 60 / variants.length;

  const curves: NmseCurve[] = [];
  try {
    for (const variant of variants) {
      const dir = path.join(out, variantSlug(variant));
      await fs.mkdir(dir, {recursive: true});
      await removeStaleTemporaries(dir);
      const stateFile = path.join(dir, 'state.json');
      let state = await readState(stateFile);
      const describe = (r: {m: number; n: number; layers: number; snr: number | 'inf'; seed: number}) =>
        `${r.m}×${r.n}, ${r.layers} layers, snr ${r.snr}, seed ${r.seed}`;
      if (state && describe(state) !== describe(setting)) {
        throw new Error(`${NAME}: '${stateFile}' is a run of ${describe(state)}, not of ${describe(setting)}`);
      }
      let model: tf.LayersModel;
      if (state?.done) {
        model = await loadModel(path.join(dir, 'model'));
        log(`${variantSlug(variant)}: trained already (${state.phasesDone} phases)`);
      } else {
        model = state?.checkpoint ? await loadModel(path.join(dir, state.checkpoint)) : listaModel(variant, problem.A, layers);
        const layer = model.layers[0] as Lista;
        const current: VariantState = state ?? {variant, m, n, layers, snr: setting.snr, seed, minutes: minutes ?? null, phasesDone: 0,
                                                phases: [], checkpoint: null, done: false};
        if (current.phasesDone > 0) log(`${variantSlug(variant)}: continuing after phase ${current.phasesDone} of ${phases.length}`);
        await trainListaStagewise(layer, {
          sample: problem.sample,
          validation: {x: validation.x, z: validation.z},
          ...options.trainer,
          phaseSeconds: variantSeconds === undefined ? undefined : (t) => variantSeconds * t / weightSum,
          skipPhases: current.phasesDone,
          onProgress: (progress) => options.onProgress?.(variant, progress),
          onPhaseEnd: async (record, done) => {
            const name = `ckpt-${String(done).padStart(3, '0')}`;
            await saveModelAtomic(model, dir, name);
            const previous = current.checkpoint;
            Object.assign(current, {phasesDone: done, phases: [...current.phases, record], checkpoint: name});
            await writeFileAtomic(stateFile, JSON.stringify(current, null, 1));
            if (previous && previous !== name) await fs.rm(path.join(dir, previous), {recursive: true, force: true});
          },
        });
        await saveModelAtomic(model, dir, 'model');
        const last = current.checkpoint;
        Object.assign(current, {checkpoint: 'model', done: true});
        await writeFileAtomic(stateFile, JSON.stringify(current, null, 1));
        if (last && last !== 'model') await fs.rm(path.join(dir, last), {recursive: true, force: true});
        state = current;
      }
      const done = state!;
      const curve: NmseCurve = {
        method: variant, nmseDb: nmsePerLayer(model.layers[0] as Lista, test.x, test.z),
        minutes: done.phases.reduce((s, r) => s + r.seconds, 0) / 60,
        steps: done.phases.reduce((s, r) => s + r.iterations, 0),
      };
      log(`${variantSlug(variant)}: NMSE after ${layers} layers ${curve.nmseDb[layers - 1].toFixed(1)} dB ` +
          `(${curve.minutes.toFixed(1)} min, ${curve.steps} steps)`);
      curves.push(curve);
      model.dispose();
    }
    for (const fista of [false, true]) {
      curves.push({method: fista ? 'fista' : 'ista', nmseDb: solverNmse(problem.A, test.x, test.z, lambda, layers, fista),
                   minutes: 0, steps: 0});
    }
  } finally {
    tf.dispose([problem.A, testProblem.A, validation.x, validation.z, test.x, test.z]);
  }
  const result: ListaReproduction = {setting, command: options.command, curves};
  await writeListaResults(out, result);
  return result;
}

const LABEL: Record<NmseCurve['method'], string> = {
  lista: 'LISTA', listaCp: 'LISTA-CP', listaCpss: 'LISTA-CPSS', alista: 'ALISTA', ista: 'ISTA', fista: 'FISTA',
};

/** The Markdown table: published and measured NMSE after the last layer, minutes and steps. */
export function listaTable(result: ListaReproduction): string {
  const last = result.setting.layers;
  const rows = result.curves.map((c) => {
    const value = last === LISTA_BENCHMARK.layers ? publishedNmseDb(c.method, result.setting.snr) : undefined;
    const published = value === undefined ? '—' : `${value}`;
    return `| ${LABEL[c.method]} | ${published} | ${c.nmseDb[last - 1].toFixed(1)} | ` +
           `${c.steps ? c.minutes.toFixed(1) : '—'} | ${c.steps || '—'} |`;
  });
  return [
    `NMSE (dB) after ${last} layers, ${result.setting.testCodes} test codes, SNR ${result.setting.snr === 'inf' ? '∞ (noiseless)' : `${result.setting.snr} dB`}` +
    `${result.setting.minutes === null ? ', published recipe' : `, budget ${result.setting.minutes} min`}:`,
    '',
    '| method | published | measured | minutes | training steps |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    ...(result.command ? [`Command: \`${result.command}\``, ''] : []),
  ].join('\n');
}

/** The published NMSE after the last layer of every trained variant of a 16-layer run, where there is one. */
function publishedReferences(result: ListaReproduction): ChartReference[] {
  const {layers, snr} = result.setting;
  if (layers !== LISTA_BENCHMARK.layers) return [];
  // Variants with the same published value share one mark.
  const byValue = new Map<number, string[]>();
  for (const c of result.curves.filter((curve) => curve.steps > 0)) {
    const value = publishedNmseDb(c.method, snr);
    if (value !== undefined) byValue.set(value, [...byValue.get(value) ?? [], LABEL[c.method]]);
  }
  return [...byValue].map(([y, labels]) => ({label: `${labels.join(', ')} published`, x: layers, y}));
}

/** Writes `nmse.json`, `nmse.md` and `nmse.png` (published values as labelled diamonds) into `out`. */
export async function writeListaResults(out: string, result: ListaReproduction): Promise<void> {
  await writeFileAtomic(path.join(out, 'nmse.json'), JSON.stringify(result, null, 1));
  await writeFileAtomic(path.join(out, 'nmse.md'), listaTable(result));
  const x = Array.from({length: result.setting.layers}, (_, k) => k + 1);
  await writeLineChart(path.join(out, 'nmse.png'), [{
    title: `NMSE per layer, ${result.setting.m}×${result.setting.n}, SNR ${result.setting.snr === 'inf' ? '∞' : `${result.setting.snr} dB`}`,
    yLabel: 'NMSE (dB)',
    series: result.curves.map((c) => ({name: LABEL[c.method], x, y: c.nmseDb})),
    references: publishedReferences(result),
  }], {xLabel: 'layer (iteration)', columns: 1, width: 640, height: 420});
}
