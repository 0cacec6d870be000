import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {expectCpuParity, randomTensor} from './cpu_parity';

type Kind = 'conv2d' | 'depthwiseConv2d' | 'separableConv2d';

function build(kind: Kind): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({inputShape: [12, 10, 2], filters: 4, kernelSize: 3,
                              padding: 'same', activation: 'relu'}));
  model.add(tf.layers.maxPooling2d({poolSize: 2}));
  if (kind === 'conv2d') {
    model.add(tf.layers.conv2d({filters: 5, kernelSize: 3, strides: 2, activation: 'relu'}));
  } else if (kind === 'depthwiseConv2d') {
    model.add(tf.layers.depthwiseConv2d({kernelSize: 3, depthMultiplier: 2, padding: 'same',
                                         activation: 'relu'}));
  } else {
    model.add(tf.layers.separableConv2d({filters: 5, kernelSize: 3, strides: 2,
                                         depthMultiplier: 2, activation: 'relu'}));
  }
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({units: 3, activation: 'softmax'}));
  return model;
}

function data(): [tf.Tensor, tf.Tensor] {
  const x = randomTensor([6, 12, 10, 2], 41);
  const labels = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
  const y = tf.tidy(() => tf.cast(tf.oneHot(labels, 3), 'float32'));
  labels.dispose();
  return [x, y];
}

describe('tf.layers models train on wasm', () => {
  for (const kind of ['conv2d', 'depthwiseConv2d', 'separableConv2d'] as Kind[]) {
    it(`${kind} → maxPooling2d → flatten → dense: fit lowers the loss`, async () => {
      const model = build(kind);
      model.compile({optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy'});
      const [x, y] = data();
      const history = await model.fit(x, y, {epochs: 15, verbose: 0});
      const loss = history.history.loss as number[];
      assert.ok(loss.every(Number.isFinite), `non-finite loss: ${loss}`);
      assert.ok(loss[loss.length - 1] < 0.8 * loss[0], `loss did not decrease: ${loss}`);
      model.dispose();
      tf.dispose([x, y]);
    });

    it(`${kind} model: loss and weight gradients equal cpu's for the same weights`, async () => {
      const reference = build(kind);
      const weights = reference.getWeights();
      const [x, y] = data();
      await expectCpuParity((xi, yi, ...ws) => {
        const model = build(kind);
        model.setWeights(ws);
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const {value, grads} = tf.variableGrads(
          () => tf.mean(tf.metrics.categoricalCrossentropy(yi, model.apply(xi) as tf.Tensor)) as tf.Scalar,
          variables);
        const out = [value, ...variables.map((v) => grads[v.name])];
        model.dispose();
        return out;
      }, [x, y, ...weights]);
      reference.dispose();
      tf.dispose([x, y]);
    });
  }
});
