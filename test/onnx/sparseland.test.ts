import * as tf from '@tensorflow/tfjs';
import * as sl from '../../src/node';
import {CscStageLayerArgs} from '../../layers/csc_stage';
import {ListaLayerArgs} from '../../layers/lista';
import {expectOnnxMatchesTfjs, expectOnnxMatchesTfjsOn, exportedFiles, sampleInput} from './helpers';

describe('onnx export: sparseland layers', () => {
  const files = exportedFiles();

  const stages: [string, Partial<CscStageLayerArgs>][] = [
    ['defaults (ISTA, non-negative, scalar λ, tied)', {}],
    ['FISTA, signed codes, per-channel λ', {algorithm: 'fista', nonNeg: false, lambdaShape: 'perChannel'}],
    ['untied, elastic net μ = 0.5', {tied: false, mu: 0.5}],
    ['stride 2, same padding, odd size', {strides: 2, inputShape: [7, 9, 2]}],
    ['stride 2, valid padding, kernel 4', {strides: 2, padding: 'valid', kernelSize: 4, inputShape: [10, 9, 2]}],
    ['kernel [3, 2], stride [1, 2], FISTA, untied', {kernelSize: [3, 2], strides: [1, 2], algorithm: 'fista', tied: false}],
    ['no atom normalisation, learned step', {normalizeAtoms: false, step: 'learned'}],
    ['zero iterations', {iterations: 0}],
    ['signed codes, scalar λ', {nonNeg: false}],
    ['kernel 4, same padding (uneven pads)', {kernelSize: 4}],
    ['kernel [2, 3], valid padding, signed, FISTA', {kernelSize: [2, 3], padding: 'valid', nonNeg: false, algorithm: 'fista'}],
  ];
  for (const [title, args] of stages) {
    it(`cscStage: ${title}`, async () => {
      const stage = sl.layers.cscStage({filters: 4, kernelSize: 3, iterations: 2, lambda: 0.05, inputShape: [8, 8, 2],
                                        ...args});
      const model = tf.sequential({layers: [stage]});
      files.add(await expectOnnxMatchesTfjs(model), `csc ${title}`);
      model.dispose();
    });
  }

  for (const [title, args] of stages.slice(0, 6)) {
    it(`cscStage + tied cscDecoder (autoencoder): ${title}`, async () => {
      const stage = sl.layers.cscStage({filters: 4, kernelSize: 3, iterations: 2, lambda: 0.05, inputShape: [8, 8, 2],
                                        ...args});
      const model = tf.sequential({layers: [stage, sl.layers.cscDecoder({tiedTo: stage})]});
      files.add(await expectOnnxMatchesTfjs(model), `csc autoencoder ${title}`);
      model.dispose();
    });
  }

  it('cscStage and tied cscDecoder on images of any size (stride 1)', async () => {
    const stage = sl.layers.cscStage({filters: 4, kernelSize: 3, iterations: 2, lambda: 0.05, inputShape: [null, null, 2]});
    const model = tf.sequential({layers: [stage, sl.layers.cscDecoder({tiedTo: stage})]});
    const batches = [[sampleInput([2, 5, 7, 2], 3)], [sampleInput([1, 9, 4, 2], 4)]];
    files.add(await expectOnnxMatchesTfjsOn(model, batches), 'csc any size');
    tf.dispose(batches.flat());
  });

  it('cscDecoder untied, stride 1, valid padding, kernel 4', async () => {
    const model = tf.sequential({layers: [
      sl.layers.cscDecoder({filters: 3, kernelSize: 4, padding: 'valid', inputShape: [4, 5, 6]}),
    ]});
    files.add(await expectOnnxMatchesTfjs(model), 'decoder untied stride 1');
  });

  it('cscDecoder untied, stride 2, valid padding', async () => {
    const model = tf.sequential({layers: [
      sl.layers.cscDecoder({filters: 3, kernelSize: 3, strides: 2, padding: 'valid', inputShape: [4, 5, 6]}),
    ]});
    files.add(await expectOnnxMatchesTfjs(model), 'decoder untied');
  });

  it('two CSC stages, a flatten and a dense classifier (functional, two outputs)', async () => {
    const x = tf.input({shape: [8, 8, 1]});
    const s1 = sl.layers.cscStage({filters: 4, kernelSize: 3, strides: 2, iterations: 1, name: 'stage1'});
    const s2 = sl.layers.cscStage({filters: 6, kernelSize: 3, iterations: 1, algorithm: 'fista', name: 'stage2'});
    const z1 = s1.apply(x) as tf.SymbolicTensor;
    const z2 = s2.apply(z1) as tf.SymbolicTensor;
    const logits = tf.layers.dense({units: 3, activation: 'softmax'}).apply(
      tf.layers.flatten().apply(z2)) as tf.SymbolicTensor;
    const recon = sl.layers.cscDecoder({tiedTo: s1}).apply(z1) as tf.SymbolicTensor;
    const model = tf.model({inputs: x, outputs: [logits, recon]});
    files.add(await expectOnnxMatchesTfjs(model, [1, 2, 5]), 'ml csc classifier');
  });

  it('unitNormalization after dense (features) and on the channels of an image', async () => {
    const features = tf.sequential({layers: [tf.layers.dense({units: 5, inputShape: [4]}), sl.layers.unitNormalization()]});
    files.add(await expectOnnxMatchesTfjs(features), 'unit normalization features');
    const image = tf.sequential({layers: [tf.layers.conv2d({filters: 3, kernelSize: 1, inputShape: [4, 5, 2]}),
                                          sl.layers.unitNormalization({axis: -1})]});
    files.add(await expectOnnxMatchesTfjs(image), 'unit normalization channels');
  });

  it('a CSC-CTRL encoder and its decoder (the MNIST preset with 2 to 4 atoms per stage)', async () => {
    const {encoder, decoder} = sl.models.cscCtrl({filters: [2, 2, 2, 4]});
    files.add(await expectOnnxMatchesTfjs(encoder, [1, 3]), 'csc-ctrl encoder');
    files.add(await expectOnnxMatchesTfjs(decoder, [1, 3]), 'csc-ctrl decoder');
  });

  const variants: [string, Partial<ListaLayerArgs>][] = [
    ['lista untied', {variant: 'lista'}],
    ['lista tied', {variant: 'lista', tied: true}],
    ['listaCp untied', {variant: 'listaCp'}],
    ['listaCp tied', {variant: 'listaCp', tied: true}],
    ['listaCpss', {variant: 'listaCpss', supportSelection: [5, 20]}],
    ['listaCpss tied', {variant: 'listaCpss', tied: true, supportSelection: [5, 20]}],
    ['alista', {variant: 'alista', supportSelection: [5, 20]}],
  ];
  for (const [title, args] of variants) {
    it(`lista: ${title}`, async () => {
      const dictionary = tf.tidy(() => sl.ops.normalizeAtoms(tf.randomNormal([12, 24], 0, 1, 'float32', 3))) as tf.Tensor2D;
      const model = tf.sequential({layers: [sl.layers.lista({dictionary, iterations: 4, lambda: 0.05, ...args})]});
      dictionary.dispose();
      files.add(await expectOnnxMatchesTfjs(model, [1, 4]), `lista ${title}`);
    });
  }

  files.checkerTest();
});
