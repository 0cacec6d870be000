import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import sharp from 'sharp';
import {cscCtrl} from '../../models/csc_ctrl';
import {mnistDataset} from '../../src/data/mnist_dataset';
import {psnr, ssim} from '../../src/metrics';
import {RoundLog} from '../../src/train/closed_loop';
import {readJsonLines} from '../../src/io/json_lines';
import {CURVE_POINTS, curvePanels, EvalLine, writeCurves} from '../../src/train/ctrl_curves';
import {reconstructionQuality} from '../../src/train/ctrl_eval';
import {expectClose} from '../helpers';

/** Two warm-up rounds (encoder terms only), then two rounds of the game. */
const LOG: RoundLog[] = [
  {round: 1, learningRate: 1e-3, encoder: {objective: 5, rZ: 7, rcZ: 2}, decoder: {}},
  {round: 2, learningRate: 1e-3, encoder: {objective: 6, rZ: 8, rcZ: 2}, decoder: {}},
  {round: 3, learningRate: 5e-4, encoder: {objective: 1, rZ: 9, deltaRZZHat: 3}, decoder: {objective: 2, rZ: 9, deltaRZZHat: 4}},
  {round: 4, learningRate: 2e-4, encoder: {objective: 1.5, rZ: 9.5, deltaRZZHat: 3.5}, decoder: {objective: 1, rZ: 9.5, deltaRZZHat: 2}},
];

describe('training curves (ctrl_curves)', () => {
  it('has a panel per term with the encoder and decoder as series, the learning rate, PSNR and SSIM', () => {
    const panels = curvePanels(LOG, [{round: 2, psnr: 8, ssim: 0.1}, {round: 4, psnr: 9, ssim: 0.2}]);
    assert.deepEqual(panels.map((p) => p.title), ['objective', 'rZ', 'rcZ', 'deltaRZZHat', 'learning rate',
                                                  'held-out reconstruction PSNR', 'held-out reconstruction SSIM']);
    const [objective, , rcZ, deltaR, lr, psnr, ssim] = panels;
    assert.deepEqual(objective.series, [{name: 'encoder', x: [1, 2, 3, 4], y: [5, 6, 1, 1.5]},
                                        {name: 'decoder', x: [3, 4], y: [2, 1]}]);
    // Warm-up terms have no decoder series; game terms start at the first game round.
    assert.deepEqual(rcZ.series.map((s) => s.name), ['encoder']);
    assert.deepEqual(deltaR.series[1], {name: 'decoder', x: [3, 4], y: [4, 2]});
    assert.deepEqual(lr.series[0].y, [1e-3, 1e-3, 5e-4, 2e-4]);
    assert.deepEqual([psnr.series[0].x, psnr.series[0].y, ssim.series[0].y], [[2, 4], [8, 9], [0.1, 0.2]]);
    assert.deepEqual(curvePanels([], []), []);
  });

  it('keeps the last line of a repeated step (a resumed run) and groups long runs into means', () => {
    // A NaN term, logged as null, is a gap.
    const nulls = JSON.parse(JSON.stringify([{...LOG[0], encoder: {objective: NaN}}])) as RoundLog[];
    assert.deepEqual(curvePanels(nulls, [])[0].series, [{name: 'encoder', x: [1], y: [NaN]}]);
    const redone = [...LOG, {...LOG[3], encoder: {objective: 7}, decoder: {}}];
    assert.deepEqual(curvePanels(redone, [])[0].series[0].y, [5, 6, 1, 7]);
    const evals = [{round: 4, psnr: 1, ssim: 0}, {round: 2, psnr: 2, ssim: 0}, {round: 4, psnr: 3, ssim: 0}];
    assert.deepEqual(curvePanels([], evals)[0].series[0], {name: 'first 250 test images', x: [2, 4], y: [2, 3]});
    const long = Array.from({length: 4 * CURVE_POINTS}, (_, i): RoundLog =>
      ({round: i + 1, learningRate: 1, encoder: {objective: i % 4 === 3 ? NaN : i}, decoder: {}}));
    const [series] = curvePanels(long, [])[0].series;
    assert.equal(series.x.length, CURVE_POINTS);
    // Steps 1..4 and objectives 0, 1, 2 (the NaN is left out of the mean).
    assert.deepEqual([series.x[0], series.y[0]], [2.5, 1]);
  });

  it('reads logs written before their rounds were named round (step)', () => {
    const old = LOG.map(({round, ...rest}) => ({...rest, step: round})) as unknown as RoundLog[];
    const oldEvals = [{step: 2, psnr: 8, ssim: 0.1}, {step: 4, psnr: 9, ssim: 0.2}] as unknown as EvalLine[];
    assert.deepEqual(curvePanels(old, oldEvals), curvePanels(LOG, [{round: 2, psnr: 8, ssim: 0.1}, {round: 4, psnr: 9, ssim: 0.2}]));
    assert.ok(curvePanels(old, oldEvals)[0].series[0].x.length === 4);
  });

  it('reads JSON lines, skipping a cut last line, and draws curves.png', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sparseland-curves-'));
    try {
      assert.equal(await writeCurves(dir), null);
      writeFileSync(path.join(dir, 'log.jsonl'), LOG.map((l) => JSON.stringify(l)).join('\n') + '\n{"step": 5, "lea');
      assert.equal(readJsonLines(path.join(dir, 'log.jsonl')).length, 4);
      assert.deepEqual(readJsonLines(path.join(dir, 'missing.jsonl')), []);
      writeFileSync(path.join(dir, 'eval.jsonl'), '{"step": 4, "psnr": null, "ssim": 0.2}\n');
      const file = await writeCurves(dir);
      assert.equal(file, path.join(dir, 'curves.png'));
      const meta = await sharp(readFileSync(file!)).metadata();
      // Seven panels, three per row.
      assert.deepEqual([meta.format, meta.width, meta.height], ['png', 3 * 380, 3 * 260]);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('measures the held-out quality as the mean PSNR and SSIM of the reconstructions', async () => {
    const {encoder, decoder} = cscCtrl({filters: [3, 3, 3, 6], seed: 2, features: 'linear', lambda: 0.01});
    const test = mnistDataset({split: 'test'});
    const quality = await reconstructionQuality(encoder, decoder, test, {images: 40, batchSize: 16});
    const x = await test.take(40);
    const xHat = decoder.predict(encoder.predict(x.images)) as tf.Tensor4D;
    assert.equal(quality.images, 40);
    expectClose(quality.psnr, tf.mean(psnr(x.images, xHat)).dataSync()[0], 1e-3);
    expectClose(quality.ssim, tf.mean(ssim(x.images, xHat)).dataSync()[0], 1e-4);
    await assert.rejects(reconstructionQuality(encoder, decoder, test, {images: 1001}),
                         /reconstructionQuality: images must be at most 1000, got 1001/);
  });
});
