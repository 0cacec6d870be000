import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {lista, Lista, ListaLayerArgs, ListaVariant} from '../../layers/lista';
import {nmseDb, syntheticLasso} from '../../src/data/synthetic';
import {DenseDictionary, ista} from '../../src/ops';
import {alistaWeight, spectralNormSquared} from '../../src/ops/linalg';
import {
  expectClose, expectGradientMatchesFiniteDifference, expectNoLeak, expectSaveLoadRoundTrip,
  expectThrows,
} from '../helpers';

const VARIANTS: ListaVariant[] = ['lista', 'listaCp', 'listaCpss', 'alista'];

/** A weight's name without the layer scope. */
function shortName(w: tf.LayerVariable): string {
  return w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
}

/** The layer's weight called `name` (without the layer scope). */
function weight(layer: tf.layers.Layer, name: string): tf.LayerVariable {
  const w = layer.weights.find((v) => shortName(v) === name);
  assert.ok(w, `no weight '${name}' in [${layer.weights.map(shortName)}]`);
  return w;
}

/** A seeded synthetic problem: its dictionary `A` (M × N) and a batch `x = A z`. */
function problem(m: number, n: number, batch: number, seed: number, p = 0.2) {
  const generator = syntheticLasso({m, n, p, seed});
  const {x, z} = generator.sample(batch);
  return {A: generator.A, x, z, sample: generator.sample};
}

describe('Lista: symbolic shapes and weights', () => {
  const cases: Array<[ListaVariant, boolean, string[], string[]]> = [
    ['lista', false, ['theta', 'We_0', 'We_1', 'We_2', 'S_1', 'S_2'], []],
    ['lista', true, ['theta', 'We', 'S'], []],
    ['listaCp', false, ['theta', 'W_0', 'W_1', 'W_2'], ['A']],
    ['listaCp', true, ['theta', 'W'], ['A']],
    ['listaCpss', false, ['theta', 'W_0', 'W_1', 'W_2'], ['A']],
    ['alista', false, ['theta', 'gamma'], ['A', 'Wtilde']],
  ];
  for (const [variant, tied, trainable, fixed] of cases) {
    it(`${variant}, tied=${tied}, T=3, M=8, N=12: output [null, 12], weights [${trainable}] + fixed [${fixed}]`, () => {
      const layer = lista({variant, tied, iterations: 3, units: 12});
      const out = layer.apply(tf.input({shape: [8]})) as tf.SymbolicTensor;
      assert.deepEqual(out.shape, [null, 12]);
      assert.deepEqual(layer.computeOutputShape([null, 8]), [null, 12]);
      assert.deepEqual(layer.computeOutputShape([[5, 8]]), [5, 12]);
      assert.deepEqual(layer.trainableWeights.map(shortName), trainable);
      assert.deepEqual(layer.nonTrainableWeights.map(shortName), fixed);
      const shapes: Record<string, number[]> = {
        theta: [3], gamma: [3], A: [8, 12], Wtilde: [8, 12], S: [12, 12], S_1: [12, 12], S_2: [12, 12],
      };
      for (const w of layer.weights) {
        assert.deepEqual(w.shape, shapes[shortName(w)] ?? [8, 12], shortName(w));
      }
    });
  }

  it('a dictionary sets the input shape [M] and units N (M=8, N=12)', () => {
    const A = tf.randomNormal([8, 12]) as tf.Tensor2D;
    const layer = lista({dictionary: A});
    assert.deepEqual(layer.batchInputShape, [null, 8]);
    assert.equal(layer.units, 12);
    assert.equal(layer.iterations, 16);
    A.dispose();
  });
});

describe('Lista: values at the ISTA initialisation', () => {
  const lambda = 0.1;
  let A: tf.Tensor2D;
  let x: tf.Tensor2D;
  let L: number;
  before(() => {
    ({A, x} = problem(20, 40, 16, 1));
    L = 1.001 * spectralNormSquared(A);
  });

  for (const variant of ['lista', 'listaCp'] as const) {
    for (const tied of [false, true]) {
      it(`${variant}, tied=${tied}: T=5 layers = 5 ISTA steps (soft threshold λ/L, M=20, N=40, λ=0.1)`, () => {
        const layer = lista({variant, tied, dictionary: A, iterations: 5, lambda, lipschitz: L});
        const expected = ista(new DenseDictionary(A), x, {lambda, lipschitz: L, iterations: 5});
        expectClose(layer.apply(x) as tf.Tensor, expected, 1e-5, 1e-4);
        // Not trivially zero: the iterations move the code.
        assert.ok(tf.sum(tf.abs(expected)).dataSync()[0] > 1);
      });
    }
  }

  it('default L = 1.001·‖A‖₂²: thresholds start at λ/L (M=20, N=40, λ=0.1)', () => {
    const layer = lista({dictionary: A, iterations: 4, lambda});
    layer.apply(x);
    expectClose(weight(layer, 'theta').read(), new Array(4).fill(lambda / L), 0, 1e-6);
  });

  it('without a dictionary, A has unit-norm columns and listaCp starts as ISTA on that A (M=20, N=40, T=4)', () => {
    const layer = lista({variant: 'listaCp', units: 40, iterations: 4, lambda});
    const z = layer.apply(x) as tf.Tensor;
    const drawn = weight(layer, 'A').read() as tf.Tensor2D;
    expectClose(tf.norm(drawn, 'euclidean', 0), new Array(40).fill(1), 1e-5);
    const lDrawn = lambda / weight(layer, 'theta').read().dataSync()[0];
    expectClose(lDrawn, 1.001 * spectralNormSquared(drawn), 0, 1e-5);
    expectClose(z, ista(new DenseDictionary(drawn), x, {lambda, lipschitz: lDrawn, iterations: 4}), 1e-5, 1e-4);
  });

  it('alista: W̃ is the analytic weight of A, diag(W̃ᵀA) = 1, and only 2T scalars are trainable (T=5)', () => {
    const layer = lista({variant: 'alista', dictionary: A, iterations: 5, lambda, lipschitz: L});
    layer.apply(x);
    const wTilde = weight(layer, 'Wtilde').read();
    expectClose(wTilde, alistaWeight(A), 1e-6);
    expectClose(tf.sum(tf.mul(wTilde, A), 0), new Array(40).fill(1), 1e-4);
    expectClose(weight(layer, 'A').read(), A, 0);
    assert.equal(layer.countParams() - 2 * 20 * 40, 10);
    assert.deepEqual(layer.trainableWeights.map((w) => w.shape), [[5], [5]]);
    expectClose(weight(layer, 'gamma').read(), new Array(5).fill(1 / L), 0, 1e-6);
  });
});

describe('Lista: support selection', () => {
  // A = I (M = N = 10), L = 1, λ = θ = 0.5: every step is z ← η^ss_θ(x).
  const x = [[3, 2.5, 0.8, 0.1, -0.05, 0.6, -0.7, 0.2, 0, 1.0],
             [0.45, 2, 0.1, 0.3, 0, 0, 0, 0, -0.2, 0]];
  const soft = (v: number) => Math.sign(v) * Math.max(Math.abs(v) - 0.5, 0);
  /** η^ss by hand: the `count` largest magnitudes of the row pass when above θ = 0.5. */
  const byHand = (count: number) => x.map((row) => {
    const kth = [...row].map(Math.abs).sort((a, b) => b - a)[count - 1];
    return row.map((v) => (Math.abs(v) >= kth && Math.abs(v) > 0.5 ? v : soft(v)));
  });
  const args = (variant: ListaVariant, iterations: number): ListaLayerArgs => ({
    variant, iterations, dictionary: tf.eye(10) as tf.Tensor2D, lambda: 0.5, lipschitz: 1,
    supportSelection: {p: 20, pMax: 30},
  });

  for (const variant of ['listaCpss', 'alista'] as const) {
    it(`${variant}, T=1, p=20 %, N=10: the 2 largest entries above θ pass unshrunk, the rest shrink`, () => {
      const z = lista(args(variant, 1)).apply(tf.tensor2d(x)) as tf.Tensor;
      // Row 0 keeps 3 and 2.5; row 1 keeps 2, while 0.45 (second largest) is below θ and shrinks.
      expectClose(z, byHand(2));
      expectClose(z, [[3, 2.5, 0.3, 0, 0, 0.1, -0.2, 0, 0, 0.5], [0, 2, 0, 0, 0, 0, 0, 0, 0, 0]], 1e-6);
    });

    it(`${variant}, T=2, p=20 %, pMax=30 %, N=10: the second iteration keeps min(2·20, 30) % = 3 entries`, () => {
      expectClose(lista(args(variant, 2)).apply(tf.tensor2d(x)) as tf.Tensor, byHand(3));
    });
  }

  it('listaCpss, T=1: the mask carries no gradient, so selected entries add nothing to ∂Σz/∂θ', () => {
    const layer = lista(args('listaCpss', 1));
    const xs = tf.tensor2d(x);
    layer.apply(xs);
    const theta = weight(layer, 'theta').read() as tf.Variable;
    const {grads} = tf.variableGrads(() => tf.sum(layer.apply(xs) as tf.Tensor) as tf.Scalar, [theta]);
    // Shrunk entries above θ: 0.8, 0.6, −0.7, 1.0 → −Σ sign = −2; the selected 3, 2.5, 2 add 0.
    expectClose(grads[theta.name], [-2], 1e-6);
  });

  it('p^k = min(k·p, pMax): with the default 1.2 %/13 % and N=500, 6 entries pass at k=1, 65 from k=11', () => {
    const n = 500;
    const v = tf.tensor2d([Array.from({length: n}, (_, i) => n - i)]); // distinct, all above θ
    for (const [iterations, kept] of [[1, 6], [11, 65], [12, 65]]) {
      const layer = lista({variant: 'listaCpss', iterations, dictionary: tf.eye(n) as tf.Tensor2D,
                           lambda: 0.5, lipschitz: 1});
      const z = (layer.apply(v) as tf.Tensor).dataSync();
      const unshrunk = Array.from(z).filter((value, i) => Math.abs(value - (n - i)) < 1e-3).length;
      assert.equal(unshrunk, kept, `T=${iterations}`);
    }
  });
});

describe('Lista: training on the synthetic problem', () => {
  for (const variant of VARIANTS) {
    it(`${variant}: 200 Adam steps (M=20, N=40, T=5, p=0.1, λ=0.05) reach an NMSE 3 dB below ISTA's at T=5`, async () => {
      const lambda = 0.05;
      const {A, sample} = problem(20, 40, 1, 2, 0.1);
      const L = 1.001 * spectralNormSquared(A);
      const model = tf.sequential({layers: [lista({variant, dictionary: A, iterations: 5, lambda})]});
      model.compile({optimizer: tf.train.adam(3e-3), loss: 'meanSquaredError'});
      const test = sample(500);
      const before = nmseDb(model.predict(test.x) as tf.Tensor, test.z);
      for (let step = 0; step < 200; step++) {
        const {x, z} = sample(64);
        await model.trainOnBatch(x, z);
        tf.dispose([x, z]);
      }
      const after = nmseDb(model.predict(test.x) as tf.Tensor, test.z);
      const istaDb = nmseDb(ista(new DenseDictionary(A), test.x, {lambda, lipschitz: L, iterations: 5}), test.z);
      assert.ok(after < istaDb - 3 && after < before - 3,
                `NMSE: trained ${after.toFixed(2)} dB, at init ${before.toFixed(2)} dB, ISTA ${istaDb.toFixed(2)} dB`);
    });
  }
});

describe('Lista: models, serialisation, leaks, gradients', () => {
  let A: tf.Tensor2D;
  let x: tf.Tensor2D;
  before(() => {
    ({A, x} = problem(8, 12, 3, 3));
  });

  const configs: Array<[ListaVariant, boolean]> = [
    ['lista', false], ['lista', true], ['listaCp', false], ['listaCp', true], ['listaCpss', false],
    ['alista', false],
  ];
  for (const [variant, tied] of configs) {
    // A fast support-selection schedule, so that the mask is active at N=12 (1, 2, 3 entries).
    const ss = variant === 'listaCpss' || variant === 'alista' ? {supportSelection: {p: 10, pMax: 30}} : {};
    const args = (): ListaLayerArgs => ({variant, tied, dictionary: A, iterations: 3, lambda: 0.05, ...ss});

    it(`${variant}, tied=${tied}: tf.sequential and tf.model (functional) give the same codes (M=8, N=12, T=3)`, () => {
      const seq = tf.sequential({layers: [lista(args())]});
      const input = tf.input({shape: [8]});
      const functional = tf.model({inputs: input, outputs: lista(args()).apply(input) as tf.SymbolicTensor});
      assert.deepEqual(functional.outputs[0].shape, [null, 12]);
      const y = seq.predict(x) as tf.Tensor;
      assert.deepEqual(y.shape, [3, 12]);
      expectClose(functional.predict(x) as tf.Tensor, y, 1e-6);
    });

    it(`${variant}, tied=${tied}: save → load round trip keeps weights, config and codes (M=8, N=12, T=3)`, async () => {
      const layer = lista(args());
      const model = tf.sequential({layers: [layer]});
      // Move every weight away from its initialisation so that the loaded values must come from the file.
      layer.setWeights(layer.getWeights().map((w, i) => tf.abs(tf.add(w, tf.randomNormal(w.shape, 0, 0.01, 'float32', i)))));
      const loaded = await expectSaveLoadRoundTrip(model, x);
      const copy = loaded.layers[0];
      assert.ok(copy instanceof Lista);
      assert.deepEqual(copy.getConfig(), layer.getConfig());
    });

    it(`${variant}, tied=${tied}: a call leaves no tensor behind`, () => {
      const layer = lista(args());
      expectNoLeak(() => layer.apply(x) as tf.Tensor);
    });

    it(`${variant}, tied=${tied}: the input gradient matches finite differences (M=8, N=12, T=3)`, () => {
      const layer = lista(args());
      const r = tf.randomNormal([3, 12], 0, 1, 'float32', 4);
      expectGradientMatchesFiniteDifference((xs) => tf.sum(tf.mul(layer.apply(xs) as tf.Tensor, r)) as tf.Scalar,
                                            x, 8, 1e-3);
    });
  }

  it('listaCpss: the weight gradients are finite and non-zero for every trainable weight (T=3)', () => {
    const layer = lista({variant: 'listaCpss', dictionary: A, iterations: 3, lambda: 0.05});
    layer.apply(x);
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const {grads} = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar, vars);
    for (const v of vars) {
      const g = grads[v.name].dataSync();
      assert.ok(g.every(Number.isFinite) && g.some((e) => e !== 0), v.name);
    }
  });
});

describe('Lista: argument errors', () => {
  const dict = () => tf.zeros([8, 12]) as tf.Tensor2D;
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['variant \'LISTA\'', () => lista({variant: 'LISTA' as ListaVariant, units: 4}),
     /lista: variant must be one of 'lista', 'listaCp', 'listaCpss', 'alista', got 'LISTA'/],
    ['iterations 0', () => lista({iterations: 0, units: 4}), /lista: iterations must be a positive integer, got 0/],
    ['iterations 2.5', () => lista({iterations: 2.5, units: 4}), /lista: iterations must be a positive integer, got 2.5/],
    ['no units and no dictionary', () => lista({}), /lista: units must be given when there is no dictionary, got undefined/],
    ['units −3', () => lista({units: -3}), /lista: units must be a positive integer, got -3/],
    ['units 10 with a dictionary of 12 columns', () => lista({units: 10, dictionary: dict()}),
     /lista: units must be the dictionary's column count 12, got 10/],
    ['a rank-1 dictionary', () => lista({dictionary: tf.zeros([3]) as unknown as tf.Tensor2D}),
     /lista: dictionary must be a rank-2 tensor, got shape \[3\]/],
    ['a ragged dictionary', () => lista({dictionary: [[1, 2], [3]]}),
     /lista: dictionary must be a non-empty rectangular array of finite numbers/],
    ['inputShape [5] with a dictionary of 8 rows', () => lista({inputShape: [5], dictionary: dict()}),
     /lista: inputShape must be \[8\] for a dictionary with 8 rows, got \[5\]/],
    ['alista with M > N', () => lista({variant: 'alista', dictionary: tf.zeros([12, 8]) as tf.Tensor2D}),
     /lista: dictionary must be M × N with M ≤ N for 'alista', got 'shape \[12, 8\]'/],
    ['lambda −1', () => lista({lambda: -1, units: 4}), /lista: lambda must be a finite number ≥ 0, got -1/],
    ['lipschitz 0', () => lista({lipschitz: 0, units: 4}), /lista: lipschitz must be a finite number > 0, got 0/],
    ['tied \'yes\'', () => lista({tied: 'yes' as unknown as boolean, units: 4}), /lista: tied must be true or false, got 'yes'/],
    ['tied with alista', () => lista({variant: 'alista', tied: true, units: 4}),
     /lista: tied must be false for 'alista' \(it learns no matrices\), got true/],
    ['supportSelection with lista', () => lista({supportSelection: [1, 2], units: 4}),
     /lista: supportSelection must be absent for variant 'lista', got \[1, 2\]/],
    ['supportSelection [5, 2]', () => lista({variant: 'listaCpss', supportSelection: [5, 2], units: 4}),
     /lista: supportSelection must be \{p, pMax\} or \[p, pMax\] with 0 < p ≤ pMax ≤ 100 \(percent\), got \[5, 2\]/],
    ['supportSelection {p: 0, pMax: 10}', () => lista({variant: 'alista', supportSelection: {p: 0, pMax: 10}, units: 4}),
     /lista: supportSelection must be .* got '\{"p":0,"pMax":10\}'/],
    ['an input of 5 features for a dictionary of 8 rows', () => lista({dictionary: dict()}).apply(tf.zeros([2, 5])),
     /lista: input shape must be \[batch, 8\] for the dictionary, got \[2, 5\]/],
    ['an input with unknown M', () => lista({units: 4}).apply(tf.input({shape: [null]})),
     /lista: input shape must be \[batch, M\] with M known, got \[null, null\]/],
    ['alista with a rank-deficient dictionary', () => lista({variant: 'alista', dictionary: tf.ones([8, 12]) as tf.Tensor2D}).apply(tf.zeros([2, 8])),
     /alistaWeight: dictionary must have full row rank/],
    ['an all-zero dictionary', () => lista({dictionary: dict()}).apply(tf.zeros([2, 8])),
     /lista: dictionary must be non-zero, got 'all zeros'/],
  ];
  for (const [what, fn, pattern] of cases) {
    it(`rejects ${what}`, () => expectThrows(fn, pattern));
  }
});
