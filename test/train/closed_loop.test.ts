import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {CscStage} from '../../layers/csc_stage';
import {cscCtrl} from '../../models/csc_ctrl';
import {ctrlBinary, ctrlMulti, mcr2, sampleConsistency} from '../../src/losses';
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
    assert.equal(log.round, 2);
    assert.deepEqual(Object.keys(log.encoder).sort(), ['deltaRPairs', 'deltaRZ', 'deltaRZHat', 'objective']);
    assert.deepEqual(Object.keys(log.decoder).sort(), ['deltaRPairs', 'deltaRZ', 'deltaRZHat', 'objective']);
    expectClose(log.encoder.objective, log.encoder.deltaRZ + log.encoder.deltaRZHat + log.encoder.deltaRPairs, 1e-3);
    const iterations = (trainer as unknown as {encoderOptimizer: {iterations: number}}).encoderOptimizer.iterations;
    assert.equal(iterations, 4);
    trainer.dispose();
    images.dispose();
  });

  for (const shared of [false, true]) {
    it(`consistency${shared ? ', shared statistics' : ''}: the decoder step lowers T + β·C, C the sample-wise ` +
       'consistency of the stages\' codes, and logs both', () => {
      const {encoder, decoder} = tiny(12);
      const beta = 3;
      const trainer = new ClosedLoopTrainer({encoder, decoder, mode: 'multi', numClasses: 3, learningRate: 2e-3,
                                             consistencyWeight: beta, sharedStatistics: shared});
      const {images, labels} = batch(13);
      const stages = encoder.layers.filter((l) => l.getClassName() === 'CscStage');
      /** The stages' codes and the features in training mode, layer by layer. */
      const codes = (x: tf.Tensor) => {
        const out: tf.Tensor[] = [];
        let h = x;
        for (const layer of encoder.layers) {
          h = layer.apply(h, {training: true}) as tf.Tensor;
          if (stages.includes(layer)) out.push(h);
        }
        return {codes: out, z: h as tf.Tensor2D};
      };
      const statistics = encoder.nonTrainableWeights;
      const cost = () => tf.tidy(() => {
        const start = statistics.map((w) => w.read().clone());
        const target = codes(images);
        const xHat = decoder.apply(target.z, {training: true}) as tf.Tensor;
        let z = target.z;
        let hat;
        if (shared) {
          const both = codes(tf.concat([images, xHat]));
          z = tf.slice(both.z, [0, 0], [24, -1]);
          hat = {z: tf.slice(both.z, [24, 0], [24, -1]) as tf.Tensor2D,
                 codes: both.codes.map((c) => tf.slice(c, [24, 0, 0, 0], [24, -1, -1, -1]))};
        } else {
          hat = codes(xHat);
        }
        const t = ctrlMulti(z, hat.z, labels, 3).objective.dataSync()[0];
        const c = sampleConsistency(target.codes, hat.codes);
        statistics.forEach((w, i) => w.write(start[i]));
        return {t, c: c.consistency.dataSync()[0], stages: [c.stage1.dataSync()[0], c.stage2.dataSync()[0]]};
      });
      const before = cost();
      const log = trainer.decoderStep(images, labels);
      assert.deepEqual(Object.keys(log).sort(),
                       ['consistency', 'deltaRPairs', 'deltaRZ', 'deltaRZHat', 'loss', 'objective', 'stage1', 'stage2']);
      expectClose([log.objective, log.consistency, log.stage1, log.stage2], [before.t, before.c, ...before.stages], 1e-3, 1e-3);
      expectClose(log.loss, log.objective + beta * log.consistency, 1e-3);
      assert.ok(before.c > 0.1, `consistency ${before.c}`);
      const after = cost();
      assert.ok(after.t + beta * after.c < before.t + beta * before.c - 1e-3,
                `T + βC: ${before.t + beta * before.c} → ${after.t + beta * after.c}`);
      const count = tf.memory().numTensors;
      trainer.decoderStep(images, labels);
      assert.equal(tf.memory().numTensors, count);
      trainer.dispose();
      images.dispose();
    });
  }

  it('data and encoder consistency: the encoder step raises T − α·D + γ·C at fixed X̂ and logs each term', () => {
    const {encoder, decoder} = tiny(16);
    const [alpha, gamma] = [0.5, 4];
    const trainer = new ClosedLoopTrainer({encoder, decoder, mode: 'multi', numClasses: 3, learningRate: 2e-3,
                                           dataWeight: alpha, encoderConsistencyWeight: gamma});
    const {images, labels} = batch(17);
    const stages = encoder.layers.filter((l): l is CscStage => l instanceof CscStage);
    /** Each stage's input and code, and the features, in training mode, layer by layer. */
    const pass = (x: tf.Tensor) => {
      const inputs: tf.Tensor4D[] = [];
      const codes: tf.Tensor[] = [];
      let h = x;
      for (const layer of encoder.layers) {
        const input = h;
        h = layer.apply(h, {training: true}) as tf.Tensor;
        if (layer instanceof CscStage) {
          inputs.push(input as tf.Tensor4D);
          codes.push(h);
        }
      }
      return {inputs, codes, z: h as tf.Tensor2D};
    };
    const statistics = encoder.nonTrainableWeights;
    const xHat = tf.tidy(() => decoder.apply(pass(images).z, {training: true}) as tf.Tensor4D);
    const terms = () => tf.tidy(() => {
      const start = statistics.map((w) => w.read().clone());
      const real = pass(images);
      const hat = pass(xHat);
      const t = ctrlMulti(real.z, hat.z, labels, 3).objective.dataSync()[0];
      const d = stages.reduce((sum, stage, k) => sum + tf.tidy(() => tf.div(
        tf.mul(stage.reconstructionError(real.inputs[k], real.codes[k]), 24), tf.sum(tf.square(real.inputs[k])))).dataSync()[0], 0);
      const c = sampleConsistency(real.codes, hat.codes).consistency.dataSync()[0];
      statistics.forEach((w, i) => w.write(start[i]));
      return {t, d, c, loss: t - alpha * d + gamma * c};
    });
    const before = terms();
    const log = trainer.encoderStep(images, labels);
    assert.deepEqual(Object.keys(log).sort(), ['consistency', 'data', 'deltaRPairs', 'deltaRZ', 'deltaRZHat', 'loss', 'objective']);
    expectClose([log.objective, log.data, log.consistency, log.loss], [before.t, before.d, before.c, before.loss], 1e-3, 1e-3);
    assert.ok(before.c > 0.1 && before.d > 0.1, `C ${before.c}, D ${before.d}`);
    const after = terms();
    assert.ok(after.loss > before.loss + 1e-3, `T − αD + γC: ${before.loss} → ${after.loss}`);
    const count = tf.memory().numTensors;
    trainer.encoderStep(images, labels);
    assert.equal(tf.memory().numTensors, count);
    trainer.dispose();
    tf.dispose([images, xHat]);
  });

  it('encoderSteps 0: a round steps only the decoder, the encoder\'s trainable weights stay as they are', () => {
    const {encoder, decoder} = tiny(14);
    const trainer = new ClosedLoopTrainer({encoder, decoder, encoderSteps: 0, consistencyWeight: 1, learningRate: 1e-2});
    const {images} = batch(15);
    const encoderBefore = encoder.trainableWeights.map((w) => w.read().clone());
    const decoderBefore = decoder.trainableWeights.map((w) => w.read().clone());
    const log = trainer.trainRound(images);
    assert.deepEqual(log.encoder, {});
    assert.ok(log.decoder.consistency > 0);
    encoder.trainableWeights.forEach((w, i) => expectClose(w.read(), encoderBefore[i], 0));
    assert.ok(decoder.trainableWeights.some((w, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(w.read(), decoderBefore[i]))).dataSync()[0]) > 1e-4));
    trainer.dispose();
    tf.dispose([images, ...encoderBefore, ...decoderBefore]);
  });

  for (const movingStatistics of ['real', 'all'] as const) {
    it(`moving statistics '${movingStatistics}': after a decoder step the encoder's batch-norm statistics are ` +
       (movingStatistics === 'real' ? 'those of its one pass over X (the pass over X̂ is undone)' : 'also moved by the pass over X̂'), () => {
      const {encoder, decoder} = tiny(8);
      const trainer = new ClosedLoopTrainer({encoder, decoder, movingStatistics});
      const {images} = batch(9);
      const statistics = () => encoder.layers.filter((l) => l.getClassName() === 'BatchNormalization')
        .flatMap((l) => l.nonTrainableWeights);
      assert.equal(statistics().length, 2);
      // Every non-trainable state (statistics and the stages' power-iteration vectors) before the step.
      const start = encoder.nonTrainableWeights.map((w) => w.read().clone());
      trainer.decoderStep(images);   // leaves the encoder's weights as they are
      const after = statistics().map((w) => w.read().clone());
      // Replay from the same state: one training-mode pass over X.
      encoder.nonTrainableWeights.forEach((w, i) => w.write(start[i]));
      tf.tidy(() => { encoder.apply(images, {training: true}); });
      const gap = Math.max(...statistics().map((w, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(w.read(), after[i]))).dataSync()[0])));
      if (movingStatistics === 'real') assert.ok(gap < 1e-6, `gap ${gap}`);
      else assert.ok(gap > 1e-4, `gap ${gap}`);
      trainer.dispose();
      tf.dispose([images, ...start, ...after]);
    });
  }

  it('warm-up rounds: one encoder step up ΔR(Z) each, the decoder untouched; the game starts after them', () => {
    const {encoder, decoder} = tiny(10);
    const trainer = new ClosedLoopTrainer({encoder, decoder, mode: 'multi', numClasses: 3, learningRate: 2e-3, warmupRounds: 1});
    const {images, labels} = batch(11);
    const deltaR = () => tf.tidy(() => mcr2(encoder.apply(images, {training: true}) as tf.Tensor2D, labels, 3).deltaR.dataSync()[0]);
    const decoderBefore = decoder.getWeights().map((w) => w.clone());
    const before = deltaR();
    const warm = trainer.trainRound(images, labels);
    assert.deepEqual(Object.keys(warm.encoder).sort(), ['objective', 'rZ', 'rcZ']);
    assert.deepEqual(warm.decoder, {});
    expectClose(warm.encoder.objective, before, 1e-3 * Math.abs(before));
    expectClose(warm.encoder.objective, warm.encoder.rZ - warm.encoder.rcZ, 1e-4);
    assert.ok(deltaR() > before + 1e-4, `ΔR(Z): ${before} → ${deltaR()}`);
    decoder.getWeights().forEach((w, i) => expectClose(w, decoderBefore[i], 0));
    const game = trainer.trainRound(images, labels);
    assert.deepEqual(Object.keys(game.decoder).sort(), ['deltaRPairs', 'deltaRZ', 'deltaRZHat', 'objective']);
    trainer.dispose();
    tf.dispose([images, ...decoderBefore]);
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
    const trainer = new ClosedLoopTrainer({encoder, decoder, learningRate: 1e-3, schedule: 'cosine', totalRounds: 10});
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
      await saveCheckpoint(dir, b1, {round: 2, epoch: 0, batchInEpoch: 2}, {note: 'x'});
      b1.dispose();
      const restored = await loadCheckpoint<{note: string}>(dir);
      assert.deepEqual([restored.round, restored.epoch, restored.batchInEpoch, restored.options.note], [2, 0, 2, 'x']);
      // A checkpoint written when the round count was named 'step' loads with the same round.
      const {checkpoint} = JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8'));
      const stateFile = path.join(dir, checkpoint, 'state.json');
      writeFileSync(stateFile, readFileSync(stateFile, 'utf8').replace('"round"', '"step"'));
      const old = await loadCheckpoint<{note: string}>(dir);
      assert.deepEqual([old.round, old.trainerState.round], [2, 2]);
      tf.dispose([...old.trainerState.encoderOptimizer, ...old.trainerState.decoderOptimizer].map((w) => w.tensor));
      const b2 = new ClosedLoopTrainer({encoder: restored.encoder, decoder: restored.decoder, mode: 'multi',
                                        numClasses: 3, learningRate: 1e-3});
      await b2.setState(restored.trainerState);
      for (const b of batches.slice(2)) b2.trainRound(b.images, b.labels);
      assert.equal(b2.round, 4);
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

  it("Adam's β powers restore at 0, where β₁ = 0.5 underflows in float32 after about 150 steps; outside [0, 1] they are rejected", async () => {
    const models = tiny();
    const trainer = new ClosedLoopTrainer({...models, mode: 'multi', numClasses: 3, learningRate: 1e-3, beta1: 0.5});
    const b = batch(3);
    trainer.trainRound(b.images, b.labels);
    const state = await trainer.getState();
    assert.equal(Math.fround(0.5 ** 160), 0);
    await trainer.setState({...state, betaPowers: {encoder: [0, 0.5], decoder: [0, 0.25]}});
    const again = await trainer.getState();
    assert.deepEqual(again.betaPowers, {encoder: [0, 0.5], decoder: [0, 0.25]});
    await assert.rejects(trainer.setState({...again, betaPowers: {encoder: [-0.1, 0.5], decoder: [0, 0.25]}}),
                         /ClosedLoopTrainer: state.betaPowers.encoder must be two numbers in \[0, 1\], got \[-0.1, 0.5\]/);
    tf.dispose([...state.encoderOptimizer, ...state.decoderOptimizer, ...again.encoderOptimizer, ...again.decoderOptimizer]
      .map((w) => w.tensor).filter((t) => !t.isDisposed));
    trainer.dispose();
    b.images.dispose();
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
    expectThrows(make({encoderSteps: -1}), /ClosedLoopTrainer: encoderSteps must be a non-negative integer, got -1/);
    expectThrows(make({dataWeight: NaN}), /ClosedLoopTrainer: dataWeight must be a finite number ≥ 0, got NaN/);
    expectThrows(make({encoderConsistencyWeight: -1}), /ClosedLoopTrainer: encoderConsistencyWeight must be a finite number ≥ 0, got -1/);
    expectThrows(make({consistencyWeight: -2}), /ClosedLoopTrainer: consistencyWeight must be a finite number ≥ 0, got -2/);
    const input = tf.input({shape: [16, 16, 1]});
    const functional = tf.model({inputs: input, outputs: encoder.apply(input) as tf.SymbolicTensor});
    expectThrows(make({encoder: functional, consistencyWeight: 1}),
                 /ClosedLoopTrainer: encoder must be a tf.Sequential \(the consistency and the data terms read its stages in order\), got 'Model'/);
    expectThrows(make({schedule: 'step'}), /ClosedLoopTrainer: schedule must be one of 'constant', 'cosine', got 'step'/);
    expectThrows(make({schedule: 'cosine'}), /ClosedLoopTrainer: totalRounds must be a positive integer, got undefined/);
    expectThrows(make({sharedStatistics: 'yes'}), /ClosedLoopTrainer: sharedStatistics must be true or false, got 'yes'/);
    expectThrows(make({mode: 'multi', numClasses: 3, warmupRounds: -1}), /ClosedLoopTrainer: warmupRounds must be a non-negative integer, got -1/);
    expectThrows(make({warmupRounds: 5}), /ClosedLoopTrainer: warmupRounds must be 0 in 'binary' mode \(the warm-up maximises ΔR\(Z\) with the labels\), got 5/);
    expectThrows(make({movingStatistics: 'fake'}), /ClosedLoopTrainer: movingStatistics must be one of 'real', 'all', got 'fake'/);
    const binary = new ClosedLoopTrainer({encoder, decoder});
    expectThrows(() => binary.warmupStep(tf.zeros([2, 16, 16, 1]) as tf.Tensor4D, [0, 1]),
                 /ClosedLoopTrainer: mode must be 'multi' for a warm-up step \(it needs labels\), got 'binary'/);
    binary.dispose();
    const trainer = new ClosedLoopTrainer({encoder, decoder, mode: 'multi', numClasses: 3});
    expectThrows(() => trainer.trainRound(tf.zeros([2, 16, 16]) as unknown as tf.Tensor4D, [0, 1]),
                 /ClosedLoopTrainer: images must be a rank-4 tensor \[batch, H, W, C\], got \[2, 16, 16\]/);
    expectThrows(() => trainer.trainRound(tf.zeros([2, 16, 16, 1]) as tf.Tensor4D), /ClosedLoopTrainer: labels must be given in 'multi' mode/);
    trainer.dispose();
  });
});
