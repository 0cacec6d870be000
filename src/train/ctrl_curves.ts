/**
 * Training curves of a CSC-CTRL run: every term of the objective logged in `DIR/log.jsonl`, the
 * learning rate, and the held-out reconstruction quality that each checkpoint appends to
 * `DIR/eval.jsonl`, drawn against rounds to `DIR/curves.png`.
 */
import {appendFileSync} from 'fs';
import * as path from 'path';
import {ImageDataset} from '../data/dataset';
import {readJsonLines} from '../io/json_lines';
import {ChartPanel, ChartSeries, writeLineChart} from '../io/line_chart';
import {RunPosition} from './checkpoint';
import {RoundLog} from './closed_loop';
import {reconstructionQuality} from './ctrl_eval';
import {CtrlRunState, openDataset} from './ctrl_run';

/** Held-out images evaluated at every checkpoint: the first ones of the run's test split. */
export const CURVE_IMAGES = 250;

/** Series longer than this are drawn as means of consecutive groups of rounds. */
export const CURVE_POINTS = 500;

/** A line of `eval.jsonl`: the held-out reconstruction quality at a checkpoint. */
export interface EvalLine {
  /** Rounds completed at the checkpoint. */
  round: number;
  /** Mean PSNR (dB) of the reconstructions of the first 250 (`CURVE_IMAGES`) test images. */
  psnr: number;
  /** Their mean SSIM. */
  ssim: number;
}

/**
 * The last line of each round, in round order: a run resumed from a checkpoint repeats the rounds
 * that a killed call had logged after it, and the repeat is what the run kept. Lines written
 * before the field was named `round` have `step`.
 */
function lastPerRound<T extends {round: number}>(lines: T[]): T[] {
  const byRound = new Map<number, T>();
  for (const line of lines) {
    const round = line?.round ?? (line as {step?: unknown})?.step;
    if (typeof round === 'number') byRound.set(round, {...line, round});
  }
  return [...byRound.values()].sort((a, b) => a.round - b.round);
}

/**
 * A curve of `points`, with at most {@link CURVE_POINTS} points: longer ones become the means of
 * consecutive groups of `⌈n / CURVE_POINTS⌉` points (x and the finite y values of each group).
 */
function curve(name: string, points: [number, number][]): ChartSeries {
  const group = Math.ceil(points.length / CURVE_POINTS);
  const x: number[] = [];
  const y: number[] = [];
  for (let start = 0; start < points.length; start += group) {
    const part = points.slice(start, start + group);
    const finite = part.map(([, value]) => value).filter(Number.isFinite);
    x.push(part.reduce((sum, [round]) => sum + round, 0) / part.length);
    y.push(finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN);
  }
  return {name, x, y};
}

/**
 * The panels of a run's curves: one per term of the objective (in the order they first appear;
 * the encoder's and the decoder's values as two series; warm-up rounds have encoder terms only),
 * the learning rate, and the held-out PSNR and SSIM when `evals` has any.
 */
export function curvePanels(log: RoundLog[], evals: EvalLine[]): ChartPanel[] {
  const rounds = lastPerRound(log);
  const terms = [...new Set(rounds.flatMap((r) => [...Object.keys(r.encoder ?? {}), ...Object.keys(r.decoder ?? {})]))];
  // JSON writes a non-finite value as null: it becomes NaN again, a gap in the curve.
  const value = (x: unknown) => (typeof x === 'number' ? x : NaN);
  const panels: ChartPanel[] = terms.map((term) => ({
    title: term,
    series: (['encoder', 'decoder'] as const)
      .map((who) => curve(who, rounds.filter((r) => r[who] !== undefined && term in r[who])
        .map((r) => [r.round, value(r[who][term])])))
      .filter((s) => s.x.length > 0),
  }));
  if (rounds.length > 0) {
    panels.push({title: 'learning rate', series: [curve('learning rate', rounds.map((r) => [r.round, value(r.learningRate)]))]});
  }
  const checkpoints = lastPerRound(evals);
  if (checkpoints.length > 0) {
    const quality = (key: 'psnr' | 'ssim') =>
      curve(`first ${CURVE_IMAGES} test images`, checkpoints.map((e) => [e.round, value(e[key])]));
    panels.push({title: 'held-out reconstruction PSNR', yLabel: 'dB', series: [quality('psnr')]},
                {title: 'held-out reconstruction SSIM', series: [quality('ssim')]});
  }
  return panels;
}

/** Draws `dir/log.jsonl` and `dir/eval.jsonl` ({@link curvePanels}) to `dir/curves.png`; returns its path, or null when both are empty. */
export async function writeCurves(dir: string): Promise<string | null> {
  const panels = curvePanels(readJsonLines<RoundLog>(path.join(dir, 'log.jsonl')),
                             readJsonLines<EvalLine>(path.join(dir, 'eval.jsonl')));
  if (panels.length === 0) return null;
  const file = path.join(dir, 'curves.png');
  await writeLineChart(file, panels, {xLabel: 'round', title: dir});
  return file;
}

/**
 * A `trainCscCtrl` checkpoint hook for the run directory `dir`: it measures the reconstruction
 * quality of the first 250 (`CURVE_IMAGES`) test images of the run's data (inference mode),
 * appends `{round, psnr, ssim, time}` to `dir/eval.jsonl`, and redraws `dir/curves.png`. A picture
 * that cannot be drawn is reported to `warn`; training goes on.
 */
export function curvesAtCheckpoints(dir: string, warn: (message: string) => void = console.warn):
    (checkpoint: string, position: RunPosition, run: CtrlRunState) => Promise<void> {
  let test: ImageDataset | undefined;
  return async (_checkpoint, position, {encoder, decoder, options}) => {
    const [h] = encoder.inputs[0].shape.slice(1) as number[];
    test ??= await openDataset(options.data, h, 'test', {warn, cacheDir: options.cacheDir, shardSize: options.shardSize});
    const {psnr, ssim} = await reconstructionQuality(encoder, decoder, test, {images: Math.min(CURVE_IMAGES, test.count)});
    appendFileSync(path.join(dir, 'eval.jsonl'),
                   JSON.stringify({round: position.round, psnr, ssim, time: new Date().toISOString()}) + '\n');
    try {
      await writeCurves(dir);
    } catch (e) {
      warn(`could not draw ${path.join(dir, 'curves.png')}: ${(e as Error).message}`);
    }
  };
}
