import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {loadMnist} from '../../src/data/mnist';
import {mlCscClassifier, Pursuit} from '../../models';
import {expectClose, expectSaveLoadRoundTrip, expectThrows} from '../helpers';

const SMALL = {filters: [8, 16, 32], kernelSize: [6, 6, 4], strides: [2, 2, 1]};

describe('mlCscClassifier', () => {
  it('the published MNIST network: 28×28 → 1×1×512 codes → 10 classes', () => {
    const model = mlCscClassifier({iterations: 1});
    assert.deepEqual(model.layers[0].outputShape, [null, 1, 1, 512]);
    assert.deepEqual(model.outputShape, [null, 10]);
    // CNN weights (W_i, b_i), one step per layer, the classifier.
    const cnn = mlCscClassifier({pursuit: 'layeredThresholding'});
    assert.equal(model.countParams(), cnn.countParams() + 3);
  });

  for (const pursuit of ['mlIsta', 'mlFista', 'layeredBasisPursuit', 'mlLista'] as Pursuit[]) {
    it(`${pursuit} with zero unfoldings and the CNN's weights is the CNN`, () => {
      const cnn = mlCscClassifier({pursuit: 'layeredThresholding', ...SMALL});
      const model = mlCscClassifier({pursuit, iterations: 0, ...SMALL});
      const byName = new Map(cnn.weights.map((w, i) => [w.originalName.replace(/^[^/]*\//, ''), cnn.getWeights()[i]]));
      model.setWeights(model.weights.map((w, i) => byName.get(w.originalName.replace(/^[^/]*\//, '')) ??
                                                   model.getWeights()[i]));
      const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 1);
      expectClose(model.predict(x) as tf.Tensor, cnn.predict(x) as tf.Tensor, 1e-5);
    });
  }

  it('an ML-ISTA classifier learns MNIST digits (600 train, 3 epochs) well above chance', async function () {
    this.timeout(120000);
    const train = loadMnist({count: 600});
    const test = loadMnist({count: 200, offset: 8000});
    const model = mlCscClassifier({pursuit: 'mlIsta', iterations: 2, ...SMALL});
    model.compile({optimizer: tf.train.adam(3e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy']});
    await model.fit(train.images, train.labels.cast('float32'), {epochs: 3, batchSize: 30, verbose: 0});
    const predicted = tf.argMax(model.predict(test.images) as tf.Tensor, 1);
    const accuracy = tf.mean(tf.cast(tf.equal(predicted, test.labels), 'float32')).dataSync()[0];
    assert.ok(accuracy > 0.6, `test accuracy ${accuracy}`);
    await expectSaveLoadRoundTrip(model, test.images.slice(0, 4));
  });

  it('rejects bad arguments, naming them', () => {
    expectThrows(() => mlCscClassifier({pursuit: 'cnn' as Pursuit}), /mlCscClassifier: pursuit must be one of .*got 'cnn'/);
    expectThrows(() => mlCscClassifier({iterations: -1}), /iterations must be a non-negative integer, got -1/);
    expectThrows(() => mlCscClassifier({classes: 0}), /classes must be a positive integer, got 0/);
    expectThrows(() => mlCscClassifier({inputShape: [28, 28] as never}), /inputShape must be \[H, W, C\] .*got \[28, 28\]/);
  });
});
