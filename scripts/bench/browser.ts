/**
 * sparseland in a page against sparseland in Node, in one run on the same machine:
 *
 * - **Step**: one training step (SGD on the mean squared error) of the demo page's CSC stage
 *   (docs/demo/stage.json: 16 atoms 7×7, 3 ISTA iterations, tied decoder, batch 32 of 28×28 digits) on wasm
 *   with `--threads` XNNPACK threads, in headless Chromium (the page test/browser/pages/
 *   harness.html, cross-origin isolated) and in Node (`SPARSELAND_WASM_THREADS`); `--rounds`
 *   rounds alternate the two, each the median of `--runs` steps after `--warmup`.
 * - **Demo**: the time from the start of loading docs/demo/ to its first reconstruction
 *   (`demo.timings.firstReconstruction`), in a fresh browser each of `--loads` times.
 *
 * Run from the repository root after `npm run build`:
 * `node dist/scripts/bench/browser.js --threads 1` (then `--threads 2`); results go to
 * docs/benchmarks.md by hand, with the load the machine was under.
 */
import {parseArgs} from 'util';

const {values: args} = parseArgs({options: {
  threads: {type: 'string', default: '1'},
  rounds: {type: 'string', default: '3'},
  runs: {type: 'string', default: '15'},
  warmup: {type: 'string', default: '3'},
  loads: {type: 'string', default: '3'},
}});
const threads = Number(args.threads);
if (!Number.isInteger(threads) || threads < 1) throw new Error(`bench/browser: --threads must be a positive integer, got '${args.threads}'`);
// Before the backend starts: Node's wasm threads.
process.env.SPARSELAND_WASM_THREADS = String(threads);

import * as tf from '@tensorflow/tfjs';
import {readFileSync} from 'fs';
import {startDemoServer} from '../demo_web';
import * as sl from '../../src/node';
import {openPage} from '../../test/browser/chromium';
import {pageModelSpec, PageModelSpec} from '../../test/browser/page_model';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The demo's CSC stage and tied decoder (docs/demo/stage.json), a batch of digits and the spec the page loads. */
async function demoStage(): Promise<{model: tf.LayersModel; x: tf.Tensor; spec: PageModelSpec}> {
  const config = JSON.parse(readFileSync('docs/demo/stage.json', 'utf8')) as
    {stage: Parameters<typeof sl.layers.cscStage>[0]; seed: number; batch: number};
  const stage = sl.layers.cscStage({...config.stage, kernelInitializer: tf.initializers.glorotNormal({seed: config.seed})});
  const model = tf.sequential({layers: [stage, sl.layers.cscDecoder({tiedTo: stage})]});
  const batch = await sl.data.mnistFullDataset({split: 'test', size: 28}).take(config.batch);
  const x = tf.tidy(() => tf.div(tf.add(batch.images, 1), 2));
  tf.dispose([batch.images, batch.labels]);
  return {model, x, spec: await pageModelSpec(model, x, x, 0.01)};
}

async function nodeStepMs(model: tf.LayersModel, x: tf.Tensor, warmup: number, runs: number): Promise<number> {
  model.compile({optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError'});
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = performance.now();
    await model.trainOnBatch(x, x);
    if (i >= warmup) times.push(performance.now() - t0);
  }
  return median(times);
}

async function main(): Promise<void> {
  const backend = await sl.backend.setBackend('wasm', {log: false});
  const nodeThreads = (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount();
  const [rounds, runs, warmup, loads] = [args.rounds, args.runs, args.warmup, args.loads].map(Number);
  const server = await startDemoServer();
  const {model, x, spec} = await demoStage();
  const page = await openPage(`${server.url}test/pages/harness.html?threads=${threads}`);
  console.log(`CSC stage step (demo's stage, batch 32, 28×28), ${backend}, ${threads} thread(s) asked; median ms of ${runs} steps`);
  console.log('| round | Node | page | page / Node |');
  console.log('|---|---|---|---|');
  const ratios: number[] = [];
  let pageThreads = 0;
  for (let r = 1; r <= rounds; r++) {
    const node = await nodeStepMs(model, x, warmup, runs);
    const inPage = await page.page.evaluate((s, w, n) =>
      (globalThis as unknown as {harness: {time(s: unknown, b: string, w: number, n: number): Promise<{times: number[]; threads: number}>}})
        .harness.time(s, 'wasm', w, n), spec as never, warmup, runs);
    pageThreads = inPage.threads;
    const pageMs = median(inPage.times);
    ratios.push(pageMs / node);
    console.log(`| ${r} | ${node.toFixed(1)} | ${pageMs.toFixed(1)} | ${(pageMs / node).toFixed(2)} |`);
  }
  console.log(`threads in use: Node ${nodeThreads}, page ${pageThreads}; page / Node, median of rounds: ${median(ratios).toFixed(2)}`);
  if (page.errors.length > 0) console.log(`page errors: ${page.errors.join('; ')}`);
  await page.browser.close();

  const firsts: number[] = [];
  for (let i = 0; i < loads; i++) {
    const demo = await openPage(server.url);
    firsts.push(await demo.page.evaluate(async () => {
      const w = globalThis as unknown as {demo: {ready: Promise<unknown>; timings: {firstReconstruction: number}}};
      await w.demo.ready;
      return w.demo.timings.firstReconstruction;
    }));
    await demo.browser.close();
  }
  console.log(`demo page, load to first reconstruction (ms): ${firsts.map((t) => t.toFixed(0)).join(', ')}; median ${median(firsts).toFixed(0)}`);
  await server.close();
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
