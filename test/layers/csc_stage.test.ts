import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {CscStage, cscStage} from '../../layers/csc_stage';
import {ConvDictionary, ista} from '../../src/ops';
import {expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectSaveLoadRoundTrip,
        expectThrows, expectVariableGradientMatchesFiniteDifference} from '../helpers';

/** Identity 1×1 dictionary on `c` channels: `A = I`, so `L = 1`. */
function identityFilters(c: number): tf.Tensor4D {
  return tf.eye(c).reshape([1, 1, c, c]) as tf.Tensor4D;
}

function built(args: ConstructorParameters<typeof CscStage>[0], inputShape: number[]): CscStage {
  const layer = cscStage(args);
  layer.build([null, ...inputShape]);
  return layer;
}

describe('cscStage', () => {
  describe('mathematics', () => {
    it('one step with an orthogonal (identity) dictionary and η = 1/L is ReLU(x − λ)', () => {
      const layer = built({dictionary: identityFilters(3), iterations: 0, stepScale: 1, lambda: 0.3},
                          [5, 5, 3]);
      const x = tf.randomNormal([2, 5, 5, 3], 0, 1, 'float32', 1);
      expectClose(layer.apply(x) as tf.Tensor, tf.relu(tf.sub(x, 0.3)), 1e-5);
    });

    it('one step with the identity dictionary, two-sided: the soft threshold', () => {
      const layer = built({dictionary: identityFilters(2), iterations: 0, stepScale: 1, lambda: 0.5,
                           nonNeg: false}, [4, 4, 2]);
      const x = tf.randomNormal([1, 4, 4, 2], 0, 1, 'float32', 2);
      expectClose(layer.apply(x) as tf.Tensor,
                  tf.mul(tf.sign(x), tf.relu(tf.sub(tf.abs(x), 0.5))), 1e-5);
    });

    for (const [algorithm, iterations, strides, padding, nonNeg] of [
      ['ista', 2, 1, 'same', true], ['ista', 4, 2, 'same', false], ['fista', 3, 1, 'valid', true],
      ['fista', 5, 2, 'valid', false],
    ] as const) {
      it(`equals ${iterations + 1} reference ${algorithm} steps, strides=${strides} padding=${padding} ` +
         `nonNeg=${nonNeg}`, () => {
        const layer = built({filters: 6, kernelSize: 3, iterations, algorithm, strides, padding, nonNeg,
                             lambda: 0.05}, [10, 10, 2]);
        const x = tf.randomNormal([2, 10, 10, 2], 0, 1, 'float32', 3);
        const eta = layer.stepSize(0).dataSync()[0];
        const expected = ista(layer.operator(0, [10, 10]), x,
                              {lambda: 0.05, lipschitz: 1 / eta, iterations: iterations + 1, nonNeg,
                               fista: algorithm === 'fista'});
        expectClose(layer.apply(x) as tf.Tensor, expected, 1e-4);
      });
    }

    it('the step is 0.9/‖A‖² with ‖A‖² from power iteration', () => {
      const layer = built({filters: 4, kernelSize: 3}, [12, 12, 1]);
      const op = layer.operator(0, [12, 12]);
      // ‖A‖² ≥ ‖A u‖² for every unit u, with equality at the top singular vector.
      const probe = tf.randomNormal([1, 12, 12, 4], 0, 1, 'float32', 4);
      const unit = tf.div(probe, tf.norm(probe));
      const lower = tf.sum(tf.square(op.synthesis(unit))).dataSync()[0];
      const L = 0.9 / layer.stepSize(0).dataSync()[0];
      assert.ok(L >= lower, `L ${L} below a Rayleigh quotient ${lower}`);
      const u = tf.randomNormal([1, 12, 12, 4], 0, 1, 'float32', 5);
      let w = u;
      for (let i = 0; i < 500; i++) {
        const next = op.adjoint(op.synthesis(w));
        w = tf.div(next, tf.norm(next));
      }
      // Within 1 % of the converged value after build's warm-up (η < 2/L needs far less).
      expectClose(L, tf.sum(tf.square(op.synthesis(w))).dataSync()[0], 1e-2 * L);
    });

    it('a training pass advances the stored vector by k power steps and takes L from k more: 2k + 1 batch-1 syntheses, 2k adjoints', () => {
      const layer = built({filters: 4, kernelSize: 3, iterations: 3, powerIterations: 2}, [12, 12, 1]);
      const op = layer.operator(0, [12, 12]);
      const steps = (u: tf.Tensor, k: number) => {
        for (let i = 0; i < k; i++) {
          const next = op.adjoint(op.synthesis(u));
          u = tf.div(next, tf.norm(next));
        }
        return u;
      };
      const stored = layer.getWeights().find((w) => w.shape.length === 4 && w.shape[0] === 1)!;
      const start = tf.div(stored, tf.norm(stored));
      const calls = {synthesis: 0, adjoint: 0};
      const synthesis = ConvDictionary.prototype.synthesis;
      const adjoint = ConvDictionary.prototype.adjoint;
      ConvDictionary.prototype.synthesis = function (z: tf.Tensor4D) {
        if (z.shape[0] === 1) calls.synthesis++;
        return synthesis.call(this, z);
      };
      ConvDictionary.prototype.adjoint = function (x: tf.Tensor4D) {
        if (x.shape[0] === 1) calls.adjoint++;
        return adjoint.call(this, x);
      };
      try {
        tf.tidy(() => layer.apply(tf.randomNormal([3, 12, 12, 1], 0, 1, 'float32', 2), {training: true}) as tf.Tensor);
      } finally {
        ConvDictionary.prototype.synthesis = synthesis;
        ConvDictionary.prototype.adjoint = adjoint;
      }
      assert.deepEqual(calls, {synthesis: 5, adjoint: 4}, 'per training pass (k = 2)');
      const advanced = layer.getWeights().find((w) => w.shape.length === 4 && w.shape[0] === 1)!;
      expectClose(advanced, steps(start, 2), 1e-5);
      const u = steps(advanced, 2);
      expectClose(0.9 / layer.stepSize(0).dataSync()[0], tf.sum(tf.square(op.synthesis(u))).dataSync()[0], 1e-5, 1e-5);
    });

    it('with many FISTA iterations the non-negative LASSO optimality conditions hold', () => {
      const lambda = 0.2;
      const layer = built({filters: 4, kernelSize: 3, iterations: 400, algorithm: 'fista', lambda},
                          [8, 8, 1]);
      const x = tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 6);
      const z = layer.apply(x) as tf.Tensor;
      const corr = layer.operator(0, [8, 8]).adjoint(tf.sub(x, layer.operator(0, [8, 8]).synthesis(z)))
        .dataSync();
      const zv = z.dataSync();
      assert.ok(zv.some((e) => e > 1e-3), 'code is all zero');
      for (let i = 0; i < zv.length; i++) {
        // KKT for z ≥ 0: Aᵀ(x − Az) ≤ λ everywhere, = λ where z > 0.
        if (zv[i] > 1e-4) expectClose(corr[i], lambda, 5e-3);
        else assert.ok(corr[i] <= lambda + 5e-3, `Aᵀr = ${corr[i]} > λ at a zero`);
      }
    });

    it('recovers a planted sparse non-negative code', () => {
      // Unit-norm random atoms; spikes far apart so the atoms do not overlap.
      const filters = tf.randomNormal([5, 5, 1, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
      const layer = built({dictionary: filters, iterations: 1500, algorithm: 'fista', lambda: 1e-3},
                          [24, 24, 1]);
      const planted = tf.buffer([1, 24, 24, 3]);
      const spikes = [[4, 4, 0, 1.5], [4, 16, 1, 0.8], [15, 7, 2, 1.2], [17, 18, 0, 1.0]];
      for (const [i, j, c, a] of spikes) planted.set(a, 0, i, j, c);
      const z0 = planted.toTensor();
      const x = layer.operator(0, [24, 24]).synthesis(z0);
      const z = layer.apply(x) as tf.Tensor;
      const err = tf.norm(tf.sub(z, z0)).dataSync()[0] / tf.norm(z0).dataSync()[0];
      assert.ok(err < 0.05, `relative code error ${err}`);
    });

    it('per-channel λ thresholds each channel with its own value', () => {
      const layer = built({dictionary: identityFilters(3), iterations: 0, stepScale: 1,
                           lambdaShape: 'perChannel'}, [2, 2, 3]);
      const lam = layer.getWeights().find((w) => w.shape.length === 1)!;
      assert.deepEqual(lam.shape, [3]);
      layer.setWeights(layer.getWeights().map((w) => (w === lam ? tf.tensor1d([0, 0.5, 2]) : w)));
      const x = tf.fill([1, 2, 2, 3], 1);
      expectClose(layer.apply(x) as tf.Tensor, tf.tile(tf.tensor1d([1, 0.5, 0]).reshape([1, 1, 1, 3]),
                                                       [1, 2, 2, 1]), 1e-5);
    });

    it('elastic net: with the identity dictionary z = ReLU((x − λ)/(1 + μ))', () => {
      const layer = built({dictionary: identityFilters(1), iterations: 0, stepScale: 1, lambda: 0.2,
                           mu: 1}, [3, 3, 1]);
      const x = tf.randomNormal([1, 3, 3, 1], 0, 1, 'float32', 8);
      expectClose(layer.apply(x) as tf.Tensor, tf.relu(tf.div(tf.sub(x, 0.2), 2)), 1e-5);
    });

    it('untied weights start equal (from a dictionary) and give the tied result', () => {
      const filters = tf.randomNormal([3, 3, 1, 4], 0, 1, 'float32', 9) as tf.Tensor4D;
      const tied = built({dictionary: filters, iterations: 3}, [8, 8, 1]);
      const untied = built({dictionary: filters, iterations: 3, tied: false}, [8, 8, 1]);
      assert.equal(untied.trainableWeights.length, 4 + 1);
      const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 10);
      expectClose(untied.apply(x) as tf.Tensor, tied.apply(x) as tf.Tensor, 1e-4);
    });

    it('the reconstruction side loss is weight × mean ‖x − A z‖² after a training pass', () => {
      const layer = built({filters: 4, reconstructionWeight: 0.5}, [6, 6, 1]);
      const x = tf.randomNormal([3, 6, 6, 1], 0, 1, 'float32', 11);
      const z = layer.apply(x, {training: true}) as tf.Tensor;
      const [loss] = layer.calculateLosses();
      expectClose(loss, tf.mul(0.5, layer.reconstructionError(x as tf.Tensor4D, z)), 1e-5);
    });
  });

  describe('gradient checkpointing', () => {
    for (const [algorithm, tied, step] of [['ista', true, 'powerIteration'], ['fista', false, 'learned']] as const) {
      it(`gives the same gradients as the recorded pass (${algorithm}, tied=${tied}, step=${step})`, () => {
        const filters = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 21) as tf.Tensor4D;
        const args = {dictionary: filters, iterations: 3, algorithm, tied, step, lambda: 0.05};
        const plain = built(args, [8, 8, 2]);
        const checkpointed = built({...args, checkpoint: true}, [8, 8, 2]);
        const x = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 22);
        const probe = tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 23);
        const grads = (layer: CscStage) => {
          const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
          const {value, grads: g} = tf.variableGrads(
            () => tf.sum(tf.mul(layer.apply(x, {training: true}) as tf.Tensor, probe)) as tf.Scalar, vars);
          return [value, ...vars.map((v) => g[v.name])];
        };
        const [v0, ...g0] = grads(plain);
        const [v1, ...g1] = grads(checkpointed);
        expectClose(v1, v0, 1e-4, 1e-5);
        assert.equal(g1.length, g0.length);
        g0.forEach((g, i) => expectClose(g1[i], g, 1e-4, 1e-4));
      });
    }

    it('lowers the peak memory of a two-stage training step', async () => {
      const peak = async (checkpoint: boolean) => {
        const s1 = cscStage({filters: 16, iterations: 3, checkpoint, inputShape: [16, 16, 3]});
        const s2 = cscStage({filters: 32, iterations: 3, strides: 2, checkpoint});
        const model = tf.sequential({layers: [s1, s2, tf.layers.flatten(), tf.layers.dense({units: 1})]});
        model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
        const x = tf.randomNormal([8, 16, 16, 3], 0, 1, 'float32', 24);
        const y = tf.zeros([8, 1]);
        await model.trainOnBatch(x, y);
        const before = tf.memory().numBytes;
        const info = await tf.profile(async () => { await model.trainOnBatch(x, y); });
        tf.dispose([x, y]);
        model.dispose();
        return info.peakBytes - before;
      };
      const [without, withCheckpoints] = [await peak(false), await peak(true)];
      assert.ok(withCheckpoints < 0.7 * without, `peak ${withCheckpoints} B with, ${without} B without`);
    });

    it('is saved in the config and rejected unless boolean', () => {
      assert.equal(cscStage({filters: 2, checkpoint: true}).getConfig().checkpoint, true);
      expectThrows(() => cscStage({filters: 2, checkpoint: 'yes' as never}), /checkpoint must be true or false, got 'yes'/);
    });
  });

  describe('as a tfjs layer', () => {
    it('computeOutputShape matches the output, strides 2 valid kernel 4', () => {
      const layer = built({filters: 5, kernelSize: 4, strides: 2, padding: 'valid'}, [11, 9, 2]);
      const y = layer.apply(tf.zeros([3, 11, 9, 2])) as tf.Tensor;
      assert.deepEqual(layer.computeOutputShape([3, 11, 9, 2]), y.shape);
      assert.deepEqual(y.shape, [3, 4, 3, 5]);
    });

    it('works in tf.sequential and tf.model and trains (loss decreases)', async () => {
      const input = tf.input({shape: [8, 8, 1]});
      const code = cscStage({filters: 4, iterations: 2}).apply(input) as tf.SymbolicTensor;
      const out = tf.layers.dense({units: 1}).apply(tf.layers.flatten().apply(code)) as tf.SymbolicTensor;
      const functional = tf.model({inputs: input, outputs: out});
      const sequential = tf.sequential({layers: [cscStage({filters: 4, inputShape: [8, 8, 1]}),
                                                 tf.layers.flatten(), tf.layers.dense({units: 1})]});
      const x = tf.randomNormal([16, 8, 8, 1], 0, 1, 'float32', 12);
      const y = tf.sum(tf.relu(x), [1, 2, 3]).reshape([16, 1]).div(20);
      for (const model of [functional, sequential]) {
        model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
        const h = await model.fit(x, y, {epochs: 15, batchSize: 16, verbose: 0});
        const loss = h.history.loss as number[];
        assert.ok(loss[loss.length - 1] < loss[0], `loss ${loss[0]} → ${loss[loss.length - 1]}`);
      }
    });

    it('save → load round trip (untied, FISTA, per-channel λ, learned step)', async () => {
      const model = tf.sequential({layers: [cscStage({filters: 3, iterations: 2, tied: false, algorithm: 'fista',
                                                      lambdaShape: 'perChannel', step: 'learned',
                                                      inputShape: [6, 6, 2]})]});
      const loaded = await expectSaveLoadRoundTrip(model, tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 13));
      assert.ok(loaded.layers[0] instanceof CscStage);
      // As saved in model.json: an unset initializer seed is written as null.
      const saved = (config: object) => JSON.parse(JSON.stringify(config, (_, v) => (v === undefined ? null : v)));
      assert.deepEqual(saved(loaded.layers[0].getConfig()), saved(model.layers[0].getConfig()));
    });

    it('loading runs no power iteration (the saved vector is loaded); rebuilt without weights, it converges as a new stage', async () => {
      const model = tf.sequential({layers: [cscStage({filters: 4, iterations: 2, inputShape: [8, 8, 1]})]});
      const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 21);
      const saved = await new Promise<tf.io.ModelArtifacts>((resolve) => {
        void model.save(tf.io.withSaveHandler(async (a) => {
          resolve(a);
          return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
        }));
      });
      let loaded: tf.LayersModel | undefined;
      const profile = await tf.profile(async () => {
        loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
      });
      assert.deepEqual(profile.kernels.filter((k) => k.name.startsWith('Conv2D')).map((k) => k.name), []);
      expectClose(loaded!.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 1e-6);
      // The architecture alone, with the saved kernel written and the power vector not: the
      // first pass converges the vector, and the step is the original's.
      const rebuilt = await tf.models.modelFromJSON(saved.modelTopology as tf.serialization.ConfigDict);
      const stage = rebuilt.layers[0] as CscStage;
      stage.weights.find((w) => w.name.includes('kernel'))!.write((model.layers[0] as CscStage).weights
        .find((w) => w.name.includes('kernel'))!.read());
      expectClose(stage.stepSize(0), (model.layers[0] as CscStage).stepSize(0), 1e-5);
    });

    it('leaves no tensor behind (inference and training passes)', () => {
      const layer = built({filters: 3, iterations: 2, reconstructionWeight: 1}, [6, 6, 1]);
      const x = tf.randomNormal([2, 6, 6, 1]);
      expectNoLeak(() => layer.apply(x) as tf.Tensor);
      expectNoLeak(() => layer.apply(x, {training: true}) as tf.Tensor);
    });

    it('gradients in the input match finite differences', () => {
      const layer = built({dictionary: tf.randomNormal([3, 3, 1, 3], 0, 1, 'float32', 18) as tf.Tensor4D,
                           iterations: 2, lambda: 0.05, nonNeg: false}, [5, 5, 1]);
      const w = tf.randomNormal([1, 5, 5, 3], 0, 1, 'float32', 14);
      expectGradientMatchesFiniteDifference(
        (x) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)) as tf.Scalar,
        tf.randomNormal([1, 5, 5, 1], 0, 1, 'float32', 15), 6, 1e-3);
    });

    it('gradients in the dictionary, λ and a learned step match finite differences', () => {
      const layer = built({dictionary: tf.randomNormal([3, 3, 1, 3], 0, 1, 'float32', 19) as tf.Tensor4D,
                           iterations: 2, lambda: 0.05, nonNeg: false, step: 'learned'}, [5, 5, 1]);
      const x = tf.randomNormal([2, 5, 5, 1], 0, 1, 'float32', 16);
      const w = tf.randomNormal([2, 5, 5, 3], 0, 1, 'float32', 17);
      for (const weight of layer.trainableWeights) {
        expectVariableGradientMatchesFiniteDifference(
          () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)) as tf.Scalar, weight.read() as tf.Variable,
          4, 1e-3);
      }
    });
  });

  describe('arguments', () => {
    const cases: [string, object, RegExp][] = [
      ['filters 0', {filters: 0}, /cscStage: filters must be a positive integer, got 0/],
      ['filters missing', {}, /filters must be a positive integer, got undefined/],
      ['kernelSize 2.5', {filters: 2, kernelSize: 2.5}, /kernelSize must be .*got 2.5/],
      ['strides [1]', {filters: 2, strides: [1]}, /strides must be .*got \[1\]/],
      ['padding causal', {filters: 2, padding: 'causal'}, /padding must be one of 'same', 'valid', got 'causal'/],
      ['iterations -1', {filters: 2, iterations: -1}, /iterations must be a non-negative integer, got -1/],
      ['algorithm ISTA', {filters: 2, algorithm: 'ISTA'}, /algorithm must be one of 'ista', 'fista', got 'ISTA'/],
      ['lambda -0.1', {filters: 2, lambda: -0.1}, /lambda must be a finite number ≥ 0, got -0.1/],
      ['mu NaN', {filters: 2, mu: NaN}, /mu must be a finite number ≥ 0, got NaN/],
      ['nonNeg 1', {filters: 2, nonNeg: 1}, /nonNeg must be true or false, got 1/],
      ['normalizeAtoms "yes"', {filters: 2, normalizeAtoms: 'yes'}, /normalizeAtoms must be true or false, got 'yes'/],
      ['step fixed', {filters: 2, step: 'fixed'}, /step must be one of 'powerIteration', 'learned', got 'fixed'/],
      ['stepScale 2', {filters: 2, stepScale: 2}, /stepScale must be below 2 .*got 2/],
      ['stepScale 0', {filters: 2, stepScale: 0}, /stepScale must be a finite number > 0, got 0/],
      ['powerIterations 0', {filters: 2, powerIterations: 0}, /powerIterations must be a positive integer, got 0/],
      ['lambdaShape perAtom', {filters: 2, lambdaShape: 'perAtom'}, /lambdaShape must be one of 'scalar', 'perChannel', got 'perAtom'/],
      ['trainableLambda "yes"', {filters: 2, trainableLambda: 'yes'}, /trainableLambda must be true or false, got 'yes'/],
      ['tied "no"', {filters: 2, tied: 'no'}, /tied must be true or false, got 'no'/],
      ['reconstructionWeight -1', {filters: 2, reconstructionWeight: -1}, /reconstructionWeight must be a finite number ≥ 0, got -1/],
      ['kernelInitializer foo', {filters: 2, kernelInitializer: 'foo'}, /kernelInitializer must be a tf.initializers name, instance or {className, config}, got 'foo'/],
      ['dictionary rank 2', {dictionary: [[1]]}, /dictionary must be a rank-4 tensor/],
    ];
    for (const [title, args, pattern] of cases) {
      it(`rejects ${title}`, () => expectThrows(() => cscStage(args as never), pattern));
    }

    it('rejects filters that disagree with the dictionary', () => {
      expectThrows(() => cscStage({dictionary: tf.zeros([3, 3, 1, 4]) as tf.Tensor4D, filters: 5}),
                   /filters must be the dictionary's 4 atoms, got 5/);
    });

    it('rejects a dictionary whose channels disagree with the input', () => {
      const layer = cscStage({dictionary: tf.zeros([3, 3, 2, 4]) as tf.Tensor4D});
      expectThrows(() => layer.build([null, 8, 8, 3]), /dictionary must be 3 input channels .*got \[3, 3, 2, 4\]/);
    });

    it('rejects an input that is not NHWC', () => {
      expectThrows(() => cscStage({filters: 2}).build([null, 8, 8]), /input shape must be \[batch, H, W, channels\] with known channels, got \['null', '8', '8'\]/);
    });
  });

  it('its operator is a ConvDictionary with the stage strides and padding', () => {
    const layer = built({filters: 2, strides: 2, padding: 'valid', kernelSize: 3}, [7, 7, 1]);
    const op = layer.operator(0, [7, 7]);
    assert.ok(op instanceof ConvDictionary);
    assert.deepEqual(op.strides, [2, 2]);
    assert.equal(op.padding, 'valid');
  });
});
