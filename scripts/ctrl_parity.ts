/**
 * The closed loop in sparseland against the PyTorch reference: the sparseland side.
 *
 * Builds `cscCtrl({preset: 'mnist', filters: [32, 64, 128, 128], features: 'linear', seed: 0})`
 * and writes, under `--out`, everything the PyTorch side (scripts/reference/ctrl_parity.py) needs
 * to play the same game from the same start:
 * - `weights.bin`: every weight of both models (CSC kernels, λ, power-iteration vectors,
 *   batch-normalisation γ, β, moving mean and variance), float32 in sparseland's layouts;
 * - `train_images.bin`, `train_labels.bin`: the images (float32 NHWC in [−1, 1]) and labels (int32)
 *   of the `--rounds` batches of the run, the standard MNIST training digits in a fixed shuffled
 *   order (`batches({batchSize, epoch, seed: 0})`, epoch after epoch);
 * - `test_images.bin`: the first 500 standard test digits (`take(500)`);
 * - `check.bin`: Z and X̂ of the first batch from the initial weights in training mode, then in
 *   inference mode after that pass (the weights are put back after both);
 * - `index.json`: the shapes and byte offsets of all of these.
 * Then it trains with `ClosedLoopTrainer({mode: 'multi', numClasses: 10, learningRate: 1.5e-4,
 * beta1: 0.5, beta2: 0.999, movingStatistics: 'all'})` on those batches, one round each, and appends
 * to `sparseland.jsonl` one line per round: `{round, seconds, encoder: {objective, deltaRZ,
 * deltaRZHat, deltaRPairs}, decoder: {…}}` (the terms before each player's step), with `psnr` (mean
 * PSNR of g(f(x)) against x on the 500 test digits, inference mode, range [−1, 1]) every
 * `--eval-every` rounds and at round 0 (before training).
 *
 * A control for how far two float32 runs of the game drift apart from rounding alone:
 * `--perturb 1e-6 --log sparseland_perturbed.jsonl` multiplies every trainable weight by
 * `1 + 1e-6 N(0, 1)` (seeded) after writing the files, which stay those of the unperturbed start.
 *
 * Usage: `npx tsc -p . && node dist/scripts/ctrl_parity.js [--rounds 200] [--batch 128]
 * [--out out/parity] [--eval-every 20] [--backend NAME] [--perturb X] [--log FILE]`; then
 * `/usr/bin/python3 scripts/reference/ctrl_parity.py --out out/parity` and
 * `node dist/scripts/ctrl_parity_plot.js --out out/parity`.
 */
import * as tf from '@tensorflow/tfjs';
import {appendFileSync, mkdirSync, writeFileSync} from 'fs';
import * as path from 'path';
import {parseArgs} from 'util';
import * as sl from '../src/node';
import * as v from '../src/util/validate';

const NAME = 'ctrl_parity';
const TEST_IMAGES = 500;

const {values: args} = parseArgs({options: {
  rounds: {type: 'string', default: '200'},
  batch: {type: 'string', default: '128'},
  out: {type: 'string', default: 'out/parity'},
  'eval-every': {type: 'string', default: '20'},
  backend: {type: 'string'},
  perturb: {type: 'string', default: '0'},
  log: {type: 'string', default: 'sparseland.jsonl'},
}});
const rounds = v.positiveInt(NAME, '--rounds', Number(args.rounds));
const batch = v.positiveInt(NAME, '--batch', Number(args.batch));
const evalEvery = v.positiveInt(NAME, '--eval-every', Number(args['eval-every']));
const perturb = v.nonNegNumber(NAME, '--perturb', Number(args.perturb));
const out = args.out!;

/** Arrays written one after the other into one binary file, with their shapes and byte offsets. */
class BinaryFile {
  readonly entries: Record<string, {shape: number[]; dtype: string; offset: number}> = {};
  private readonly parts: Buffer[] = [];
  private size = 0;

  constructor(readonly file: string) {}

  add(name: string, shape: number[], data: Float32Array | Int32Array): void {
    this.entries[name] = {shape, dtype: data instanceof Float32Array ? 'float32' : 'int32', offset: this.size};
    this.parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.size += data.byteLength;
  }

  write(): {file: string; arrays: BinaryFile['entries']} {
    writeFileSync(path.join(out, this.file), Buffer.concat(this.parts));
    return {file: this.file, arrays: this.entries};
  }
}

/** Every weight of the model's layers, as `layer/weight` (the last part of the weight's name). */
function namedWeights(models: tf.LayersModel[]): [string, tf.LayerVariable][] {
  return models.flatMap((m) => m.layers.flatMap((layer) =>
    layer.weights.map((w) => [`${layer.name}/${w.originalName.split('/').pop()}`, w] as [string, tf.LayerVariable])));
}

/** Mean PSNR of `g(f(x))` against `x` in inference mode (pixel range [−1, 1]). */
function testPsnr(encoder: tf.LayersModel, decoder: tf.LayersModel, x: tf.Tensor4D): number {
  return tf.tidy(() => {
    const xHat = decoder.apply(encoder.apply(x)) as tf.Tensor4D;
    return tf.mean(sl.metrics.psnr(x, xHat)).dataSync()[0];
  });
}

async function main(): Promise<void> {
  const backend = await sl.backend.setBackend(args.backend);
  mkdirSync(out, {recursive: true});
  const {encoder, decoder} = sl.models.cscCtrl({preset: 'mnist', filters: [32, 64, 128, 128], features: 'linear', seed: 0});
  const weights = namedWeights([encoder, decoder]);

  const weightFile = new BinaryFile('weights.bin');
  for (const [name, w] of weights) weightFile.add(name, w.shape as number[], w.read().dataSync() as Float32Array);

  // The batches of the run, epoch after epoch in the data set's fixed order.
  const train = sl.data.mnistFullDataset({split: 'train', size: 32});
  const pixels = 32 * 32;
  const images = new Float32Array(rounds * batch * pixels);
  const labels = new Int32Array(rounds * batch);
  for (let r = 0, epoch = 0; r < rounds; epoch++) {
    for await (const b of train.batches({batchSize: batch, epoch, seed: 0})) {
      images.set(b.images.dataSync(), r * batch * pixels);
      labels.set(b.labels.dataSync(), r * batch);
      tf.dispose([b.images, b.labels]);
      if (++r === rounds) break;
    }
  }
  const dataFile = new BinaryFile('train_images.bin');
  dataFile.add('images', [rounds * batch, 32, 32, 1], images);
  const labelFile = new BinaryFile('train_labels.bin');
  labelFile.add('labels', [rounds * batch], labels);
  const test = await sl.data.mnistFullDataset({split: 'test', size: 32}).take(TEST_IMAGES);
  test.labels.dispose();
  const testFile = new BinaryFile('test_images.bin');
  testFile.add('images', test.images.shape, test.images.dataSync() as Float32Array);
  const batchAt = (r: number) => tf.tensor4d(images.subarray(r * batch * pixels, (r + 1) * batch * pixels), [batch, 32, 32, 1]);

  // Z and X̂ of the first batch in training mode (which advances the power-iteration vectors and
  // moves the batch-normalisation statistics), then in inference mode from that state (the initial
  // moving statistics would give all-zero codes); the weights are put back after.
  const checkFile = new BinaryFile('check.bin');
  const initial = weights.map(([, w]) => tf.keep(w.read().clone()));
  tf.tidy(() => {
    const x = batchAt(0);
    for (const training of [true, false]) {
      const z = encoder.apply(x, {training}) as tf.Tensor2D;
      const xHat = decoder.apply(z, {training}) as tf.Tensor4D;
      const mode = training ? 'training' : 'inference';
      checkFile.add(`z_${mode}`, z.shape, z.dataSync() as Float32Array);
      checkFile.add(`xHat_${mode}`, xHat.shape, xHat.dataSync() as Float32Array);
    }
  });
  weights.forEach(([, w], i) => w.write(initial[i]));
  tf.dispose(initial);

  writeFileSync(path.join(out, 'index.json'), JSON.stringify({
    generator: 'scripts/ctrl_parity.ts', backend, rounds, batch, evalEvery,
    model: {preset: 'mnist', filters: [32, 64, 128, 128], features: 'linear', seed: 0},
    trainer: {mode: 'multi', numClasses: 10, learningRate: 1.5e-4, beta1: 0.5, beta2: 0.999, movingStatistics: 'all'},
    data: {train: "mnistFullDataset({split: 'train', size: 32}).batches({batchSize, epoch, seed: 0})",
           test: `mnistFullDataset({split: 'test', size: 32}).take(${TEST_IMAGES})`},
    weights: weightFile.write(), trainImages: dataFile.write(), trainLabels: labelFile.write(),
    testImages: testFile.write(), check: checkFile.write(),
  }, null, 1));
  console.log(`${NAME}: wrote the initial weights, ${rounds} batches of ${batch} and ${TEST_IMAGES} test digits to ${out}`);

  let seed = 1;
  for (const w of perturb > 0 ? [...encoder.trainableWeights, ...decoder.trainableWeights] : []) {
    const noise = tf.randomNormal(w.shape as number[], 0, 1, 'float32', seed++);
    tf.tidy(() => {
      w.write(tf.mul(w.read(), tf.add(1, tf.mul(perturb, noise))));
    });
    noise.dispose();
  }
  const trainer = new sl.train.ClosedLoopTrainer({encoder, decoder, mode: 'multi', numClasses: 10, learningRate: 1.5e-4,
                                                  beta1: 0.5, beta2: 0.999, movingStatistics: 'all'});
  const log = path.join(out, args.log!);
  writeFileSync(log, JSON.stringify({round: 0, psnr: testPsnr(encoder, decoder, test.images)}) + '\n');
  const start = Date.now();
  for (let r = 0; r < rounds; r++) {
    const x = batchAt(r);
    const t0 = Date.now();
    const {encoder: e, decoder: d} = trainer.trainRound(x, labels.subarray(r * batch, (r + 1) * batch));
    const line: Record<string, unknown> = {round: r + 1, seconds: (Date.now() - t0) / 1e3, encoder: e, decoder: d};
    x.dispose();
    if ((r + 1) % evalEvery === 0 || r + 1 === rounds) line.psnr = testPsnr(encoder, decoder, test.images);
    appendFileSync(log, JSON.stringify(line) + '\n');
    if ((r + 1) % 10 === 0) {
      console.log(`round ${r + 1}/${rounds}: encoder ${e.objective.toFixed(3)}, decoder ${d.objective.toFixed(3)}` +
                  `${line.psnr === undefined ? '' : `, PSNR ${(line.psnr as number).toFixed(2)} dB`}` +
                  ` (${((Date.now() - start) / 1e3).toFixed(0)} s)`);
    }
  }
  console.log(`${NAME}: ${rounds} rounds in ${((Date.now() - start) / 1e3).toFixed(0)} s; log ${log}`);
  test.images.dispose();
  trainer.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
