import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {mkdtempSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import '../../src/node';
import {cscCtrl} from '../../models/csc_ctrl';
import {saveCheckpoint} from '../../src/train/checkpoint';
import {ClosedLoopTrainer, CtrlMode} from '../../src/train/closed_loop';

/** Rounds after the first; every tenth saves a checkpoint. */
const ROUNDS = 30;

describe('ClosedLoopTrainer: memory over many rounds', () => {
  for (const mode of ['binary', 'multi'] as CtrlMode[]) {
    it(`${mode}: the first round adds exactly Adam's two moments per weight, later rounds and checkpoints add no tensor`,
       async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'sparseland-ctrl-memory-'));
      // 8×8 grey → 4×4×2 → 1×1×4: 4 features.
      const {encoder, decoder} = cscCtrl({inputShape: [8, 8, 1], filters: [2, 4], strides: [2, 1],
                                          paddings: ['same', 'valid'], iterations: 1});
      const trainer = new ClosedLoopTrainer({encoder, decoder, mode, numClasses: 2, learningRate: 1e-3});
      const images = tf.randomUniform([8, 8, 8, 1], -1, 1, 'float32', 7) as tf.Tensor4D;
      const labels = [0, 1, 0, 1, 0, 1, 0, 1];
      try {
        const weights = encoder.trainableWeights.length + decoder.trainableWeights.length;
        const before = tf.memory().numTensors;
        trainer.trainRound(images, labels);
        const after = tf.memory().numTensors;
        assert.equal(after - before, 2 * weights, 'tensors created by the first round');
        const counts: number[] = [];
        for (let round = 1; round <= ROUNDS; round++) {
          const log = trainer.trainRound(images, labels);
          assert.ok(Number.isFinite(log.encoder.objective) && Number.isFinite(log.decoder.objective));
          if (round % 10 === 0) {
            await saveCheckpoint(dir, trainer, {round: trainer.round, epoch: 0, batchInEpoch: round}, {mode});
          }
          counts.push(tf.memory().numTensors);
        }
        assert.deepEqual(counts, counts.map(() => after), 'tensors alive after each round');
        assert.equal(trainer.round, ROUNDS + 1);
      } finally {
        trainer.dispose();
        images.dispose();
        encoder.dispose();
        decoder.dispose();
        rmSync(dir, {recursive: true, force: true});
      }
    });
  }
});
