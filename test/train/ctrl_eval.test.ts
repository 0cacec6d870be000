import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {mkdtempSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {PNG} from 'pngjs';
import {cscCtrl} from '../../models/csc_ctrl';
import {mnistDataset} from '../../src/data/mnist_dataset';
import {mcr2, rateReductionBetween} from '../../src/losses';
import {density, NearestSubspace, psnr, ssim} from '../../src/metrics';
import {evaluateCscCtrl} from '../../src/train/ctrl_eval';
import {expectClose} from '../helpers';

describe('evaluateCscCtrl', () => {
  it('reports the PSNR, SSIM, accuracy (of the features and of the features of the reconstructions), densities and rate reductions computed directly, and writes the grid', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sparseland-eval-'));
    try {
      const {encoder, decoder} = cscCtrl({filters: [3, 3, 3, 6], seed: 2});
      const test = mnistDataset({split: 'test'});
      const train = mnistDataset({split: 'train'});
      const grid = path.join(dir, 'grid.png');
      const result = await evaluateCscCtrl(encoder, decoder, {test, train, testImages: 60, trainImages: 120,
                                                              batchSize: 25, components: 3, grid, gridImages: 5});
      const x = await test.take(60);
      const xr = await train.take(120);
      const z = encoder.predict(x.images) as tf.Tensor2D;
      const xHat = decoder.predict(z) as tf.Tensor4D;
      assert.equal(result.images, 60);
      expectClose(result.psnr, tf.mean(psnr(x.images, xHat)).dataSync()[0], 1e-3);
      expectClose(result.ssim, tf.mean(ssim(x.images, xHat)).dataSync()[0], 1e-4);
      const classifier = NearestSubspace.fit(encoder.predict(xr.images) as tf.Tensor2D, xr.labels, {components: 3, numClasses: 10});
      assert.equal(result.accuracy, classifier.accuracy(z, x.labels));
      assert.equal(result.reconstructionAccuracy, classifier.accuracy(encoder.predict(xHat) as tf.Tensor2D, x.labels));
      expectClose(result.deltaR, mcr2(z, x.labels, 10).deltaR.dataSync()[0], 1e-3);
      expectClose(result.deltaRReconstruction,
                  rateReductionBetween(z, encoder.predict(xHat) as tf.Tensor2D).dataSync()[0], 1e-3);
      assert.equal(result.density.length, 4);
      expectClose(result.density[0], density(encoder.layers[0].apply(x.images) as tf.Tensor), 1e-6);
      assert.ok(result.density.every((d) => d >= 0 && d <= 1) && result.density[0] > 0, `${result.density}`);
      const png = PNG.sync.read(readFileSync(grid));
      assert.deepEqual([png.width, png.height], [5 * 65 + 1, 2 * 65 + 1]);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
