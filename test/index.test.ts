import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {readFileSync} from 'fs';
import * as path from 'path';
import * as sl from '../src/node';

/** The factory of a layer class: `cscStage` for `CscStage`, as tfjs's `conv2d` for `Conv2D`. */
const factoryName = (className: string) => className[0].toLowerCase() + className.slice(1);

/** The layer factories named in the first column of README.md's layer table (`sl.layers.lista(...)`, `mlIsta`). */
function readmeFactories(): string[] {
  const readme = readFileSync(path.join(packageRoot(), 'README.md'), 'utf8').split('\n');
  const header = readme.findIndex((line) => /^\|\s*factory\s*\|/.test(line));
  assert.ok(header >= 0, "README.md has a table headed '| factory |'");
  const names: string[] = [];
  for (const row of readme.slice(header + 2)) {
    if (!row.startsWith('|')) break;
    for (const [, code] of row.split('|')[1].matchAll(/`([^`]*)`/g)) {
      const name = /^(?:sl\.layers\.)?([a-z][A-Za-z0-9]*)\b/.exec(code)?.[1];
      if (name) names.push(name);
    }
  }
  return names;
}

/** The package root: above test/ (under tsx) or above dist/test/ (compiled). */
function packageRoot(): string {
  return path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
}

describe('the public entry', () => {
  it('exports each registered layer class and its factory in sl.layers, and nothing else there', () => {
    const layers = sl.layers as unknown as Record<string, unknown>;
    const classes = sl.layerClasses();
    const expected = classes.flatMap((cls) => [cls.className, factoryName(cls.className)]);
    // A layer exported without registerLayer, or registered without its export line, fails here.
    assert.deepEqual(Object.keys(layers).sort(), expected.sort());
    assert.ok(classes.length >= 10, `${classes.length} registered layer classes`);
    for (const cls of classes) {
      assert.equal(layers[cls.className], cls, `sl.layers.${cls.className} is the registered class`);
      assert.equal(typeof layers[factoryName(cls.className)], 'function', `sl.layers.${factoryName(cls.className)}`);
      assert.equal(tf.serialization.SerializationMap.getMap().classNameMap[cls.className]?.[0], cls);
    }
  });

  it("lists every layer factory of sl.layers in README.md's layer table, and no other", () => {
    const classes: unknown[] = sl.layerClasses();
    const factories = Object.entries(sl.layers).filter(([, value]) => typeof value === 'function' && !classes.includes(value))
      .map(([name]) => name);
    assert.ok(factories.length >= 10, factories.join(' '));
    const documented = readmeFactories();
    for (const name of factories) assert.ok(documented.includes(name), `README.md's layer table lacks sl.layers.${name}`);
    for (const name of documented) assert.ok(factories.includes(name), `README.md's layer table names an unknown factory ${name}`);
  });

  it('exports ops, backend, io, data, models and analysis namespaces', () => {
    for (const fn of ['softThreshold', 'nonNegSoftThreshold', 'hardThreshold', 'elasticNetProx', 'normalizeAtoms',
                      'powerIteration', 'ista', 'stopGradient']) {
      assert.equal(typeof (sl.ops as Record<string, unknown>)[fn], 'function', `ops.${fn}`);
    }
    assert.equal(typeof sl.backend.setBackend, 'function');
    assert.equal(typeof sl.io.writeImageGrid, 'function');
    assert.equal(typeof sl.data.loadMnist, 'function');
    assert.equal(typeof sl.models.mlCscClassifier, 'function');
    for (const fn of ['mutualCoherence', 'uniquenessBound', 'layeredThresholdingBound', 'layeredBasisPursuitBound',
                      'measuredL0Inf', 'energyPerLayer', 'modelDictionaries', 'dictionaryReport']) {
      assert.equal(typeof (sl.analysis as Record<string, unknown>)[fn], 'function', `analysis.${fn}`);
    }
  });

  it('its version is package.json\'s', () => {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8'));
    assert.equal(pkg.name, 'sparseland');
    assert.equal(sl.version, pkg.version);
  });
});
