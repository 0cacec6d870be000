import {strict as assert} from 'assert';
import {spawn} from 'child_process';
import {createHash} from 'crypto';
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';

/**
 * Kills at every file operation of a tiny run (test/tools/kill_at.ts counts them: the writes,
 * syncs, renames, folder creations and removals of its checkpoints, final models and run.json),
 * then resumes; and kills twice in a row. Every run must end with exactly the files of an
 * uninterrupted run: the same weights, optimizer state and position, bit for bit, and nothing else.
 */
const CHILD = path.join(__dirname, '..', 'fixtures', 'ctrl_run_child.js');
const HOOK = path.join(__dirname, '..', 'tools', 'kill_at.js');
/** Rounds of the run: checkpoints after rounds 2 and 3, then the final models. */
const ROUNDS = 3;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** File operations counted under the run folder (at a normal exit). */
  operations?: number;
}

/** Runs (or resumes) the tiny run in `dir`, killed at its `killAt`-th file operation (0: never). */
function child(dir: string, killAt = 0): Promise<Exit> {
  const countFile = `${dir}.count`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--require', HOOK, CHILD, dir, String(ROUNDS)], {
      env: {...process.env, SPARSELAND_WASM_THREADS: '1', KILL_UNDER: dir, KILL_AT: String(killAt), KILL_COUNT_FILE: countFile},
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      let operations: number | undefined;
      try {
        operations = Number(readFileSync(countFile, 'utf8'));
        rmSync(countFile);
      } catch {
        operations = undefined;
      }
      resolve({code, signal, stderr, operations});
    });
  });
}

/** Every file under `dir` (relative path → SHA-256 of its bytes). */
function snapshot(dir: string, under = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(path.join(dir, under)).sort()) {
    const rel = path.join(under, name);
    if (statSync(path.join(dir, rel)).isDirectory()) Object.assign(out, snapshot(dir, rel));
    else out[rel] = createHash('sha256').update(readFileSync(path.join(dir, rel))).digest('hex');
  }
  return out;
}

/** Runs `tasks` with at most `limit` at once. */
async function pool(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({length: limit}, async () => {
    while (next < tasks.length) await tasks[next++]();
  }));
}

describe('trainCscCtrl killed at every file operation (SIGKILL)', () => {
  let root: string;
  let want: Record<string, string>;
  let total: number;
  /** Operations of the resume that followed a kill at each operation. */
  const resumeOperations = new Map<number, number>();

  before(async function () {
    this.timeout(120000);
    root = mkdtempSync(path.join(tmpdir(), 'sparseland-kills-'));
    const straight = await child(path.join(root, 'straight'));
    assert.equal(straight.code, 0, straight.stderr);
    total = straight.operations!;
    want = snapshot(path.join(root, 'straight'));
    assert.ok(total > 50, `${total} operations counted`);
    assert.deepEqual(Object.keys(want).filter((f) => !f.startsWith('ckpt-')).sort(),
                     ['decoder/model.json', Object.keys(want).find((f) => /^decoder\/weights/.test(f)),
                      'encoder/model.json', Object.keys(want).find((f) => /^encoder\/weights/.test(f)),
                      'latest.json', 'run.json'].sort());
  });
  after(() => rmSync(root, {recursive: true, force: true}));

  it('at any operation, the resumed run ends with the files of an uninterrupted one', async function () {
    this.timeout(1200000);
    const failures: string[] = [];
    await pool(Array.from({length: total}, (_, i) => async () => {
      const k = i + 1;
      const dir = path.join(root, `k${k}`);
      const killed = await child(dir, k);
      if (killed.signal !== 'SIGKILL') failures.push(`op ${k}: not killed (status ${killed.code}) ${killed.stderr}`);
      const resumed = await child(dir);
      if (resumed.code !== 0) {
        failures.push(`op ${k}: the resume failed: ${resumed.stderr}`);
        return;
      }
      resumeOperations.set(k, resumed.operations!);
      try {
        assert.deepEqual(snapshot(dir), want);
      } catch (e) {
        failures.push(`op ${k}: ${(e as Error).message}`);
      }
      rmSync(dir, {recursive: true, force: true});
    }), 2);
    assert.deepEqual(failures, []);
  });

  it('killed again while resuming (in the middle and at the last operation), the next resume still ends there', async function () {
    this.timeout(1200000);
    const failures: string[] = [];
    const tasks: Array<() => Promise<void>> = [];
    // First kills spread over the run.
    for (let k = 5; k <= total; k += 16) {
      const n = resumeOperations.get(k) ?? 0;
      for (const j of [...new Set([Math.ceil(n / 2), n])].filter((j) => j > 0)) {
        tasks.push(async () => {
          const dir = path.join(root, `k${k}j${j}`);
          const first = await child(dir, k);
          const second = await child(dir, j);
          const last = await child(dir);
          if (first.signal !== 'SIGKILL' || second.signal !== 'SIGKILL') failures.push(`ops ${k}, ${j}: not killed`);
          if (last.code !== 0) failures.push(`ops ${k}, ${j}: the last resume failed: ${last.stderr}`);
          else {
            try {
              assert.deepEqual(snapshot(dir), want);
            } catch (e) {
              failures.push(`ops ${k}, ${j}: ${(e as Error).message}`);
            }
          }
          rmSync(dir, {recursive: true, force: true});
        });
      }
    }
    assert.ok(tasks.length >= 10, `${tasks.length} double kills`);
    await pool(tasks, 2);
    assert.deepEqual(failures, []);
  });
});
