import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {mkdtempSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {CscDecoder} from '../../layers/csc_decoder';
import {CscStage} from '../../layers/csc_stage';
import {cscCtrl, CSC_CTRL_PRESETS, resolveCscCtrlArgs} from '../../models/csc_ctrl';
import {expectClose, expectNoLeak, expectThrows} from '../helpers';

describe('cscCtrl', () => {
  const expected = {
    mnist: {input: [32, 32, 1], codes: [[16, 16, 64], [8, 8, 128], [4, 4, 256], [1, 1, 128]]},
    cifar: {input: [32, 32, 3], codes: [[16, 16, 64], [8, 8, 128], [4, 4, 256], [1, 1, 128]]},
    imagenet64: {input: [64, 64, 3], codes: [[32, 32, 64], [16, 16, 128], [8, 8, 256], [4, 4, 512], [1, 1, 256]]},
    imagenet128: {input: [128, 128, 3],
                  codes: [[64, 64, 64], [32, 32, 128], [16, 16, 256], [8, 8, 512], [4, 4, 512], [1, 1, 256]]},
  };
  for (const preset of CSC_CTRL_PRESETS) {
    it(`preset '${preset}': the mini-DCGAN topology of CSC stages (kernel 4), features and images of the right shapes`, () => {
      const want = expected[preset];
      const resolved = resolveCscCtrlArgs({preset});
      assert.deepEqual(resolved.inputShape, want.input);
      assert.deepEqual(resolved.filters, want.codes.map((c) => c[2]));
      assert.equal(resolved.kernelSize, 4);
      assert.equal(resolved.iterations, 2);
      // The preset's geometry with 2 atoms per stage (building the full widths converges power iterations for minutes).
      const filters = resolved.filters.map((_, i) => (i === resolved.filters.length - 1 ? 3 : 2));
      const {encoder, decoder, stages} = cscCtrl({preset, filters});
      assert.deepEqual(encoder.inputs[0].shape, [null, ...want.input]);
      assert.deepEqual(stages.map((s) => (s.outputShape as number[]).slice(1, 3)), want.codes.map((c) => c.slice(0, 2)));
      assert.ok(stages.every((s) => s instanceof CscStage && s.kernelSize.join() === '4,4' && s.iterations === 2));
      assert.deepEqual(encoder.outputs[0].shape, [null, 3]);
      assert.deepEqual(decoder.inputs[0].shape, [null, 3]);
      assert.deepEqual(decoder.outputs[0].shape, [null, ...want.input]);
    });
  }

  it('encodes to the unit sphere and decodes into [−1, 1]', () => {
    const {encoder, decoder} = cscCtrl({filters: [8, 8, 8, 16]});
    const x = tf.randomUniform([3, 32, 32, 1], -1, 1, 'float32', 1);
    const z = encoder.apply(x, {training: true}) as tf.Tensor2D;
    expectClose(tf.norm(z, 2, 1), [1, 1, 1], 1e-5);
    const xHat = decoder.apply(z, {training: true}) as tf.Tensor;
    assert.deepEqual(xHat.shape, [3, 32, 32, 1]);
    assert.ok(tf.max(tf.abs(xHat)).dataSync()[0] <= 1);
    expectNoLeak(() => tf.tidy(() => decoder.apply(encoder.apply(x)) as tf.Tensor));
  });

  it("features 'linear': the last stage is signed with λ = 0 (a linear map), the others stay sparse", () => {
    const {encoder, stages} = cscCtrl({filters: [4, 4, 4, 8], features: 'linear'});
    const last = stages[3];
    assert.deepEqual([last.nonNeg, last.lambda, last.trainableLambda], [false, 0, false]);
    assert.ok(stages.slice(0, 3).every((s) => s.nonNeg && s.lambda === 0.1));
    const x = tf.randomUniform([6, 32, 32, 1], -1, 1, 'float32', 3);
    const z = encoder.apply(x, {training: true}) as tf.Tensor;
    assert.ok(tf.min(z).dataSync()[0] < 0, 'signed features');
    assert.equal(tf.sum(tf.cast(tf.equal(z, 0), 'int32')).dataSync()[0], 0, 'dense features');
  });

  it('tied: each decoder layer synthesises with its stage\'s dictionary and owns no filters', () => {
    const {decoder, stages} = cscCtrl({filters: [4, 8, 8, 8], tied: true, decoderBatchNorm: false});
    const synthesis = decoder.layers.filter((l): l is CscDecoder => l instanceof CscDecoder);
    assert.equal(synthesis.length, 4);
    synthesis.forEach((layer, k) => {
      const stage = stages[stages.length - 1 - k];
      assert.equal(layer.tiedStage(), stage);
      expectClose(layer.dictionary(), stage.dictionary(), 0);
    });
    assert.equal(decoder.trainableWeights.length, 0);
  });

  it('untied: the decoder has its own seeded filters, so equal seeds give equal models', () => {
    const a = cscCtrl({filters: [4, 4, 4, 8], seed: 3});
    const b = cscCtrl({filters: [4, 4, 4, 8], seed: 3});
    const c = cscCtrl({filters: [4, 4, 4, 8], seed: 4});
    const weights = (m: ReturnType<typeof cscCtrl>) => [...m.encoder.getWeights(), ...m.decoder.getWeights()];
    weights(a).forEach((w, i) => expectClose(weights(b)[i], w, 0));
    assert.ok(tf.max(tf.abs(tf.sub(a.stages[0].dictionary(), c.stages[0].dictionary()))).dataSync()[0] > 0);
    assert.ok(a.decoder.trainableWeights.some((w) => w.name.includes('synthesis')));
  });

  it('saves and loads encoder and tied decoder as separate models', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sparseland-ctrl-'));
    try {
      const {encoder, decoder} = cscCtrl({filters: [4, 4, 4, 8], tied: true});
      const x = tf.randomUniform([2, 32, 32, 1], -1, 1, 'float32', 2);
      const before = decoder.predict(encoder.predict(x)) as tf.Tensor;
      await encoder.save(`file://${dir}/encoder`);
      await decoder.save(`file://${dir}/decoder`);
      const e2 = await tf.loadLayersModel(`file://${dir}/encoder/model.json`);
      const d2 = await tf.loadLayersModel(`file://${dir}/decoder/model.json`);
      expectClose(d2.predict(e2.predict(x)) as tf.Tensor, before, 1e-5);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('rejects bad arguments, naming them', () => {
    expectThrows(() => cscCtrl({preset: 'svhn' as never}), /cscCtrl: preset must be one of 'mnist'.*got 'svhn'/);
    expectThrows(() => cscCtrl({inputShape: [32, 32] as never}), /cscCtrl: inputShape must be \[H, W, C\]/);
    expectThrows(() => cscCtrl({filters: []}), /cscCtrl: filters must be a non-empty array/);
    expectThrows(() => cscCtrl({filters: [8, 8]}), /cscCtrl: strides must be 2 positive integers .*got undefined/);
    expectThrows(() => cscCtrl({strides: [2, 2, 2]}), /cscCtrl: strides must be 4 positive integers/);
    expectThrows(() => cscCtrl({paddings: ['same', 'same', 'same', 'full' as never]}), /cscCtrl: paddings must be 4 of/);
    expectThrows(() => cscCtrl({kernelSize: 0}), /cscCtrl: kernelSize must be a positive integer, got 0/);
    expectThrows(() => cscCtrl({iterations: -1}), /cscCtrl: iterations must be a non-negative integer, got -1/);
    expectThrows(() => cscCtrl({lambda: -0.1}), /cscCtrl: lambda must be a finite number ≥ 0, got -0.1/);
    expectThrows(() => cscCtrl({tied: 1 as never}), /cscCtrl: tied must be true or false, got 1/);
    expectThrows(() => cscCtrl({encoderBatchNorm: 'no' as never}), /cscCtrl: encoderBatchNorm must be true or false, got 'no'/);
    expectThrows(() => cscCtrl({decoderBatchNorm: 0 as never}), /cscCtrl: decoderBatchNorm must be true or false, got 0/);
    expectThrows(() => cscCtrl({seed: 0.5}), /cscCtrl: seed must be a non-negative integer, got 0.5/);
    expectThrows(() => cscCtrl({features: 'dense' as never}), /cscCtrl: features must be one of 'sparse', 'linear', got 'dense'/);
  });
});
