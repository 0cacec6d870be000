/**
 * Packages a CSC-CTRL run as a pretrained model: copies the run's latest checkpoint's encoder and
 * decoder to `pretrained/<name>/`, evaluates them on the run's data (as `sparseland eval` does:
 * every test image, the classifier fitted on every training image) and writes `info.json` with
 * the training commands, the run's options and the evaluation.
 *
 * Usage: node dist/scripts/package_pretrained.js <run dir> <name> "<training commands>" "<description>"
 */
import {promises as fs} from 'fs';
import * as path from 'path';
import * as sl from '../src';
import {pretrainedDir} from '../src/pretrained';

async function run(): Promise<void> {
  const [dir, name, command, description] = process.argv.slice(2);
  if (!dir || !name || !command || !description) {
    throw new Error('usage: package_pretrained <run dir> <name> "<training command>" "<description>"');
  }
  await sl.backend.setBackend(undefined, {log: false});
  const checkpoint = await sl.train.loadCheckpointModels<sl.train.CtrlRunOptions>(dir);
  const target = path.join(pretrainedDir(), name);
  const tmp = `${target}.tmp-${process.pid}`;
  await fs.rm(tmp, {recursive: true, force: true});
  await checkpoint.encoder.save(`file://${path.join(tmp, 'encoder')}`);
  await checkpoint.decoder.save(`file://${path.join(tmp, 'decoder')}`);
  const [h] = checkpoint.encoder.inputs[0].shape.slice(1) as number[];
  const folder = {cacheDir: checkpoint.options.cacheDir, shardSize: checkpoint.options.shardSize};
  const test = await sl.train.openDataset(checkpoint.options.data ?? 'mnist', h, 'test', folder);
  const train = await sl.train.openDataset(checkpoint.options.data ?? 'mnist', h, 'train', folder);
  const evaluation = await sl.train.evaluateCscCtrl(checkpoint.encoder, checkpoint.decoder,
                                                    {test, train, grid: path.join(tmp, 'reconstructions.png')});
  const info = {
    description, command, data: checkpoint.options.data, options: checkpoint.options,
    rounds: checkpoint.step, epochs: checkpoint.epoch + checkpoint.batchInEpoch / train.batchesPerEpoch(checkpoint.options.batchSize!),
    evaluation: {...evaluation, command: `npx sparseland eval pretrained:${name}`,
                 testImages: test.count, trainImages: train.count},
  };
  await fs.writeFile(path.join(tmp, 'info.json'), JSON.stringify(info, null, 1) + '\n');
  await fs.rm(target, {recursive: true, force: true});
  await fs.rename(tmp, target);
  console.log(JSON.stringify(info.evaluation));
}

run().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
