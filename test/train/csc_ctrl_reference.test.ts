import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {ctrlBinary, ctrlMulti, CtrlTerms} from '../../src/losses';
import {ClosedLoopTrainer, CtrlMode} from '../../src/train/closed_loop';
import {cscCtrl, CscCtrl} from '../../models/csc_ctrl';
import {readGolden} from '../golden';
import {expectClose} from '../helpers';

type Nested = number | Nested[];

interface Golden {
  filters: number[];
  iterations: number;
  classes: number;
  labels: number[];
  learningRate: number;
  x: number[][][][];
  /** Values by layer name, then by weight name (the last part of the weight's name). */
  weights: Record<string, Record<string, Nested>>;
  forward: {z: number[][]; xHat: number[][][][]; zHat: number[][];
            binary: Record<string, number>; multi: Record<string, number>};
  rounds: Record<CtrlMode, {encoder: Record<string, number>; decoder: Record<string, number>}[]>;
}

/** The golden model: `cscCtrl` of the golden configuration with every weight and power-iteration vector set from the file. */
function goldenModel(golden: Golden): CscCtrl {
  const model = cscCtrl({filters: golden.filters, iterations: golden.iterations});
  const unused = new Set(Object.entries(golden.weights).flatMap(([layer, ws]) => Object.keys(ws).map((w) => `${layer}/${w}`)));
  for (const layer of [...model.encoder.layers, ...model.decoder.layers]) {
    for (const weight of layer.weights) {
      const key = weight.originalName.split('/').pop()!;
      const value = golden.weights[layer.name]?.[key];
      if (value === undefined) continue;
      const tensor = tf.tensor(value as number[], weight.shape as number[]);
      weight.write(tensor);
      tensor.dispose();
      unused.delete(`${layer.name}/${key}`);
    }
  }
  assert.deepEqual([...unused], [], 'golden weights without a matching weight of the model');
  return model;
}

function disposeModel(model: CscCtrl): void {
  model.encoder.dispose();
  model.decoder.dispose();
}

function expectTerms(actual: CtrlTerms | Record<string, number>, expected: Record<string, number>, what: string): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), what);
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name];
    const value = typeof got === 'number' ? got : got.dataSync()[0];
    assert.ok(Math.abs(value - want) <= 1e-4 * Math.max(1, Math.abs(want)),
              `${what} ${name}: ${value} vs PyTorch ${want}`);
  }
}

describe('cscCtrl against the PyTorch network of the training benchmark (scripts/reference/golden_csc_ctrl.py)', () => {
  let golden: Golden;
  before(() => {
    golden = readGolden<Golden>('csc_ctrl_forward');
  });

  it('one pass in training mode: features, reconstructions, features of the reconstructions and both CTRL objectives', () => {
    const model = goldenModel(golden);
    try {
      tf.tidy(() => {
        const x = tf.tensor4d(golden.x);
        const z = model.encoder.apply(x, {training: true}) as tf.Tensor2D;
        const xHat = model.decoder.apply(z, {training: true}) as tf.Tensor4D;
        const zHat = model.encoder.apply(xHat, {training: true}) as tf.Tensor2D;
        expectClose(z, golden.forward.z, 1e-5, 1e-4);
        expectClose(xHat, golden.forward.xHat, 1e-5, 1e-4);
        expectClose(zHat, golden.forward.zHat, 1e-5, 1e-4);
        expectTerms(ctrlBinary(z, zHat), golden.forward.binary, 'binary');
        expectTerms(ctrlMulti(z, zHat, golden.labels, golden.classes), golden.forward.multi, 'multi');
      });
    } finally {
      disposeModel(model);
    }
  });

  for (const mode of ['binary', 'multi'] as const) {
    it(`${mode}: the terms of two closed-loop rounds (encoder and decoder Adam steps) match`, () => {
      const model = goldenModel(golden);
      const trainer = new ClosedLoopTrainer({encoder: model.encoder, decoder: model.decoder, mode,
                                             numClasses: golden.classes, learningRate: golden.learningRate});
      const x = tf.tensor4d(golden.x);
      try {
        golden.rounds[mode].forEach((want, i) => {
          const log = trainer.trainRound(x, golden.labels);
          expectTerms(log.encoder, want.encoder, `round ${i + 1} encoder`);
          expectTerms(log.decoder, want.decoder, `round ${i + 1} decoder`);
        });
      } finally {
        x.dispose();
        trainer.dispose();
        disposeModel(model);
      }
    });
  }
});
