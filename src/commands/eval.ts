/**
 * `sparseland eval <run dir>`: reconstruction PSNR/SSIM, nearest-subspace accuracy, code
 * sparsity and rate reduction of a trained CSC-CTRL autoencoder, and a reconstruction grid.
 */
import * as path from 'path';
import {setBackend} from '../backend/node';
import {openDataset} from '../train/ctrl_run';
import {evaluateCscCtrl} from '../train/ctrl_eval';
import {loadTrainedModels, PRETRAINED} from '../train/trained_models';
import {CommandSpec} from './io';
import {backendFlag, FlagTable, integer} from './options';

/** What the flags of `eval` set. */
export interface EvalValues {
  data: string;
  trainImages: number;
  testImages: number;
  components: number;
  grid: string;
  backend: string;
  json: boolean;
}

/** The flags of `eval`. */
export const EVAL_FLAGS: FlagTable<EvalValues> = [
  {flags: '--data <dir>', key: 'data', default: "the run's data, else mnist",
   description: 'mnist, mnist-full or an image folder (DIR/train/<class>/*, DIR/val/<class>/*)'},
  {flags: '--train-images <n>', key: 'trainImages', parse: integer(1), default: 'all',
   description: 'training images the nearest-subspace classifier is fitted on'},
  {flags: '--test-images <n>', key: 'testImages', parse: integer(1), default: 'all', description: 'held-out images evaluated'},
  {flags: '--components <k>', key: 'components', parse: integer(1), default: '10, at most the feature dimension − 1',
   description: "principal directions of each class's subspace"},
  {flags: '--grid <file>', key: 'grid', default: 'RUN/eval.png, or eval.png for pretrained:NAME',
   description: 'PNG of originals above reconstructions'},
  backendFlag(),
  {flags: '--json', key: 'json', description: 'print the results as one JSON object'},
];

/** `sparseland eval`. */
export const EVAL: CommandSpec<EvalValues> = {
  name: 'eval',
  summary: 'evaluate a trained CSC-CTRL autoencoder',
  description: 'Evaluates RUN/encoder and RUN/decoder (or its latest checkpoint), or a pretrained model: reconstruction ' +
               'PSNR and SSIM, nearest-subspace accuracy, code density, ΔR, and a grid of originals above reconstructions.',
  arguments: [['<run>', 'a run directory or pretrained:NAME']],
  flags: EVAL_FLAGS,
  run: async ([dir], values, {io}) => {
    try {
      await setBackend(values.backend, {log: false});
      const run = await loadTrainedModels(dir);
      const data = values.data ?? run.data ?? 'mnist';
      const [h] = run.encoder.inputs[0].shape.slice(1) as number[];
      const folder = {warn: io.err, cacheDir: run.cacheDir, shardSize: run.shardSize};
      const test = await openDataset(data, h, 'test', folder);
      const train = await openDataset(data, h, 'train', folder);
      const grid = values.grid ?? (dir.startsWith(PRETRAINED) ? 'eval.png' : path.join(dir, 'eval.png'));
      const result = await evaluateCscCtrl(run.encoder, run.decoder, {
        test, train, grid, testImages: values.testImages, trainImages: values.trainImages, components: values.components,
      });
      if (values.json) {
        io.out(JSON.stringify(result));
      } else {
        io.out(`${result.images} test images of ${test.name}`);
        io.out(`reconstruction PSNR ${result.psnr.toFixed(2)} dB, SSIM ${result.ssim.toFixed(4)}`);
        io.out(`nearest-subspace accuracy ${(100 * result.accuracy!).toFixed(2)} %; reconstructions classified as their ` +
               `image's class ${(100 * result.reconstructionAccuracy!).toFixed(2)} % (the same classifier on their features)`);
        io.out(`code density per stage ${result.density.map((d) => d.toFixed(4)).join(', ')}`);
        io.out(`ΔR(Z) ${result.deltaR.toFixed(3)}, ΔR(Z, Ẑ) ${result.deltaRReconstruction.toFixed(3)}`);
        io.out(`wrote ${grid} (originals above reconstructions)`);
      }
      return 0;
    } catch (e) {
      io.err(`sparseland eval: ${(e as Error).message}`);
      return 1;
    }
  },
};
