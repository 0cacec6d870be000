import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {defaultBackends, setBackend} from '../src/backend/node';

function hasTfjsNode(): boolean {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(name);
      return true;
    } catch {
      // not installed
    }
  }
  return false;
}

/** Runs `fn` with SPARSELAND_BACKEND set to `value` (or unset), capturing stderr. */
async function withEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<{result: T, log: string}> {
  const saved = process.env.SPARSELAND_BACKEND;
  const write = process.stderr.write;
  let log = '';
  if (value === undefined) delete process.env.SPARSELAND_BACKEND;
  else process.env.SPARSELAND_BACKEND = value;
  process.stderr.write = ((chunk: string) => { log += chunk; return true; }) as typeof write;
  try {
    return {result: await fn(), log};
  } finally {
    process.stderr.write = write;
    if (saved === undefined) delete process.env.SPARSELAND_BACKEND;
    else process.env.SPARSELAND_BACKEND = saved;
  }
}

describe('setBackend', () => {
  const initial = () => tf.getBackend();
  let restore: string;
  before(() => { restore = initial(); });
  after(async () => { await tf.setBackend(restore); });

  it('without argument or environment picks tensorflow if installed, else wasm', async () => {
    const {result} = await withEnv(undefined, () => setBackend(undefined, {log: false}));
    assert.equal(result, hasTfjsNode() ? 'tensorflow' : 'wasm');
    assert.equal(tf.getBackend(), result);
  });

  it('the environment variable overrides the default, the argument overrides both', async () => {
    const fromEnv = await withEnv('cpu', () => setBackend(undefined, {log: false}));
    assert.equal(fromEnv.result, 'cpu');
    const fromArg = await withEnv('cpu', () => setBackend('wasm', {log: false}));
    assert.equal(fromArg.result, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('logs its choice once per backend', async () => {
    const {log} = await withEnv(undefined, async () => {
      await setBackend('cpu');
      await setBackend('cpu');
      return setBackend('wasm');
    });
    assert.equal(log.match(/using the 'cpu' backend/g)?.length, 1, log);
    assert.equal(log.match(/using the 'wasm' backend/g)?.length, 1, log);
  });

  it('rejects an unknown name, naming the argument and the value', async () => {
    await assert.rejects(setBackend('webgl2'),
                         /setBackend: name must be one of 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu', got 'webgl2'/);
    await assert.rejects(withEnv('gpu', () => setBackend()),
                         /setBackend: SPARSELAND_BACKEND must be one of .*got 'gpu'/);
  });

  it('in Node, tries tensorflow, wasm, cpu; the page backends fail with a hint', async () => {
    assert.deepEqual(defaultBackends(), ['tensorflow', 'wasm', 'cpu']);
    await assert.rejects(setBackend('webgl', {log: false}), /the 'webgl' backend could not be initialised \(browsers only\)/);
    await assert.rejects(setBackend('webgpu', {log: false}), /the 'webgpu' backend could not be initialised \(browsers only\)/);
    assert.equal(await setBackend(undefined, {log: false}), process.env.SPARSELAND_BACKEND ?? (hasTfjsNode() ? 'tensorflow' : 'wasm'));
  });

  it('an explicit tensorflow request fails with the install hint when tfjs-node is absent', async function () {
    if (hasTfjsNode()) this.skip();
    await assert.rejects(setBackend('tensorflow', {log: false}),
                         /the 'tensorflow' backend could not be initialised \(install @tensorflow\/tfjs-node/);
  });
});
