import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {spawn} from 'child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {expectClose} from '../helpers';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'sparseland-io-'));
}

/** The child script, as compiled JS under mocha on dist/ or as TypeScript under tsx. */
function childCommand(dir: string): string[] {
  const ts = __filename.endsWith('.ts');
  const script = path.join(__dirname, '..', 'fixtures', `save_loop.${ts ? 'ts' : 'js'}`);
  return [...(ts ? ['--require', 'tsx/cjs'] : []), script, dir];
}

describe('file:// saving and loading without tfjs-node', () => {
  it('round-trips a model: topology, weights and predictions', async () => {
    const dir = tempDir();
    try {
      const model = tf.sequential({layers: [tf.layers.dense({units: 3, inputShape: [4], activation: 'relu'}),
                                            tf.layers.dense({units: 2})]});
      const result = await model.save(`file://${dir}`);
      assert.ok((result.modelArtifactsInfo.weightDataBytes ?? 0) > 0);
      const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
      const x = tf.randomNormal([5, 4]);
      expectClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 0);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('saving again replaces the weights file and removes the old one', async () => {
    const dir = tempDir();
    try {
      const model = tf.sequential({layers: [tf.layers.dense({units: 2, inputShape: [2]})]});
      await model.save(`file://${dir}`);
      model.setWeights(model.getWeights().map((w) => tf.onesLike(w)));
      await model.save(`file://${dir}`);
      const files = readdirSync(dir).sort();
      assert.equal(files.length, 2, `files: ${files}`);
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
      assert.deepEqual(json.weightsManifest[0].paths, [files.find((f) => f.endsWith('.bin'))]);
      const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
      expectClose(loaded.getWeights()[0], [[1, 1], [1, 1]], 0);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('a kill at any moment of a save leaves a loadable, consistent model', async function () {
    this.timeout(120000);
    const dir = tempDir();
    try {
      for (const delay of [900, 1300, 1700, 2100]) {
        const child = spawn(process.execPath, childCommand(dir), {stdio: ['ignore', 'pipe', 'inherit']});
        let saves = 0;
        child.stdout.on('data', (d: Buffer) => { saves += d.toString().split('\n').length - 1; });
        // Kill some milliseconds after the first completed save, mid-way through later ones.
        await new Promise<void>((resolve) => {
          const poll = setInterval(() => {
            if (saves > 0) {
              clearInterval(poll);
              setTimeout(() => { child.kill('SIGKILL'); resolve(); }, delay % 97);
            }
          }, 5);
        });
        await new Promise((resolve) => child.on('exit', resolve));
        const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
        const values = loaded.getWeights().flatMap((w) => Array.from(w.dataSync()));
        assert.ok(values.every((e) => e === values[0]) && values[0] >= 1,
                  `weights from different saves mixed: ${values[0]} … ${values[values.length - 1]}`);
        const bins = readdirSync(dir).filter((f) => f.endsWith('.bin'));
        assert.ok(bins.length <= 2, `stale weight files: ${bins}`);
        await loaded.save(`file://${dir}`);
        assert.equal(readdirSync(dir).length, 2, `left after a clean save: ${readdirSync(dir)}`);
      }
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('loading a missing model names the path', async () => {
    await assert.rejects(tf.loadLayersModel('file:///nonexistent/sparseland/model.json'),
                         /cannot read '\/nonexistent\/sparseland\/model.json'/);
  });

  it('saving creates the directory', async () => {
    const dir = tempDir();
    try {
      const target = path.join(dir, 'a', 'b');
      await tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [1]})]}).save(`file://${target}`);
      assert.ok(existsSync(path.join(target, 'model.json')));
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
