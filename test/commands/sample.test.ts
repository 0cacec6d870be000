import {strict as assert} from 'assert';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {PNG} from 'pngjs';
import {cscCtrl} from '../../models/csc_ctrl';
import {main} from '../../src/cli';

describe('sparseland sample (command line)', () => {
  let dir: string;
  const lines: string[] = [];
  const run = (args: string[]) => {
    lines.length = 0;
    return main(args, (line) => lines.push(line), (line) => lines.push(line));
  };
  let model: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sparseland-sample-'));
    // A run directory with a tiny model: dense (linear) 6-dimensional features, trained on 'mnist'.
    model = path.join(dir, 'run');
    const {encoder, decoder} = cscCtrl({filters: [3, 3, 3, 6], seed: 2, features: 'linear', lambda: 0.01});
    await encoder.save(`file://${path.join(model, 'encoder')}`);
    await decoder.save(`file://${path.join(model, 'decoder')}`);
    writeFileSync(path.join(model, 'run.json'), JSON.stringify({data: 'mnist'}));
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('writes a grid of N samples per class, one row per class, the same for the same seed', async () => {
    const file = (name: string) => path.join(dir, name);
    const args = ['sample', model, '--per-class', '3', '--train-images', '300', '--components', '4'];
    assert.equal(await run([...args, '--out', file('a.png'), '--seed', '7']), 0, lines.join('\n'));
    assert.match(lines.join('\n'), /wrote .*a\.png: 3 samples of each of the 10 classes of mnist-train, one row per class \(0, 1, 2/);
    const a = PNG.sync.read(readFileSync(file('a.png')));
    // 32 × 32 digits scaled 2×, a 1-pixel gap around each.
    assert.deepEqual([a.width, a.height], [3 * 65 + 1, 10 * 65 + 1]);
    assert.equal(await run([...args, '--out', file('b.png'), '--seed', '7']), 0, lines.join('\n'));
    assert.ok(readFileSync(file('b.png')).equals(readFileSync(file('a.png'))));
    assert.equal(await run([...args, '--out', file('c.png'), '--seed', '8']), 0, lines.join('\n'));
    assert.ok(!readFileSync(file('c.png')).equals(readFileSync(file('a.png'))));
  });

  it('reports usage errors with status 2 and failures with status 1', async () => {
    const out = ['--out', path.join(dir, 'x.png')];
    assert.equal(await run(['sample', '--per-class', '2', ...out]), 2);
    assert.match(lines.join('\n'), /error: missing required argument 'run'/);
    assert.equal(await run(['sample', 'pretrained:mnist-csc-ctrl', ...out]), 2);
    assert.match(lines.join('\n'), /error: required option '--per-class <n>' not specified/);
    assert.equal(await run(['sample', 'pretrained:mnist-csc-ctrl', '--per-class', '2']), 2);
    assert.match(lines.join('\n'), /error: required option '--out <file\.png>' not specified/);
    assert.equal(await run(['sample', 'pretrained:mnist-csc-ctrl', '--per-class', '0', ...out]), 2);
    assert.match(lines.join('\n'), /option '--per-class <n>' argument '0' is invalid\. Expected an integer ≥ 1\./);
    assert.equal(await run(['sample', 'pretrained:mnist-csc-ctrl', '--per-class', '2', '--seed=-1', ...out]), 2);
    assert.match(lines.join('\n'), /option '--seed <n>' argument '-1' is invalid\. Expected an integer ≥ 0\./);
    assert.equal(await run(['sample', 'pretrained:mnist-csc-ctrl', '--per-class', '2', '--colour', ...out]), 2);
    assert.match(lines.join('\n'), /error: unknown option '--colour'\n\(sparseland sample --help lists its arguments and flags\)/);
    assert.equal(await run(['sample', model, '--per-class', '2', '--components', '6', '--train-images', '300', ...out]), 1);
    assert.match(lines.join('\n'), /sparseland sample: sampleCscCtrl: components must be below the feature dimension 6, got 6/);
    assert.equal(await run(['sample', path.join(dir, 'none'), '--per-class', '2', ...out]), 1);
    assert.match(lines.join('\n'), /sparseland sample: no models in '.*none'/);
    assert.ok(!existsSync(path.join(dir, 'x.png')));
  });
});
