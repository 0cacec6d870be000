import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {measuredL0Inf} from '../../src/analysis/l0_inf';
import {checkedShape, plantedDictionaries, plantedSignals} from '../../src/reproduce/planted_ml_csc';
import {oracleThresholds, PursuitStabilityReproduction, PURSUITS, recoveryMeasures, reproducePursuitStability, runPursuit,
        stepSizes} from '../../src/reproduce/pursuit_stability';
import {cliRunner} from '../commands/cli_runner';

const SHAPE = checkedShape('test');

describe('reproducePursuitStability: pursuits on planted ML-CSC signals', () => {
  let dictionaries: tf.Tensor4D[];
  let steps: number[];
  before(() => {
    dictionaries = plantedDictionaries(SHAPE, 0).dictionaries;
    steps = stepSizes(dictionaries, SHAPE.signalLength);
  });
  after(() => tf.dispose(dictionaries));

  it('the generator (ratio 8, 2 non-zeros): Γ_2 has the ratio and sparsity asked, Γ_1 = D_2Γ_2 is sparse, x = D_1Γ_1 by a direct sum', () => {
    const p = plantedSignals({dictionaries, signalLength: SHAPE.signalLength, signals: 20, ratio: 8, noise: 0, seed: 3});
    const [g1, g2] = p.codes.map((c) => c.arraySync()[0] as never as number[][][]);
    const deepest = p.codes[1].dataSync();
    const per = deepest.length / 20;
    for (let b = 0; b < 20; b++) {
      const values = Array.from(deepest.subarray(b * per, (b + 1) * per)).filter((x) => x !== 0);
      assert.equal(values.length, 2);
      assert.ok(values.every((x) => x > 0));
      assert.ok(Math.abs(Math.max(...values) / Math.min(...values) - 8) < 1e-6);
    }
    // Every D_2 atom has 3 equal entries, so Γ_1 has at most 6 non-zeros in all, ≥ 0.
    assert.ok(p.codes[0].dataSync().every((x) => x >= 0));
    assert.ok(measuredL0Inf(p.codes[0], {kernelSize: [1, 8]}) <= 6);
    // x[t, c] = Σ_{τ, j} Γ_1[t − τ, j]·D_1[τ, c, j] for the first signal.
    const d1 = dictionaries[0].arraySync()[0];
    const x = p.x.arraySync()[0][0];
    const [k, cIn, cOut] = [8, 16, 8];
    for (let t = 0; t < SHAPE.signalLength; t++) {
      for (let c = 0; c < cIn; c++) {
        let sum = 0;
        for (let tau = 0; tau < k; tau++) {
          const p1 = t - tau;
          if (p1 < 0 || p1 >= g1[0].length) continue;
          for (let j = 0; j < cOut; j++) sum += g1[0][p1][j] * d1[tau][c][j];
        }
        assert.ok(Math.abs(x[t][c] - sum) < 1e-5, `x[${t}, ${c}] = ${x[t][c]}, direct ${sum}`);
      }
    }
    assert.equal(g2.length, 1);
    tf.dispose([...p.codes, p.clean, p.x]);
  });

  it('noise σ = 0.1 adds white noise of that standard deviation', () => {
    const p = plantedSignals({dictionaries, signalLength: SHAPE.signalLength, signals: 20, ratio: 1, noise: 0.1, seed: 3});
    const std = tf.tidy(() => tf.sqrt(tf.mean(tf.square(tf.sub(p.x, p.clean)))).dataSync()[0]);
    assert.ok(Math.abs(std - 0.1) < 0.005, `${std}`);
    tf.dispose([...p.codes, p.clean, p.x]);
  });

  /** Support recovery and error of every pursuit on 50 signals of one ratio, noiseless. */
  function measure(ratio: number): Record<string, {support: number; error: number}> {
    const p = plantedSignals({dictionaries, signalLength: SHAPE.signalLength, signals: 50, ratio, noise: 0, seed: 11});
    const found: Record<string, {support: number; error: number}> = {};
    for (const pursuit of PURSUITS) {
      const thresholds = pursuit === 'layeredThresholding' ? oracleThresholds(dictionaries, p.x, p.codes, 0.05)
        : steps.map((c) => c * 0.02);
      const estimate = runPursuit(pursuit, dictionaries, p.x, thresholds, steps, 200);
      found[pursuit] = recoveryMeasures(estimate, p.codes[1], 0.05);
      estimate.dispose();
    }
    tf.dispose([...p.codes, p.clean, p.x]);
    return found;
  }

  it('at ratio 1 without noise the BP-type pursuits recover every support, thresholding nearly every one (measured 49 of 50)', () => {
    const found = measure(1);
    for (const pursuit of PURSUITS.filter((p) => p !== 'layeredThresholding')) assert.equal(found[pursuit].support, 1, pursuit);
    assert.ok(found.layeredThresholding.support >= 0.9, `${found.layeredThresholding.support}`);
  });

  it('at ratio 16 without noise thresholding recovers almost no support (measured 0 %), layered BP every one', () => {
    const before = tf.memory().numTensors;
    const found = measure(16);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.ok(found.layeredThresholding.support <= 0.2, `${found.layeredThresholding.support}`);
    assert.ok(found.layeredBasisPursuit.support >= 0.9, `${found.layeredBasisPursuit.support}`);
    assert.ok(found.layeredBasisPursuit.error < 0.05 && found.layeredThresholding.error > 0.3);
  });

  describe('runs and arguments', () => {
    let dir: string;
    beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'sparseland-stability-')); });
    afterEach(() => rmSync(dir, {recursive: true, force: true}));

    it('sparseland reproduce pursuit-stability with a tiny sweep writes stability.png, .json and .md', async () => {
      const {run, out, err} = cliRunner();
      const status = await run(['reproduce', 'pursuit-stability', '--ratios', '1,4', '--noise', '0', '--signals', '4', '--out', dir]);
      assert.equal(status, 0, err.join('\n'));
      assert.match(out.join('\n'), /wrote .*stability\.png/);
      for (const file of ['stability.png', 'stability.json', 'stability.md']) assert.ok(existsSync(path.join(dir, file)), file);
      assert.equal(readFileSync(path.join(dir, 'stability.png')).subarray(1, 4).toString(), 'PNG');
      const json = JSON.parse(readFileSync(path.join(dir, 'stability.json'), 'utf8')) as PursuitStabilityReproduction;
      assert.equal(json.cells.length, 2 * PURSUITS.length);
      assert.deepEqual(json.setting.ratios, [1, 4]);
      const table = readFileSync(path.join(dir, 'stability.md'), 'utf8');
      assert.match(table, /\| 0 \| 4 \| \d+\.\d \|/);
      assert.match(table, /Command: `sparseland reproduce pursuit-stability --ratios 1,4 --noise 0 --signals 4 --out [^`]+`/);
    });

    it('names each bad argument and its value', async () => {
      await assert.rejects(reproducePursuitStability({out: dir, ratios: []}), /reproducePursuitStability: ratios must be a non-empty array/);
      await assert.rejects(reproducePursuitStability({out: dir, ratios: [1, 0.5]}), /reproducePursuitStability: ratios\[1\].*0\.5/);
      await assert.rejects(reproducePursuitStability({out: dir, noise: [-0.1]}), /reproducePursuitStability: noise\[0\].*-0\.1/);
      await assert.rejects(reproducePursuitStability({out: dir, signals: 0}), /reproducePursuitStability: signals.*0/);
      await assert.rejects(reproducePursuitStability({out: ''}), /reproducePursuitStability: out/);
      assert.throws(() => plantedSignals({dictionaries, signalLength: 256, signals: 1, ratio: 0.5, noise: 0}), /plantedMlCsc: ratio.*0\.5/);
      assert.throws(() => plantedSignals({dictionaries, signalLength: 256, signals: 1, ratio: 1, noise: -1}), /plantedMlCsc: noise.*-1/);
      assert.throws(() => plantedSignals({dictionaries, signalLength: 256, signals: 0, ratio: 1, noise: 0}), /plantedMlCsc: signals.*0/);
      assert.throws(() => checkedShape('test', {filters: [8]}), /test: filters must be an array of at least 2/);
      assert.deepEqual(readdirSync(dir), [], 'nothing written');
    });

    it('through the command line, bad values are usage errors (status 2) naming the flag', async () => {
      const {run, out, err} = cliRunner();
      assert.equal(await run(['reproduce', 'pursuit-stability', '--help']), 0);
      for (const flag of ['--ratios', '--noise', '--signals', '--seed', '--out', '--backend']) assert.ok(out.join('\n').includes(`  ${flag}`), flag);
      for (const [flag, value] of [['--ratios', ''], ['--ratios', '1,0.5'], ['--noise', '-0.1'], ['--signals', '0']]) {
        assert.equal(await run(['reproduce', 'pursuit-stability', flag, value, '--out', dir]), 2, `${flag} ${value}`);
        assert.match(err.join('\n'), new RegExp(`${flag} <[a-z]+>' argument '${value.replace('.', '\\.')}' is invalid`));
      }
      assert.deepEqual(readdirSync(dir), [], 'a usage error starts nothing');
    });
  });
});
