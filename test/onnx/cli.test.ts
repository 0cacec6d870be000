import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {spawnSync} from 'child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'fs';
import * as ort from 'onnxruntime-node';
import {tmpdir} from 'os';
import * as path from 'path';
import * as sl from '../../src/node';
import {main} from '../../src/cli';

describe('sparseland export (command line)', () => {
  let dir: string;
  const lines: string[] = [];
  const collect = (line: string) => {
    lines.push(line);
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sparseland-cli-'));
    lines.length = 0;
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  it('exports a saved CSC autoencoder (tied decoder) that onnxruntime runs like tfjs', async () => {
    const stage = sl.layers.cscStage({filters: 3, kernelSize: 3, iterations: 2, inputShape: [6, 6, 1], name: 'cli_stage'});
    const model = tf.sequential({layers: [stage, sl.layers.cscDecoder({tiedTo: stage})]});
    await model.save(`file://${dir}/model`);
    const out = path.join(dir, 'model.onnx');
    assert.equal(await main(['export', path.join(dir, 'model'), out], collect, collect), 0, lines.join('\n'));
    assert.match(lines.join('\n'), /wrote .*model\.onnx/);
    const session = await ort.InferenceSession.create(readFileSync(out));
    const x = tf.randomUniform([2, 6, 6, 1], 0, 1, 'float32', 5);
    const result = await session.run({[session.inputNames[0]]: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape)});
    const expected = model.predict(x) as tf.Tensor;
    const got = result[session.outputNames[0]].data as Float32Array;
    const want = expected.dataSync();
    assert.ok(want.every((v, i) => Math.abs(v - got[i]) <= 1e-4), 'outputs differ');
    tf.dispose([x, expected]);
    await session.release();
  });

  it('--layout nchw: the exported model takes and returns NCHW images', async () => {
    const stage = sl.layers.cscStage({filters: 3, kernelSize: 3, iterations: 1, inputShape: [6, 5, 2], name: 'cli_nchw'});
    const model = tf.sequential({layers: [stage, sl.layers.cscDecoder({tiedTo: stage})]});
    await model.save(`file://${dir}/model`);
    const out = path.join(dir, 'nchw.onnx');
    assert.equal(await main(['export', path.join(dir, 'model'), out, '--layout', 'nchw'], collect, collect), 0, lines.join('\n'));
    const session = await ort.InferenceSession.create(readFileSync(out));
    const x = tf.randomUniform([2, 6, 5, 2], 0, 1, 'float32', 6);
    const nchw = tf.transpose(x, [0, 3, 1, 2]);
    const result = await session.run({[session.inputNames[0]]: new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape)});
    const got = result[session.outputNames[0]];
    assert.deepEqual(got.dims, [2, 2, 6, 5]);
    const want = tf.transpose(model.predict(x) as tf.Tensor, [0, 3, 1, 2]).dataSync();
    assert.ok(want.every((v, i) => Math.abs(v - (got.data as Float32Array)[i]) <= 1e-4), 'outputs differ');
    await session.release();
    assert.equal(await main(['export', path.join(dir, 'model'), out, '--layout', 'nwhc'], collect, collect), 2);
    assert.match(lines.join('\n'), /option '--layout <layout>' argument 'nwhc' is invalid\. Allowed choices are nhwc, nchw\./);
  });

  it('reports usage errors with status 2', async () => {
    assert.equal(await main([], collect, collect), 2);
    assert.match(lines.join('\n'), /error: no command given\nUsage: sparseland \[options\] \[command\]/);
    assert.equal(await main(['convert', 'a', 'b.onnx'], collect, collect), 2);
    assert.match(lines.join('\n'), /error: unknown command 'convert'/);
    assert.equal(await main(['export', dir], collect, collect), 2);
    assert.match(lines.join('\n'), /error: missing required argument 'out\.onnx'/);
    assert.equal(await main(['export', dir, path.join(dir, 'x.onnx'), 'y.onnx'], collect, collect), 2);
    assert.match(lines.join('\n'), /error: too many arguments for 'export'\. Expected 2 arguments but got 3\./);
    writeFileSync(path.join(dir, 'm.json'), '{}');
    assert.equal(await main(['export', path.join(dir, 'm.json'), path.join(dir, 'x.txt')], collect, collect), 2);
    assert.match(lines.join('\n'), /error: the output file should end in \.onnx, got '.*x\.txt'/);
    assert.equal(await main(['export', dir, path.join(dir, 'x.onnx')], collect, collect), 2);
    assert.match(lines.join('\n'), /no model found at '.*model\.json'/);
    assert.ok(!existsSync(path.join(dir, 'x.onnx')));
  });

  it('runs as the package bin (usage on stderr, status 2)', () => {
    // The compiled bin under dist/, or the TypeScript source through tsx when the tests run from source.
    const compiled = path.extname(__filename) === '.js';
    const script = path.join(__dirname, '..', '..', 'src', compiled ? 'cli.js' : 'cli.ts');
    const run = spawnSync(process.execPath, [...(compiled ? [] : ['--require', 'tsx/cjs']), script], {encoding: 'utf8'});
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^error: no command given\nUsage: sparseland \[options\] \[command\]/);
    assert.match(run.stderr, /^  export \[options\] <model> <out\.onnx> /m);
    assert.equal(run.stdout, '');
  });
});
