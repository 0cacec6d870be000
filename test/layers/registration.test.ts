import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {PACKAGE, layerClasses, qualifiedName, registerLayer} from '../../layers/register';
import * as sl from '../../src/node';
import {pretrainedDir} from '../../src/pretrained/node';
import {expectClose} from '../helpers';

/** The names sparseland's layers are registered under: `CscStage` and `sparseland>CscStage`. */
const sparselandNames = () => new Set(layerClasses().map((cls) => cls.className));

/** A copy of a saved topology (any JSON value) with every sparseland `class_name` package-qualified. */
function qualify(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(qualify);
  if (json === null || typeof json !== 'object') return json;
  const names = sparselandNames();
  return Object.fromEntries(Object.entries(json).map(([key, value]) =>
    [key, key === 'class_name' && typeof value === 'string' && names.has(value) ? `${PACKAGE}>${value}` : qualify(value)]));
}

/** The `class_name`s in a saved topology. */
function classNames(json: unknown): string[] {
  if (Array.isArray(json)) return json.flatMap(classNames);
  if (json === null || typeof json !== 'object') return [];
  return Object.entries(json).flatMap(([key, value]) =>
    (key === 'class_name' && typeof value === 'string' ? [value] : classNames(value)));
}

describe('layer registration', () => {
  it('registers every layer class under its className and sparseland>className', () => {
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    assert.ok(layerClasses().length >= 10, `${layerClasses().length} classes`);
    for (const cls of layerClasses()) {
      assert.equal(map[cls.className]?.[0], cls, cls.className);
      assert.equal(qualifiedName(cls), `sparseland>${cls.className}`);
      assert.equal(map[qualifiedName(cls)]?.[0], cls, qualifiedName(cls));
    }
    // tfjs's own record of the package (which tfjs-layers does not read when saving or loading).
    assert.equal(tf.serialization.getRegisteredName(sl.layers.CscStage), 'sparseland>CscStage');
  });

  it('rejects a second sparseland layer class of the same name', () => {
    class Impostor extends tf.layers.Layer {
      static className = 'CscStage';
    }
    assert.throws(() => registerLayer(Impostor), /registerLayer: two sparseland layer classes are named 'CscStage'/);
    assert.equal(tf.serialization.SerializationMap.getMap().classNameMap.CscStage[0], sl.layers.CscStage);
  });

  it('loads a saved model whose topology names the classes plainly (as tfjs writes) or sparseland>-qualified', async () => {
    const x = tf.input({shape: [8, 8, 1]});
    const stage = sl.layers.cscStage({filters: 3, kernelSize: 3, iterations: 2, name: 'stage'});
    const code = stage.apply(x) as tf.SymbolicTensor;
    const recon = sl.layers.cscDecoder({tiedTo: stage, name: 'decoder'}).apply(code) as tf.SymbolicTensor;
    const features = sl.layers.unitNormalization({name: 'norm'}).apply(tf.layers.flatten().apply(code)) as tf.SymbolicTensor;
    const model = tf.model({inputs: x, outputs: [recon, features]});
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }));
    const plain = saved!.modelTopology;
    // tfjs 4 writes getClassName(), the bare className, whatever package the class is registered with.
    assert.deepEqual(classNames(plain).filter((n) => n.includes('Csc') || n === 'UnitNormalization').sort(),
                     ['CscDecoder', 'CscStage', 'UnitNormalization']);
    const qualified = qualify(plain) as tf.io.ModelArtifacts['modelTopology'];
    assert.deepEqual(classNames(qualified).filter((n) => n.startsWith('sparseland>')).sort(),
                     ['sparseland>CscDecoder', 'sparseland>CscStage', 'sparseland>UnitNormalization']);
    const input = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 5);
    const want = model.predict(input) as tf.Tensor[];
    for (const topology of [plain, qualified]) {
      const loaded = await tf.loadLayersModel(tf.io.fromMemory({...saved!, modelTopology: topology}));
      assert.ok(loaded.getLayer('stage') instanceof sl.layers.CscStage);
      assert.ok(loaded.getLayer('decoder') instanceof sl.layers.CscDecoder);
      assert.ok(loaded.getLayer('norm') instanceof sl.layers.UnitNormalization);
      const got = loaded.predict(input) as tf.Tensor[];
      got.forEach((y, i) => expectClose(y, want[i], 1e-6));
      tf.dispose(got);
      loaded.dispose();
    }
    tf.dispose([input, ...want]);
    model.dispose();
  });

  it("loads the committed pretrained model.json files (plain names) and their sparseland>-qualified copies alike", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sparseland-registration-'));
    try {
      const input = tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 3);
      let signal: tf.Tensor = input;
      for (const part of ['encoder', 'decoder']) {
        const source = path.join(pretrainedDir(), 'mnist-csc-ctrl', part);
        const json = JSON.parse(readFileSync(path.join(source, 'model.json'), 'utf8')) as {modelTopology: unknown};
        assert.ok(classNames(json.modelTopology).some((n) => sparselandNames().has(n)), `${part}: plain names`);
        const copy = path.join(dir, part);
        mkdirSync(copy);
        for (const file of readdirSync(source)) copyFileSync(path.join(source, file), path.join(copy, file));
        writeFileSync(path.join(copy, 'model.json'), JSON.stringify({...json, modelTopology: qualify(json.modelTopology)}));
        const plain = await tf.loadLayersModel(`file://${path.join(source, 'model.json')}`);
        const qualified = await tf.loadLayersModel(`file://${path.join(copy, 'model.json')}`);
        assert.deepEqual(qualified.layers.map((l) => l.getClassName()), plain.layers.map((l) => l.getClassName()));
        const want = plain.predict(signal) as tf.Tensor;
        const got = qualified.predict(signal) as tf.Tensor;
        expectClose(got, want, 0);
        if (signal !== input) signal.dispose();
        signal = want;
        got.dispose();
        plain.dispose();
        qualified.dispose();
      }
      tf.dispose([signal, input]);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it("resolves sparseland>CscStage to sparseland's class when an application registers its own CscStage", async () => {
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    const ours = map.CscStage;
    class CscStage extends tf.layers.Layer {
      static className = 'CscStage';
    }
    try {
      tf.serialization.registerClass(CscStage);
      assert.equal(map.CscStage[0], CscStage);
      const model = tf.sequential({layers: [sl.layers.cscStage({filters: 2, kernelSize: 3, iterations: 1,
                                                                inputShape: [6, 6, 1], name: 'stage'})]});
      const topology = qualify(model.toJSON(undefined, false)) as tf.io.ModelArtifacts['modelTopology'];
      const loaded = await tf.loadLayersModel(tf.io.fromMemory({modelTopology: topology}));
      assert.ok(loaded.getLayer('stage') instanceof sl.layers.CscStage);
      model.dispose();
      loaded.dispose();
    } finally {
      map.CscStage = ours;
    }
  });
});
