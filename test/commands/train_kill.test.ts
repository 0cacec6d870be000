import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {spawn, spawnSync} from 'child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {loadCheckpointModels} from '../../src/train/checkpoint';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli.js');
const ARGS = ['train', '--preset', 'mnist-csc-ctrl', '--filters', '2,2,2,4', '--batch', '32', '--mode', 'multi',
              '--lr', '1e-3', '--seed', '9', '--checkpoint-every', '2', '--backend', 'wasm'];
const ENV = {...process.env, SPARSELAND_WASM_THREADS: '1'};

function rounds(dir: string): number {
  const log = path.join(dir, 'log.jsonl');
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.trim() !== '').length : 0;
}

async function weights(dir: string): Promise<{round: number; values: tf.Tensor[]}> {
  const c = await loadCheckpointModels(dir);
  return {round: c.round, values: [...c.encoder.getWeights(), ...c.decoder.getWeights()]};
}

describe('sparseland train killed with SIGKILL', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'sparseland-kill-'));
  });
  after(() => rmSync(root, {recursive: true, force: true}));

  it('resumes from its last checkpoint to the weights of an uninterrupted run', async function () {
    this.timeout(240000);
    const straight = path.join(root, 'straight');
    const done = spawnSync(process.execPath, [CLI, ...ARGS, '--out', straight, '--max-rounds', '6'], {env: ENV, encoding: 'utf8'});
    assert.equal(done.status, 0, done.stderr);

    const killed = path.join(root, 'killed');
    const child = spawn(process.execPath, [CLI, ...ARGS, '--out', killed, '--max-rounds', '6'], {env: ENV, stdio: 'ignore'});
    // Kill it after its third round: the checkpoint of round 2 is on disk, round 3's work is lost.
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (rounds(killed) >= 3) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 20);
      child.on('exit', (code, signal) => {
        clearInterval(poll);
        if (signal === 'SIGKILL') resolve();
        else reject(new Error(`the run ended by itself (status ${code}) before it was killed`));
      });
    });
    const {round: step} = await weights(killed);
    assert.ok(step >= 2 && step % 2 === 0 && step < 6, `checkpoint at round ${step}`);
    const resumed = spawnSync(process.execPath, [CLI, ...ARGS, '--out', killed, '--resume', '--max-rounds', String(6 - step)],
                              {env: ENV, encoding: 'utf8'});
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`resuming .* round ${step} of 281`));
    const want = await weights(straight);
    const got = await weights(killed);
    assert.deepEqual([got.round, want.round], [6, 6]);
    // Bit for bit: the optimizers' state, Adam's β powers included, is restored exactly.
    got.values.forEach((w, i) => assert.deepEqual(w.dataSync(), want.values[i].dataSync(), `weight ${i}`));
  });
});
