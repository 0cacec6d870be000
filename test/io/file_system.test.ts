import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {spawn} from 'child_process';
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync,
        truncateSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {exportCommand} from '../../src/commands/export';
import {FileSystemHandler} from '../../src/io/file_system';
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

  describe('loading checks what model.json names', () => {
    let dir: string;
    /** `dir/model/` holds a saved 4 → 3 dense model (12 + 3 floats: 60 bytes of weights). */
    let modelDir: string;
    let jsonPath: string;
    let weightsName: string;
    let model: tf.Sequential;

    function readJson(): tf.io.ModelJSON {
      return JSON.parse(readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
    }
    function writeJson(json: object): void {
      writeFileSync(jsonPath, JSON.stringify(json));
    }
    /** model.json with its (single) weights path replaced by `name`. */
    function pointWeightsTo(name: string): void {
      const json = readJson();
      json.weightsManifest[0].paths = [name];
      writeJson(json);
    }

    beforeEach(async () => {
      dir = tempDir();
      modelDir = path.join(dir, 'model');
      jsonPath = path.join(modelDir, 'model.json');
      model = tf.sequential({layers: [tf.layers.dense({units: 3, inputShape: [4]})]});
      await model.save(`file://${modelDir}`);
      weightsName = readJson().weightsManifest[0].paths[0];
    });
    afterEach(() => {
      model.dispose();
      rmSync(dir, {recursive: true, force: true});
    });

    it('rejects weights paths that leave the folder: ../, an absolute path, even to a file of the right size', async () => {
      copyFileSync(path.join(modelDir, weightsName), path.join(dir, 'outside.bin'));
      for (const name of ['../outside.bin', '../../../etc/passwd', path.join(dir, 'outside.bin'), 'sub/../../outside.bin']) {
        pointWeightsTo(name);
        await assert.rejects(tf.loadLayersModel(`file://${jsonPath}`), (e: Error) => {
          assert.equal(e.message, `file:// loading: '${jsonPath}' names the weights file '${name}', ` +
                                  `which is outside its folder '${modelDir}'`);
          return true;
        });
      }
    });

    it('rejects a weights file that is a symbolic link to a file outside the folder; accepts one to a file inside', async () => {
      mkdirSync(path.join(modelDir, 'sub'));
      renameSync(path.join(modelDir, weightsName), path.join(modelDir, 'sub', 'real.bin'));
      symlinkSync(path.join(modelDir, 'sub', 'real.bin'), path.join(modelDir, weightsName));
      const loaded = await tf.loadLayersModel(`file://${jsonPath}`);
      expectClose(loaded.getWeights()[0], model.getWeights()[0], 0);
      loaded.dispose();

      renameSync(path.join(modelDir, 'sub', 'real.bin'), path.join(dir, 'outside.bin'));
      rmSync(path.join(modelDir, weightsName));
      symlinkSync(path.join(dir, 'outside.bin'), path.join(modelDir, weightsName));
      await assert.rejects(tf.loadLayersModel(`file://${jsonPath}`),
                           new RegExp(`names the weights file '${weightsName}', which is outside its folder`));
      // A symbolic link to the whole folder's parent, used as a sub-folder, is outside too.
      symlinkSync(dir, path.join(modelDir, 'up'));
      pointWeightsTo('up/outside.bin');
      await assert.rejects(tf.loadLayersModel(`file://${jsonPath}`), /names the weights file 'up\/outside.bin', which is outside/);
    });

    it('a weights file shorter or longer than the manifest says names the file and both byte counts', async () => {
      const file = path.join(modelDir, weightsName);
      const bytes = readFileSync(file);
      assert.equal(bytes.length, 60);
      truncateSync(file, 56);
      await assert.rejects(tf.loadLayersModel(`file://${jsonPath}`), (e: Error) => {
        assert.equal(e.message, `file:// loading: the weights of '${jsonPath}' need 60 bytes, ` +
                                `but its weights file '${weightsName}' holds 56 bytes (too short)`);
        return true;
      });
      writeFileSync(file, Buffer.concat([bytes, Buffer.alloc(4)]));
      await assert.rejects(tf.loadLayersModel(`file://${jsonPath}`),
                           new RegExp(`need 60 bytes, but its weights file '${weightsName}' holds 64 bytes \\(too long\\)`));
      // Two files: the total counts.
      writeFileSync(file, bytes.subarray(0, 30));
      writeFileSync(path.join(modelDir, 'rest.bin'), bytes.subarray(30, 58));
      const json = readJson();
      json.weightsManifest[0].paths.push('rest.bin');
      writeJson(json);
      await assert.rejects(tf.loadLayersModel(`file://${jsonPath}`),
                           new RegExp(`need 60 bytes, but its weights files '${weightsName}', 'rest.bin' hold 58 bytes \\(too short\\)`));
      writeFileSync(path.join(modelDir, 'rest.bin'), bytes.subarray(30));
      const loaded = await tf.loadLayersModel(`file://${jsonPath}`);
      expectClose(loaded.getWeights()[1], model.getWeights()[1], 0);
      loaded.dispose();
    });

    it('quantized weights take their stored bytes: a uint8 kernel (12 bytes) and a float32 bias (12 bytes)', async () => {
      const json = readJson();
      json.weightsManifest[0].weights[0].quantization = {dtype: 'uint8', scale: 0.5, min: -1};
      writeJson(json);
      const bias = new Float32Array([1, 2, 3]);
      const q = Buffer.from(Array.from({length: 12}, (_, i) => i));
      writeFileSync(path.join(modelDir, weightsName), Buffer.concat([q, Buffer.from(bias.buffer)]));
      const loaded = await tf.loadLayersModel(`file://${jsonPath}`);
      expectClose(loaded.getWeights()[0], tf.tensor2d(Array.from(q, (b) => b * 0.5 - 1), [4, 3]), 0);
      expectClose(loaded.getWeights()[1], [1, 2, 3], 0);
      loaded.dispose();
      json.weightsManifest[0].weights[0].quantization = {dtype: 'uint16', scale: 0.5, min: -1};
      writeJson(json);
      await assert.rejects(tf.loadLayersModel(`file://${jsonPath}`), /need 36 bytes, but .* holds 24 bytes \(too short\)/);
    });

    it('no weightsManifest (or one listing no weights for a model with weights): an error, unless architectureOnly', async () => {
      const json = readJson();
      const {weightsManifest, ...withoutManifest} = json;
      writeJson(withoutManifest);
      await assert.rejects(tf.loadLayersModel(`file://${jsonPath}`), (e: Error) => {
        assert.equal(e.message, `file:// loading: '${jsonPath}' has no weightsManifest, so its model would get random weights; ` +
                                `to load the architecture alone, use tf.loadLayersModel(new sl.io.FileSystemHandler('${jsonPath}', ` +
                                '{architectureOnly: true}))');
        return true;
      });
      writeJson({...json, weightsManifest: [{paths: [], weights: []}]});
      await assert.rejects(tf.loadLayersModel(`file://${jsonPath}`), /2 of 2 weights are not set/);

      for (const manifest of [undefined, weightsManifest]) {
        writeJson({...json, weightsManifest: manifest});
        // The weights file need not be there: it is not read.
        rmSync(path.join(modelDir, weightsName), {force: true});
        const loaded = await tf.loadLayersModel(new FileSystemHandler(jsonPath, {architectureOnly: true}));
        assert.deepEqual(loaded.getWeights().map((w) => w.shape), [[4, 3], [3]]);
        assert.equal((loaded.layers[0].getConfig() as {units: number}).units, 3);
        loaded.dispose();
      }
      assert.throws(() => new FileSystemHandler(jsonPath, {architectureOnly: 'yes' as unknown as boolean}),
                    /FileSystemHandler: architectureOnly must be true or false, got 'yes'/);
    });

    it('a model without weights round-trips with its empty manifest', async () => {
      const weightless = tf.sequential({layers: [tf.layers.activation({activation: 'relu', inputShape: [2]})]});
      await weightless.save(`file://${path.join(dir, 'weightless')}`);
      const loaded = await tf.loadLayersModel(`file://${path.join(dir, 'weightless', 'model.json')}`);
      expectClose(loaded.predict(tf.tensor2d([[-1, 2]])) as tf.Tensor, [[0, 2]], 0);
    });

    it('a truncated or non-model model.json, and a missing weights file, name the file', async () => {
      const text = readFileSync(jsonPath, 'utf8');
      writeFileSync(jsonPath, text.slice(0, text.length / 2));
      await assert.rejects(tf.loadLayersModel(`file://${jsonPath}`), (e: Error) => {
        assert.match(e.message, new RegExp(`^file:// loading: '${jsonPath}' is not valid JSON \\(.+\\); ` +
                                           'it may be truncated or not a model.json$'));
        return true;
      });
      writeFileSync(jsonPath, '[1, 2]');
      await assert.rejects(tf.loadLayersModel(`file://${jsonPath}`),
                           new RegExp(`'${jsonPath}' has no modelTopology object; it is not a tfjs model.json`));
      writeFileSync(jsonPath, text);
      rmSync(path.join(modelDir, weightsName));
      await assert.rejects(tf.loadLayersModel(`file://${jsonPath}`),
                           new RegExp(`cannot read the weights file '${path.join(modelDir, weightsName)}' that '${jsonPath}' names: ENOENT`));
    });

    it('sparseland export reports a truncated model.json by name', async () => {
      const text = readFileSync(jsonPath, 'utf8');
      writeFileSync(jsonPath, text.slice(0, 100));
      const err: string[] = [];
      const io = {out: () => undefined, err: (line: string) => err.push(line), usage: assert.fail};
      const status = await exportCommand([modelDir, path.join(dir, 'model.onnx')], io);
      assert.equal(status, 1);
      assert.match(err.join('\n'), new RegExp(`^sparseland export: file:// loading: '${jsonPath}' is not valid JSON`));
      assert.ok(!existsSync(path.join(dir, 'model.onnx')));
    });
  });
});
