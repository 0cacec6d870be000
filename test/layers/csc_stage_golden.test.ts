import * as tf from '@tensorflow/tfjs';
import {cscStage} from '../../layers/csc_stage';
import {readGolden} from '../golden';
import {expectClose} from '../helpers';

interface GoldenCase {
  name: string;
  algorithm: 'ista' | 'fista';
  iterations: number;
  strides: number;
  padding: 'same' | 'valid';
  nonNeg: boolean;
  mu: number;
  lambda: number;
  kernelSize: number;
  eta: number;
  x: number[][][][];
  filters: number[][][][];
  z: number[][][][];
  probe: number[][][][];
  gradFilters: number[][][][];
  gradLambda: number;
}

describe('cscStage against PyTorch golden values (scripts/reference/golden_csc_stage.py)', () => {
  for (const c of readGolden<{cases: GoldenCase[]}>('csc_stage').cases) {
    it(`${c.name}: codes, and gradients in the filters and λ`, () => {
      const x = tf.tensor4d(c.x);
      const layer = cscStage({dictionary: tf.tensor4d(c.filters), iterations: c.iterations, algorithm: c.algorithm,
                              strides: c.strides, padding: c.padding, nonNeg: c.nonNeg, mu: c.mu,
                              lambda: c.lambda, step: 'learned'});
      layer.build([null, ...x.shape.slice(1)]);
      const step = layer.weights.find((w) => /(^|\/)step(_\d+)?$/.test(w.name))!;
      (step.read() as tf.Variable).assign(tf.scalar(c.eta));
      expectClose(layer.apply(x) as tf.Tensor, c.z, 1e-4);
      const kernel = layer.weights.find((w) => /(^|\/)kernel(_\d+)?$/.test(w.name))!.read() as tf.Variable;
      const lambda = layer.weights.find((w) => /(^|\/)lambda(_\d+)?$/.test(w.name))!.read() as tf.Variable;
      const probe = tf.tensor4d(c.probe);
      const {grads} = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, probe)) as tf.Scalar,
                                       [kernel, lambda]);
      expectClose(grads[kernel.name], c.gradFilters, 1e-3, 1e-3);
      expectClose(grads[lambda.name], c.gradLambda, 1e-3, 1e-3);
    });
  }
});
