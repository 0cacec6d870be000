import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {mlCscClassifier} from '../../models';
import {mnistFullDataset} from '../../src/data/mnist_full';
import {FileSystemHandler} from '../../src/io/file_system';
import {PRETRAINED_CLASSIFIERS} from '../../src/pretrained';
import {testAccuracy} from '../../src/reproduce/ml_csc';
import {digitNoise, NoiseRobustnessReproduction, reproduceNoiseRobustness, unfoldingsOf,
        withUnfoldings} from '../../src/reproduce/noise_robustness';
import {cliRunner} from '../commands/cli_runner';
import {expectClose} from '../helpers';

const SMALL = {filters: [8, 16, 32], kernelSize: [6, 6, 4], strides: [2, 2, 1]};
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Accuracy (%) of `model` on the first `count` test digits in [0, 1] plus `sigma` times the noise of `seed`. */
async function accuracyOn(model: tf.LayersModel, count: number, sigma: number, seed: number): Promise<number> {
  const {images, labels} = await mnistFullDataset({split: 'test', size: 28}).take(count);
  const noise = digitNoise(seed, 0, count, [28, 28, 1]);
  const correct = tf.tidy(() => {
    const x = tf.add(tf.div(tf.add(images, 1), 2), tf.mul(sigma, noise));
    return tf.sum(tf.cast(tf.equal(tf.argMax(model.predict(x) as tf.Tensor, 1), labels), 'int32')).dataSync()[0];
  });
  tf.dispose([images, labels, noise]);
  return 100 * correct / count;
}

describe('reproduce noise-robustness', () => {
  let dir: string;
  let model: tf.LayersModel;

  // A small ML-ISTA classifier (2 unfoldings) trained on 600 digits in [0, 1], saved in `dir/model`.
  before(async function () {
    this.timeout(300_000);
    dir = mkdtempSync(path.join(tmpdir(), 'sparseland-noise-'));
    const {images, labels} = await mnistFullDataset({split: 'train', size: 28}).take(600);
    const x = tf.tidy(() => tf.div(tf.add(images, 1), 2));
    model = mlCscClassifier({pursuit: 'mlIsta', iterations: 2, ...SMALL});
    model.compile({optimizer: tf.train.adam(3e-3), loss: 'sparseCategoricalCrossentropy'});
    await model.fit(x, tf.cast(labels, 'float32'), {epochs: 3, batchSize: 30, verbose: 0});
    tf.dispose([images, labels, x]);
    await model.save(new FileSystemHandler(path.join(dir, 'model')));
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('withUnfoldings(model, 0) is the CNN of the same weights; the model keeps its 2 unfoldings', async function () {
    this.timeout(60_000);
    const zero = await withUnfoldings(model, 0);
    assert.deepEqual([unfoldingsOf(zero), unfoldingsOf(model)], [0, 2]);
    const cnn = mlCscClassifier({pursuit: 'layeredThresholding', ...SMALL});
    const byName = new Map(model.weights.map((w, i) => [w.originalName.replace(/^[^/]*\//, ''), model.getWeights()[i]]));
    cnn.setWeights(cnn.weights.map((w) => byName.get(w.originalName.replace(/^[^/]*\//, ''))!));
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 5);
    expectClose(zero.predict(x) as tf.Tensor, cnn.predict(x) as tf.Tensor, 1e-5);
    // and the unfoldings change the output (else this test could not tell the two apart).
    assert.ok(tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, cnn.predict(x) as tf.Tensor))).dataSync()[0] > 1e-3);
    const two = await withUnfoldings(model, 2);
    expectClose(two.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 1e-6);
  });

  it('at σ = 0 each curve is the accuracy of its model computed directly; at σ = 0.4 on the same noise', async function () {
    this.timeout(120_000);
    const before = tf.memory().numTensors;
    const result = await reproduceNoiseRobustness({model, sigmas: [0, 0.4], digits: 300, seed: 2, reference: null});
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind (the 0-unfolding copy disposed)');
    assert.deepEqual(result.curves.map((c) => [c.role, c.unfoldings]), [['unrolled', 2], ['zeroUnfoldings', 0]]);
    const [unrolled, zero] = result.curves;
    // The model with unfoldings set to 0 in its own config, built apart.
    const direct = mlCscClassifier({pursuit: 'mlIsta', iterations: 0, ...SMALL});
    direct.setWeights(model.getWeights());
    const test = mnistFullDataset({split: 'test', size: 28}).first(300);
    assert.equal(zero.accuracy[0], await testAccuracy(direct, test));
    assert.equal(unrolled.accuracy[0], await testAccuracy(model, test));
    assert.ok(unrolled.accuracy[0] > 60, `a trained model: ${unrolled.accuracy[0]} %`);
    assert.equal(zero.accuracy[1], await accuracyOn(direct, 300, 0.4, 2));
    assert.equal(unrolled.accuracy[1], await accuracyOn(model, 300, 0.4, 2));
    assert.ok(unrolled.accuracy[1] < unrolled.accuracy[0], 'noise of σ = 0.4 costs accuracy');
  });

  it('the noise: N(0, 1) from the seed, the same on every call, other for another seed or other digits', () => {
    const a = digitNoise(3, 500, 400, [28, 28, 1]);
    assert.deepEqual(a.shape, [400, 28, 28, 1]);
    const values = Array.from(a.dataSync());
    const mean = values.reduce((s, x) => s + x, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length);
    assert.ok(Math.abs(mean) < 0.01 && Math.abs(std - 1) < 0.01, `mean ${mean}, std ${std}`);
    assert.deepEqual(Array.from(digitNoise(3, 500, 400, [28, 28, 1]).dataSync()), values);
    assert.notDeepEqual(Array.from(digitNoise(4, 500, 400, [28, 28, 1]).dataSync()), values);
    assert.notDeepEqual(Array.from(digitNoise(3, 0, 400, [28, 28, 1]).dataSync()), values);
    // The seed 0 is seeded too (tfjs draws unseeded numbers for a seed of 0).
    assert.deepEqual(Array.from(digitNoise(0, 0, 2, [3]).dataSync()), Array.from(digitNoise(0, 0, 2, [3]).dataSync()));
  });

  it('two runs with the same seed give the same accuracies; another seed, other noisy digits', async function () {
    this.timeout(120_000);
    const run = (seed: number) => reproduceNoiseRobustness({model: path.join(dir, 'model'), sigmas: [0.8], digits: 500, seed,
                                                              reference: null});
    const [first, again, other] = [await run(1), await run(1), await run(7)];
    assert.deepEqual(again.curves, first.curves);
    assert.notDeepEqual(other.curves.map((c) => c.accuracy), first.curves.map((c) => c.accuracy));
  });

  it('the command on 40 digits writes accuracy.png, results.json and results.md, with the shipped CNN as reference', async function () {
    this.timeout(120_000);
    const out = path.join(dir, 'run');
    const {run, out: lines} = cliRunner();
    assert.equal(await run(['reproduce', 'noise-robustness', '--model', path.join(dir, 'model'), '--sigmas', '0,0.5',
                            '--digits', '40', '--seed', '3', '--out', out]), 0);
    assert.equal(readFileSync(path.join(out, 'accuracy.png')).subarray(1, 4).toString(), 'PNG');
    const json = readJson<NoiseRobustnessReproduction>(path.join(out, 'results.json'));
    assert.deepEqual(json.curves.map((c) => c.name), ['ML-ISTA, 2 unfoldings', '0 unfoldings (same weights)', 'reference: ml-csc-mnist-cnn']);
    assert.deepEqual([json.setting.sigmas, json.setting.digits, json.setting.seed, json.setting.reference, json.setting.clipped],
                     [[0, 0.5], 40, 3, 'pretrained:ml-csc-mnist-cnn', false]);
    // Accuracies of 40 digits are multiples of 2.5 %.
    assert.ok(json.curves.every((c) => c.accuracy.length === 2 && c.accuracy.every((a) => Number.isInteger(a / 2.5))));
    const table = readFileSync(path.join(out, 'results.md'), 'utf8');
    assert.match(table, /\| model \| σ = 0 \| σ = 0\.5 \|/);
    assert.match(table, /\| ML-ISTA, 2 unfoldings \| \d+\.\d\d \| \d+\.\d\d \|/);
    assert.match(table, /Command: `sparseland reproduce noise-robustness --model \S+ --sigmas 0,0\.5 --digits 40 --seed 3 --out /);
    assert.match(lines.join('\n'), /^reference: ml-csc-mnist-cnn: σ 0: \d+\.\d\d %, σ 0\.5: \d+\.\d\d %$/m);
  });

  describe('rejects bad arguments, naming them', () => {
    it('a negative σ, digits 0 or 10,001, an unknown model, a model without unrolled ML-CSC layers', async function () {
      this.timeout(60_000);
      const run = (options: Partial<Parameters<typeof reproduceNoiseRobustness>[0]>) =>
        reproduceNoiseRobustness({model, reference: null, digits: 10, ...options});
      await assert.rejects(run({sigmas: [0, -0.1]}), /reproduceNoiseRobustness: sigmas\[1\] must be a finite number ≥ 0, got -0\.1/);
      await assert.rejects(run({sigmas: []}), /reproduceNoiseRobustness: sigmas must be a non-empty array of numbers ≥ 0, got \[\]/);
      await assert.rejects(run({digits: 0}), /reproduceNoiseRobustness: digits must be a positive integer, got 0/);
      await assert.rejects(run({digits: 10001}), /reproduceNoiseRobustness: digits must be at most 10000 .*, got 10001/);
      // Every shipped classifier by name (test/pretrained.test.ts checks the list against the folders).
      const classifiers = PRETRAINED_CLASSIFIERS.map((n) => `'${n}'`).join(', ');
      await assert.rejects(run({model: 'pretrained:no-such-model'}), {
        message: `reproduceNoiseRobustness: model must be a model folder, its model.json, or 'pretrained:NAME' of a classifier (${classifiers}), got 'pretrained:no-such-model'`});
      await assert.rejects(run({model: 'pretrained:alista-250x500'}), /reproduceNoiseRobustness: model must be .*got 'pretrained:alista-250x500'/);
      await assert.rejects(run({model: path.join(dir, 'absent')}), /reproduceNoiseRobustness: model must be .*no such file or folder, got '.*absent'/);
      await assert.rejects(run({reference: path.join(dir, 'absent')}), /reproduceNoiseRobustness: reference must be .*, got '.*absent'/);
      const plain = tf.sequential({layers: [tf.layers.conv2d({filters: 2, kernelSize: 3, inputShape: [28, 28, 1]}),
                                            tf.layers.flatten(), tf.layers.dense({units: 10})]});
      await assert.rejects(run({model: plain}),
                           /reproduceNoiseRobustness: model must be a classifier with an unrolled ML-CSC layer \(MlIsta, MlFista, MlLista or LayeredBasisPursuit\), got 'a model of layers \[Conv2D, Flatten, Dense\]'/);
      await assert.rejects(run({model: mlCscClassifier({pursuit: 'layeredThresholding', ...SMALL})}),
                           /model must be .*\(layered thresholding, the CNN, has none\), got 'a model of layers \[LayeredThresholding, Flatten, Dense\]'/);
      await assert.rejects(run({model: mlCscClassifier({pursuit: 'mlIsta', ...SMALL, inputShape: [32, 32, 1]})}),
                           /reproduceNoiseRobustness: model must be a classifier of digits \[batch, 28, 28, 1\], got 'a model of input \[32, 32, 1\]'/);
    });

    it('the command: --sigmas with a negative σ and a missing --model are usage errors (2), an unknown model a failure (1)', async () => {
      const {run, err} = cliRunner();
      const out = path.join(dir, 'bad');
      assert.equal(await run(['reproduce', 'noise-robustness', '--model', path.join(dir, 'model'), '--sigmas', '0,-0.2', '--out', out]), 2);
      assert.match(err.join('\n'), /option '--sigmas <list>' argument '0,-0.2' is invalid\. Expected comma-separated numbers ≥ 0\./);
      assert.equal(await run(['reproduce', 'noise-robustness', '--out', out]), 2);
      assert.match(err.join('\n'), /required option '--model <model>' not specified/);
      assert.equal(await run(['reproduce', 'noise-robustness', '--model', 'pretrained:nope', '--reference', 'none', '--out', out]), 1);
      assert.match(err.join('\n'), /sparseland reproduce noise-robustness: reproduceNoiseRobustness: model must be .*got 'pretrained:nope'/);
      assert.ok(!existsSync(out));
    });
  });
});
