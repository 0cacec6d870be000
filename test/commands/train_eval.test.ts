import {strict as assert} from 'assert';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {PNG} from 'pngjs';
import {main} from '../../src/cli';

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
    assert.ok(result.accuracy >= 0 && result.accuracy <= 1);
    assert.ok(Number.isFinite(result.psnr) && result.ssim <= 1);
    assert.equal(result.density.length, 4);
    assert.ok(existsSync(path.join(out, 'eval.png')));

    // A new run on the standard MNIST split, from the weights of this one.
    const next = ['train', '--preset', 'mnist-csc-ctrl', '--filters', '2,2,2,4', '--batch', '64', '--mode', 'multi',
                  '--data', 'mnist-full', '--init', out, '--out', path.join(dir, 'next'), '--max-rounds', '1'];
    assert.equal(await run(next), 0, lines.join('\n'));
    assert.match(lines.join('\n'), /training mnist-csc-ctrl on mnist-full-train \(60000 images\) .*round 0 of 937/);
    assert.equal(await run([...next.slice(0, -6), '--init', path.join(dir, 'none'), '--out', path.join(dir, 'n')]), 1);
    assert.match(lines.join('\n'), /sparseland train: no models in '.*none'/);
  });

  it('reports usage errors with status 2', async () => {
    assert.equal(await run(['train']), 2);
    assert.match(lines.join('\n'), /'train' needs --preset/);
    assert.equal(await run(['train', '--preset', 'svhn']), 2);
    assert.match(lines.join('\n'), /unknown preset 'svhn' \(one of mnist-csc-ctrl, cifar-csc-ctrl, imagenet64-csc-ctrl/);
    assert.equal(await run(['train', '--preset', 'imagenet64-csc-ctrl']), 2);
    assert.match(lines.join('\n'), /preset 'imagenet64-csc-ctrl' needs --data DIR/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--epochs', '0']), 2);
    assert.match(lines.join('\n'), /--epochs must be an integer ≥ 1, got '0'/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--filters', '8,x']), 2);
    assert.match(lines.join('\n'), /--filters must be comma-separated positive integers, got '8,x'/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--mode', 'both']), 2);
    assert.match(lines.join('\n'), /--mode must be binary or multi, got 'both'/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--features', 'dense']), 2);
    assert.match(lines.join('\n'), /--features must be sparse or linear, got 'dense'/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--moving-statistics', 'some']), 2);
    assert.match(lines.join('\n'), /--moving-statistics must be real or all, got 'some'/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--warmup-rounds', '1.5']), 2);
    assert.match(lines.join('\n'), /--warmup-rounds must be an integer ≥ 0, got '1.5'/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--rounds', 'ten']), 2);
    assert.match(lines.join('\n'), /--rounds must be an integer ≥ 1, got 'ten'/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--shard-size', '0']), 2);
    assert.match(lines.join('\n'), /--shard-size must be an integer ≥ 1, got '0'/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--colour']), 2);
    assert.match(lines.join('\n'), /Unknown option '--colour'/);
    // Values that start with a dash reach the option's own check.
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--batch', '-1']), 2);
    assert.match(lines.join('\n'), /--batch must be an integer ≥ 1, got '-1'/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--lr', '-1e-3']), 2);
    assert.match(lines.join('\n'), /--lr must be a number ≥ 0, got '-1e-3'/);
    const none = path.join(dir, 'never');
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--filters', '8,16', '--out', none]), 2);
    assert.match(lines.join('\n'), /--filters must be 4 numbers of atoms, one per stage of the 'mnist-csc-ctrl' preset, got '8,16'/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--resume', '--resume-or-start', '--out', none]), 2);
    assert.match(lines.join('\n'), /give --resume or --resume-or-start, not both/);
    assert.equal(await run(['train', '--preset', 'mnist-csc-ctrl', '--resume', '--out', none]), 1);
    assert.match(lines.join('\n'), /sparseland train: trainCscCtrl: there is no checkpoint to resume in '.*never' \(no latest\.json\)/);
    assert.ok(!existsSync(none), 'failed starts leave no run folder');
    assert.equal(await run(['eval']), 2);
    assert.match(lines.join('\n'), /'eval' takes 1 argument, got 0/);
    assert.equal(await run(['eval', path.join(dir, 'none')]), 1);
    assert.match(lines.join('\n'), /sparseland eval: no models in '.*none'/);
  });
});
