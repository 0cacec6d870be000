import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {Lista} from '../../layers/lista';
import {syntheticLasso} from '../../src/data/synthetic';
import {FileSystemHandler} from '../../src/io/file_system';
import {cliRunner} from '../commands/cli_runner';
import {ListaReproduction, listaTable, nmsePerLayer, publishedNmseDb, reproduceLista, solverNmse} from '../../src/reproduce/lista';

const SIZE = {m: 12, n: 24, layers: 3, validationCodes: 100, testCodes: 100};
const TRAINER = {maxIterations: 4, validateEvery: 2, checkEvery: 2};

describe('reproduceLista: the LISTA benchmark recipe', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'sparseland-lista-')); });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  it('a tiny run writes nmse.json, nmse.md, nmse.png and each model; its figures are those of the saved models', async () => {
    const result = await reproduceLista({out: dir, variants: ['alista', 'lista'], size: SIZE, trainer: TRAINER, command: 'cmd'});
    for (const file of ['nmse.json', 'nmse.md', 'nmse.png']) assert.ok(existsSync(path.join(dir, file)), file);
    const png = readFileSync(path.join(dir, 'nmse.png'));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    const json = JSON.parse(readFileSync(path.join(dir, 'nmse.json'), 'utf8')) as ListaReproduction;
    assert.deepEqual(json.curves.map((c) => c.method), ['alista', 'lista', 'ista', 'fista']);
    assert.deepEqual(json.curves.map((c) => c.nmseDb.length), [3, 3, 3, 3]);
    assert.deepEqual(json.curves.map((c) => c.steps), [9 * 4, 9 * 4, 0, 0]);
    const table = readFileSync(path.join(dir, 'nmse.md'), 'utf8');
    assert.match(table, /\| ALISTA \| — \| -?\d+\.\d \|/, 'published figures are after 16 layers: none for 3');
    const sixteen = {...result, setting: {...result.setting, layers: 16},
                     curves: result.curves.map((c) => ({...c, nmseDb: Array.from({length: 16}, () => -10)}))};
    assert.match(listaTable(sixteen), /\| ALISTA \| -78 \| -10\.0 \|/);
    assert.match(listaTable({...sixteen, setting: {...sixteen.setting, snr: 20}}), /\| ALISTA \| -20 \| -10\.0 \|[^]*\| ISTA \| — \|/);
    assert.match(table, /Command: `cmd`/);

    // The test codes: the run's dictionary, another seed's stream.
    const problem = syntheticLasso({m: 12, n: 24, p: 0.1, seed: 0});
    const test = syntheticLasso({dictionary: problem.A, p: 0.1, seed: 1_000_003}).sample(100);
    for (const [i, slug] of [[0, 'alista'], [1, 'lista']] as [number, string][]) {
      const model = await tf.loadLayersModel(new FileSystemHandler(path.join(dir, slug, 'model', 'model.json')));
      const measured = nmsePerLayer(model.layers[0] as Lista, test.x, test.z);
      assert.deepEqual(measured, result.curves[i].nmseDb, slug);
      const state = JSON.parse(readFileSync(path.join(dir, slug, 'state.json'), 'utf8'));
      assert.deepEqual([state.done, state.phasesDone, state.checkpoint], [true, 9, 'model']);
      assert.deepEqual(readdir(path.join(dir, slug)), ['model', 'state.json'], 'no checkpoint left behind');
      model.dispose();
    }
    assert.deepEqual(result.curves[2].nmseDb, solverNmse(problem.A, test.x, test.z, 0.4, 3, false));
    tf.dispose([problem.A, test.x, test.z]);
  });

  it('a run stopped between phases continues with resume and ends as trained once per phase', async () => {
    const stop = new Error('stopped');
    await assert.rejects(reproduceLista({
      out: dir, variants: ['listaCp'], size: SIZE, trainer: TRAINER,
      onProgress: (_v, p) => { if (p.phaseIndex === 4) throw stop; },
    }), /stopped/);
    const partial = JSON.parse(readFileSync(path.join(dir, 'lista-cp', 'state.json'), 'utf8'));
    assert.deepEqual([partial.done, partial.phasesDone, partial.checkpoint], [false, 4, 'ckpt-004']);
    await assert.rejects(reproduceLista({out: dir, variants: ['listaCp'], size: SIZE, trainer: TRAINER}),
                         /already holds a run; continue it with resume/);
    await assert.rejects(reproduceLista({out: dir, variants: ['listaCp'], size: {...SIZE, layers: 4}, trainer: TRAINER, resume: true}),
                         /is a run of 12×24, 3 layers, snr inf, seed 0, not of 12×24, 4 layers/);
    const phases: number[] = [];
    await reproduceLista({out: dir, variants: ['listaCp'], size: SIZE, trainer: TRAINER, resume: true,
                          onProgress: (_v, p) => { if (!phases.includes(p.phaseIndex)) phases.push(p.phaseIndex); }});
    assert.deepEqual(phases, [4, 5, 6, 7, 8]);
    const state = JSON.parse(readFileSync(path.join(dir, 'lista-cp', 'state.json'), 'utf8'));
    assert.deepEqual([state.done, state.phasesDone, state.phases.length], [true, 9, 9]);
    // Resuming a finished run trains nothing and gives the same figures.
    const first = JSON.parse(readFileSync(path.join(dir, 'nmse.json'), 'utf8'));
    const again = await reproduceLista({out: dir, variants: ['listaCp'], size: SIZE, trainer: TRAINER, resume: true,
                                        onProgress: () => assert.fail('trained again')});
    assert.deepEqual(again.curves, first.curves);
  });

  it('at SNR 20 dB the measurements carry noise of that SNR', () => {
    const clean = syntheticLasso({m: 250, n: 500, seed: 4});
    const noisy = syntheticLasso({m: 250, n: 500, seed: 4, snr: 20});
    const a = clean.sample(200);
    const b = noisy.sample(200);
    const signal = tf.sum(tf.square(a.x)).dataSync()[0];
    const noise = tf.sum(tf.square(tf.sub(b.x, a.x))).dataSync()[0];
    assert.ok(Math.abs(10 * Math.log10(signal / noise) - 20) < 0.2, `SNR ${10 * Math.log10(signal / noise)}`);
    assert.deepEqual(Array.from(b.z.dataSync()).length, 200 * 500);
    tf.dispose([clean.A, noisy.A, a.x, a.z, b.x, b.z]);
  });

  it('the published NMSE after 16 layers: per variant without noise, about −20 dB for every variant at SNR 20', () => {
    const variants = ['lista', 'listaCp', 'listaCpss', 'alista'] as const;
    assert.deepEqual(variants.map((x) => publishedNmseDb(x, 'inf')), [-35, -30, -63, -78]);
    assert.deepEqual(variants.map((x) => publishedNmseDb(x, 20)), [-20, -20, -20, -20]);
    assert.equal(publishedNmseDb('ista', 'inf'), -5.8);
    assert.equal(publishedNmseDb('ista', 20), undefined);
    assert.equal(publishedNmseDb('alista', 10), undefined);
  });

  it('names each bad argument and its value', async () => {
    await assert.rejects(reproduceLista({out: dir, variants: ['foo' as never]}), /reproduceLista: variants\[0\].*foo/);
    await assert.rejects(reproduceLista({out: dir, minutes: -1}), /reproduceLista: minutes.*-1/);
    await assert.rejects(reproduceLista({out: dir, snr: NaN}), /reproduceLista: snr.*NaN/);
    await assert.rejects(reproduceLista({out: dir, seed: 1.5}), /reproduceLista: seed.*1.5/);
    await assert.rejects(reproduceLista({out: dir, size: {layers: 0}}), /reproduceLista: size.layers.*0/);
    await assert.rejects(reproduceLista({out: ''}), /reproduceLista: out/);
  });

  it('sparseland reproduce lista: its help, and bad values as usage errors (status 2) that name the flag', async () => {
    const {run, out, err} = cliRunner();
    assert.equal(await run(['reproduce', 'lista', '--help']), 0);
    assert.match(out.join('\n'), /^Usage: sparseland reproduce lista \[options\]/);
    for (const flag of ['--variants', '--snr', '--out', '--minutes', '--seed', '--resume']) assert.ok(out.join('\n').includes(`  ${flag}`), flag);
    assert.equal(await run(['reproduce', 'lista', '--variants', 'lista,ista', '--out', dir]), 2);
    assert.match(err.join('\n'), /--variants <list>' argument 'lista,ista' is invalid.*unknown: ista/);
    assert.equal(await run(['reproduce', 'lista', '--minutes', '-1', '--out', dir]), 2);
    assert.match(err.join('\n'), /--minutes <x>' argument '-1' is invalid/);
    assert.equal(await run(['reproduce', 'lista', '--snr', 'loud', '--out', dir]), 2);
    assert.match(err.join('\n'), /--snr <db>' argument 'loud' is invalid/);
    assert.equal(await run(['reproduce']), 2);
    assert.equal(await run(['reproduce', 'listo']), 2);
    assert.match(err.join('\n'), /Did you mean lista\?/);
    assert.deepEqual(readdir(dir), [], 'a usage error starts nothing');
  });
});

const readdir = (dir: string): string[] => readdirSync(dir).sort();
