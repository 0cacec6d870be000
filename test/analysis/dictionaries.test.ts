import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import * as layers from '../../layers';
import {dictionaryReport, measuredL0Inf, modelDictionaries, mutualCoherence} from '../../src/analysis';
import {expectClose} from '../helpers';

/** The batches `[x]`, as `dictionaryReport` takes them. */
const once = (x: tf.Tensor) => async function* batches() {
  yield x;
};

describe('analysis.modelDictionaries and dictionaryReport', () => {
  it('a CSC stage, ML-ISTA, IHT and conv2d: each dictionary in layer order, with its stride and codes', () => {
    const input = tf.input({shape: [12, 12, 1]});
    const csc = layers.cscStage({filters: 3, kernelSize: 3, tied: false, iterations: 1, name: 'csc'});
    const ml = layers.mlIsta({filters: [4, 5], kernelSize: [3, 2], strides: [1, 2], padding: 'same', name: 'ml'});
    const iht = layers.iht({filters: 4, kernelSize: 2, strides: 2, name: 'iht'});
    const conv = tf.layers.conv2d({filters: 2, kernelSize: 2, strides: [1, 2], name: 'conv'});
    const output = conv.apply(iht.apply(ml.apply(csc.apply(input)))) as tf.SymbolicTensor;
    const model = tf.model({inputs: input, outputs: output});
    const found = modelDictionaries(model);
    assert.deepEqual(found.map((d) => [d.name, d.className, d.dictionary.shape, d.strides]), [
      ['csc[0]', 'CscStage', [3, 3, 1, 3], [1, 1]],
      ['csc[1]', 'CscStage', [3, 3, 1, 3], [1, 1]],
      ['ml/kernel_1', 'MlIsta', [3, 3, 3, 4], [1, 1]],
      ['ml/kernel_2', 'MlIsta', [2, 2, 4, 5], [2, 2]],
      ['iht', 'Iht', [2, 2, 5, 4], [2, 2]],
      ['conv', 'Conv2D', [2, 2, 4, 2], [1, 2]],
    ]);
    // A multi-layer layer outputs its last code only.
    assert.deepEqual(found.map((d) => d.codes?.name), [csc.output, csc.output, undefined, ml.output, iht.output, conv.output]
      .map((s) => (s as tf.SymbolicTensor | undefined)?.name));
    // The values: the stage's normalised filters of each iteration, the layers' kernels.
    const weight = (name: string) => model.weights.find((w) => w.originalName === name)!.read();
    const normalised = (w: tf.Tensor) => tf.div(w, tf.sqrt(tf.sum(tf.square(w), [0, 1, 2], true)));
    tf.tidy(() => {
      expectClose(found[0].dictionary, normalised(weight('csc/kernel_0')), 1e-6);
      expectClose(found[1].dictionary, normalised(weight('csc/kernel_1')), 1e-6);
      expectClose(found[3].dictionary, weight('ml/kernel_2'));
      expectClose(found[5].dictionary, weight('conv/kernel'));
    });
    tf.dispose(found.map((d) => d.dictionary));
    model.dispose();
  });

  it('dictionaryReport: μ on the stride\'s grid, the bounds, and ‖Γ‖₀,∞ of the codes where the layer outputs them', async () => {
    const input = tf.input({shape: [10, 10, 1]});
    const stage = layers.cscStage({filters: 4, kernelSize: 3, strides: 2, name: 'stage'});
    const ml = layers.layeredThresholding({filters: [3, 2], kernelSize: 2, name: 'lt'});
    const model = tf.model({inputs: input, outputs: ml.apply(stage.apply(input)) as tf.SymbolicTensor});
    const x = tf.randomNormal([3, 10, 10, 1], 0, 1, 'float32', 1);
    const rows = await dictionaryReport(model, once(x));
    assert.deepEqual(rows.map((r) => r.name), ['stage', 'lt/kernel_1', 'lt/kernel_2']);
    const probe = tf.model({inputs: input, outputs: [stage.output as tf.SymbolicTensor, ml.output as tf.SymbolicTensor]});
    const [stageCodes, mlCodes] = probe.predict(x) as tf.Tensor[];
    const filters = tf.tidy(() => stage.dictionary());
    expectClose(rows[0].mu, mutualCoherence(filters, {strides: 2}), 1e-6);
    expectClose(rows[0].uniqueness, 0.5 * (1 + 1 / rows[0].mu), 1e-9);
    expectClose(rows[0].basisPursuit, (1 + 1 / rows[0].mu) / 3, 1e-9);
    assert.equal(rows[0].l0Inf, measuredL0Inf(stageCodes, {kernelSize: 3, strides: 2}));
    assert.equal(rows[1].l0Inf, undefined);
    assert.equal(rows[2].l0Inf, measuredL0Inf(mlCodes, {kernelSize: 2}));
    tf.dispose([x, stageCodes, mlCodes, filters]);
    model.dispose();
  });

  it('dictionaryReport leaves no tensor behind but its model\'s', async () => {
    const model = tf.sequential({layers: [layers.cscStage({filters: 2, kernelSize: 2, inputShape: [6, 6, 1]})]});
    const x = tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 2);
    await dictionaryReport(model, once(x));
    const before = tf.memory().numTensors;
    await dictionaryReport(model, once(x));
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
    model.dispose();
  });
});
