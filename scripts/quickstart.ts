/**
 * The main job: a short CSC-CTRL run on MNIST that ends with a reconstruction grid.
 *
 * Trains the MNIST preset at half width (atoms 32, 64, 128, 128, linear features) on the
 * standard MNIST training set for a few minutes (`sparseland train`, progress bar, checkpoints
 * and curves included), in two phases at batch 250 and Adam 1e-3: warm-up rounds of the encoder
 * up `ΔR(Z)`, then rounds in which the decoder alone closes the loop through that encoder by the
 * sample-wise consistency of the stages' codes (`--encoder-steps 0 --consistency-weight 1e4`).
 * The run evaluates it on test digits (reconstruction PSNR and SSIM, the nearest-subspace accuracy
 * of its features) and writes `out/quickstart/reconstructions.png`; the script then prints the
 * PSNR of the mean training digit on the same digits (the baseline a reconstruction must beat),
 * shows the same digits through the pretrained model (`sl.pretrained.load('mnist-csc-ctrl')`) in
 * `out/quickstart/pretrained.png`, and draws 8 new images per class from it
 * (`sparseland sample`) in `out/quickstart/samples.png`.
 *
 * Usage: node dist/scripts/quickstart.js [--minutes X] [--backend NAME] [--out DIR]
 */
import * as tf from '@tensorflow/tfjs';
import {rmSync} from 'fs';
import * as path from 'path';
import {parseArgs} from 'util';
import * as sl from '../src/node';
import {main} from '../src/cli';

const {values: args} = parseArgs({options: {
  minutes: {type: 'string', default: '4'},
  backend: {type: 'string'},
  out: {type: 'string', default: 'out/quickstart'},
}});

async function run(): Promise<number> {
  rmSync(args.out, {recursive: true, force: true});
  console.log(`# sparseland ${sl.version}: CSC-CTRL on MNIST for ${args.minutes} minutes\n`);
  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort());
  // About 2.2 s per warm-up round and 3.5 s per decoder round at batch 250 on 2 cores; the
  // evaluations, checkpoints and the pretrained model's pictures take the rest of the time.
  const batch = 250;
  const seconds = Number(args.minutes) * 60 * 0.8;
  const warmup = Math.max(1, Math.round(seconds * 0.4 / 2.2));
  const decoderRounds = Math.max(1, Math.round(seconds * 0.6 / 3.5));
  const code = await main(['train', '--preset', 'mnist-csc-ctrl', '--data', 'mnist-full', '--filters', '32,64,128,128',
                           '--features', 'linear', '--mode', 'multi', '--warmup-rounds', String(warmup),
                           '--encoder-steps', '0', '--consistency-weight', '1e4',
                           '--batch', String(batch), '--lr', '1e-3', '--rounds', String(warmup + decoderRounds),
                           '--max-minutes', String(Number(args.minutes) * 0.8), '--checkpoint-every', '25',
                           '--out', args.out, ...(args.backend ? ['--backend', args.backend] : [])],
                          console.log, console.error, controller.signal, process.stderr);
  if (code !== 0) return code;
  // Digits that neither model trained on: the standard test set.
  const test = sl.data.mnistFullDataset({split: 'test'});
  const train = sl.data.mnistFullDataset({split: 'train'});
  const digits = await test.take(500);
  const first = await train.take(10000);
  const meanDigit = tf.tidy(() => {
    const mean = tf.mean(first.images, 0, true).tile([500, 1, 1, 1]) as tf.Tensor4D;
    return tf.mean(sl.metrics.psnr(digits.images, mean)).dataSync()[0];
  });
  console.log(`\nthe mean of 10,000 training digits as the reconstruction of the same 500 test digits: ` +
              `PSNR ${meanDigit.toFixed(2)} dB (the baseline a reconstruction must beat)`);
  tf.dispose([digits.images, digits.labels, first.images, first.labels]);
  if (!sl.pretrained.available().includes('mnist-csc-ctrl')) return 0;
  const {encoder, decoder, info} = await sl.pretrained.load('mnist-csc-ctrl');
  const grid = path.join(args.out, 'pretrained.png');
  const result = await sl.train.evaluateCscCtrl(encoder, decoder, {test, testImages: 500, train, trainImages: 1000, grid});
  console.log(`the pretrained model (${info.description}) on the same 500 digits: PSNR ${result.psnr.toFixed(2)} dB, ` +
              `SSIM ${result.ssim.toFixed(3)}, nearest-subspace accuracy ${(100 * result.accuracy!).toFixed(1)} %; ` +
              `wrote ${grid}`);
  const samples = path.join(args.out, 'samples.png');
  const sampled = await main(['sample', 'pretrained:mnist-csc-ctrl', '--per-class', '8', '--train-images', '5000',
                              '--out', samples, ...(args.backend ? ['--backend', args.backend] : [])]);
  if (sampled !== 0) return sampled;
  tf.disposeVariables();
  return 0;
}

run().then((code) => {
  process.exitCode = code;
});
