import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {mkdtempSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {CscStage} from '../../layers/csc_stage';
import {ANALYZE_FLAGS} from '../../src/commands/analyze';
import {DictionaryRow, measuredL0Inf, mutualCoherence} from '../../src/analysis';
import {mnistDataset} from '../../src/data/mnist_dataset';
import {FileSystemHandler} from '../../src/io/file_system';
import {load} from '../../src/pretrained/node';
import {expectClose} from '../helpers';
import {cliRunner} from './cli_runner';

interface Report {
  model: string;
  data?: string;
  digits?: number;
  layers: DictionaryRow[];
}

describe('sparseland analyze', () => {
  const {run, out, err} = cliRunner();
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sparseland-analyze-'));
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('pretrained:mnist-csc-ctrl --json: its 4 CSC stages, μ of each stage\'s filters on the stride\'s grid, the bounds from μ', async () => {
    assert.equal(await run(['analyze', 'pretrained:mnist-csc-ctrl', '--json']), 0, err.join('\n'));
    const report = JSON.parse(out.join('\n')) as Report;
    assert.equal(report.model, 'pretrained:mnist-csc-ctrl');
    assert.deepEqual(report.layers.map((r) => [r.name, r.className]),
                     [['csc_1', 'CscStage'], ['csc_2', 'CscStage'], ['csc_3', 'CscStage'], ['csc_4', 'CscStage']]);
    const {encoder} = await load('mnist-csc-ctrl');
    const stages = encoder.layers.filter((layer): layer is CscStage => layer instanceof CscStage);
    report.layers.forEach((row, i) => {
      assert.ok(row.mu > 0 && row.mu <= 1, `μ ${row.mu}`);
      expectClose(row.uniqueness, 0.5 * (1 + 1 / row.mu), 1e-9);
      expectClose(row.basisPursuit, (1 + 1 / row.mu) / 3, 1e-9);
      const filters = tf.tidy(() => stages[i].dictionary());
      assert.deepEqual(row.shape, filters.shape);
      assert.deepEqual(row.strides, stages[i].strides);
      expectClose(row.mu, mutualCoherence(filters, {strides: stages[i].strides}), 1e-6);
      filters.dispose();
      assert.equal(row.l0Inf, undefined);
    });
    assert.deepEqual(report.layers.map((r) => r.strides), [[2, 2], [2, 2], [2, 2], [1, 1]]);
  });

  it('the table: one row per stage with the shape, stride, μ and the bounds of the JSON', async () => {
    assert.equal(await run(['analyze', 'pretrained:mnist-csc-ctrl', '--json']), 0);
    const rows = (JSON.parse(out.join('\n')) as Report).layers;
    assert.equal(await run(['analyze', 'pretrained:mnist-csc-ctrl']), 0, err.join('\n'));
    assert.match(out[0], /^pretrained:mnist-csc-ctrl: 4 dictionaries$/);
    assert.match(out[1], /^layer +class +dictionary +stride +μ +½\(1\+1\/μ\) +⅓\(1\+1\/μ\)$/);
    rows.forEach((row, i) => {
      const cells = out[2 + i].split(/ {2,}/);
      assert.deepEqual(cells, [row.name, row.className, `[${row.shape.join(', ')}]`, row.strides!.join('×'), row.mu.toFixed(4),
                               row.uniqueness.toFixed(3), row.basisPursuit.toFixed(3)]);
    });
    assert.equal(out.length, 6);
  });

  it('--data mnist --digits 150: ‖Γ‖₀,∞ of each stage\'s codes over the 150 digits (two batches), as measured on all at once', async () => {
    assert.equal(await run(['analyze', 'pretrained:mnist-csc-ctrl', '--data', 'mnist', '--digits', '150', '--json']), 0, err.join('\n'));
    const report = JSON.parse(out.join('\n')) as Report;
    assert.equal(report.data, 'mnist');
    assert.equal(report.digits, 150);
    const {encoder} = await load('mnist-csc-ctrl');
    const stages = encoder.layers.filter((layer): layer is CscStage => layer instanceof CscStage);
    const probe = tf.model({inputs: encoder.inputs, outputs: stages.map((s) => s.output as tf.SymbolicTensor)});
    const {images, labels} = await mnistDataset({split: 'test', size: 32}).take(150);
    const codes = probe.predict(images) as tf.Tensor[];
    report.layers.forEach((row, i) => {
      const expected = measuredL0Inf(codes[i], {kernelSize: stages[i].kernelSize, strides: stages[i].strides});
      assert.equal(row.l0Inf, expected, row.name);
      // At most a whole stripe: ⌈(2k − 1)/s⌉² positions (within the code) × the channels.
      const [, h, w, c] = codes[i].shape;
      const window = Math.ceil(7 / stages[i].strides[0]);
      assert.ok(row.l0Inf! >= 1 && row.l0Inf! <= Math.min(window, h) * Math.min(window, w) * c, `${row.name}: ${row.l0Inf}`);
    });
    tf.dispose([images, labels, ...codes]);
  });

  it('a saved model of one conv2d, a 1×2 filter of ones: μ = 1/2 (the filter against its shift by one)', async () => {
    const model = tf.sequential({layers: [tf.layers.conv2d({filters: 1, kernelSize: [1, 2], useBias: false, inputShape: [4, 4, 1],
                                                            kernelInitializer: 'ones', name: 'edge'})]});
    const folder = path.join(dir, 'conv');
    await model.save(new FileSystemHandler(path.join(folder, 'model.json')));
    model.dispose();
    assert.equal(await run(['analyze', folder, '--json']), 0, err.join('\n'));
    const [row] = (JSON.parse(out.join('\n')) as Report).layers;
    assert.equal(row.name, 'edge');
    assert.equal(row.className, 'Conv2D');
    assert.deepEqual(row.shape, [1, 2, 1, 1]);
    expectClose(row.mu, 0.5, 1e-6);
    expectClose(row.uniqueness, 1.5, 1e-6);
  });

  it('--unit-range feeds the digits in [0, 1]: a 5×5 mean filter with bias 0.5 and a ReLU is then non-zero everywhere', async () => {
    // On [-1, 1] the background gives relu(−1 + 0.5) = 0; on [0, 1] it gives 0.5: a full stripe of 9 × 9.
    const model = tf.sequential({layers: [tf.layers.conv2d({
      filters: 1, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1], name: 'blur',
      kernelInitializer: tf.initializers.constant({value: 1 / 25}), biasInitializer: tf.initializers.constant({value: 0.5})})]});
    const folder = path.join(dir, 'blur');
    await model.save(new FileSystemHandler(path.join(folder, 'model.json')));
    const {images, labels} = await mnistDataset({split: 'test', size: 28}).take(3);
    const codes = model.predict(images) as tf.Tensor;
    const expected = measuredL0Inf(codes, {kernelSize: 5});
    assert.ok(expected < 81, `${expected}`);
    tf.dispose([images, labels, codes]);
    model.dispose();
    assert.equal(await run(['analyze', folder, '--data', 'mnist', '--digits', '3', '--json']), 0, err.join('\n'));
    assert.equal((JSON.parse(out.join('\n')) as Report).layers[0].l0Inf, expected);
    assert.equal(await run(['analyze', folder, '--data', 'mnist', '--digits', '3', '--unit-range', '--json']), 0, err.join('\n'));
    assert.equal((JSON.parse(out.join('\n')) as Report).layers[0].l0Inf, 81);
  });

  it('pretrained:lista-cpss-250x500: the dense dictionary A that the layer holds, its μ', async () => {
    assert.equal(await run(['analyze', 'pretrained:lista-cpss-250x500', '--json']), 0, err.join('\n'));
    const [row] = (JSON.parse(out.join('\n')) as Report).layers;
    assert.equal(row.className, 'Lista');
    assert.deepEqual(row.shape, [250, 500]);
    const {model, dictionary} = await load('lista-cpss-250x500');
    expectClose(row.mu, mutualCoherence(dictionary), 1e-6);
    dictionary.dispose();
    model.dispose();
    // A model on vectors takes no digits.
    assert.equal(await run(['analyze', 'pretrained:lista-cpss-250x500', '--data', 'mnist']), 1);
    assert.match(err.join('\n'), /^sparseland analyze: --data mnist gives digits \[28, 28, 1\] or \[32, 32, 1\]; the model takes \[250\]$/);
  });

  it('a path that does not exist, or holds no model: status 1 naming it', async () => {
    const missing = path.join(dir, 'no-such-model');
    assert.equal(await run(['analyze', missing]), 1);
    assert.deepEqual(err, [`sparseland analyze: no such file or directory '${missing}'`]);
    assert.equal(await run(['analyze', dir]), 1);
    assert.match(err.join('\n'), new RegExp(`no model in '${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`));
    assert.equal(await run(['analyze', 'pretrained:nothing']), 1);
    assert.match(err.join('\n'), /pretrained\.load: name must be one of .*got 'nothing'/);
  });

  it('--digits 0, --digits or --unit-range without --data, and an unknown --data are usage errors (status 2)', async () => {
    assert.equal(await run(['analyze', 'pretrained:mnist-csc-ctrl', '--data', 'mnist', '--digits', '0']), 2);
    assert.match(err.join('\n'), /option '--digits <n>' argument '0' is invalid\. Expected an integer ≥ 1\./);
    assert.equal(await run(['analyze', 'pretrained:mnist-csc-ctrl', '--digits', '5']), 2);
    assert.match(err.join('\n'), /error: --digits needs --data/);
    assert.equal(await run(['analyze', 'pretrained:mnist-csc-ctrl', '--unit-range']), 2);
    assert.match(err.join('\n'), /error: --unit-range needs --data/);
    assert.equal(await run(['analyze', 'pretrained:mnist-csc-ctrl', '--data', 'cifar']), 2);
    assert.match(err.join('\n'), /argument 'cifar' is invalid\. Allowed choices are mnist, mnist-full\./);
    assert.equal(await run(['analyze', 'pretrained:mnist-csc-ctrl', '--data', 'mnist', '--digits', '1001']), 1);
    assert.match(err.join('\n'), /--digits 1001: the test split of mnist has 1000 digits/);
    assert.deepEqual(out, []);
  });

  it('every flag of analyze is in docs/theory.md', () => {
    const root = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
    const doc = readFileSync(path.join(root, 'docs', 'theory.md'), 'utf8');
    for (const flag of ANALYZE_FLAGS) assert.ok(doc.includes(`\`${flag.flags.split(' ')[0]}`), flag.flags);
  });
});
