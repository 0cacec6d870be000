import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {readFileSync} from 'fs';
import * as path from 'path';
import * as sl from '../../src/node';
import {hasConverter, registerConverter, tfjsLayerClass} from '../../src/onnx/registry';

/** The package root: above test/onnx (under tsx) or above dist/test/onnx (compiled). */
const ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

/** The class names in the first column of docs/onnx.md's mapping table (`| layer | ONNX operators |`). */
function documentedClasses(): string[] {
  const lines = readFileSync(path.join(ROOT, 'docs', 'onnx.md'), 'utf8').split('\n');
  const header = lines.findIndex((line) => /^\|\s*layer\s*\|\s*ONNX operators\s*\|/.test(line));
  assert.ok(header >= 0, "docs/onnx.md has a table headed '| layer | ONNX operators |'");
  const names: string[] = [];
  for (const row of lines.slice(header + 2)) {
    if (!row.startsWith('|')) break;
    for (const [, name] of row.split('|')[1].matchAll(/`([A-Za-z0-9]+)`/g)) names.push(name);
  }
  return names;
}

describe('onnx export: converter registry', () => {
  it('has a converter for every registered sparseland layer class, each in supportedLayers()', () => {
    const supported = sl.onnx.supportedLayers();
    assert.ok(sl.layerClasses().length >= 10, `${sl.layerClasses().length} registered layer classes`);
    for (const cls of sl.layerClasses()) {
      assert.ok(hasConverter(cls), `${cls.className} has no ONNX converter (registerConverter(${cls.className}, ...))`);
      assert.ok(supported.includes(cls.className), `supportedLayers() lacks ${cls.className}`);
    }
  });

  it('lists in docs/onnx.md exactly the classes of supportedLayers()', () => {
    assert.deepEqual([...new Set(documentedClasses())].sort(), sl.onnx.supportedLayers());
  });

  it('keys converters by class: a class of the same name but not sparseland\'s has none', () => {
    class CscStage extends tf.layers.Layer {
      static className = 'CscStage';
      call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return Array.isArray(inputs) ? inputs[0] : inputs;
      }
    }
    const model = tf.sequential({layers: [new CscStage({inputShape: [3], name: 'mine'})]});
    assert.throws(() => sl.onnx.exportModelToBytes(model), /layer 'mine' \(CscStage\): this layer class has no ONNX converter/);
  });

  it('gives a class one converter', () => {
    assert.throws(() => registerConverter(sl.layers.CscStage, () => []), /registerConverter: CscStage already has a converter/);
    assert.throws(() => registerConverter(tfjsLayerClass('Dense'), () => []), /registerConverter: Dense already has a converter/);
  });

  it('finds tfjs layer classes by their registered name, and rejects other names', () => {
    assert.ok(tf.layers.dense({units: 1}) instanceof tfjsLayerClass('Dense'));
    assert.throws(() => tfjsLayerClass('NoSuchLayer'), /tfjsLayerClass: tfjs has no layer class 'NoSuchLayer'/);
    // Registered for deserialisation, but not a layer.
    assert.throws(() => tfjsLayerClass('GlorotNormal'), /tfjs has no layer class 'GlorotNormal'/);
  });
});
