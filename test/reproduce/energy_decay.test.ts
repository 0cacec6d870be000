import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {layeredThresholding} from '../../layers/layered_thresholding';
import {energyPerLayer, energyPerSample} from '../../src/analysis';
import {baboonImage, naturalPatches} from '../../src/data/node';
import {depthKeeping, EnergyDecayReproduction, fitDecay, reproduceEnergyDecay, thresholdingEnergies} from '../../src/reproduce/energy_decay';
import {cliRunner} from '../commands/cli_runner';
import {expectClose, expectThrows} from '../helpers';

describe('reproduce energy-decay', () => {
  it('fitDecay recovers a planted exponential 3·0.4ⁿ (from n = 1; W_0 is left out), and a noisy one to 1 %', () => {
    const w = [1, ...[1, 2, 3, 4].map((n) => 3 * 0.4 ** n)];
    const fit = fitDecay(w);
    expectClose([fit.rate, fit.constant], [0.4, 3], 1e-9);
    const noisy = [1, ...[1, 2, 3, 4, 5].map((n, i) => 0.5 * 0.2 ** n * (1 + [0.01, -0.01, 0.005, 0, -0.005][i]))];
    const rough = fitDecay(noisy);
    assert.ok(Math.abs(rough.rate - 0.2) < 0.002, `rate ${rough.rate}`);
    expectThrows(() => fitDecay([1, 0.5]), /fitDecay: w must be at least two positive values from index 1, got \[1, 0\.5\]/);
    expectThrows(() => fitDecay([1, NaN, 0.1]), /fitDecay: w must be an array of finite numbers/);
  });

  it('depthKeeping: the first depth where every row keeps 1 − ε, or null', () => {
    const kept = [[0, 0.85, 0.95, 0.995], [0, 0.92, 0.97, 0.991]];
    assert.equal(depthKeeping(kept, 0.1), 2);
    assert.equal(depthKeeping([kept[1]], 0.1), 1);
    assert.equal(depthKeeping(kept, 0.01), 3);
    assert.equal(depthKeeping(kept, 0.005), null);
    expectThrows(() => depthKeeping(kept, 0), /depthKeeping: epsilon must be a finite number > 0, got 0/);
  });

  it('energyPerSample: per sample ‖U(x_b)‖²/‖x_b‖², whose mean is energyPerLayer (a layer that doubles: 4 for every sample)', () => {
    const model = tf.sequential({layers: [tf.layers.dense({units: 2, useBias: false, inputShape: [2], kernelInitializer: 'identity'}),
                                          tf.layers.dense({units: 2, useBias: false})]});
    const k = tf.tensor2d([[2, 0], [0, 0]]);
    model.layers[1].setWeights([k]);
    const x = tf.tensor2d([[1, 0], [0, 3], [1, 1]]);
    const perSample = energyPerSample(model, x);
    expectClose(perSample, [[1, 1, 1], [4, 0, 2]], 1e-6);
    expectClose(energyPerLayer(model, x), [1, 2], 1e-6);
    expectThrows(() => energyPerSample(model, tf.tensor1d([1, 2])), /energyPerSample: x must be a batch/);
    tf.dispose([k, x]);
    model.dispose();
  });

  it('thresholdingEnergies: ‖Γ_i‖²/‖x‖² of ReLU(conv2d(Γ_{i−1}, W_i) + b_i), checked against a layer of one 1×1 filter of weight 2', () => {
    const layer = layeredThresholding({filters: [1, 1], kernelSize: 1});
    layer.build([null, 3, 3, 1]);
    const weights = [tf.tensor4d([2], [1, 1, 1, 1]), tf.tensor1d([0]), tf.tensor4d([-1], [1, 1, 1, 1]), tf.tensor1d([0])];
    layer.setWeights(weights);
    // x ≥ 0: Γ_1 = 2x (energy 4), Γ_2 = ReLU(−2x) = 0.
    const x = tf.randomUniform([2, 3, 3, 1], 0.1, 1, 'float32', 1) as tf.Tensor4D;
    expectClose(thresholdingEnergies(layer, x), [[4, 4], [0, 0]], 1e-5);
    tf.dispose([x, ...weights]);
    layer.weights.forEach((w) => w.dispose());
  });

  it('naturalPatches: the 128×128 baboon image in [0, 1], cut in 32×32 patches at stride 8 (169), row by row', () => {
    const image = baboonImage();
    assert.deepEqual([image.height, image.width], [128, 128]);
    assert.ok(image.pixels.every((p) => p >= 0 && p <= 1));
    const patches = naturalPatches();
    assert.deepEqual(patches.shape, [169, 32, 32, 1]);
    // Patch 14 is row 1, column 1: pixels (8 + y, 8 + x).
    const patch = tf.slice(patches, [14, 0, 0, 0], [1, 32, 32, 1]).dataSync();
    expectClose([patch[0], patch[33]], [image.pixels[8 * 128 + 8], image.pixels[9 * 128 + 9]], 0);
    expectThrows(() => naturalPatches({size: 200}), /naturalPatches: size must be at most the image's 128, got 200/);
    expectThrows(() => naturalPatches({stride: 0}), /naturalPatches: stride must be a positive integer, got 0/);
    patches.dispose();
  });

  describe('the run', function () {
    this.timeout(240000);
    let dir: string;
    beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'sparseland-energy-')); });
    afterEach(() => rmSync(dir, {recursive: true, force: true}));

    it('sparseland reproduce energy-decay, tiny: writes energy.png, .json and .md; the Parseval bank keeps the energy', async () => {
      const {run, out, err} = cliRunner();
      const status = await run(['reproduce', 'energy-decay', '--digits', '3', '--patch-stride', '96', '--scales', '1', '--orientations', '2',
                                '--depth', '2', '--out', dir]);
      assert.equal(status, 0, err.join('\n'));
      assert.match(out.join('\n'), /wrote .*energy\.png/);
      for (const file of ['energy.png', 'energy.json', 'energy.md']) assert.ok(existsSync(path.join(dir, file)), file);
      assert.equal(readFileSync(path.join(dir, 'energy.png')).subarray(1, 4).toString(), 'PNG');
      const json = JSON.parse(readFileSync(path.join(dir, 'energy.json'), 'utf8')) as EnergyDecayReproduction;
      assert.deepEqual(json.scattering.map((m) => [m.data, m.signals]), [['mnist', 3], ['patches', 4]]);
      for (const m of json.scattering) {
        // Parseval: Σ_{n<2} O_n + W_2 = 1 for every signal, so the bounds are 1 and the lower one is 1 − max W_2.
        expectClose([m.frame.upper], [1], 1e-4);
        expectClose([m.frame.lower], [1 - m.propagated[2].max], 1e-4);
        assert.deepEqual(m.paths, [1, 2, 4]);
        assert.equal(m.depths.length, 2);
      }
      assert.deepEqual(json.models.map((m) => [m.model, m.data, m.layers.length]),
                       [['mnist-csc-ctrl encoder', 'mnist', 9], ['mnist-csc-ctrl encoder', 'patches', 9],
                        ['ml-csc-mnist-cnn', 'mnist', 3], ['ml-csc-mnist-cnn', 'patches', 3]]);
      const table = readFileSync(path.join(dir, 'energy.md'), 'utf8');
      assert.match(table, /\| MNIST digits \| 3 \| 1 \|/);
      assert.match(table, /Command: `sparseland reproduce energy-decay --digits 3 --patch-stride 96 --scales 1 --orientations 2 --depth 2 --out [^`]+`/);
    });

    it('leaves no tensor behind (the scattering part; --skip-models)', async () => {
      const before = tf.memory().numTensors;
      const result = await reproduceEnergyDecay({out: dir, digits: 2, patchStride: 96, scales: 1, orientations: 2, depth: 2, skipModels: true});
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
      assert.equal(result.models.length, 0);
    });

    it('names each bad argument and its value', async () => {
      await assert.rejects(reproduceEnergyDecay({out: dir, digits: 0}), /reproduceEnergyDecay: digits must be a positive integer, got 0/);
      await assert.rejects(reproduceEnergyDecay({out: dir, depth: 1.5}), /reproduceEnergyDecay: depth must be a positive integer, got 1\.5/);
      await assert.rejects(reproduceEnergyDecay({out: dir, prune: 1}), /reproduceEnergyDecay: prune must be a fraction in \[0, 1\), got 1/);
      await assert.rejects(reproduceEnergyDecay({out: dir, normalization: 'tight' as 'parseval'}),
                           /reproduceEnergyDecay: normalization must be one of 'parseval', 'admissible', got 'tight'/);
      await assert.rejects(reproduceEnergyDecay({out: ''}), /reproduceEnergyDecay: out must be a folder path/);
      assert.deepEqual(readdirSync(dir), [], 'nothing written');
    });

    it('through the command line, bad values are usage errors (status 2) naming the flag', async () => {
      const {run, out, err} = cliRunner();
      assert.equal(await run(['reproduce', 'energy-decay', '--help']), 0);
      for (const flag of ['--digits', '--patch-stride', '--scales', '--orientations', '--depth', '--prune', '--normalization', '--out']) {
        assert.ok(out.join('\n').includes(`  ${flag}`), flag);
      }
      for (const [flag, value] of [['--digits', '0'], ['--depth', '-1'], ['--prune', '1'], ['--normalization', 'tight']]) {
        assert.equal(await run(['reproduce', 'energy-decay', flag, value, '--out', dir]), 2, `${flag} ${value}`);
        assert.match(err.join('\n'), new RegExp(`${flag} <[a-zA-Z]+>' argument '${value}' is invalid`));
      }
      assert.deepEqual(readdirSync(dir), [], 'a usage error starts nothing');
    });
  });
});
