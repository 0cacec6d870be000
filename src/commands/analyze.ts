/**
 * `sparseland analyze <model>`: for every dictionary of a model, its mutual coherence, the
 * uniqueness and layered basis-pursuit bounds it gives, and the measured ℓ₀,∞ of its codes on
 * digits (docs/theory.md).
 */
import * as tf from '@tensorflow/tfjs';
import {existsSync, statSync} from 'fs';
import * as path from 'path';
import {dictionaryReport, DictionaryRow} from '../analysis';
import {setBackend} from '../backend/node';
import {ImageDataset} from '../data/dataset';
import {mnistDataset} from '../data/mnist_dataset';
import {mnistFullDataset} from '../data/mnist_full';
import {FileSystemHandler} from '../io/file_system';
import {load} from '../pretrained/node';
import {hasCheckpoint} from '../train/checkpoint';
import {loadTrainedModels, PRETRAINED} from '../train/trained_models';
import {CommandSpec} from './io';
import {backendFlag, FlagTable, integer} from './options';

/** The digit sets `--data` takes. */
export const ANALYZE_DATA = ['mnist', 'mnist-full'] as const;
type AnalyzeData = typeof ANALYZE_DATA[number];

/** What the flags of `analyze` set. */
export interface AnalyzeValues {
  data: AnalyzeData;
  digits: number;
  unitRange: boolean;
  backend: string;
  json: boolean;
}

/** Digits run through the model at a time. */
const BATCH = 100;
/** `--digits` when not given: the `mnist` test split's size. */
const DEFAULT_DIGITS = 1000;

/** The flags of `analyze`. */
export const ANALYZE_FLAGS: FlagTable<AnalyzeValues> = [
  {flags: '--data <digits>', key: 'data', choices: ANALYZE_DATA,
   description: "measure ‖Γ‖₀,∞ of each layer's codes on the test digits of this set"},
  {flags: '--digits <n>', key: 'digits', parse: integer(1), default: String(DEFAULT_DIGITS),
   description: 'the first n test digits measured (with --data)'},
  {flags: '--unit-range', key: 'unitRange',
   description: "digits in [0, 1] (the inputs of the ML-CSC classifiers of 'reproduce ml-csc') instead of [-1, 1] (with --data)"},
  backendFlag(),
  {flags: '--json', key: 'json', description: 'print the results as one JSON object'},
];

/**
 * The model to analyse: the encoder of a CSC-CTRL run or `pretrained:NAME` autoencoder, the
 * model of a pretrained coder or classifier, or a saved layers model (a directory with
 * `model.json` or `model/model.json`, or the `model.json` itself).
 */
async function loadAnalyzed(source: string): Promise<tf.LayersModel> {
  if (source.startsWith(PRETRAINED)) {
    const loaded = await load(source.slice(PRETRAINED.length));
    if ('encoder' in loaded) return loaded.encoder;
    if ('dictionary' in loaded) loaded.dictionary.dispose();
    return loaded.model;
  }
  if (!existsSync(source)) throw new Error(`no such file or directory '${source}'`);
  const isDir = statSync(source).isDirectory();
  if (isDir && ((existsSync(path.join(source, 'encoder', 'model.json')) && existsSync(path.join(source, 'decoder', 'model.json'))) ||
                hasCheckpoint(source))) {
    return (await loadTrainedModels(source)).encoder;
  }
  const json = !isDir ? source : [path.join(source, 'model.json'), path.join(source, 'model', 'model.json')].find(existsSync);
  if (!json) throw new Error(`no model in '${source}' (expected model.json, model/model.json, a CSC-CTRL run or a checkpoint)`);
  return tf.loadLayersModel(new FileSystemHandler(path.resolve(json)));
}

/**
 * The first `count` test digits of `data`, at the model's input size, in [-1, 1] or with
 * `unitRange` in [0, 1], in batches (each disposed after use).
 */
function digitBatches(model: tf.LayersModel, data: AnalyzeData, count: number, unitRange: boolean): () => AsyncIterable<tf.Tensor> {
  const shape = model.inputs[0].shape;
  const size = shape[1];
  if (shape.length !== 4 || (size !== 28 && size !== 32) || shape[2] !== size || shape[3] !== 1) {
    throw new Error(`--data ${data} gives digits [28, 28, 1] or [32, 32, 1]; the model takes [${shape.slice(1).join(', ')}]`);
  }
  const set: ImageDataset = (data === 'mnist' ? mnistDataset : mnistFullDataset)({split: 'test', size});
  if (count > set.count) throw new Error(`--digits ${count}: the test split of ${data} has ${set.count} digits`);
  return async function* batches() {
    for (let offset = 0; offset < count; offset += BATCH) {
      const {images, labels} = await set.take(Math.min(BATCH, count - offset), offset);
      const batch = unitRange ? tf.tidy(() => tf.div(tf.add(images, 1), 2)) : images;
      try {
        yield batch;
      } finally {
        tf.dispose([images, labels, batch]);
      }
    }
  };
}

/** `x` with `digits` decimals, `∞` for an infinite bound. */
function fixed(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '∞';
}

/** The rows as a table with aligned columns. */
function table(rows: DictionaryRow[], measured: boolean): string[] {
  const header = ['layer', 'class', 'dictionary', 'stride', 'μ', '½(1+1/μ)', '⅓(1+1/μ)', ...(measured ? ['‖Γ‖₀,∞'] : [])];
  const cells = rows.map((r) => [
    r.name, r.className, `[${r.shape.join(', ')}]`, r.strides ? r.strides.join('×') : '–', r.mu.toFixed(4),
    fixed(r.uniqueness, 3), fixed(r.basisPursuit, 3), ...(measured ? [r.l0Inf === undefined ? '–' : String(r.l0Inf)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((s, i) => (i < 3 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), ...cells.map(line)];
}

/** `sparseland analyze`. */
export const ANALYZE: CommandSpec<AnalyzeValues> = {
  name: 'analyze',
  summary: "measure a model's dictionaries against the sparse-coding bounds",
  description: 'For every dictionary of a model (CSC stages, the kernels of ML-ISTA, ML-FISTA, ML-LISTA, layered ' +
               'thresholding and basis pursuit, IHT, the dictionary a LISTA holds, conv2d kernels): its mutual coherence μ ' +
               '(over the shifts of a convolutional dictionary), the uniqueness bound ½(1+1/μ) and the layered basis-pursuit ' +
               "bound ⅓(1+1/μ) on ‖Γ‖₀,∞, and with --data the largest ‖Γ‖₀,∞ of the layer's codes on test digits.",
  arguments: [['<model>', 'a CSC-CTRL run directory, a saved model (directory or model.json), or pretrained:NAME']],
  flags: ANALYZE_FLAGS,
  run: async ([source], values, {io, usage}) => {
    if (values.digits !== undefined && values.data === undefined) usage('--digits needs --data');
    if (values.unitRange && values.data === undefined) usage('--unit-range needs --data');
    try {
      await setBackend(values.backend, {log: false});
      const model = await loadAnalyzed(source);
      const digits = values.digits ?? DEFAULT_DIGITS;
      const images = values.data === undefined ? undefined : digitBatches(model, values.data, digits, values.unitRange ?? false);
      const rows = await dictionaryReport(model, images);
      if (rows.length === 0) throw new Error(`'${source}' holds no dictionary layer`);
      if (values.json) {
        io.out(JSON.stringify({model: source, ...(values.data === undefined ? {} : {data: values.data, digits}), layers: rows}));
      } else {
        io.out(`${source}: ${rows.length} dictionaries` +
               (values.data === undefined ? '' : `, ‖Γ‖₀,∞ over the first ${digits} test digits of ${values.data}`));
        for (const line of table(rows, values.data !== undefined)) io.out(line);
      }
      return 0;
    } catch (e) {
      io.err(`sparseland analyze: ${(e as Error).message}`);
      return 1;
    }
  },
};
