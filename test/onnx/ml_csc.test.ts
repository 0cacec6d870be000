import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import * as sl from '../../src/node';
import {MlCscLayerArgs} from '../../layers/ml_csc_common';
import {expectOnnxMatchesTfjs, exportedFiles, randomizeBiasesAndSteps} from './helpers';

type Pursuit = (args: MlCscLayerArgs, iterations: number) => tf.layers.Layer;

describe('onnx export: multi-layer CSC layers', () => {
  const files = exportedFiles();

  const base = (inputShape: number[], args: Partial<MlCscLayerArgs>): MlCscLayerArgs => ({
    filters: [3, 4], kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({seed: 7}), inputShape, ...args,
  });
  const geometries: [string, Partial<MlCscLayerArgs>, number[]][] = [
    ['valid, stride 1', {}, [8, 8, 2]],
    ['same, stride 2, odd size', {padding: 'same', strides: 2}, [9, 7, 2]],
    ['valid, kernels [[3, 2], 2], strides [2, 1], output padding', {kernelSize: [[3, 2], 2], strides: [2, 1]}, [10, 9, 2]],
    ['same, strides [1, 2], no bias', {padding: 'same', strides: [1, 2], useBias: false}, [8, 9, 2]],
    ['three layers, same, strides [2, 1, 2], kernels [3, 2, 3]', {filters: [3, 4, 5], padding: 'same', strides: [2, 1, 2],
                                                                   kernelSize: [3, 2, 3]}, [9, 9, 1]],
    ['one layer', {filters: [4]}, [6, 6, 2]],
  ];
  const pursuits: [string, Pursuit][] = [
    ['layeredBasisPursuit (ISTA)', (args, iterations) => sl.layers.layeredBasisPursuit({...args, iterations})],
    ['layeredBasisPursuit (FISTA)', (args, iterations) => sl.layers.layeredBasisPursuit({...args, iterations, fista: true})],
    ['mlIsta', (args, iterations) => sl.layers.mlIsta({...args, iterations})],
    ['mlFista', (args, iterations) => sl.layers.mlFista({...args, iterations})],
    ['mlLista', (args, iterations) => sl.layers.mlLista({
      ...args, iterations, synthesisInitializer: tf.initializers.glorotUniform({seed: 8}),
    })],
  ];

  const check = async (layer: tf.layers.Layer, title: string) => {
    const model = tf.sequential({layers: [layer]});
    randomizeBiasesAndSteps(layer, 5);
    files.add(await expectOnnxMatchesTfjs(model), title);
    model.dispose();
  };

  for (const [title, args, shape] of geometries) {
    it(`layeredThresholding: ${title}`, () => check(sl.layers.layeredThresholding(base(shape, args)), `lt ${title}`));
  }
  for (const [name, pursuit] of pursuits) {
    for (const [title, args, shape] of geometries) {
      it(`${name}: 3 unfoldings, ${title}`, () => check(pursuit(base(shape, args), 3), `${name} ${title}`));
    }
    it(`${name}: zero unfoldings`, () => check(pursuit(base([8, 8, 2], {}), 0), `${name} zero`));
  }

  it('fails on unfoldings with stride 2 and unknown spatial size, naming the layer', () => {
    const model = tf.sequential({layers: [sl.layers.mlIsta({filters: [2, 3], kernelSize: 3, strides: 2, iterations: 1,
                                                            inputShape: [null, null, 1], name: 'free'})]});
    assert.throws(() => sl.onnx.exportModelToBytes(model),
                  /layer 'free' \(MlIsta\): a transposed convolution with stride 2 needs known spatial sizes/);
  });

  files.checkerTest();
});
