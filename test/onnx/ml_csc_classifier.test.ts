import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import * as sl from '../../src/node';
import {Pursuit} from '../../models/ml_csc_classifier';
import {expectOnnxMatchesTfjs, expectOnnxMatchesTfjsOn, exportedFiles, randomizeBiasesAndSteps} from './helpers';

describe('onnx export: ML-CSC classifiers (MNIST-shaped, softmax output)', () => {
  const files = exportedFiles();
  let mnist: sl.data.MnistBatch;
  before(() => {
    mnist = sl.data.loadMnist({count: 8});
  });
  after(() => tf.dispose([mnist.images, mnist.labels]));

  for (const pursuit of ['mlIsta', 'layeredBasisPursuit', 'mlFista'] as Pursuit[]) {
    it(`${pursuit}, filters [8, 16, 32], 2 unfoldings: random inputs and 8 MNIST digits`, async () => {
      const model = sl.models.mlCscClassifier({pursuit, iterations: 2, filters: [8, 16, 32]});
      randomizeBiasesAndSteps(model.layers[0], 9);
      const bytes = await expectOnnxMatchesTfjs(model, [1, 4]);
      await expectOnnxMatchesTfjsOn(model, [[mnist.images]]);
      // The codes too (the untrained softmax output is nearly uniform): the same layers with two outputs.
      const codes = model.layers[0].output as tf.SymbolicTensor;
      const both = tf.model({inputs: model.inputs, outputs: [codes, model.outputs[0]]});
      await expectOnnxMatchesTfjsOn(both, [[mnist.images]]);
      const graph = sl.onnx.decodeModel(bytes).graph;
      assert.deepEqual(graph.output[0].type.tensor_type.shape.dim, [{dim_param: 'batch'}, {dim_value: 10}]);
      assert.ok(graph.node.some((n) => n.op_type === 'Softmax'), 'a Softmax node');
      files.add(bytes, `classifier ${pursuit}`);
      model.dispose();
    });
  }

  files.checkerTest();
});
