import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {startDemoServer, DemoServer} from '../scripts/demo_web';
import * as sl from '../src/node';
import * as web from '../src/pretrained/index';
import {expectClose} from './helpers';

/**
 * Floors for the shipped model on the first 300 test digits of the data it was trained on (the
 * standard MNIST test set), the classifier fitted on its first 1,000 training digits. Measured
 * there: accuracy 0.987, reconstruction PSNR 16.46 dB, SSIM 0.527, reconstructions
 * classified as their digit 0.987 (its full evaluation is in its info.json). Each floor is the
 * measured value less a margin of about 2.5 points of accuracy, 1 dB of PSNR and 0.05 of SSIM.
 */
const ACCURACY_FLOOR = 0.96;
const PSNR_FLOOR_DB = 15.4;
const SSIM_FLOOR = 0.47;
const RECONSTRUCTION_ACCURACY_FLOOR = 0.96;

describe('sl.pretrained', () => {
  it("loads 'mnist-csc-ctrl': its features classify held-out digits, its decoder reconstructs them", async () => {
    assert.ok(sl.pretrained.available().includes('mnist-csc-ctrl'));
    const {encoder, decoder, info} = await sl.pretrained.load('mnist-csc-ctrl');
    assert.match(info.command, /sparseland train --preset mnist-csc-ctrl/);
    // The data it was trained on: its test digits are held out.
    const data = info.data as string;
    const test = await (await sl.train.openDataset(data, 32, 'test')).take(300);
    const train = await (await sl.train.openDataset(data, 32, 'train')).take(1000);
    const z = encoder.predict(test.images) as tf.Tensor2D;
    assert.deepEqual(z.shape, [300, 128]);
    const xHat = decoder.predict(z) as tf.Tensor4D;
    const psnr = tf.mean(sl.metrics.psnr(test.images, xHat)).dataSync()[0];
    const ssim = tf.mean(sl.metrics.ssim(test.images, xHat)).dataSync()[0];
    const classifier = sl.metrics.NearestSubspace.fit(encoder.predict(train.images) as tf.Tensor2D, train.labels,
                                                      {components: 10, numClasses: 10});
    const accuracy = classifier.accuracy(z, test.labels);
    const zHat = encoder.predict(xHat) as tf.Tensor2D;
    const reconstructionAccuracy = classifier.accuracy(zHat, test.labels);
    assert.ok(accuracy >= ACCURACY_FLOOR, `nearest-subspace accuracy ${accuracy}`);
    assert.ok(psnr >= PSNR_FLOOR_DB, `PSNR ${psnr} dB`);
    assert.ok(ssim >= SSIM_FLOOR, `SSIM ${ssim}`);
    assert.ok(reconstructionAccuracy >= RECONSTRUCTION_ACCURACY_FLOOR, `reconstructions classified as their digit ${reconstructionAccuracy}`);
    tf.dispose([z, xHat, zHat, test.images, test.labels, train.images, train.labels]);
  });

  it("'mnist-csc-ctrl' reproduces the features and reconstructions recorded when it was packaged", async () => {
    const {encoder, decoder, info} = await sl.pretrained.load('mnist-csc-ctrl');
    const golden = info.golden as {images: number; features: number[][]; pixelIndices: number[]; pixels: number[][];
                                   means: number[]};
    const test = await (await sl.train.openDataset(info.data as string, 32, 'test')).take(golden.images);
    const z = encoder.predict(test.images) as tf.Tensor2D;
    const xHat = (decoder.predict(z) as tf.Tensor4D).reshape([golden.images, -1]) as tf.Tensor2D;
    const features = (z.arraySync()).map((row) => row.slice(0, golden.features[0].length));
    const rows = xHat.arraySync();
    expectClose(features, golden.features, 1e-4);
    expectClose(rows.map((row) => golden.pixelIndices.map((i) => row[i])), golden.pixels, 1e-4);
    expectClose(rows.map((row) => row.reduce((a, b) => a + b) / row.length), golden.means, 1e-5);
    tf.dispose([z, xHat, test.images, test.labels]);
  });

  it('rejects an unknown name, listing the known ones', async () => {
    await assert.rejects(sl.pretrained.load('cifar-csc-ctrl'),
                         /pretrained.load: name must be one of 'alista-250x500', .*'mnist-csc-ctrl', got 'cifar-csc-ctrl'/);
  });

  it('the shipped folders are the listed autoencoders, sparse coders and classifiers', () => {
    assert.deepEqual(sl.pretrained.available(), [...sl.pretrained.PRETRAINED_AUTOENCODERS, ...sl.pretrained.PRETRAINED_CODERS,
                                                 ...sl.pretrained.PRETRAINED_CLASSIFIERS].sort());
  });
});

describe('sl.pretrained sparse coders', () => {
  for (const name of sl.pretrained.PRETRAINED_CODERS) {
    it(`'${name}' maps y [batch, 250] to x̂ [batch, 500] and reaches its recorded NMSE per layer (within 0.5 dB)`, async () => {
      const {model, dictionary, info} = await sl.pretrained.load(name);
      assert.deepEqual(dictionary.shape, [250, 500]);
      assert.match(info.command, /sparseland reproduce lista/);
      const evaluation = info.evaluation as {nmseDb: number[]; seed: number};
      const recipe = info.recipe as {p: number; seed: number};
      // The dictionary is the one the recipe's seed draws.
      const drawn = sl.data.syntheticLasso({seed: recipe.seed});
      assert.ok(tf.max(tf.abs(tf.sub(drawn.A, dictionary))).dataSync()[0] < 1e-6);
      // The recorded codes (a seed training did not use): the record to 0.5 dB per layer.
      const test = sl.data.syntheticLasso({dictionary, p: recipe.p, seed: evaluation.seed}).sample(1000);
      const out = model.predict(test.x) as tf.Tensor;
      assert.deepEqual(out.shape, [1000, 500]);
      const layer = model.layers[0] as sl.layers.Lista;
      const measured = sl.reproduce.nmsePerLayer(layer, test.x, test.z);
      measured.forEach((db, k) => assert.ok(Math.abs(db - evaluation.nmseDb[k]) < 0.5,
                                            `layer ${k + 1}: ${db.toFixed(2)} dB, recorded ${evaluation.nmseDb[k].toFixed(2)} dB`));
      // Codes of another seed: at −48 dB a few codes weigh much, and 1,000 codes of two seeds differ by up to 0.7 dB.
      const other = sl.data.syntheticLasso({dictionary, p: recipe.p, seed: 97_531}).sample(1000);
      const last = sl.reproduce.nmsePerLayer(layer, other.x, other.z).at(-1)!;
      assert.ok(Math.abs(last - evaluation.nmseDb.at(-1)!) < 1.5, `another seed: ${last.toFixed(2)} dB`);
      tf.dispose([other.x, other.z]);
      tf.dispose([drawn.A, dictionary, test.x, test.z, out]);
      model.dispose();
    });
  }
});

describe('sl.pretrained classifiers', () => {
  for (const name of sl.pretrained.PRETRAINED_CLASSIFIERS) {
    it(`'${name}' maps digits [batch, 28, 28, 1] in [0, 1] to class probabilities and reaches its recorded test accuracy (within 0.1 point)`,
       async function () {
         this.timeout(300_000); // 10,000 digits
         const {model, info} = await sl.pretrained.load(name);
         assert.match(info.command, /sparseland reproduce ml-csc/);
         const evaluation = info.evaluation as {testAccuracy: number; digits: number};
         assert.equal(evaluation.digits, 10000);
         const test = sl.data.mnistFullDataset({split: 'test', size: 28});
         const {images} = await test.take(4);
         const scores = tf.tidy(() => model.predict(tf.div(tf.add(images, 1), 2)) as tf.Tensor);
         assert.deepEqual(scores.shape, [4, 10]);
         tf.tidy(() => expectClose(tf.sum(scores, 1), tf.ones([4]), 1e-5));
         const accuracy = await sl.reproduce.testAccuracy(model, test);
         assert.ok(Math.abs(accuracy - evaluation.testAccuracy) <= 0.1, `${accuracy} %, recorded ${evaluation.testAccuracy} %`);
         tf.dispose([images, scores]);
         model.dispose();
       });
  }
});

describe('sl.pretrained from a URL (as in a page)', function () {
  this.timeout(120000);
  let server: DemoServer;
  before(async () => {
    server = await startDemoServer();
  });
  after(async () => server?.close());

  it('loads the same models over HTTP as from the package folder: a classifier, a coder with its dictionary, an autoencoder', async () => {
    const from = `${server.url}pretrained/`;
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1);
    const [local, remote] = [await sl.pretrained.load('ml-csc-mnist-cnn'), await web.load('ml-csc-mnist-cnn', {from})];
    expectClose(remote.model.predict(x) as tf.Tensor, local.model.predict(x) as tf.Tensor, 0);
    const [coder, remoteCoder] = [await sl.pretrained.load('alista-250x500'), await web.load('alista-250x500', {from})];
    expectClose(remoteCoder.dictionary, coder.dictionary, 0);
    const [ae, remoteAe] = [await sl.pretrained.load('mnist-csc-ctrl'), await web.load('mnist-csc-ctrl', {from})];
    const images = tf.randomUniform([1, 32, 32, 1], -1, 1, 'float32', 2);
    expectClose(remoteAe.decoder.predict(remoteAe.encoder.predict(images)) as tf.Tensor,
                ae.decoder.predict(ae.encoder.predict(images)) as tf.Tensor, 0);
    assert.deepEqual(remote.info, local.info);
  });

  it('names the URL it cannot read, and asks for `from` where there is no package folder', async () => {
    await assert.rejects(web.load('ml-csc-mnist-cnn', {from: `${server.url}nowhere/`}),
                         /pretrained\.load: cannot read 'http:\/\/127\.0\.0\.1:\d+\/nowhere\/ml-csc-mnist-cnn\/info\.json'/);
    await assert.rejects(web.load('ml-csc-mnist-cnn'), /pretrained\.load: options\.from must be the URL of the package's pretrained\/ folder/);
    await assert.rejects(web.load('ml-csc-mnist-cnn', {from: 'http://[::1/'}), /pretrained\.load: from must be a URL/);
  });
});
