/**
 * The figure of the closed-loop comparison: reads `sparseland.jsonl` (scripts/ctrl_parity.ts) and
 * `pytorch.jsonl` (scripts/reference/ctrl_parity.py) from `--out` and draws, per round, every term of
 * the multi-class objective at the encoder's step and at the decoder's step (objective, ΔR(Z),
 * ΔR(Ẑ), Σ_j ΔR(Z_j, Ẑ_j)), and the held-out PSNR at each evaluation, one panel each with a
 * 'sparseland' and a 'PyTorch' line, and the control runs from perturbed weights where
 * `sparseland_perturbed.jsonl` and `pytorch_perturbed.jsonl` exist (`--perturb 1e-6` of either script:
 * how far rounding alone takes two runs of the game apart).
 *
 * Usage: `npx tsc -p . && node dist/scripts/ctrl_parity_plot.js [--out out/parity] [--file docs/ctrl_parity.png]`
 */
import {existsSync, readFileSync} from 'fs';
import * as path from 'path';
import {parseArgs} from 'util';
import {ChartPanel, writeLineChart} from '../src/io/line_chart';

const {values: args} = parseArgs({options: {
  out: {type: 'string', default: 'out/parity'},
  file: {type: 'string', default: 'docs/ctrl_parity.png'},
}});

interface LogLine {
  round: number;
  encoder?: Record<string, number>;
  decoder?: Record<string, number>;
  psnr?: number;
}

/** The runs: the two compared, then the optional controls. */
const RUNS: [string, string][] = [['sparseland', 'sparseland.jsonl'], ['PyTorch', 'pytorch.jsonl'],
                                  ['sparseland*', 'sparseland_perturbed.jsonl'], ['PyTorch*', 'pytorch_perturbed.jsonl']];
const TERMS: [string, string][] = [['objective', 'T'], ['deltaRZ', 'ΔR(Z)'], ['deltaRZHat', 'ΔR(Ẑ)'],
                                   ['deltaRPairs', 'Σ_j ΔR(Z_j, Ẑ_j)']];

function read(file: string): LogLine[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as LogLine);
}

async function main(): Promise<void> {
  const logs = RUNS.filter(([, file], i) => i < 2 || existsSync(path.join(args.out!, file)))
    .map(([name, file]) => [name, read(path.join(args.out!, file))] as const);
  const panels: ChartPanel[] = [];
  for (const player of ['encoder', 'decoder'] as const) {
    for (const [key, label] of TERMS) {
      panels.push({
        title: `${label} at the ${player}'s step (${player === 'encoder' ? 'up' : 'down'})`,
        series: logs.map(([name, lines]) => {
          const rows = lines.filter((l) => l[player]?.[key] !== undefined);
          return {name, x: rows.map((l) => l.round), y: rows.map((l) => l[player]![key])};
        }),
      });
    }
  }
  panels.push({
    title: 'held-out PSNR of g(f(x)), 500 test digits', yLabel: 'dB',
    series: logs.map(([name, lines]) => {
      const rows = lines.filter((l) => l.psnr !== undefined);
      return {name, x: rows.map((l) => l.round), y: rows.map((l) => l.psnr!)};
    }),
  });
  const title = 'CSC-CTRL multi-class closed loop on MNIST, sparseland and PyTorch from the same start' +
    (logs.length > 2 ? ' (*: from the weights × (1 + 1e-6 N(0, 1)))' : '');
  await writeLineChart(args.file!, panels, {xLabel: 'round', columns: 3, width: 1500, height: 960, title});
  console.log(`wrote ${args.file}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
