import {strict as assert} from 'assert';
import {spawnSync} from 'child_process';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {removeStaleTemporaries, temporaryName, writeFileAtomic} from '../../src/io/atomic_write';

describe('atomic writes', () => {
  let dir: string;
  /** The pid of a process that has exited. */
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sparseland-atomic-'));
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  it('writeFileAtomic writes the data (or its parts) and removes what killed writers of that file left', async () => {
    const file = path.join(dir, 'out.onnx');
    const stale = `out.onnx.${dead}.1700000000000.tmp`;
    const live = `out.onnx.${process.ppid}.1700000000001.tmp`;
    const other = `run.json.${dead}.1700000000002.tmp`;
    for (const name of [stale, live, other]) writeFileSync(path.join(dir, name), 'half');
    await writeFileAtomic(file, ['ab', new Uint8Array([99, 100])]);
    assert.equal(readFileSync(file, 'utf8'), 'abcd');
    assert.deepEqual(readdirSync(dir).sort(), [live, 'out.onnx', other].sort(),
                     'the stale temporary of out.onnx goes; a running writer\'s and another file\'s stay');
    await writeFileAtomic(file, 'new');
    assert.equal(readFileSync(file, 'utf8'), 'new');
  });

  it('removeStaleTemporaries removes dead writers\' files and folders and what obsolete selects', async () => {
    const folder = path.basename(temporaryName(path.join(dir, 'ckpt-000004'))).replace(String(process.pid), String(dead));
    mkdirSync(path.join(dir, folder));
    writeFileSync(path.join(dir, folder, 'state.json'), '{');
    writeFileSync(path.join(dir, `latest.json.${dead}.5.tmp`), '');
    writeFileSync(path.join(dir, `latest.json.${process.ppid}.6.tmp`), '');
    mkdirSync(path.join(dir, 'ckpt-000002'));
    mkdirSync(path.join(dir, 'ckpt-000004'));
    const removed = await removeStaleTemporaries(dir, (name) => name === 'ckpt-000002');
    assert.deepEqual(removed.sort(), ['ckpt-000002', folder, `latest.json.${dead}.5.tmp`].sort());
    assert.deepEqual(readdirSync(dir).sort(), ['ckpt-000004', `latest.json.${process.ppid}.6.tmp`].sort());
    assert.deepEqual(await removeStaleTemporaries(path.join(dir, 'missing')), []);
  });
});
