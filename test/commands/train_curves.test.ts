import {strict as assert} from 'assert';
import {mkdtempSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import sharp from 'sharp';
import {main} from '../../src/cli';

describe('sparseland train: curves.png and eval.jsonl', () => {
  let dir: string;
  const lines: string[] = [];
  const run = (args: string[]) => {
    lines.length = 0;
    return main(args, (line) => lines.push(line), (line) => lines.push(line));
  };
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sparseland-curves-'));
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('evaluates held-out reconstructions at every checkpoint and draws the curves, across a resume', async () => {
    const out = path.join(dir, 'run');
    const args = ['train', '--preset', 'mnist-csc-ctrl', '--filters', '2,2,2,4', '--batch', '64', '--mode', 'multi',
                  '--warmup-rounds', '2', '--checkpoint-every', '2', '--out', out, '--backend', 'wasm'];
    assert.equal(await run([...args, '--max-rounds', '4']), 0, lines.join('\n'));
    assert.equal(await run([...args, '--resume', '--max-rounds', '1']), 0, lines.join('\n'));
    assert.match(lines.join('\n'), /wrote .*curves\.png \(the objective's terms/);
    // Checkpoints at rounds 2 and 4, then 5 where the resumed call stopped.
    const evals = readFileSync(path.join(out, 'eval.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(evals.map((e) => e.round), [2, 4, 5]);
    for (const e of evals) assert.ok(Number.isFinite(e.psnr) && e.ssim <= 1, JSON.stringify(e));
    const meta = await sharp(readFileSync(path.join(out, 'curves.png'))).metadata();
    assert.equal(meta.format, 'png');
    assert.ok(meta.width! >= 3 * 380 && meta.height! >= 2 * 260, `${meta.width} × ${meta.height}`);
  });
});
