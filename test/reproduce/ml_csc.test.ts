import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {mnistFullDataset} from '../../src/data/mnist_full';
import {FileSystemHandler} from '../../src/io/file_system';
import {comparedEpochs, decayEvery, learningRateAt, ML_CSC_MODELS, MlCscReproduction, mlCscModel, reproduceMlCsc,
        testAccuracy} from '../../src/reproduce/ml_csc';
import {cliRunner} from '../commands/cli_runner';

const loadModel = (dir: string) => tf.loadLayersModel(new FileSystemHandler(path.join(dir, 'model.json')));
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

describe('reproduce ml-csc', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sparseland-ml-csc-'));
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  it('the schedule: ×0.2 every 30 of 100 epochs, compressed in proportion; the compared epochs 81–99 of 100', () => {
    const close = (a: number[], b: number[]) => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-12 * b[i], `${x} ≠ ${b[i]}`));
    close([29, 30, 59, 60, 99].map((e) => learningRateAt(e, 100)), [0.002, 0.0004, 0.0004, 0.00008, 0.000016]);
    assert.deepEqual([100, 10, 3, 1].map((e) => decayEvery(e)), [30, 3, 1, 1]);
    close([2, 3].map((e) => learningRateAt(e, 10)), [0.002, 0.0004]);
    assert.deepEqual([100, 10, 5, 3, 1].map(comparedEpochs), [[81, 99], [9, 9], [5, 5], [3, 3], [1, 1]]);
  });

  it('the published initialisation: filters 0.1/√fan_in·N(0, 1), biases 0, steps 1, the classifier U(±1/√512)', () => {
    const model = mlCscModel('ml-lista', 3);
    const [pursuit, , dense] = model.layers;
    const byName = new Map(pursuit.weights.map((w, i) => [w.originalName.split('/').pop()!, pursuit.getWeights()[i]]));
    for (const [name, fanIn] of [['kernel_1', 36], ['kernel_2', 32 * 36], ['kernel_3', 64 * 16]] as const) {
      const values = Array.from(byName.get(name)!.dataSync());
      const std = Math.sqrt(values.reduce((s, x) => s + x * x, 0) / values.length);
      assert.ok(Math.abs(std / (0.1 / Math.sqrt(fanIn)) - 1) < 0.1, `${name}: std ${std}`);
      // Untruncated: some entries beyond 2σ (4.6 % of a normal's).
      assert.ok(values.filter((x) => Math.abs(x) > 2 * std).length > 0.02 * values.length, `${name} looks truncated`);
      assert.deepEqual(Array.from(byName.get(`synthesis_${name}`)!.dataSync()), values, 'ML-LISTA starts as ML-ISTA');
    }
    for (const i of [1, 2, 3]) assert.ok(byName.get(`bias_${i}`)!.dataSync().every((x) => x === 0));
    const [weights, bias] = dense.getWeights();
    for (const t of [weights, bias]) {
      const values = Array.from(t.dataSync());
      assert.ok(Math.max(...values.map(Math.abs)) <= 1 / Math.sqrt(512));
      assert.ok(Math.max(...values.map(Math.abs)) > 0.9 / Math.sqrt(512));
    }
    assert.equal(mlCscModel('ml-ista', 3).layers[0].getWeights().filter((_, i, all) => all.length - i <= 3)
      .every((step) => step.dataSync()[0] === 1), true, 'the step sizes start at 1');
    // The same seed gives the same weights (the seed 0 too); another seed others.
    const zero = () => mlCscModel('cnn', 0).getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(zero(), zero());
    const again = mlCscModel('ml-lista', 3).getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(again, model.getWeights().map((w) => Array.from(w.dataSync())));
    assert.notDeepEqual(mlCscModel('ml-lista', 4).getWeights()[0].dataSync(), model.getWeights()[0].dataSync());
  });

  it('one step is SGD with momentum and weight decay as PyTorch takes it: w − lr·(∇ + wd·w)', async function () {
    this.timeout(300_000);
    const recipe = {batchSize: 32, learningRate: 0.05, weightDecay: 0.01};
    await reproduceMlCsc({out: dir, models: ['cnn'], epochs: 1, trainDigits: 32, testDigits: 50, recipe});
    const trained = await loadModel(path.join(dir, 'cnn', 'model'));
    const start = mlCscModel('cnn', 0);
    const {images, labels} = await mnistFullDataset({split: 'train', size: 28}).take(32);
    const vars = start.trainableWeights.map((w) => w.read() as tf.Variable);
    const {grads} = tf.variableGrads(() => tf.mean(tf.metrics.categoricalCrossentropy(
      tf.oneHot(labels, 10), start.apply(tf.div(tf.add(images, 1), 2)) as tf.Tensor)) as tf.Scalar, vars);
    vars.forEach((w, i) => {
      const expected = tf.sub(w, tf.mul(0.05, tf.add(grads[w.name], tf.mul(0.01, w))));
      const got = trained.getWeights()[i];
      assert.ok(tf.max(tf.abs(tf.sub(expected, got))).dataSync()[0] < 1e-6 * (1 + tf.max(tf.abs(w)).dataSync()[0]), w.name);
      assert.ok(tf.max(tf.abs(tf.sub(w, got))).dataSync()[0] > 0, `${w.name} moved`);
    });
  });

  describe('after one epoch on 2,000 digits (Glorot start, SGD 0.01, batch 16, 1 unfolding)', () => {
    let run: string;
    let result: MlCscReproduction;
    before(async function () {
      this.timeout(900_000); // five models, about 30 s each on 2 cores
      run = mkdtempSync(path.join(tmpdir(), 'sparseland-ml-csc-epoch-'));
      result = await reproduceMlCsc({out: run, epochs: 1, trainDigits: 2000, testDigits: 500, command: 'cmd',
                                     recipe: {initialization: 'glorot', learningRate: 0.01, batchSize: 16, unfoldings: 1}});
    });
    after(() => rmSync(run, {recursive: true, force: true}));

    ML_CSC_MODELS.forEach((name, i) => {
      it(`${name} is ≥ 50 points above chance, and its record is its saved model's accuracy`, async () => {
        const r = result.results[i];
        assert.equal(r.model, name);
        assert.equal(r.history.length, 1);
        assert.ok(r.history[0].testAccuracy >= 60, `${r.model}: ${r.history[0].testAccuracy} %`);
        assert.equal(r.accuracy, r.history[0].testAccuracy, 'one epoch: the compared epoch is the last');
        assert.deepEqual(readdirSync(path.join(run, r.model)).sort(), ['model', 'state.json'], 'no checkpoint left behind');
        const model = await loadModel(path.join(run, r.model, 'model'));
        const subset = await mnistFullDataset({split: 'test', size: 28}).take(500);
        const direct = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.predict(tf.div(tf.add(subset.images, 1), 2)) as tf.Tensor, 1),
                                                             subset.labels), 'float32')).dataSync()[0]);
        assert.ok(Math.abs(100 * direct - r.history[0].testAccuracy) < 1e-3, `${r.model}: the record is the saved model's accuracy`);
        tf.dispose([subset.images, subset.labels]);
        model.dispose();
      });
    });

    it('the run folder holds results.json, results.md and accuracy.png', () => {
      const saved = readJson<MlCscReproduction>(path.join(run, 'results.json'));
      assert.deepEqual(saved.results.map((r) => r.accuracy), result.results.map((r) => r.accuracy));
      assert.equal(saved.setting.recipe.unfoldings, 1);
      const table = readFileSync(path.join(run, 'results.md'), 'utf8');
      assert.match(table, /\| ML-ISTA \| 99\.11 \| \d+\.\d\d \| \d+\.\d\d \| 1\/1 \| \d+\.\d \|/);
      assert.match(table, /Command: `cmd`/);
      assert.ok(readFileSync(path.join(run, 'accuracy.png')).subarray(1, 4).toString() === 'PNG');
    });
  });

  it('a run killed within an epoch continues with resume to the weights of an unbroken run', async function () {
    this.timeout(300_000);
    const options = {models: ['cnn' as const], epochs: 2, trainDigits: 256, testDigits: 100,
                     recipe: {batchSize: 32, learningRate: 0.05}, checkpointMinutes: 1e-9};
    const unbroken = await reproduceMlCsc({...options, out: path.join(dir, 'a')});
    const stop = new Error('killed');
    await assert.rejects(reproduceMlCsc({...options, out: path.join(dir, 'b'), onProgress: (_m, p) => {
      if (p.epoch === 1 && p.batch === 3) throw stop;
    }}), (e) => e === stop);
    const state = readJson<{epoch: number; batch: number; checkpoint: string}>(path.join(dir, 'b', 'cnn', 'state.json'));
    assert.deepEqual([state.epoch, state.batch, state.checkpoint], [1, 3, 'ckpt-001-00003']);
    await assert.rejects(reproduceMlCsc({...options, out: path.join(dir, 'b')}), /already holds a run; continue it with resume/);
    await assert.rejects(reproduceMlCsc({...options, epochs: 3, out: path.join(dir, 'b'), resume: true}),
                         /is a run of 2 epochs, .* not of 3 epochs/);
    const batches: number[] = [];
    const resumed = await reproduceMlCsc({...options, out: path.join(dir, 'b'), resume: true,
                                         onProgress: (_m, p) => batches.push(p.epoch * 8 + p.batch)});
    assert.deepEqual(batches, [11, 12, 13, 14, 15], 'the batches after the checkpoint, once each');
    const [a, b] = await Promise.all(['a', 'b'].map((run) => loadModel(path.join(dir, run, 'cnn', 'model'))));
    a.getWeights().forEach((w, i) => assert.deepEqual(Array.from(b.getWeights()[i].dataSync()), Array.from(w.dataSync()), `weight ${i}`));
    assert.deepEqual(resumed.results[0].history.map((r) => r.testAccuracy), unbroken.results[0].history.map((r) => r.testAccuracy));
    assert.equal(await testAccuracy(b, mnistFullDataset({split: 'test', size: 28})),
                 await testAccuracy(a, mnistFullDataset({split: 'test', size: 28})));
    // A finished run resumed trains nothing.
    await reproduceMlCsc({...options, out: path.join(dir, 'b'), resume: true, onProgress: () => assert.fail('trained again')});
  });

  it('names each bad argument and its value', async () => {
    await assert.rejects(reproduceMlCsc({out: dir, models: ['resnet' as never]}), /reproduceMlCsc: models\[0\].*resnet/);
    await assert.rejects(reproduceMlCsc({out: dir, models: ['cnn', 'cnn']}), /reproduceMlCsc: models must be a list without repeats/);
    await assert.rejects(reproduceMlCsc({out: dir, epochs: 0}), /reproduceMlCsc: epochs.*0/);
    await assert.rejects(reproduceMlCsc({out: dir, trainDigits: 60001}), /reproduceMlCsc: trainDigits must be at most 60000, got 60001/);
    await assert.rejects(reproduceMlCsc({out: dir, testDigits: 0}), /reproduceMlCsc: testDigits.*0/);
    await assert.rejects(reproduceMlCsc({out: dir, recipe: {learningRate: -1}}), /reproduceMlCsc: recipe\.learningRate.*-1/);
    await assert.rejects(reproduceMlCsc({out: dir, recipe: {initialization: 'he' as never}}), /reproduceMlCsc: recipe\.initialization.*he/);
    await assert.rejects(reproduceMlCsc({out: dir, checkpointMinutes: 0}), /reproduceMlCsc: checkpointMinutes.*0/);
    await assert.rejects(reproduceMlCsc({out: ''}), /reproduceMlCsc: out/);
    assert.deepEqual(readdirSync(dir), [], 'nothing written');
  });

  it('sparseland reproduce ml-csc: its help, and bad values as usage errors (status 2) that name the flag', async () => {
    const {run, out, err} = cliRunner();
    assert.equal(await run(['reproduce', 'ml-csc', '--help']), 0);
    assert.match(out.join('\n'), /^Usage: sparseland reproduce ml-csc \[options\]/);
    for (const flag of ['--models', '--epochs', '--out', '--seed', '--train-digits', '--test-digits', '--resume', '--backend']) {
      assert.ok(out.join('\n').includes(`  ${flag}`), flag);
    }
    assert.equal(await run(['reproduce', 'ml-csc', '--models', 'cnn,resnet', '--out', dir]), 2);
    assert.match(err.join('\n'), /--models <list>' argument 'cnn,resnet' is invalid.*unknown: resnet/);
    assert.equal(await run(['reproduce', 'ml-csc', '--models', 'cnn,cnn', '--out', dir]), 2);
    assert.match(err.join('\n'), /Expected each of the models once/);
    assert.equal(await run(['reproduce', 'ml-csc', '--epochs', '0', '--out', dir]), 2);
    assert.match(err.join('\n'), /--epochs <n>' argument '0' is invalid/);
    assert.equal(await run(['reproduce', 'ml-csc', '--test-digits', '10001', '--out', dir]), 1);
    assert.match(err.join('\n'), /testDigits must be at most 10000, got 10001/);
    assert.ok(!existsSync(path.join(dir, 'results.json')), 'no run started');
  });

  it('sparseland reproduce ml-csc trains and writes its figures', async () => {
    const {run, out} = cliRunner();
    assert.equal(await run(['reproduce', 'ml-csc', '--models', 'cnn', '--epochs', '1', '--train-digits', '128',
                            '--test-digits', '100', '--out', dir]), 0);
    assert.match(out.join('\n'), /cnn: test accuracy \d+\.\d\d % after epoch 1, \d+\.\d\d % over the compared epochs \(published 98\.74 %\)/);
    const saved = readJson<MlCscReproduction>(path.join(dir, 'results.json'));
    assert.equal(saved.command, `sparseland reproduce ml-csc --models cnn --epochs 1 --out ${dir} --train-digits 128 --test-digits 100`);
    for (const file of ['accuracy.png', 'results.json', 'results.md']) assert.ok(existsSync(path.join(dir, file)), file);
  });
});
