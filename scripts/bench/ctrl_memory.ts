/**
 * Memory of CSC-CTRL training.
 *
 * Part `rounds`: `--rounds` closed-loop rounds of a small MNIST CSC-CTRL (`cscCtrl({preset:
 * 'mnist', filters: [4, 8, 8, 16]})`, batch 16) in binary and in multi mode, with the live tensors
 * (`tf.memory()`), the wasm heap and `process.memoryUsage()` every `--every` rounds; a
 * training round that leaks shows as a count of live tensors that grows after the first round
 * (which creates Adam's moments).
 *
 * Part `folder`: for each of `--sizes`, a synthetic image folder of that many JPEGs (10
 * classes, 64×64 to 96×80, deterministic content, made once with sharp), its shard cache built
 * in one child process and `--folder-rounds` rounds of `trainCscCtrl` (preset `imagenet64`,
 * `filters: [4, 8, 8, 16, 16]`) in another, sampling the resident set size after every round.
 * Each size runs in fresh processes, so the peaks are comparable: streaming holds at most
 * two shards, so the peak should not grow with the data set.
 *
 * Usage: node dist/scripts/bench/ctrl_memory.js [--part rounds|folder|all] [--rounds 1000]
 *   [--every 50] [--iterations 2] [--sizes 2048,8192] [--folder-rounds 80] [--folder-batch 32]
 *   [--dir DIR] [--backend NAME]
 */
import * as tf from '@tensorflow/tfjs';
import {execFileSync} from 'child_process';
import {existsSync, mkdtempSync, promises as fs} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import sharp from 'sharp';
import {parseArgs} from 'util';
import * as sl from '../../src/node';
import {cscCtrl} from '../../models/csc_ctrl';
import {ClosedLoopTrainer, CtrlMode} from '../../src/train/closed_loop';
import {trainCscCtrl} from '../../src/train/ctrl_run';
import {uniformGenerator} from '../../src/data/dataset';

const {values} = parseArgs({options: {
  'part': {type: 'string', default: 'all'}, 'rounds': {type: 'string', default: '1000'},
  'every': {type: 'string', default: '50'}, 'iterations': {type: 'string', default: '2'},
  'sizes': {type: 'string', default: '2048,8192'}, 'folder-rounds': {type: 'string', default: '80'},
  'folder-batch': {type: 'string', default: '32'}, 'dir': {type: 'string'}, 'backend': {type: 'string'},
  // Internal: the child processes of part `folder`.
  'child': {type: 'string'}, 'root': {type: 'string'},
}});

const MiB = 2 ** 20;
const CLASSES = 10;
/** The image side of the `imagenet64` preset. */
const SIZE = 64;
const FOLDER_FILTERS = [4, 8, 8, 16, 16];

const mib = (bytes: number) => (bytes / MiB).toFixed(1);

/** Bytes of the wasm backend's heap (0 on other backends). */
function wasmHeap(): number {
  return (tf.backend() as unknown as {wasm?: {HEAPU8?: Uint8Array}}).wasm?.HEAPU8?.byteLength ?? 0;
}

interface Sample {
  round: number;
  numTensors: number;
  tensorBytes: number;
  wasmHeap: number;
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
}

function sample(round: number): Sample {
  const m = process.memoryUsage();
  const t = tf.memory();
  return {round, numTensors: t.numTensors, tensorBytes: t.numBytes, wasmHeap: wasmHeap(), rss: m.rss,
          heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers};
}

/** `rounds` closed-loop rounds on MNIST batches, sampled after round 1 and every `every` rounds. */
async function closedLoopRounds(mode: CtrlMode, rounds: number, every: number, iterations: number): Promise<void> {
  const dataset = sl.data.mnistDataset({split: 'train'});
  const start = tf.memory().numTensors;
  const {encoder, decoder} = cscCtrl({preset: 'mnist', filters: [4, 8, 8, 16], iterations});
  const trainer = new ClosedLoopTrainer({encoder, decoder, mode, numClasses: dataset.classes.length});
  const samples: Sample[] = [];
  const began = Date.now();
  let round = 0;
  for (let epoch = 0; round < rounds; epoch++) {
    for await (const {images, labels} of dataset.batches({batchSize: 16, epoch})) {
      trainer.trainRound(images, labels);
      tf.dispose([images, labels]);
      round++;
      if (round === 1 || round % every === 0) {
        samples.push(sample(round));
        console.error(`${mode}: round ${round}, ${((Date.now() - began) / 1000).toFixed(0)} s`);
      }
      if (round === rounds) break;
    }
  }
  const seconds = (Date.now() - began) / 1000;
  trainer.dispose();
  encoder.dispose();
  decoder.dispose();
  const end = tf.memory().numTensors;

  console.log(`\n${mode} mode: ${rounds} rounds, batch 16, filters [4, 8, 8, 16], ${iterations} iterations ` +
              `(${(seconds / rounds * 1000).toFixed(0)} ms per round)`);
  console.log('| round | tensors | tensor MiB | wasm heap MiB | RSS MiB | JS heap MiB | array buffers MiB |');
  console.log('|---|---|---|---|---|---|---|');
  for (const s of samples) {
    console.log(`| ${s.round} | ${s.numTensors} | ${mib(s.tensorBytes)} | ${mib(s.wasmHeap)} | ${mib(s.rss)} | ` +
                `${mib(s.heapUsed)} | ${mib(s.arrayBuffers)} |`);
  }
  const counts = new Set(samples.map((s) => s.numTensors));
  const bytes = new Set(samples.map((s) => s.tensorBytes));
  console.log(counts.size === 1 && bytes.size === 1
    ? `live tensors constant after round 1: ${samples[0].numTensors} (${mib(samples[0].tensorBytes)} MiB)`
    : `live tensors NOT constant: ${samples[0].numTensors} after round 1, ${samples[samples.length - 1].numTensors} ` +
      `after round ${samples[samples.length - 1].round}`);
  console.log(`after disposing trainer and models: ${end} live tensors (${start} before the model was built)`);
}

/**
 * Writes `count` JPEGs into `root/train/class_<k>/` (skipped when `root` exists): image `i` is
 * `64 + i mod 33` wide and `64 + i mod 17` high, a colour gradient of its class with noise. The
 * folder is made under a temporary name and renamed when complete.
 */
async function makeFolder(root: string, count: number): Promise<void> {
  if (existsSync(root)) return;
  const tmp = `${root}.tmp-${process.pid}`;
  await fs.rm(tmp, {recursive: true, force: true});
  for (let k = 0; k < CLASSES; k++) await fs.mkdir(path.join(tmp, 'train', `class_${k}`), {recursive: true});
  const write = async (i: number) => {
    const width = 64 + (i % 33);
    const height = 64 + (i % 17);
    const k = i % CLASSES;
    const random = uniformGenerator(i + 1);
    const pixels = Buffer.alloc(width * height * 3);
    for (let y = 0, p = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++, p++) {
          const wave = Math.sin((x * (k + 1) + y * (c + 1)) / 9 + i);
          pixels[p] = Math.max(0, Math.min(255, Math.round(128 + 90 * wave + 60 * (random() - 0.5))));
        }
      }
    }
    await sharp(pixels, {raw: {width, height, channels: 3}}).jpeg({quality: 85})
      .toFile(path.join(tmp, 'train', `class_${k}`, `img_${String(i).padStart(6, '0')}.jpg`));
  };
  let next = 0;
  await Promise.all(Array.from({length: 4}, async () => {
    while (next < count) await write(next++);
  }));
  await fs.rename(tmp, root);
}

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, {withFileTypes: true})) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? await bytesUnder(p) : (await fs.stat(p)).size;
  }
  return total;
}

/** Child: builds (or reuses) the shard cache of `root`, sampling RSS every 20 ms; prints JSON. */
async function childBuild(root: string): Promise<void> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const began = Date.now();
  const dataset = await sl.data.imageFolder({root, size: SIZE});
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(JSON.stringify({count: dataset.count, seconds: (Date.now() - began) / 1000, peakRss: peak}));
}

/** Child: `rounds` rounds of `trainCscCtrl` on `root`, RSS after every round; prints JSON. */
async function childTrain(root: string, rounds: number, batchSize: number, iterations: number): Promise<void> {
  await sl.backend.setBackend(values.backend, {log: false});
  const before = process.memoryUsage().rss;
  const rss: number[] = [];
  let arrayBuffers = 0;
  let heapUsed = 0;
  let wasm = 0;
  let stats: unknown;
  const run = mkdtempSync(path.join(tmpdir(), 'sparseland-ctrl-memory-run-'));
  const began = Date.now();
  try {
    const result = await trainCscCtrl(run, {
      preset: 'imagenet64', data: root, filters: FOLDER_FILTERS, iterations, batchSize, epochs: 1000,
      checkpointEvery: 50,
    }, false, {
      maxRounds: rounds,
      onStart: ({dataset}) => { stats = (dataset as sl.data.ShardedImageDataset).shardStats; },
      onRound: () => {
        const m = process.memoryUsage();
        rss.push(m.rss);
        if (rss.length % 10 === 0) console.error(`${root}: round ${rss.length}, ${((Date.now() - began) / 1000).toFixed(0)} s`);
        arrayBuffers = Math.max(arrayBuffers, m.arrayBuffers);
        heapUsed = Math.max(heapUsed, m.heapUsed);
        wasm = Math.max(wasm, wasmHeap());
      },
    });
    result.encoder.dispose();
    result.decoder.dispose();
  } finally {
    await fs.rm(run, {recursive: true, force: true});
  }
  console.log(JSON.stringify({before, rss, arrayBuffers, heapUsed, wasm, stats, seconds: (Date.now() - began) / 1000}));
}

function runChild(args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1], ...args], {encoding: 'utf8', maxBuffer: 64 * MiB});
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

async function folderRuns(sizes: number[], rounds: number, batchSize: number, iterations: number): Promise<void> {
  const dir = values.dir ?? path.join(tmpdir(), 'sparseland-ctrl-memory');
  await fs.mkdir(dir, {recursive: true});
  const common = ['--folder-rounds', String(rounds), '--folder-batch', String(batchSize), '--iterations', String(iterations),
                  ...(values.backend ? ['--backend', values.backend] : [])];
  console.log(`\nimage folders: trainCscCtrl, preset imagenet64, filters [${FOLDER_FILTERS.join(', ')}], ` +
              `${iterations} iterations, batch ${batchSize}, ${rounds} rounds, checkpoints every 50 rounds, ` +
              'default shard size (1024 images)');
  console.log('| images | decoded | cache on disk | shards | build s | build peak RSS | RSS before | ' +
              'RSS round 1 | peak RSS | RSS last round | shard reads, held at most | peak array buffers | ' +
              'peak wasm heap | s per round |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const count of sizes) {
    const root = path.join(dir, `folder-${count}`);
    const made = Date.now();
    await makeFolder(root, count);
    const generated = (Date.now() - made) / 1000;
    const build = runChild(['--child', 'build', '--root', root]) as {seconds: number; peakRss: number};
    const cacheDir = path.join(root, '.sparseland-cache', `train-${SIZE}`);
    const cache = await bytesUnder(cacheDir);
    const shards = (await fs.readdir(cacheDir)).filter((f) => f.startsWith('shard-')).length;
    const train = runChild(['--child', 'train', '--root', root, ...common]) as {
      before: number; rss: number[]; arrayBuffers: number; wasm: number; seconds: number;
      stats: {reads: number; maxHeld: number}};
    console.log(`| ${count} | ${mib(count * SIZE * SIZE * 3)} MiB | ${mib(cache)} MiB | ${shards} | ` +
                `${build.seconds.toFixed(1)} | ${mib(build.peakRss)} MiB | ${mib(train.before)} MiB | ` +
                `${mib(train.rss[0])} MiB | ${mib(Math.max(...train.rss))} MiB | ${mib(train.rss[train.rss.length - 1])} MiB | ` +
                `${train.stats.reads}, ${train.stats.maxHeld} | ${mib(train.arrayBuffers)} MiB | ${mib(train.wasm)} MiB | ` +
                `${(train.seconds / rounds).toFixed(2)} |`);
    if (generated > 0.1) console.error(`(generated ${count} JPEGs in ${generated.toFixed(0)} s)`);
    const step = Math.max(1, Math.floor(train.rss.length / 8));
    console.error(`RSS MiB every ${step} rounds: ` +
                  train.rss.filter((_, i) => i % step === 0 || i === train.rss.length - 1).map(mib).join(' '));
  }
}

async function main(): Promise<void> {
  const iterations = Number(values.iterations);
  if (values.child === 'build') return childBuild(values.root!);
  if (values.child === 'train') {
    return childTrain(values.root!, Number(values['folder-rounds']), Number(values['folder-batch']), iterations);
  }
  const part = values.part;
  if (part !== 'rounds' && part !== 'folder' && part !== 'all') throw new Error(`--part must be rounds, folder or all, got '${part}'`);
  if (part !== 'folder') {
    const backend = await sl.backend.setBackend(values.backend, {log: false});
    console.log(`'${backend}' backend, Node ${process.version}`);
    for (const mode of ['binary', 'multi'] as CtrlMode[]) {
      await closedLoopRounds(mode, Number(values.rounds), Number(values.every), iterations);
    }
  }
  if (part !== 'rounds') {
    await folderRuns(values.sizes.split(',').map(Number), Number(values['folder-rounds']), Number(values['folder-batch']),
                     iterations);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
