import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import * as sl from '../../src/node';
import {IhtLayerArgs} from '../../layers/iht';
import {expectOnnxMatchesTfjs, expectOnnxMatchesTfjsOn, exportedFiles} from './helpers';

describe('onnx export: iht', () => {
  const files = exportedFiles();

  const cases: [string, Partial<IhtLayerArgs>, number[]][] = [
    ['defaults (pool 2, valid, one iteration)', {}, [8, 8, 2]],
    ['pool 2, same, 3 iterations', {padding: 'same', iterations: 3}, [8, 8, 2]],
    ['pool [2, 3] with partial blocks, sparsity 6, 2 iterations', {poolSize: [2, 3], sparsity: 6, iterations: 2}, [9, 10, 2]],
    ['paired filters, pool 2, 3 iterations', {pairedFilters: true, iterations: 3}, [8, 8, 2]],
    ['paired filters, sparsity 5, stride 2, same, odd size', {pairedFilters: true, sparsity: 5, strides: 2,
                                                             padding: 'same', iterations: 2}, [9, 7, 2]],
    ['pool 1, sparsity 5, stride 2, valid, output padding', {poolSize: 1, sparsity: 5, strides: 2, iterations: 2}, [10, 9, 2]],
    ['pool 1, no sparsity (Landweber steps)', {poolSize: 1, iterations: 2}, [8, 8, 2]],
    ['sparsity above the code size', {sparsity: 1000, iterations: 2}, [6, 6, 1]],
    ['1-D: kernel [5, 1], pool [2, 1], sparsity 10, same, 3 iterations', {filters: 16, kernelSize: [5, 1], poolSize: [2, 1],
                                                                          sparsity: 10, padding: 'same', iterations: 3}, [32, 1, 4]],
  ];
  for (const [title, args, inputShape] of cases) {
    it(title, async () => {
      const model = tf.sequential({layers: [sl.layers.iht({
        filters: 4, kernelSize: 3, kernelInitializer: tf.initializers.randomNormal({seed: 3, stddev: 0.3}), inputShape, ...args,
      })]});
      files.add(await expectOnnxMatchesTfjs(model), `iht ${title}`);
      model.dispose();
    });
  }

  it('on MNIST digits', async () => {
    const {images, labels} = sl.data.loadMnist({count: 8});
    const model = tf.sequential({layers: [sl.layers.iht({
      filters: 8, kernelSize: 5, poolSize: 2, sparsity: 40, iterations: 2, inputShape: [28, 28, 1],
      kernelInitializer: tf.initializers.randomNormal({seed: 4, stddev: 0.2}),
    })]});
    files.add(await expectOnnxMatchesTfjsOn(model, [[images]]), 'iht mnist');
    tf.dispose([images, labels]);
    model.dispose();
  });

  for (const pairedFilters of [false, true]) {
    it(`ties in a block (constant input regions), ${pairedFilters ? 'paired' : 'plain'} filters: the first entry wins, as tfjs`,
       async () => {
         const model = tf.sequential({layers: [sl.layers.iht({
           filters: 4, kernelSize: 2, poolSize: [2, 3], sparsity: 12, pairedFilters, inputShape: [8, 9, 1],
           kernelInitializer: tf.initializers.randomNormal({seed: 5, stddev: 0.5}),
         })]});
         // Piecewise-constant images: every 2×2 filter window inside a constant piece gives the same code value.
         const x = tf.tidy(() => tf.concat([tf.fill([1, 8, 9, 1], 0.7),
                                            tf.concat([tf.fill([1, 4, 9, 1], -0.4), tf.fill([1, 4, 9, 1], 0.9)], 1)]));
         files.add(await expectOnnxMatchesTfjsOn(model, [[x]]), `iht ties ${pairedFilters}`);
         x.dispose();
         model.dispose();
       });
  }

  it('fails on block selection with unknown code size, naming the layer', () => {
    const model = tf.sequential({layers: [sl.layers.iht({filters: 2, kernelSize: 3, inputShape: [null, null, 1], name: 'free'})]});
    assert.throws(() => sl.onnx.exportModelToBytes(model),
                  /layer 'free' \(Iht\): block and sparsity selection need a known code size/);
  });

  files.checkerTest();
});
