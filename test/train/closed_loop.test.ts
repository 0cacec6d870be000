import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {mkdtempSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {cscCtrl} from '../../models/csc_ctrl';
import {ctrlBinary, ctrlMulti} from '../../src/losses';
import {loadCheckpoint, saveCheckpoint} from '../../src/train/checkpoint';
import {ClosedLoopTrainer} from '../../src/train/closed_loop';
import {expectClose, expectThrows} from '../helpers';

/** A tiny CSC-CTRL: 16×16 grey → 8×8×4 → 5×5×8 = 200 features. */
function tiny(seed = 0, tied = false) {
  return cscCtrl({inputShape: [16, 16, 1], filters: [4, 8], strides: [2, 1], paddings: ['same', 'valid'], seed, tied});
}

function batch(seed: number, m = 24): {images: tf.Tensor4D; labels: Int32Array} {
  return {
    images: tf.tidy(() => tf.tanh(tf.randomNormal([m, 16, 16, 1], 0, 1.5, 'float32', seed))) as tf.Tensor4D,
    labels: Int32Array.from({length: m}, (_, i) => i % 3),
  };
}

describe('ClosedLoopTrainer', () => {
  for (const [mode, shared] of [['binary', false], ['multi', false], ['binary', true], ['multi', true]] as const) {
    it(`${mode}${shared ? ', shared statistics' : ''}: an encoder step raises T(f(X), f(X̂)) at fixed X̂, ` +
       'a decoder step lowers T(Z, f(g(Z))) at fixed Z', () => {
      const {encoder, decoder} = tiny(1);
      const trainer = new ClosedLoopTrainer({encoder, decoder, mode, numClasses: 3, learningRate: 2e-3,
                                             sharedStatistics: shared});
      const {images, labels} = batch(2);
      const objective = (z: tf.Tensor2D, zHat: tf.Tensor2D) => (mode === 'multi'
        ? ctrlMulti(z, zHat, labels, 3) : ctrlBinary(z, zHat)).objective.dataSync()[0];
      const f = (x: tf.Tensor) => encoder.apply(x, {training: true}) as tf.Tensor2D;
      // Shared statistics: both batches through the encoder in one pass (one batch normalisation).
      const pair = (x: tf.Tensor, xHat: tf.Tensor): [tf.Tensor2D, tf.Tensor2D] => {
        if (!shared) return [f(x), f(xHat)];
        const both = f(tf.concat([x, xHat]));
        return [tf.slice(both, [0, 0], [24, -1]), tf.slice(both, [24, 0], [24, -1])];
      };
      const xHat = tf.tidy(() => decoder.apply(f(images), {training: true}) as tf.Tensor4D);
      const encoderT = () => tf.tidy(() => objective(...pair(images, xHat)));
      const before = encoderT();
      const reported = trainer.encoderStep(images, labels);
      expectClose(reported.objective, before, 1e-3 * Math.abs(before));
      assert.ok(encoderT() > before + 1e-4, `encoder step: ${before} → ${encoderT()}`);

      const z = tf.tidy(() => f(images));
      const decoderT = () => tf.tidy(() => objective(...pair(images, decoder.apply(z, {training: true}) as tf.Tensor)));
      const start = decoderT();
      trainer.decoderStep(images, labels);
      assert.ok(decoderT() < start - 1e-4, `decoder step: ${start} → ${decoderT()}`);
      trainer.dispose();
      tf.dispose([images, xHat, z]);
    });
  }

  it('applies the weights\' constraints after every step, as model.fit does (λ of the stages ≥ 0)', () => {
    const {encoder, decoder, stages} = tiny(6);
    const trainer = new ClosedLoopTrainer({encoder, decoder, learningRate: 1e-3});
    const lambdas = stages.map((s) => s.weights.find((w) => w.name.includes('lambda'))!);
    lambdas.forEach((l) => l.write(tf.scalar(-0.5)));
    const {images} = batch(7);
    trainer.trainRound(images);
    const values = lambdas.map((l) => l.read().dataSync()[0]);
    assert.ok(values.every((l) => l >= 0), `λ = ${values}`);
    trainer.dispose();
    images.dispose();
  });

  it('a round is encoderSteps encoder steps and one decoder step, logging every term; no tensor is left behind', () => {
    const {encoder, decoder} = tiny(2);
    const trainer = new ClosedLoopTrainer({encoder, decoder, mode: 'multi', numClasses: 3, encoderSteps: 2});
    const {images, labels} = batch(3);
    trainer.trainRound(images, labels);
    const count = tf.memory().numTensors;
    const log = trainer.trainRound(images, labels);
    assert.equal(tf.memory().numTensors, count);
    assert.equal(log.step, 2);
    assert.deepEqual(Object.keys(log.encoder).sort(), ['deltaRPairs', 'deltaRZ', 'deltaRZHat', 'objective']);
    assert.deepEqual(Object.keys(log.decoder).sort(), ['deltaRPairs', 'deltaRZ', 'deltaRZHat', 'objective']);
    expectClose(log.encoder.objective, log.encoder.deltaRZ + log.encoder.deltaRZHat + log.encoder.deltaRPairs, 1e-3);
    const iterations = (trainer as unknown as {encoderOptimizer: {iterations: number}}).encoderOptimizer.iterations;
    assert.equal(iterations, 4);
    trainer.dispose();
    images.dispose();
  });

  it('tied: the decoder step moves the shared dictionaries (the only filters the decoder has)', () => {
    const {encoder, decoder, stages} = tiny(3, true);
    const trainer = new ClosedLoopTrainer({encoder, decoder, learningRate: 1e-2});
    const {images} = batch(4);
    const before = stages[0].dictionary().clone();
    trainer.decoderStep(images);
    assert.ok(tf.max(tf.abs(tf.sub(stages[0].dictionary(), before))).dataSync()[0] > 1e-4);
    trainer.dispose();
    tf.dispose([images, before]);
  });

  it('cosine schedule: η at rounds 0, T/2 and T is η₀, η₀/2 and 0', () => {
    const {encoder, decoder} = tiny();
    const trainer = new ClosedLoopTrainer({encoder, decoder, learningRate: 1e-3, schedule: 'cosine', totalSteps: 10});
    expectClose([trainer.learningRateAt(0), trainer.learningRateAt(5), trainer.learningRateAt(10)], [1e-3, 5e-4, 0], 1e-12);
    trainer.dispose();
  });

  it('a checkpoint restores models and optimizers so that training continues exactly as without it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sparseland-ckpt-'));
    try {
      const batches = [5, 6, 7, 8].map((s) => batch(s));
      const straight = tiny(4);
      const a = new ClosedLoopTrainer({...straight, mode: 'multi', numClasses: 3, learningRate: 1e-3});
      for (const b of batches) a.trainRound(b.images, b.labels);

      const first = tiny(4);
      const b1 = new ClosedLoopTrainer({...first, mode: 'multi', numClasses: 3, learningRate: 1e-3});
      for (const b of batches.slice(0, 2)) b1.trainRound(b.images, b.labels);
      await saveCheckpoint(dir, b1, {step: 2, epoch: 0, batchInEpoch: 2}, {note: 'x'});
      b1.dispose();
      const restored = await loadCheckpoint<{note: string}>(dir);
      assert.deepEqual([restored.step, restored.epoch, restored.batchInEpoch, restored.options.note], [2, 0, 2, 'x']);
      const b2 = new ClosedLoopTrainer({encoder: restored.encoder, decoder: restored.decoder, mode: 'multi',
                                        numClasses: 3, learningRate: 1e-3});
      await b2.setState(restored.trainerState);
      for (const b of batches.slice(2)) b2.trainRound(b.images, b.labels);
      assert.equal(b2.step, 4);
      const want = [...straight.encoder.getWeights(), ...straight.decoder.getWeights()];
      const got = [...restored.encoder.getWeights(), ...restored.decoder.getWeights()];
      assert.equal(got.length, want.length);
      got.forEach((w, i) => expectClose(w, want[i], 1e-6, 1e-5));
      a.dispose();
      b2.dispose();
      tf.dispose(batches.map((b) => b.images));
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('rejects bad arguments, naming them', () => {
    const {encoder, decoder} = tiny();
    const make = (extra: object) => () => new ClosedLoopTrainer({encoder, decoder, ...extra});
    expectThrows(make({encoder: 3}), /ClosedLoopTrainer: encoder must be a tf.LayersModel, got 3/);
    expectThrows(make({decoder: null}), /ClosedLoopTrainer: decoder must be a tf.LayersModel, got null/);
    expectThrows(make({mode: 'ternary'}), /ClosedLoopTrainer: mode must be one of 'binary', 'multi', got 'ternary'/);
    expectThrows(make({mode: 'multi'}), /ClosedLoopTrainer: numClasses must be a positive integer, got undefined/);
    expectThrows(make({epsilonSquared: 0}), /ClosedLoopTrainer: epsilonSquared must be a finite number > 0, got 0/);
    expectThrows(make({gammas: [1, 1]}), /ClosedLoopTrainer: gammas must be three finite numbers ≥ 0, got \[1, 1\]/);
    expectThrows(make({learningRate: -1}), /ClosedLoopTrainer: learningRate must be a finite number > 0, got -1/);
    expectThrows(make({beta1: 1}), /ClosedLoopTrainer: beta1 must be below 1, got 1/);
    expectThrows(make({beta2: 1.5}), /ClosedLoopTrainer: beta2 must be below 1, got 1.5/);
    expectThrows(make({encoderSteps: 0}), /ClosedLoopTrainer: encoderSteps must be a positive integer, got 0/);
    expectThrows(make({schedule: 'step'}), /ClosedLoopTrainer: schedule must be one of 'constant', 'cosine', got 'step'/);
    expectThrows(make({schedule: 'cosine'}), /ClosedLoopTrainer: totalSteps must be a positive integer, got undefined/);
    expectThrows(make({sharedStatistics: 'yes'}), /ClosedLoopTrainer: sharedStatistics must be true or false, got 'yes'/);
    const trainer = new ClosedLoopTrainer({encoder, decoder, mode: 'multi', numClasses: 3});
    expectThrows(() => trainer.trainRound(tf.zeros([2, 16, 16]) as unknown as tf.Tensor4D, [0, 1]),
                 /ClosedLoopTrainer: images must be a rank-4 tensor \[batch, H, W, C\], got \[2, 16, 16\]/);
    expectThrows(() => trainer.trainRound(tf.zeros([2, 16, 16, 1]) as tf.Tensor4D), /ClosedLoopTrainer: labels must be given in 'multi' mode/);
    trainer.dispose();
  });
});
