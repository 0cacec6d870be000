import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import sharp from 'sharp';
import {loadCheckpoint, loadCheckpointModels} from '../../src/train/checkpoint';
import {CtrlRunOptions, trainCscCtrl} from '../../src/train/ctrl_run';
import {expectClose} from '../helpers';

/** The MNIST preset with 2–4 atoms per stage: a real run over the MNIST digits in seconds. */
const TINY: CtrlRunOptions = {preset: 'mnist', data: 'mnist', filters: [2, 2, 2, 4], batchSize: 64, seed: 5,
                              mode: 'multi', learningRate: 1e-3, checkpointEvery: 2};

async function checkpointWeights(dir: string): Promise<tf.Tensor[]> {
  const c = await loadCheckpointModels(dir);
  return [...c.encoder.getWeights(), ...c.decoder.getWeights()];
}

/** An image folder of 3 classes × 8 flat PNG images under `root/images`. */
async function imageFolder(root: string): Promise<string> {
  const data = path.join(root, 'images');
  for (const [c, name] of ['circles', 'squares', 'stripes'].entries()) {
    mkdirSync(path.join(data, 'train', name), {recursive: true});
    for (let i = 0; i < 8; i++) {
      const pixels = Buffer.alloc(40 * 36 * 3, (c * 80 + i * 9) % 256);
      await sharp(pixels, {raw: {width: 40, height: 36, channels: 3}}).png()
        .toFile(path.join(data, 'train', name, `${i}.png`));
    }
  }
  return data;
}

describe('trainCscCtrl (a run over MNIST)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'sparseland-run-'));
  });
  afterEach(() => rmSync(root, {recursive: true, force: true}));

  /** Every weight of the latest checkpoint of `dir`, both optimizers' state and Adam's β powers, as host arrays. */
  async function checkpointState(dir: string): Promise<unknown[]> {
    const c = await loadCheckpoint(dir);
    const tensors = [...c.encoder.getWeights(), ...c.decoder.getWeights(),
                     ...[...c.trainerState.encoderOptimizer, ...c.trainerState.decoderOptimizer].map((w) => w.tensor)];
    const values = tensors.map((t) => Array.from(t.dataSync()));
    tf.dispose([...c.trainerState.encoderOptimizer, ...c.trainerState.decoderOptimizer].map((w) => w.tensor));
    return [c.round, c.epoch, c.batchInEpoch, c.trainerState.betaPowers, ...values];
  }

  for (const backend of ['wasm', 'cpu']) {
    it(`stopped after any round and resumed, it ends bitwise equal to an uninterrupted run (${backend})`, async function () {
      this.timeout(600000);
      const previous = tf.getBackend();
      await tf.setBackend(backend);
      try {
        const rounds = 5;
        const options = {...TINY, rounds, checkpointEvery: 3};
        const straight = await trainCscCtrl(path.join(root, 'a'), options);
        assert.deepEqual(straight.position, {round: 5, epoch: 0, batchInEpoch: 5});
        const want = await checkpointState(path.join(root, 'a'));
        for (let stop = 1; stop < rounds; stop++) {
          const dir = path.join(root, `b${stop}`);
          const steps: number[] = [];
          await trainCscCtrl(dir, options, false, {maxRounds: stop});
          await trainCscCtrl(dir, {}, true, {onStart: ({position}) => steps.push(position.round), onRound: (log) => steps.push(log.round)});
          assert.deepEqual(steps, Array.from({length: rounds - stop + 1}, (_, i) => stop + i), `stopped at round ${stop}`);
          assert.deepEqual(await checkpointState(dir), want, `stopped at round ${stop}`);
          // One checkpoint is kept: the one latest.json names.
          assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('ckpt-')), ['ckpt-000005']);
        }
      } finally {
        await tf.setBackend(previous);
      }
    });
  }

  it('resume is an error without a checkpoint (and creates nothing); \'or-start\' then starts the run', async () => {
    const dir = path.join(root, 'typo');
    await assert.rejects(trainCscCtrl(dir, TINY, true),
                         /trainCscCtrl: there is no checkpoint to resume in '.*typo' \(no latest\.json\)/);
    assert.ok(!existsSync(dir));
    const started = await trainCscCtrl(dir, TINY, 'or-start', {maxRounds: 1});
    assert.equal(started.position.round, 1);
    const continued = await trainCscCtrl(dir, {}, 'or-start', {maxRounds: 1});
    assert.equal(continued.position.round, 2);
    await assert.rejects(trainCscCtrl(dir, TINY, 'yes' as never), /trainCscCtrl: resume must be true, false or 'or-start', got 'yes'/);
  });

  it('stops at the first non-finite value, naming the round and the weight, and keeps the last good checkpoint', async () => {
    const dir = path.join(root, 'nan');
    let decoder: tf.LayersModel | undefined;
    const run = trainCscCtrl(dir, TINY, false, {
      onCheckpoint: (_dir, _position, models) => {
        decoder = models.decoder;
      },
      // After round 3 (the checkpoint of round 2 is on disk), one weight of the decoder becomes NaN.
      onRound: (log) => {
        if (log.round === 3) decoder!.weights[0].write(tf.fill(decoder!.weights[0].read().shape, NaN));
      },
    });
    await assert.rejects(run, /trainCscCtrl: round 3: the decoder's weight '.*' is not finite; the run stopped, and its checkpoint of round 2 in '.*nan' is the one --resume continues from/);
    const kept = await loadCheckpointModels(dir);
    assert.equal(kept.round, 2);
    assert.ok(kept.decoder.getWeights().every((w) => tf.all(tf.isFinite(w)).dataSync()[0] === 1));
    // The next round's objective is NaN too: resumed from the checkpoint, the run goes on.
    const resumed = await trainCscCtrl(dir, {}, true, {maxRounds: 1});
    assert.equal(resumed.position.round, 3);
  });

  it('an abort (Ctrl-C) stops after the current round with a checkpoint', async () => {
    const controller = new AbortController();
    const run = await trainCscCtrl(path.join(root, 'c'), {...TINY, checkpointEvery: 100}, false, {
      signal: controller.signal, onRound: () => controller.abort(),
    });
    assert.equal(run.position.round, 1);
    assert.equal((await loadCheckpointModels(path.join(root, 'c'))).round, 1);
  });

  it('a finished run over an image folder crosses epochs and writes the final models and run.json', async () => {
    const data = await imageFolder(root);
    const epochs: number[] = [];
    const cacheDir = path.join(root, 'shards');
    const run = await trainCscCtrl(path.join(root, 'd'), {...TINY, preset: 'cifar', data, batchSize: 8, epochs: 2,
                                                          flip: true, checkpointEvery: 4, cacheDir, shardSize: 10}, false,
                                   {onRound: (_, position) => epochs.push(position.epoch)});
    assert.deepEqual(epochs, [0, 0, 1, 1, 1, 2]);
    assert.equal(run.finished, true);
    for (const file of ['encoder/model.json', 'decoder/model.json', 'run.json', 'latest.json']) {
      assert.ok(existsSync(path.join(root, 'd', file)), file);
    }
    assert.equal(JSON.parse(readFileSync(path.join(root, 'd', 'run.json'), 'utf8')).round, 6);
    const index = JSON.parse(readFileSync(path.join(cacheDir, 'train-32', 'index.json'), 'utf8'));
    assert.equal(index.shardSize, 10, 'shards in the cache folder, of the requested size');
    assert.deepEqual(index.shards.map((s: {count: number}) => s.count), [10, 10, 4]);
    assert.ok(!existsSync(path.join(data, '.sparseland-cache')));
  });

  it('rounds sets the length in rounds (and the cosine schedule\'s), across epochs; a resume may extend it', async () => {
    const rates: number[] = [];
    const positions: string[] = [];
    // 24 images in batches of 8: 3 rounds per epoch.
    const data = await imageFolder(root);
    const options: CtrlRunOptions = {...TINY, preset: 'cifar', data, batchSize: 8, rounds: 4, schedule: 'cosine'};
    const run = await trainCscCtrl(path.join(root, 'r'), options, false, {
      onRound: (log, p) => {
        rates.push(log.learningRate);
        positions.push(`${p.round}:${p.epoch}.${p.batchInEpoch}`);
      },
    });
    assert.equal(run.finished, true);
    assert.deepEqual(positions, ['1:0.1', '2:0.2', '3:1.0', '4:1.1']);
    expectClose(rates, [0, 1, 2, 3].map((k) => 0.5e-3 * (1 + Math.cos(Math.PI * k / 4))), 1e-12);
    assert.equal(JSON.parse(readFileSync(path.join(root, 'r', 'run.json'), 'utf8')).round, 4);
    const more = await trainCscCtrl(path.join(root, 'r'), {rounds: 5}, true);
    assert.deepEqual(more.position, {round: 5, epoch: 1, batchInEpoch: 2});
    const epochs = await trainCscCtrl(path.join(root, 'r'), {epochs: 2}, true);
    assert.deepEqual(epochs.position, {round: 6, epoch: 2, batchInEpoch: 0}, 'a length in epochs replaces one in rounds');
    await assert.rejects(trainCscCtrl(path.join(root, 'q'), {...TINY, rounds: 0}), /trainCscCtrl: rounds must be a positive integer, got 0/);
  });

  it('init starts from a trained run\'s weights with new optimizers; a resume ignores it', async () => {
    await trainCscCtrl(path.join(root, 'a'), TINY, false, {maxRounds: 2});
    const source = await checkpointWeights(path.join(root, 'a'));
    const trainable = async (dir: string) => {
      const c = await loadCheckpointModels(dir);
      return [...c.encoder.trainableWeights, ...c.decoder.trainableWeights].map((w) => w.read());
    };
    const sourceTrainable = await trainable(path.join(root, 'a'));
    // Adam moves every weight by about the step size: 1e-9 leaves the initial weights in place.
    const quiet = {...TINY, seed: 9, learningRate: 1e-9};
    const started = await trainCscCtrl(path.join(root, 'b'), {...quiet, init: path.join(root, 'a')}, false, {maxRounds: 1});
    assert.equal(started.position.round, 1, 'the round count starts afresh');
    assert.equal(started.options.init, path.join(root, 'a'));
    (await trainable(path.join(root, 'b'))).forEach((w, i) => expectClose(w, sourceTrainable[i], 1e-6, 1e-6));
    const fresh = await trainCscCtrl(path.join(root, 'c'), quiet, false, {maxRounds: 1});
    const freshWeights = [...fresh.encoder.trainableWeights, ...fresh.decoder.trainableWeights].map((w) => w.read());
    const gap = Math.max(...freshWeights.map((w, i) => tf.max(tf.abs(tf.sub(w, sourceTrainable[i]))).dataSync()[0]));
    assert.ok(gap > 0.01, `a run without init starts elsewhere (gap ${gap})`);
    // A resumed run continues from its own checkpoint: init given to it is not applied.
    const before = await trainable(path.join(root, 'c'));
    await trainCscCtrl(path.join(root, 'c'), {init: path.join(root, 'a')}, true, {maxRounds: 1});
    (await trainable(path.join(root, 'c'))).forEach((w, i) => expectClose(w, before[i], 1e-6, 1e-6));
    tf.dispose(source);
  });

  it('init from models of another architecture is an error naming the weight', async () => {
    await trainCscCtrl(path.join(root, 'a'), TINY, false, {maxRounds: 1});
    await assert.rejects(trainCscCtrl(path.join(root, 'b'), {...TINY, filters: [2, 2, 2, 8], init: path.join(root, 'a')}),
                         /trainCscCtrl: init '.*a' \(encoder\): weight \d+ \('.*'\) has shape \[.*\] where the model's '.*' has \[.*8.*\]/);
    await assert.rejects(trainCscCtrl(path.join(root, 'c'), {...TINY, init: path.join(root, 'nowhere')}),
                         /no models in '.*nowhere'/);
    await assert.rejects(trainCscCtrl(path.join(root, 'c'), {...TINY, init: ''}),
                         /trainCscCtrl: init must be a run directory or 'pretrained:NAME', got ''/);
  });

  it('rejects bad arguments, naming them', async () => {
    await assert.rejects(trainCscCtrl('', TINY), /trainCscCtrl: dir must be a directory path, got ''/);
    await assert.rejects(trainCscCtrl(root, {...TINY, epochs: 0}), /trainCscCtrl: epochs must be a positive integer, got 0/);
    await assert.rejects(trainCscCtrl(root, {...TINY, batchSize: 20000}),
                         /trainCscCtrl: batchSize must be at most the 9000 images of the data set, got 20000/);
    await assert.rejects(trainCscCtrl(root, {...TINY, shardSize: 0}), /trainCscCtrl: shardSize must be a positive integer, got 0/);
    await assert.rejects(trainCscCtrl(root, {...TINY, preset: 'svhn' as never}), /trainCscCtrl: preset must be one of/);
    await assert.rejects(trainCscCtrl(root, {...TINY, data: path.join(root, 'nowhere')}), /nowhere/);
    await assert.rejects(trainCscCtrl(path.join(root, 'f'), {...TINY, filters: [8, 16]}),
                         /trainCscCtrl: filters must be 4 numbers of atoms, one per stage of the 'mnist' preset, got \[8, 16\]/);
    assert.ok(!existsSync(path.join(root, 'f')), 'a failed start creates no run folder');
  });
});
