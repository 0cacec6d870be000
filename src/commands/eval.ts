/**
 * `sparseland eval <run dir>`: reconstruction PSNR/SSIM, nearest-subspace accuracy, code
 * sparsity and rate reduction of a trained CSC-CTRL autoencoder, and a reconstruction grid.
 */
import * as path from 'path';
import {setBackend} from '../backend';
import {openDataset} from '../train/ctrl_run';
import {evaluateCscCtrl} from '../train/ctrl_eval';
import {loadTrainedModels, PRETRAINED} from '../train/trained_models';
import {CommandIo, numberOption, parseCommandLine} from './io';

export const EVAL_USAGE = `sparseland eval <run dir | pretrained:NAME> [--data mnist|mnist-full|DIR] [--train-images N]
  [--test-images N] [--components K] [--grid FILE] [--backend NAME] [--json]
  evaluates <run dir>/encoder and /decoder (or its latest checkpoint), or a pretrained model:
  PSNR, SSIM, nearest-subspace accuracy, sparsity, ΔR, and a grid of originals above reconstructions`;

const OPTIONS = {
  'data': {type: 'string'}, 'train-images': {type: 'string'}, 'test-images': {type: 'string'},
  'components': {type: 'string'}, 'grid': {type: 'string'}, 'backend': {type: 'string'}, 'json': {type: 'boolean'},
} as const;

export async function evalCommand(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(args, OPTIONS, true);
  } catch (e) {
    return io.usage((e as Error).message);
  }
  if (parsed.positionals.length !== 1) return io.usage(`'eval' takes 1 argument, got ${parsed.positionals.length}`);
  const [dir] = parsed.positionals;
  const values = parsed.values;
  const counts: Record<string, number | undefined> = {};
  for (const flag of ['train-images', 'test-images', 'components'] as const) {
    if (values[flag] === undefined) continue;
    const n = numberOption(flag, values[flag], true, 1);
    if (typeof n === 'string') return io.usage(n);
    counts[flag] = n;
  }
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
      test, train, grid, testImages: counts['test-images'], trainImages: counts['train-images'],
      components: counts['components'],
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
}
