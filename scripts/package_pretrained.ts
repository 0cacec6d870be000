/**
 * Packages a CSC-CTRL run as a pretrained model: copies the run's latest checkpoint's encoder and
 * decoder to `pretrained/<name>/`, evaluates them on the run's data (as `sparseland eval` does:
 * every test image, the classifier fitted on every training image) and writes `info.json` with
 * the training commands, the run's options and the evaluation.
 *
 * Usage: node dist/scripts/package_pretrained.js <run dir> <name> "<training commands>" "<description>"
 */
import * as tf from '@tensorflow/tfjs';
import {promises as fs} from 'fs';
import * as path from 'path';
import * as sl from '../src/node';
import {pretrainedDir} from '../src/pretrained/node';

/** Pixels of each reconstruction recorded in `golden` (flattened indices). */
const GOLDEN_PIXELS = [0, 130, 270, 400, 528, 660, 790, 1000];

/**
 * Values the shipped files must reproduce, for test/pretrained.test.ts: the first 8 features
 * and a few reconstruction pixels of the first 4 test images, and each reconstruction's mean.
 */
async function golden(encoder: tf.LayersModel, decoder: tf.LayersModel, test: sl.data.ImageDataset) {
  const {images, labels} = await test.take(4);
  const z = encoder.predict(images) as tf.Tensor2D;
  const xHat = tf.tidy(() => (decoder.predict(z) as tf.Tensor4D).reshape([4, -1]) as tf.Tensor2D);
  const mean = xHat.mean(1);
  const features = (await z.array()).map((row) => row.slice(0, 8));
  const pixels = (await xHat.array()).map((row) => GOLDEN_PIXELS.map((i) => row[i]));
  const means = Array.from(await mean.data());
  tf.dispose([images, labels, z, xHat, mean]);
  return {images: 4, features, pixelIndices: GOLDEN_PIXELS, pixels, means};
}

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
    golden: await golden(checkpoint.encoder, checkpoint.decoder, test),
    rounds: checkpoint.round, epochs: checkpoint.epoch + checkpoint.batchInEpoch / train.batchesPerEpoch(checkpoint.options.batchSize!),
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
