import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {lista, Lista, ListaVariant} from '../../layers/lista';
import {syntheticLasso} from '../../src/data/synthetic';
import {layerNmseDb, PhaseRecord, stagewisePhases, trainListaStagewise} from '../../src/train/lista_stagewise';
import {expectThrows} from '../helpers';

/** A built layer of `variant` for a seeded M × N problem, with its sampler and a validation set. */
function setup(variant: ListaVariant, m = 20, n = 40, iterations = 3) {
  const problem = syntheticLasso({m, n, p: 0.1, seed: 3});
  const layer = lista({variant, dictionary: problem.A, iterations, lambda: 0.1});
  layer.build([null, m]);
  const validation = problem.sample(200);
  return {problem, layer, validation, dispose: () => tf.dispose([problem.A, validation.x, validation.z])};
}

function values(w: tf.LayerVariable): Float32Array {
  return w.read().dataSync() as Float32Array;
}

function changed(before: Float32Array, after: Float32Array): boolean {
  return before.some((x, i) => x !== after[i]);
}

describe('trainListaStagewise: the published stage-wise schedule', () => {
  it('phases in order: for each layer t, new then refine ×0.2 and ×0.02', () => {
    assert.deepEqual(stagewisePhases(2, [0.2, 0.02]).map((p) => `${p.layer} ${p.phase} ${p.factor}`),
                     ['1 new 1', '1 refine ×0.2 0.2', '1 refine ×0.02 0.02', '2 new 1', '2 refine ×0.2 0.2', '2 refine ×0.02 0.02']);
  });

  it('iterates(x, t) are the outputs of the layer cut after t iterations; the last is the layer\'s output (listaCpss)', () => {
    const {layer, validation, dispose} = setup('listaCpss');
    const codes = layer.iterates(validation.x);
    assert.equal(codes.length, 3);
    const out = layer.apply(validation.x) as tf.Tensor;
    assert.deepEqual(Array.from(codes[2].dataSync()), Array.from(out.dataSync()));
    const two = layer.iterates(validation.x, 2);
    assert.deepEqual(Array.from(two[1].dataSync()), Array.from(codes[1].dataSync()));
    tf.dispose([...codes, ...two, out]);
    dispose();
  });

  it('one stage (T = 1: new + refinement, 150 steps each) lowers the validation NMSE (M 20, N 40)', async () => {
    const {problem, layer, validation, dispose} = setup('listaCp', 20, 40, 1);
    const before = layerNmseDb(layer, validation.x, validation.z, 1);
    const records = await trainListaStagewise(layer, {
      sample: (b) => problem.sample(b), validation, learningRate: 1e-2, maxIterations: 150, validateEvery: 10,
      refinements: [0.2],
    });
    const after = layerNmseDb(layer, validation.x, validation.z, 1);
    assert.deepEqual(records.map((r) => [r.layer, r.phase, r.iterations, r.ended]),
                     [[1, 'new', 150, 'maxIterations'], [1, 'refine ×0.2', 150, 'maxIterations']]);
    assert.equal(records[1].nmseDb, after);
    assert.ok(after < before - 1, `NMSE ${before.toFixed(2)} → ${after.toFixed(2)} dB`);
    dispose();
  });

  for (const variant of ['lista', 'listaCp', 'alista'] as ListaVariant[]) {
    it(`${variant}: the 'new' phase of layer 2 moves only layer 2's own weights; refinements move layer 1's too`, async () => {
      const {problem, layer, validation, dispose} = setup(variant);
      const snapshots: {record: PhaseRecord; weights: Map<string, Float32Array>}[] = [];
      const snapshot = () => new Map(layer.trainableWeights.map((w) => [w.originalName, values(w).slice()]));
      const initial = snapshot();
      await trainListaStagewise(layer, {
        sample: (b) => problem.sample(b), validation, learningRate: 1e-2, maxIterations: 5, validateEvery: 5,
        onPhaseEnd: (record) => { snapshots.push({record, weights: snapshot()}); },
      });
      assert.equal(snapshots.length, 9);
      const name = (short: string) => [...initial.keys()].find((k) => k.slice(k.lastIndexOf('/') + 1) === short)!;
      const entriesMoved = (from: Map<string, Float32Array>, to: Map<string, Float32Array>, short: string) => {
        const a = from.get(name(short))!;
        const b = to.get(name(short))!;
        return Array.from(a).map((x, i) => x !== b[i]);
      };
      const afterLayer1 = snapshots[2].weights;
      const afterNew2 = snapshots[3].weights;
      const afterRefine2 = snapshots[4].weights;
      // Thresholds: the new phase of layer 2 moves θ₂ only; θ₃ has not moved by then.
      assert.deepEqual(entriesMoved(afterLayer1, afterNew2, 'theta'), [false, true, false]);
      assert.deepEqual(entriesMoved(initial, afterRefine2, 'theta'), [true, true, false]);
      const matrices: Record<string, [string, string]> = {lista: ['We_0', 'We_1'], listaCp: ['W_0', 'W_1'], alista: ['', '']};
      const [first, second] = matrices[variant];
      if (first) {
        assert.ok(!changed(afterLayer1.get(name(first))!, afterNew2.get(name(first))!), `${first} moved in layer 2's new phase`);
        assert.ok(changed(afterLayer1.get(name(second))!, afterNew2.get(name(second))!), `${second} did not move`);
        assert.ok(changed(afterNew2.get(name(first))!, afterRefine2.get(name(first))!), `${first} did not move in the refinement`);
      } else {
        assert.deepEqual(entriesMoved(afterLayer1, afterNew2, 'gamma'), [false, true, false]);
      }
      dispose();
    });
  }

  it('a phase ends by patience when the validation NMSE stops improving (learning rate too small to move it)', async () => {
    const {problem, layer, validation, dispose} = setup('alista');
    const records = await trainListaStagewise(layer, {
      sample: (b) => problem.sample(b), validation, learningRate: 1e-12, maxIterations: 100, validateEvery: 1,
      checkEvery: 10, patience: 5, refinements: [],
    });
    for (const r of records) {
      assert.equal(r.ended, 'patience', JSON.stringify(r));
      assert.ok(r.iterations <= 100);
    }
    dispose();
  });

  it('skipPhases: the phases done are not trained again (a resumed run)', async () => {
    const {problem, layer, validation, dispose} = setup('listaCp');
    const before = layer.getWeights().map((w) => w.dataSync().slice());
    const records = await trainListaStagewise(layer, {
      sample: (b) => problem.sample(b), validation, maxIterations: 3, skipPhases: 8,
    });
    assert.deepEqual(records.map((r) => `${r.layer} ${r.phase}`), ['3 refine ×0.02']);
    const after = layer.getWeights().map((w) => w.dataSync());
    assert.ok(after.some((w, i) => changed(before[i] as Float32Array, w as Float32Array)));
    dispose();
  });

  it('leaves no tensor behind', async () => {
    const {problem, layer, validation, dispose} = setup('listaCpss');
    const count = tf.memory().numTensors;
    await trainListaStagewise(layer, {sample: (b) => problem.sample(b), validation, maxIterations: 2, validateEvery: 1});
    assert.equal(tf.memory().numTensors, count);
    dispose();
  });

  it('names each bad argument and its value', async () => {
    const {problem, layer, validation, dispose} = setup('listaCp');
    const sample = (b: number) => problem.sample(b);
    const cases: [object, RegExp][] = [
      [{learningRate: -1}, /trainListaStagewise.*learningRate.*-1/],
      [{batchSize: 0}, /trainListaStagewise.*batchSize.*0/],
      [{refinements: [0.2, -1]}, /trainListaStagewise.*refinements/],
      [{patience: -5}, /trainListaStagewise.*patience.*-5/],
      [{phaseSeconds: 0}, /trainListaStagewise.*phaseSeconds.*0/],
      [{skipPhases: 1.5}, /trainListaStagewise.*skipPhases.*1.5/],
    ];
    for (const [extra, pattern] of cases) {
      await assert.rejects(trainListaStagewise(layer, {sample, validation, ...extra}), pattern);
    }
    await assert.rejects(trainListaStagewise(new Lista({units: 4}), {sample, validation}), /trainListaStagewise.*layer/);
    expectThrows(() => layer.iterates(validation.x, 4), /lista.*count.*4/);
    expectThrows(() => layer.iterationWeights(3), /lista.*k.*3/);
    dispose();
  });
});
