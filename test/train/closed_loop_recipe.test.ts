import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {cscCtrl} from '../../models/csc_ctrl';
import {mnistDataset} from '../../src/data/mnist_dataset';
import {psnr} from '../../src/metrics';
import {ClosedLoopTrainer} from '../../src/train/closed_loop';

/**
 * A behaviour test of the recipe: a tiny CSC-CTRL closed loop on 64 MNIST digits, and the PSNR of
 * its reconstructions of 64 other digits after a few rounds.
 */
describe('the closed loop on MNIST digits (a tiny model, 64 digits)', function () {
  // Two runs of 20 rounds: about 30 s on an idle machine, longer beside other jobs.
  this.timeout(240000);
  const ROUNDS = 20;

  /** Mean held-out PSNR (dB) before and after `ROUNDS` rounds of a trainer with these options. */
  async function heldOutPsnr(options: {consistencyWeight: number}): Promise<[number, number]> {
    const {encoder, decoder} = cscCtrl({inputShape: [28, 28, 1], filters: [8, 16, 32], strides: [2, 2, 1],
                                        paddings: ['same', 'same', 'valid'], features: 'linear', seed: 3});
    const data = mnistDataset({split: 'train', size: 28});
    const train = await data.take(64);
    const test = await data.take(64, 64);
    const quality = () => tf.tidy(() => tf.mean(psnr(test.images, decoder.predict(encoder.predict(test.images)) as tf.Tensor4D))
      .dataSync()[0]);
    const trainer = new ClosedLoopTrainer({encoder, decoder, mode: 'multi', numClasses: 10, learningRate: 2e-3,
                                           decoderLearningRate: 1e-2, ...options});
    const before = quality();
    for (let r = 0; r < ROUNDS; r++) trainer.trainRound(train.images, train.labels);
    const after = quality();
    trainer.dispose();
    tf.dispose([train.images, train.labels, test.images, test.labels]);
    return [before, after];
  }

  it('with the sample-wise consistency of the stages\' codes the held-out PSNR rises by 3 dB or more; ' +
     'the published game alone does not raise it so', async () => {
    const [start, consistent] = await heldOutPsnr({consistencyWeight: 100});
    const [published, game] = await heldOutPsnr({consistencyWeight: 0});
    assert.equal(published, start);
    assert.ok(consistent > start + 3, `consistency: ${start.toFixed(2)} → ${consistent.toFixed(2)} dB`);
    assert.ok(game < consistent - 2, `published game: ${start.toFixed(2)} → ${game.toFixed(2)} dB, consistency ${consistent.toFixed(2)} dB`);
  });
});
