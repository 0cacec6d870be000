import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {readFileSync} from 'fs';
import * as path from 'path';
import * as sl from '../src';

const FACTORIES = ['lista', 'cscStage', 'cscDecoder', 'layeredThresholding', 'layeredBasisPursuit', 'mlIsta',
                   'mlFista', 'mlLista', 'iht', 'unitNormalization'];

describe('the public entry', () => {
  it('exports one factory per layer, each returning its registered class', () => {
    assert.deepEqual(Object.keys(sl.layers).sort(), [...FACTORIES].sort());
    for (const name of FACTORIES) {
      const className = name[0].toUpperCase() + name.slice(1);
      const cls = (sl as unknown as Record<string, {className: string}>)[className];
      assert.ok(cls, `class ${className} is exported`);
      assert.equal(cls.className, className);
      assert.equal(tf.serialization.SerializationMap.getMap().classNameMap[className]?.[0], cls);
    }
  });

  it('exports ops, backend, io, data and models namespaces', () => {
    for (const fn of ['softThreshold', 'nonNegSoftThreshold', 'hardThreshold', 'elasticNetProx', 'normalizeAtoms',
                      'powerIteration', 'ista', 'stopGradient']) {
      assert.equal(typeof (sl.ops as Record<string, unknown>)[fn], 'function', `ops.${fn}`);
    }
    assert.equal(typeof sl.backend.setBackend, 'function');
    assert.equal(typeof sl.io.writeImageGrid, 'function');
    assert.equal(typeof sl.data.loadMnist, 'function');
    assert.equal(typeof sl.models.mlCscClassifier, 'function');
  });

  it('its version is package.json\'s', () => {
    // The package root: above test/ (under tsx) or above dist/test/ (compiled).
    const root = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.equal(pkg.name, 'sparseland');
    assert.equal(sl.version, pkg.version);
  });
});
