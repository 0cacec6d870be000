import {strict as assert} from 'assert';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {PNG} from 'pngjs';
import * as tf from '@tensorflow/tfjs';
import {main} from '../../src/cli';
import {psnr} from '../../src/metrics';
import {openDataset} from '../../src/train/ctrl_run';
import {evaluateCscCtrl} from '../../src/train/ctrl_eval';
import {loadTrainedModels} from '../../src/train/trained_models';
import {expectClose} from '../helpers';

describe('sparseland train / eval (command line)', () => {
  let dir: string;
  const lines: string[] = [];
  const collect = (line: string) => {
    lines.push(line);
  };
  const run = (args: string[]) => {
    lines.length = 0;
    return main(args, collect, collect);
  };
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sparseland-train-'));
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('trains, stops resumably, resumes, and evaluates', async () => {
    const out = path.join(dir, 'run');
    const args = ['train', '--preset', 'mnist-csc-ctrl', '--filters', '2,2,2,4', '--batch', '64', '--mode', 'multi',
                  '--out', out, '--backend', 'wasm'];
    assert.equal(await run([...args, '--max-rounds', '2']), 0, lines.join('\n'));
    assert.match(lines.join('\n'), /training mnist-csc-ctrl on mnist-train \(9000 images\) .*round 0 of 140/);
    assert.match(lines.join('\n'), /stopped at round 2 \(epoch 0, batch 2\).*--resume continues/);
    assert.match(lines.join('\n'),
                 /held-out images \(500\): reconstruction PSNR -?\d+\.\d+ dB, SSIM .*nearest-subspace accuracy of the features \d+\.\d %/);
    const grid = PNG.sync.read(readFileSync(path.join(out, 'reconstructions.png')));
    assert.deepEqual([grid.width, grid.height], [16 * 65 + 1, 2 * 65 + 1]);
    assert.equal(readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').length, 2);

    assert.equal(await run([...args, '--resume', '--max-rounds', '1']), 0, lines.join('\n'));
    assert.match(lines.join('\n'), /resuming mnist-csc-ctrl .*round 2 of 140/);
    assert.match(lines.join('\n'), /stopped at round 3 \(epoch 0, batch 3\)/);

    assert.equal(await run(['eval', out, '--train-images', '300', '--test-images', '100', '--json']), 0, lines.join('\n'));
    const result = JSON.parse(lines[0]);
    assert.equal(result.images, 100);
    assert.equal(result.density.length, 4);
    assert.ok(existsSync(path.join(out, 'eval.png')));
    // The figures are those of the run's latest models on the first 100 test digits, with the
    // classifier fitted on the first 300 training digits: the PSNR computed directly, and every
    // figure equal to the library's evaluation with the same settings.
    const {encoder, decoder} = await loadTrainedModels(out);
    const test = await openDataset('mnist', 32, 'test');
    const train = await openDataset('mnist', 32, 'train');
    const {images, labels} = await test.take(100);
    const direct = tf.tidy(() => tf.mean(psnr(images, decoder.predict(encoder.predict(images)) as tf.Tensor4D)).dataSync()[0]);
    expectClose(result.psnr, direct, 1e-4);
    const want = await evaluateCscCtrl(encoder, decoder, {test, train, testImages: 100, trainImages: 300});
    for (const key of ['psnr', 'ssim', 'accuracy', 'reconstructionAccuracy', 'deltaR', 'deltaRReconstruction'] as const) {
      expectClose(result[key], want[key] as number, 1e-6, 1e-6);
    }
    expectClose(result.density, want.density, 1e-9);
    tf.dispose([images, labels]);

    // A new run on the standard MNIST split, from the weights of this one.
    const next = ['train', '--preset', 'mnist-csc-ctrl', '--filters', '2,2,2,4', '--batch', '64', '--mode', 'multi',
                  '--data', 'mnist-full', '--init', out, '--out', path.join(dir, 'next'), '--max-rounds', '1'];
    assert.equal(await run(next), 0, lines.join('\n'));
    assert.match(lines.join('\n'), /training mnist-csc-ctrl on mnist-full-train \(60000 images\) .*round 0 of 937/);
    assert.equal(await run([...next.slice(0, -6), '--init', path.join(dir, 'none'), '--out', path.join(dir, 'n')]), 1);
    assert.match(lines.join('\n'), /sparseland train: no models in '.*none'/);
  });

  it('reports usage errors with status 2 and failures with status 1', async () => {
    assert.equal(await run(['train']), 2);
    assert.match(lines.join('\n'), /error: required option '--preset <name>' not specified/);
    assert.equal(await run(['train', '--preset', 'svhn']), 2);
    assert.match(lines.join('\n'), /option '--preset <name>' argument 'svhn' is invalid\. Allowed choices are mnist-csc-ctrl, cifar-csc-ctrl, imagenet64-csc-ctrl/);
    assert.equal(await run(['train', '--preset', 'imagenet64-csc-ctrl']), 2);
    assert.match(lines.join('\n'), /the 'imagenet64-csc-ctrl' preset needs --data <dir>/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--epochs', '0']), 2);
    assert.match(lines.join('\n'), /option '--epochs <n>' argument '0' is invalid\. Expected an integer ≥ 1\./);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--colour']), 2);
    assert.match(lines.join('\n'), /error: unknown option '--colour'/);
    // Values that start with a dash reach the option's own check.
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--batch', '-1']), 2);
    assert.match(lines.join('\n'), /option '--batch <n>' argument '-1' is invalid\. Expected an integer ≥ 1\./);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--lr', '-1e-3']), 2);
    assert.match(lines.join('\n'), /option '--lr <x>' argument '-1e-3' is invalid\. Expected a number ≥ 0\./);
    const none = path.join(dir, 'never');
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--filters', '8,16', '--out', none]), 2);
    assert.match(lines.join('\n'), /option '--filters <list>' argument '8,16' is invalid\. Expected 4 numbers of atoms, one per stage of the 'mnist-csc-ctrl' preset\./);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--resume', '--resume-or-start', '--out', none]), 2);
    assert.match(lines.join('\n'), /option '--resume' cannot be used with option '--resume-or-start'/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--resume', '--out', none]), 1);
    assert.match(lines.join('\n'), /sparseland train: trainCscCtrl: there is no checkpoint to resume in '.*never' \(no latest\.json\)/);
    assert.ok(!existsSync(none), 'failed starts leave no run folder');
    assert.equal(await run(['eval']), 2);
    assert.match(lines.join('\n'), /error: missing required argument 'run'/);
    assert.equal(await run(['eval', path.join(dir, 'none')]), 1);
    assert.match(lines.join('\n'), /sparseland eval: no models in '.*none'/);
  });
});
