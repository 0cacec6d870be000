import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {CscDecoder, cscDecoder, loadTiedTo} from '../../layers/csc_decoder';
import {CscStage, cscStage} from '../../layers/csc_stage';
import {expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectSaveLoadRoundTrip,
        expectThrows, maxAbsDiff} from '../helpers';

function autoencoder(stageArgs: Parameters<typeof cscStage>[0], shape: number[]): tf.Sequential {
  const stage = cscStage({...stageArgs, inputShape: shape});
  return tf.sequential({layers: [stage, cscDecoder({tiedTo: stage})]});
}

describe('cscDecoder', () => {
  for (const [strides, padding, kernelSize] of [[1, 'same', 3], [2, 'same', 4], [2, 'valid', 3]] as const) {
    it(`tied: x̂ = A z with the stage's dictionary, and ⟨A z, x⟩ = ⟨z, Aᵀ x⟩ ` +
       `(strides=${strides} padding=${padding} kernel=${kernelSize})`, () => {
      const model = autoencoder({filters: 4, strides, padding, kernelSize}, [9, 9, 2]);
      const [stage, decoder] = model.layers as [CscStage, CscDecoder];
      const x = tf.randomNormal([2, 9, 9, 2], 0, 1, 'float32', 1);
      const z = tf.randomNormal([2, ...stage.computeOutputShape([2, 9, 9, 2]).slice(1) as number[]],
                                0, 1, 'float32', 2);
      const xHat = decoder.apply(z) as tf.Tensor;
      assert.deepEqual(xHat.shape, [2, 9, 9, 2]);
      expectClose(xHat, stage.operator(0, [9, 9]).synthesis(z), 1e-5);
      const lhs = tf.sum(tf.mul(xHat, x)).dataSync()[0];
      const rhs = tf.sum(tf.mul(z, stage.operator(0, [9, 9]).adjoint(x))).dataSync()[0];
      expectClose(lhs, rhs, 1e-3 * Math.abs(rhs));
    });
  }

  it('tied: owns no weights, and training the autoencoder moves the shared dictionary', async () => {
    const model = autoencoder({filters: 8, iterations: 2, lambda: 0.01}, [8, 8, 1]);
    const [stage, decoder] = model.layers as [CscStage, CscDecoder];
    assert.equal(decoder.weights.length, 0);
    const before = stage.dictionary().clone();
    const x = tf.randomNormal([32, 8, 8, 1], 0, 1, 'float32', 3);
    model.compile({optimizer: tf.train.adam(0.02), loss: 'meanSquaredError'});
    const h = await model.fit(x, x, {epochs: 20, batchSize: 32, verbose: 0});
    const loss = h.history.loss as number[];
    assert.ok(loss[loss.length - 1] < 0.9 * loss[0], `reconstruction loss ${loss[0]} → ${loss[loss.length - 1]}`);
    assert.ok(maxAbsDiff(before, stage.dictionary()) > 1e-3, 'dictionary did not move');
    expectClose(decoder.dictionary(), stage.dictionary(), 0);
  });

  it('tied: the tie survives save → load in one model', async () => {
    const model = autoencoder({filters: 3}, [6, 6, 1]);
    const loaded = await expectSaveLoadRoundTrip(model, tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 4));
    const [stage, decoder] = loaded.layers as [CscStage, CscDecoder];
    assert.equal(decoder.tiedStage(), stage);
    stage.setWeights(stage.getWeights().map((w, i) => (i === 0 ? tf.randomNormal(w.shape) : w)));
    expectClose(decoder.dictionary(), stage.dictionary(), 0);
  });

  it('tied: a separate decoder model finds its encoder after both are loaded', async () => {
    const input = tf.input({shape: [6, 6, 1]});
    const stage = cscStage({filters: 3, name: 'tie_test_stage'});
    const encoder = tf.model({inputs: input, outputs: stage.apply(input) as tf.SymbolicTensor});
    const decoder = tf.sequential({layers: [cscDecoder({tiedTo: stage, inputShape: [6, 6, 3]})]});
    const dir = mkdtempSync(path.join(tmpdir(), 'sparseland-'));
    try {
      await encoder.save(`file://${dir}/enc`);
      await decoder.save(`file://${dir}/dec`);
      const enc2 = await tf.loadLayersModel(`file://${dir}/enc/model.json`);
      const dec2 = await tf.loadLayersModel(`file://${dir}/dec/model.json`);
      const stage2 = enc2.layers[1] as CscStage;
      assert.notEqual(stage2, stage);
      assert.equal((dec2.layers[0] as CscDecoder).tiedStage(), stage2);
      const z = tf.randomNormal([1, 6, 6, 3]);
      expectClose(dec2.predict(z) as tf.Tensor, decoder.predict(z) as tf.Tensor, 1e-6);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('tied: a loaded decoder ties to the stage it was saved with, not to another of the same name', async () => {
    const make = (seed: number) => {
      const input = tf.input({shape: [6, 6, 1]});
      const stage = cscStage({filters: 3, name: 'same_name_stage', kernelInitializer: tf.initializers.glorotNormal({seed})});
      const encoder = tf.model({inputs: input, outputs: stage.apply(input) as tf.SymbolicTensor});
      const decoder = tf.sequential({layers: [cscDecoder({tiedTo: stage, inputShape: [6, 6, 3]})]});
      return {stage, encoder, decoder};
    };
    const a = make(1);
    const b = make(2);
    assert.notEqual(a.stage.tieId, b.stage.tieId);
    const dir = mkdtempSync(path.join(tmpdir(), 'sparseland-'));
    try {
      for (const [name, m] of Object.entries({a, b})) {
        await m.encoder.save(`file://${dir}/${name}-enc`);
        await m.decoder.save(`file://${dir}/${name}-dec`);
      }
      const encA = await tf.loadLayersModel(`file://${dir}/a-enc/model.json`);
      const encB = await tf.loadLayersModel(`file://${dir}/b-enc/model.json`);   // newer, same layer name
      const decA = await tf.loadLayersModel(`file://${dir}/a-dec/model.json`);
      assert.equal((decA.layers[0] as CscDecoder).tiedStage(), encA.layers[1]);
      // Two copies of one encoder: loadTiedTo picks the copy.
      const encA2 = await tf.loadLayersModel(`file://${dir}/a-enc/model.json`);
      const decOnFirst = await loadTiedTo(encA, () => tf.loadLayersModel(`file://${dir}/a-dec/model.json`));
      assert.equal((decOnFirst.layers[0] as CscDecoder).tiedStage(), encA.layers[1]);
      assert.notEqual(encA2.layers[1], encA.layers[1]);
      await assert.rejects(loadTiedTo(encB, () => tf.loadLayersModel(`file://${dir}/a-dec/model.json`)),
                           /tiedTo stage 'same_name_stage' not found in the encoder given to loadTiedTo/);
      // A tie saved before identities existed ({name} alone) resolves by name, newest first.
      const json = JSON.parse(readFileSync(`${dir}/a-dec/model.json`, 'utf8'));
      const layer = json.modelTopology.config.layers.find((l: {class_name: string}) => /CscDecoder$/.test(l.class_name));
      assert.equal(layer.config.tied_to.id, a.stage.tieId);
      delete layer.config.tied_to.id;
      writeFileSync(`${dir}/a-dec/model.json`, JSON.stringify(json));
      const old = await tf.loadLayersModel(`file://${dir}/a-dec/model.json`);
      assert.equal((old.layers[0] as CscDecoder).tiedStage(), encA2.layers[1]);
      expectThrows(() => cscStage({filters: 2, tieId: 'not-hex'}), /cscStage: tieId must be 16 hex digits, got 'not-hex'/);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('untied: its own filters, conv2dTranspose of unit atoms; save → load, gradient, no leak', async () => {
    const model = tf.sequential({layers: [cscDecoder({filters: 2, kernelSize: 3, strides: 2,
                                                      inputShape: [4, 4, 5]})]});
    const decoder = model.layers[0] as CscDecoder;
    const z = tf.randomNormal([3, 4, 4, 5], 0, 1, 'float32', 5);
    const y = model.predict(z) as tf.Tensor;
    assert.deepEqual(y.shape, [3, 8, 8, 2]);
    const w = decoder.dictionary();
    expectClose(tf.sqrt(tf.sum(tf.square(w), [0, 1, 2])), [1, 1, 1, 1, 1], 1e-5);
    expectClose(y, tf.conv2dTranspose(z as tf.Tensor4D, w, [3, 8, 8, 2], 2, 'same'), 1e-5);
    await expectSaveLoadRoundTrip(model, z);
    expectNoLeak(() => model.predict(z) as tf.Tensor);
    const probe = tf.randomNormal([1, 8, 8, 2], 0, 1, 'float32', 6);
    expectGradientMatchesFiniteDifference(
      (c) => tf.sum(tf.mul(decoder.apply(c) as tf.Tensor, probe)) as tf.Scalar,
      tf.randomNormal([1, 4, 4, 5], 0, 1, 'float32', 7), 6, 1e-2);
  });

  it('computeOutputShape matches the output (tied, valid, stride 2)', () => {
    const model = autoencoder({filters: 2, strides: 2, padding: 'valid', kernelSize: 3}, [9, 7, 3]);
    const decoder = model.layers[1] as CscDecoder;
    assert.deepEqual(decoder.computeOutputShape([5, 4, 3, 2]), [5, 9, 7, 3]);
    const x = tf.zeros([5, 9, 7, 3]);
    expectNoLeak(() => model.predict(x) as tf.Tensor);
  });

  describe('arguments', () => {
    const stageLike = () => cscStage({filters: 2});
    const cases: [string, () => object, RegExp][] = [
      ['tiedTo 3', () => ({tiedTo: 3}), /cscDecoder: tiedTo must be a cscStage layer or its name, got 3/],
      ['filters with tiedTo', () => ({tiedTo: stageLike(), filters: 2}),
       /filters must be left unset when tiedTo is given .*got 2/],
      ['filters missing', () => ({}), /filters must be a positive integer, got undefined/],
      ['kernelSize 0', () => ({filters: 1, kernelSize: 0}), /kernelSize must be .*got 0/],
      ['padding full', () => ({filters: 1, padding: 'full'}), /padding must be one of 'same', 'valid', got 'full'/],
      ['normalizeAtoms 0', () => ({filters: 1, normalizeAtoms: 0}), /normalizeAtoms must be true or false, got 0/],
      ['outputSize [8]', () => ({filters: 1, outputSize: [8]}), /outputSize must be .*got \[8\]/],
    ];
    for (const [title, args, pattern] of cases) {
      it(`rejects ${title}`, () => expectThrows(() => cscDecoder(args() as never), pattern));
    }

    it('rejects a tie to an unknown stage name at build', () => {
      expectThrows(() => cscDecoder({tiedTo: 'no_such_stage'}).build([null, 4, 4, 2]),
                   /tiedTo stage 'no_such_stage' not found/);
    });

    it('rejects a code whose channels differ from the stage atoms', () => {
      const stage = cscStage({filters: 2});
      stage.build([null, 4, 4, 1]);
      expectThrows(() => cscDecoder({tiedTo: stage}).build([null, 4, 4, 3]),
                   /input channels must be the tied stage's 2 atoms, got 3/);
    });

    it('rejects a tie to a stage that is not built yet', () => {
      expectThrows(() => cscDecoder({tiedTo: cscStage({filters: 2})}).build([null, 4, 4, 2]),
                   /must be built .* before the decoder/);
    });
  });
});
