import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {iht} from '../../layers/iht';
import {cliRunner} from '../commands/cli_runner';
import {expectClose, expectThrows} from '../helpers';
import {InvertibilityReproduction, quantile, reproduceInvertibility, VARIANTS} from '../../src/reproduce/invertibility';
import {measureInvertibility, PAPER_VARIANT, sparseCodes} from '../../src/reproduce/invertibility_check';
import {invertPairedRelu, pairedReluLayer} from '../../src/reproduce/invertibility_mnist';
import {uniformGenerator} from '../../src/data/dataset';

describe('reproduce invertibility', () => {
  it('paired filters (w, −w) + ReLU: the code is [ReLU(Wx), ReLU(−Wx)] and least squares gives x back (8×9×2, 24 filters 3×3)', () => {
    const size: [number, number, number] = [8, 9, 2];
    const layer = pairedReluLayer(3, size, {filters: 24, kernel: 3});
    const x = tf.randomNormal([2, ...size], 0, 1, 'float32', 4) as tf.Tensor4D;
    const code = layer.forward(x) as tf.Tensor4D;
    const wx = tf.conv2d(x, layer.getWeights()[0] as tf.Tensor4D, 1, 'same');
    expectClose(code, tf.concat([tf.relu(wx), tf.relu(tf.neg(wx))], 3), 1e-5);
    const back = invertPairedRelu(layer, code, [8, 9]);
    const relative = tf.div(tf.norm(tf.sub(back, x)), tf.norm(x)).dataSync()[0];
    assert.ok(relative < 1e-5, `‖x − x̂‖/‖x‖ = ${relative}`);
    // Half the code (the ReLU of one sign only) does not determine x.
    const half = tf.concat([tf.relu(wx), tf.zerosLike(wx)], 3) as tf.Tensor4D;
    assert.ok(tf.div(tf.norm(tf.sub(invertPairedRelu(layer, half, [8, 9]), x)), tf.norm(x)).dataSync()[0] > 0.1);
  });

  it('codes: k non-zeros in U[−1, 1], at most one per pooling block of a channel (pool 4, k 10)', () => {
    const z = sparseCodes(20, 4, 10, uniformGenerator(5));
    const values = z.arraySync();
    for (const sample of values) {
      const blocks = new Set<string>();
      let count = 0;
      sample.forEach((row, t) => row[0].forEach((value, c) => {
        if (value === 0) return;
        count++;
        assert.ok(Math.abs(value) <= 1);
        blocks.add(`${Math.floor(t / 4)},${c}`);
      }));
      assert.equal(count, 10);
      assert.equal(blocks.size, 10, 'one non-zero per block');
    }
  });

  // Measured on these 200 draws (wasm): ‖Wᵀz‖/‖z‖ from 0.81 to 1.09, ‖WWᵀz‖/‖z‖ median 1.96
  // (√(1 + K/M) = 2, less at the borders); one-step error median 0.32, two steps 0.14.
  it('‖Wᵀz‖/‖z‖ ≈ 1 with the paper\'s 1/√(l·M) (every draw in [0.7, 1.3], 200 draws), and ×2 with the filters ×2', () => {
    const paper = measureInvertibility(PAPER_VARIANT, 200, 0);
    assert.ok(paper.synthesisRatio.every((r) => r > 0.7 && r < 1.3),
              `ratios in [${Math.min(...paper.synthesisRatio)}, ${Math.max(...paper.synthesisRatio)}]`);
    const gram = quantile(paper.gramRatio, 0.5);
    assert.ok(gram > 1.8 && gram < 2.05, `median ‖WWᵀz‖/‖z‖ = ${gram}`);
    const doubled = measureInvertibility({...PAPER_VARIANT, std: 2 * PAPER_VARIANT.std}, 200, 0);
    expectClose(doubled.synthesisRatio, paper.synthesisRatio.map((r) => 2 * r), 1e-4);
    expectClose(doubled.gramRatio, paper.gramRatio.map((r) => 4 * r), 1e-3);
    // x̂ = Wᵀ M(W x, k) with W ×2 is 4 x̂ on the same support, so the error is ‖x − 4x̂‖/‖x‖ ≥ 3 − 4·err.
    const error = quantile(paper.error, 0.5);
    assert.ok(error > 0.25 && error < 0.4, `one-step median error ${error}`);
    assert.ok(quantile(doubled.error, 0.5) > 3 - 4 * error);
    const two = quantile(measureInvertibility({...PAPER_VARIANT, iterations: 2}, 200, 0).error, 0.5);
    assert.ok(two > 0.1 && two < 0.2, `two-step median error ${two}`);
  });

  describe('with a run folder', () => {
    let dir: string;
    beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'sparseland-invertibility-')); });
    afterEach(() => rmSync(dir, {recursive: true, force: true}));

    it('the command with 3 draws writes invertibility.png, .json, .md and mnist_reconstructions.png', async () => {
      const {run, out} = cliRunner();
      assert.equal(await run(['reproduce', 'invertibility', '--draws', '3', '--seed', '2', '--out', dir]), 0);
      for (const file of ['invertibility.png', 'mnist_reconstructions.png']) {
        assert.equal(readFileSync(path.join(dir, file)).subarray(1, 4).toString(), 'PNG', file);
      }
      const json = JSON.parse(readFileSync(path.join(dir, 'invertibility.json'), 'utf8')) as InvertibilityReproduction;
      assert.deepEqual(json.variants.map((r) => r.name), VARIANTS.map((r) => r.name));
      assert.ok(json.variants.every((r) => r.measurement.error.length === 3 && r.measurement.synthesisRatio.length === 3));
      assert.deepEqual([json.setting.draws, json.setting.seed], [3, 2]);
      assert.ok(json.mnist[json.mnist.length - 1].psnr > 80, 'paired ReLU inverts to float precision');
      const table = readFileSync(path.join(dir, 'invertibility.md'), 'utf8');
      assert.match(table, /\| paper \| \d\.\d{3} \| \d\.\d{3} \| \d\.\d{3} \| \d+\.\d % \|/);
      assert.match(table, /\| 2 steps \(matches the paper\) \|/);
      assert.match(table, /Command: `sparseland reproduce invertibility --draws 3 --seed 2 --out /);
      assert.match(out.join('\n'), /MNIST, paired filters .*: PSNR \d+\.\d\d dB/);
    });

    it('--draws 0 and --seed -1 are usage errors (status 2); nothing is written', async () => {
      const {run, err} = cliRunner();
      assert.equal(await run(['reproduce', 'invertibility', '--draws', '0', '--out', dir]), 2);
      assert.match(err.join('\n'), /option '--draws <n>' argument '0' is invalid\. Expected an integer ≥ 1\./);
      assert.equal(await run(['reproduce', 'invertibility', '--seed', '-1', '--out', dir]), 2);
      assert.match(err.join('\n'), /option '--seed <n>' argument '-1' is invalid\. Expected an integer ≥ 0\./);
      assert.ok(!existsSync(path.join(dir, 'invertibility.json')));
    });
  });

  describe('rejects bad arguments, naming them', () => {
    it('draws = 0, seed = -1, k = 1537 (pool 2: 16 × 96 = 1536 blocks), pool = 0, errorOn = y', () => {
      expectThrows(() => measureInvertibility(PAPER_VARIANT, 0, 0), /measureInvertibility: draws must be a positive integer, got 0/);
      expectThrows(() => measureInvertibility(PAPER_VARIANT, 1, -1), /measureInvertibility: seed must be a non-negative integer, got -1/);
      expectThrows(() => measureInvertibility({...PAPER_VARIANT, k: 1537}, 1, 0),
                   /measureInvertibility: k must be at most the number of pooling blocks \(1536\), got 1537/);
      expectThrows(() => measureInvertibility({...PAPER_VARIANT, pool: 0}, 1, 0), /measureInvertibility: pool must be a positive integer, got 0/);
      expectThrows(() => measureInvertibility({...PAPER_VARIANT, errorOn: 'y' as 'x'}, 1, 0),
                   /measureInvertibility: errorOn must be one of 'x', 'z', got 'y'/);
    });

    it('reproduceInvertibility: draws = 0, seed = -1, out = ""', async () => {
      await assert.rejects(reproduceInvertibility({out: 'x', draws: 0}), /reproduceInvertibility: draws must be a positive integer, got 0/);
      await assert.rejects(reproduceInvertibility({out: 'x', seed: -1}), /reproduceInvertibility: seed must be a non-negative integer, got -1/);
      await assert.rejects(reproduceInvertibility({out: ''}), /reproduceInvertibility: out must be a folder path, got ''/);
    });

    it('invertPairedRelu: a layer without paired filters, iterations = 0', () => {
      const layer = iht({filters: 4, kernelSize: 3, poolSize: 1, name: 'plain'});
      layer.build([null, 6, 6, 1]);
      const code = tf.zeros([1, 4, 4, 4]) as tf.Tensor4D;
      expectThrows(() => invertPairedRelu(layer, code, [6, 6]), /invertPairedRelu: layer must be a paired-filter layer .*got 'plain'/);
      expectThrows(() => invertPairedRelu(pairedReluLayer(0, [6, 6, 1], {filters: 2, kernel: 3}), code, [6, 6], 0),
                   /invertPairedRelu: iterations must be a positive integer, got 0/);
    });
  });
});
