import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {Iht, iht} from '../../layers/iht';
import {expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectSaveLoadRoundTrip,
        expectThrows} from '../helpers';

/** Largest number of non-zeros in any `[ph, pw]` block (partial at the border) of any channel. */
function maxNonZerosPerBlock(z: tf.Tensor, [ph, pw]: [number, number]): number {
  const [n, h, w, c] = z.shape;
  const values = z.dataSync();
  const counts = new Map<string, number>();
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let k = 0; k < c; k++) {
          if (values[((b * h + i) * w + j) * c + k] === 0) continue;
          const key = `${b},${Math.floor(i / ph)},${Math.floor(j / pw)},${k}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
    }
  }
  return Math.max(0, ...counts.values());
}

/** Per-sample ℓ2 norms of a batch. */
function norms(t: tf.Tensor): Float32Array {
  return tf.tidy(() => tf.norm(tf.reshape(t, [t.shape[0], -1]), 2, 1).dataSync() as Float32Array);
}

describe('iht', () => {
  for (const [paired, iterations, size, pool] of [
    [false, 1, 8, [2, 2]], [false, 3, 9, [2, 3]], [true, 1, 8, [2, 2]], [true, 2, 7, [3, 2]],
  ] as [boolean, number, number, [number, number]][]) {
    it(`at most one non-zero per pooling block per channel (paired ${paired}, ${iterations} iterations, ` +
       `${size}×${size}×2 code, pool ${pool})`, () => {
      const layer = iht({filters: 4, kernelSize: 3, padding: 'same', poolSize: pool, iterations,
                         pairedFilters: paired});
      const z = layer.apply(tf.randomNormal([2, size, size, 2], 0, 1, 'float32', 1)) as tf.Tensor;
      assert.deepEqual(z.shape, [2, size, size, 4]);
      assert.equal(maxNonZerosPerBlock(z, pool), 1);
      assert.ok(tf.sum(tf.notEqual(z, 0)).dataSync()[0] > 0, 'the code is not all zero');
    });
  }

  it('sparsity k = 5 keeps at most 5 non-zeros per sample, the largest block winners (8×8×1, 3 filters)', () => {
    const x = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 2);
    const all = iht({filters: 3, kernelSize: 3, kernelInitializer: tf.initializers.randomNormal({seed: 3})});
    const kept = iht({filters: 3, kernelSize: 3, sparsity: 5, kernelInitializer: tf.initializers.randomNormal({seed: 3})});
    const zAll = all.apply(x) as tf.Tensor;
    const zKept = kept.apply(x) as tf.Tensor;
    const flatAll = tf.reshape(tf.abs(zAll), [3, -1]);
    const fifth = tf.slice(tf.topk(flatAll, 5).values, [0, 4], [3, 1]);
    const expected = tf.mul(zAll, tf.reshape(tf.cast(tf.greaterEqual(flatAll, fifth), 'float32'), zAll.shape));
    expectClose(zKept, expected, 1e-6);
    assert.deepEqual(Array.from(tf.sum(tf.reshape(tf.notEqual(zKept, 0), [3, -1]), 1).dataSync()), [5, 5, 5]);
  });

  it('paired filters, 1 iteration, then max pooling = conv2d → ReLU → maxPool with [w, −w] (10×10×2, pool 2)', () => {
    const layer = iht({filters: 6, kernelSize: 3, poolSize: 2, pairedFilters: true});
    const x = tf.randomNormal([2, 10, 10, 2], 0, 1, 'float32', 4);
    const z = layer.apply(x) as tf.Tensor4D;
    const w = layer.getWeights()[0] as tf.Tensor4D;
    assert.deepEqual(w.shape, [3, 3, 2, 3]);
    const cnn = tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, tf.concat([w, tf.neg(w)], 3), 1, 'valid')), 2, 2, 'valid');
    expectClose(tf.maxPool(z, 2, 2, 'valid'), cnn, 1e-5);
  });

  it('paired filters with 1×1 pooling invert the ReLU: z_w − z_{−w} = conv2d(x, w) (8×8×3)', () => {
    const layer = iht({filters: 8, kernelSize: 3, poolSize: 1, pairedFilters: true, padding: 'same'});
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 5);
    const z = layer.apply(x) as tf.Tensor;
    const [plus, minus] = tf.split(z, 2, 3);
    expectClose(tf.sub(plus, minus), tf.conv2d(x as tf.Tensor4D, layer.getWeights()[0] as tf.Tensor4D, 1, 'same'), 1e-5);
  });

  // docs/math.md §6, 1-D: filters 5×1 over 32 input channels, 96 filters, Gaussian with variance 1/fan
  // (fan = 5·32), signals of length 32, codes with k = 10 non-zeros U[−1, 1] in distinct pooling
  // blocks of 2. Measured on these 40 codes (wasm): ‖Φz‖/‖z‖ from 0.83 to 1.07; relative error of
  // x̂ = Wᵀ M(Wx, k) median 0.33, max 0.51 (0.1–0.2 is reached after 2 iterations: median 0.13);
  // after 3 IHT iterations median 0.05, max 0.22. With a single input channel (fan 5) the atoms
  // are too coherent for this: errors exceed 1.
  it('1-D model-RIP check: ‖Φz‖/‖z‖ ≈ 1 and x̂ = Wᵀ M(Wx, k) reconstructs (32×32 → 96 channels, k = 10)', () => {
    const batch = 40;
    const [length, cIn, cOut, k, pool] = [32, 32, 96, 10, 2];
    const z = tf.buffer([batch, length, 1, cOut]);
    let seed = 11;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let b = 0; b < batch; b++) {
      const blocks = new Set<number>();
      while (blocks.size < k) blocks.add(Math.floor(random() * (length / pool) * cOut));
      for (const block of blocks) {
        z.set(2 * random() - 1, b, Math.floor(block / cOut) * pool + Math.floor(random() * pool), 0, block % cOut);
      }
    }
    const code = z.toTensor();
    const kernel = tf.mul(tf.randomNormal([5, 1, cIn, cOut], 0, 1, 'float32', 12), 1 / Math.sqrt(5 * cIn));
    const make = (iterations: number) => {
      const layer = iht({filters: cOut, kernelSize: [5, 1], padding: 'same', poolSize: [pool, 1], sparsity: k,
                         iterations});
      layer.build([null, length, 1, cIn]);
      layer.setWeights([kernel]);
      return layer;
    };
    const x = make(1).synthesize(code, [length, 1]);
    const ratios = Array.from(norms(x), (n, i) => n / norms(code)[i]);
    assert.ok(ratios.every((r) => r > 0.75 && r < 1.25), `‖Φz‖/‖z‖ in [${Math.min(...ratios)}, ${Math.max(...ratios)}]`);
    const errors = (iterations: number) => {
      const residual = norms(tf.sub(make(iterations).reconstruct(x), x));
      return Array.from(norms(x), (n, i) => residual[i] / n).sort((a, b) => a - b);
    };
    const one = errors(1);
    assert.ok(one[batch / 2] < 0.45 && one[batch - 1] < 0.8, `1 iteration: median ${one[batch / 2]}, max ${one[batch - 1]}`);
    const three = errors(3);
    assert.ok(three[batch / 2] < 0.1 && three[batch - 1] < 0.4, `3 iterations: median ${three[batch / 2]}, max ${three[batch - 1]}`);
  });

  it('computeOutputShape matches the output (valid, stride 2, 9×11×2; same, stride 3, 10×7×1)', () => {
    for (const [padding, strides, shape] of [['valid', 2, [1, 9, 11, 2]], ['same', 3, [1, 10, 7, 1]]] as const) {
      const layer = iht({filters: 4, kernelSize: 3, strides, padding});
      const z = layer.apply(tf.randomNormal([...shape])) as tf.Tensor;
      assert.deepEqual(z.shape, layer.computeOutputShape([...shape]));
      assert.deepEqual(layer.reconstruct(tf.randomNormal([...shape])).shape, shape);
    }
  });

  it('works in tf.sequential and in a functional tf.model (8×8×1, 4 filters, pool 2)', () => {
    const seq = tf.sequential({layers: [iht({filters: 4, kernelSize: 3, inputShape: [8, 8, 1]}),
                                        tf.layers.maxPooling2d({poolSize: 2}), tf.layers.flatten()]});
    const input = tf.input({shape: [8, 8, 1]});
    const output = iht({filters: 4, kernelSize: 3, padding: 'same'}).apply(input) as tf.SymbolicTensor;
    const x = tf.randomNormal([2, 8, 8, 1]);
    assert.deepEqual((seq.predict(x) as tf.Tensor).shape, [2, 3 * 3 * 4]);
    assert.deepEqual(output.shape, [null, 8, 8, 4]);
    assert.deepEqual((tf.model({inputs: input, outputs: output}).predict(x) as tf.Tensor).shape, [2, 8, 8, 4]);
  });

  it('save → load round trip keeps config, weights and output (paired, 2 iterations, sparsity 6)', async () => {
    const model = tf.sequential({layers: [iht({filters: 4, kernelSize: [3, 2], poolSize: [2, 3], sparsity: 6,
                                               iterations: 2, pairedFilters: true, inputShape: [8, 8, 2]})]});
    const loaded = await expectSaveLoadRoundTrip(model, tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 6));
    const config = loaded.layers[0].getConfig();
    assert.equal(config.sparsity, 6);
    assert.equal(config.pairedFilters, true);
    assert.ok(loaded.layers[0] instanceof Iht);
  });

  it('leaves no tensors behind (3 iterations, sparsity 4)', () => {
    const layer = iht({filters: 4, kernelSize: 3, iterations: 3, sparsity: 4});
    const x = tf.randomNormal([2, 8, 8, 1]);
    expectNoLeak(() => layer.apply(x) as tf.Tensor);
    expectNoLeak(() => layer.reconstruct(x));
  });

  // M is piecewise constant in its selection: finite differences hold away from the points where a
  // winner switches (with input seed 7 one switches within ±h in the paired case).
  for (const [sparsity, paired] of [[null, false], [5, false], [5, true]] as const) {
    it(`gradients in the input and the kernel match finite differences, the mask held fixed (6×6×1, 2 iterations, ` +
       `sparsity ${sparsity}, paired ${paired})`, () => {
      const layer = iht({filters: 4, kernelSize: 3, iterations: 2, poolSize: 2, sparsity, pairedFilters: paired,
                         kernelInitializer: tf.initializers.leCunNormal({seed: 10})});
      const x = tf.randomNormal([1, 6, 6, 1], 0, 1, 'float32', 12);
      layer.apply(x);
      const kernel = layer.getWeights()[0];
      expectGradientMatchesFiniteDifference((input) => tf.sum(tf.square(layer.forward(input))), x, 6, 1e-3);
      expectGradientMatchesFiniteDifference((w) => tf.sum(tf.square(layer.forward(x, w))), kernel, 6, 1e-3);
      const {grads} = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar);
      assert.equal(Object.keys(grads).length, 1, 'the kernel gets a gradient');
    });
  }

  describe('rejects bad arguments, naming them', () => {
    const good = {filters: 4, kernelSize: 3};
    const cases: [string, object, RegExp][] = [
      ['filters = 0', {filters: 0}, /iht: filters must be a positive integer, got 0/],
      ['filters = 5 with pairedFilters', {filters: 5, pairedFilters: true}, /iht: filters must be even with pairedFilters, got 5/],
      ['kernelSize = [3, 3, 3]', {kernelSize: [3, 3, 3]}, /iht: kernelSize must be a positive integer or a pair.*got \[3, 3, 3\]/],
      ['strides = 0', {strides: 0}, /iht: strides must be a positive integer or a pair.*got 0/],
      ['padding = full', {padding: 'full'}, /iht: padding must be one of 'valid', 'same', got 'full'/],
      ['poolSize = -2', {poolSize: -2}, /iht: poolSize must be a positive integer or a pair.*got -2/],
      ['sparsity = 0', {sparsity: 0}, /iht: sparsity must be a positive integer, got 0/],
      ['iterations = 0', {iterations: 0}, /iht: iterations must be a positive integer, got 0/],
      ['pairedFilters = yes', {pairedFilters: 'yes'}, /iht: pairedFilters must be true or false, got 'yes'/],
      ['kernelInitializer = {}', {kernelInitializer: {}}, /iht: kernelInitializer must be a tf.initializers name.*got '\{\}'/],
    ];
    for (const [title, bad, message] of cases) {
      it(title, () => expectThrows(() => iht({...good, ...bad} as never), message));
    }
    it('input of rank 3', () => {
      expectThrows(() => iht(good).apply(tf.input({shape: [8, 8]})), /iht: input shape must be \[batch, H, W, channels\]/);
    });
  });
});
