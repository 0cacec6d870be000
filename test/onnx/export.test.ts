import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import * as sl from '../../src';

describe('onnx export: model file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sparseland-onnx-'));
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  it('writes opset 17, IR version 8, the producer version, a symbolic batch and readable names', async () => {
    const stage = sl.layers.cscStage({filters: 3, kernelSize: 3, iterations: 1, inputShape: [6, 6, 1], name: 'encoder'});
    const model = tf.sequential({layers: [stage, sl.layers.cscDecoder({tiedTo: stage, name: 'decoder'})]});
    const file = path.join(dir, 'model.onnx');
    const result = await sl.onnx.exportModel(model, file);
    assert.equal(result.path, file);
    const decoded = sl.onnx.decodeModel(readFileSync(file));
    assert.equal(decoded.ir_version, 8);
    assert.deepEqual(decoded.opset_import.map((o) => o.version), [17]);
    assert.equal(decoded.producer_name, 'sparseland');
    assert.equal(decoded.producer_version, sl.version);
    const dims = decoded.graph.input[0].type.tensor_type.shape.dim;
    assert.deepEqual(dims, [{dim_param: 'batch'}, {dim_value: 6}, {dim_value: 6}, {dim_value: 1}]);
    const names = decoded.graph.node.map((n) => n.name);
    assert.ok(names.includes('encoder/iter1/synthesis'), names.join(' '));
    assert.ok(names.includes('decoder/synthesis'), names.join(' '));
    // One Transpose after the input and one before the output: the graph is NCHW in between.
    assert.equal(decoded.graph.node.filter((n) => n.op_type === 'Transpose').length, 2);
    assert.deepEqual(readdirSync(dir), ['model.onnx']);
  });

  it('fails on an unsupported layer, naming it, its class and what is missing, and leaves no file', async () => {
    const model = tf.sequential({layers: [
      tf.layers.dense({units: 4, inputShape: [3]}),
      tf.layers.reshape({targetShape: [2, 2]}),
      tf.layers.simpleRNN({units: 2, name: 'recurrent'}),
    ]});
    const file = path.join(dir, 'model.onnx');
    await assert.rejects(sl.onnx.exportModel(model, {path: file}),
                         /layer 'recurrent' \(SimpleRNN\): this layer class has no ONNX converter/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('fails on an unsupported option', () => {
    const model = tf.sequential({layers: [tf.layers.dense({units: 2, activation: 'mish', inputShape: [3], name: 'head'})]});
    assert.throws(() => sl.onnx.exportModelToBytes(model), /layer 'head' \(Dense\): activation 'mish' has no ONNX lowering/);
  });

  it('fails on a transposed convolution with stride 2 and unknown spatial size', () => {
    const model = tf.sequential({layers: [
      sl.layers.cscStage({filters: 2, kernelSize: 3, strides: 2, iterations: 1, inputShape: [null, null, 1], name: 'free'}),
    ]});
    assert.throws(() => sl.onnx.exportModelToBytes(model), /layer 'free' \(CscStage\): 'same' padding with stride 2 needs a known input size/);
  });

  it('lists the supported layer classes', () => {
    const supported = sl.onnx.supportedLayers();
    for (const name of ['CscStage', 'CscDecoder', 'Lista', 'LayeredThresholding', 'LayeredBasisPursuit', 'MlIsta',
                        'MlFista', 'MlLista', 'Iht', 'Conv2D', 'Dense', 'Flatten']) assert.ok(supported.includes(name), name);
    assert.ok(!existsSync(path.join(dir, 'x')));
  });
});
