/**
 * Line charts as PNG (training curves): a grid of panels, each with its own y scale and a legend
 * of its series. The chart is a Vega-Lite specification compiled and rendered to SVG by Vega in
 * Node (no browser, no canvas), and rasterised by sharp.
 */
import {promises as fs} from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import {writeFileAtomic} from './atomic_write';
import * as v from '../util/validate';

const NAME = 'lineChartPng';

/** One curve: `y[i]` at `x[i]`. */
export interface ChartSeries {
  /** The legend's name of the curve. */
  name: string;
  x: number[];
  /** As many values as `x`; non-finite ones (and, on a log scale, those ≤ 0) are not plotted. */
  y: number[];
}

/** One chart of the grid. */
export interface ChartPanel {
  title: string;
  /** Title of the y axis. Default none. */
  yLabel?: string;
  series: ChartSeries[];
  /** Logarithmic y scale. Default false. */
  logY?: boolean;
  /** Single values to compare with (published figures): black diamonds with their label. Default none. */
  references?: ChartReference[];
}

/** One value to compare with, drawn as a labelled diamond at `(x, y)`. */
export interface ChartReference {
  label: string;
  x: number;
  y: number;
}

export interface ChartOptions {
  /** Title of every x axis. Default none. */
  xLabel?: string;
  /** Panels per row (at most the number of panels). Default 3. */
  columns?: number;
  /** Width of the picture in pixels. Default 380 per column. */
  width?: number;
  /** Height of the picture in pixels. Default 260 per row. */
  height?: number;
  /** Title above the grid. Default none. */
  title?: string;
}

/** Panels with at most this many series have their legend in one row above the plot. */
const LEGEND_ROW = 4;

/** Series with at most this many points are drawn with a dot at each point (one point shows no line). */
const DOTTED_POINTS = 40;

/** Checks every panel and series; returns the points to plot of each panel as Vega-Lite data rows. */
function panelRows(panels: unknown): {x: number; y: number; series: string}[][] {
  if (!Array.isArray(panels) || panels.length === 0) v.reject(NAME, 'panels', 'a non-empty array of panels', panels);
  return panels.map((panel: ChartPanel, p) => {
    const at = `panels[${p}]`;
    if (typeof panel !== 'object' || panel === null) v.reject(NAME, at, 'an object {title, series}', panel);
    if (typeof panel.title !== 'string') v.reject(NAME, `${at}.title`, 'a string', panel.title);
    if (panel.yLabel !== undefined && typeof panel.yLabel !== 'string') v.reject(NAME, `${at}.yLabel`, 'a string', panel.yLabel);
    const logY = v.bool(NAME, `${at}.logY`, panel.logY ?? false);
    if (!Array.isArray(panel.series) || panel.series.length === 0) {
      v.reject(NAME, `${at}.series`, 'a non-empty array of series', panel.series);
    }
    if (panel.references !== undefined && !Array.isArray(panel.references)) {
      v.reject(NAME, `${at}.references`, 'an array of {label, x, y}', panel.references);
    }
    (panel.references ?? []).forEach((r, i) => {
      if (typeof r !== 'object' || r === null || typeof r.label !== 'string' ||
          ![r.x, r.y].every((n) => typeof n === 'number' && Number.isFinite(n))) {
        v.reject(NAME, `${at}.references[${i}]`, '{label: string, x and y finite numbers}', r);
      }
    });
    const names = new Set<string>();
    return panel.series.flatMap((s: ChartSeries, i) => {
      const sat = `${at}.series[${i}]`;
      if (typeof s !== 'object' || s === null) v.reject(NAME, sat, 'an object {name, x, y}', s);
      if (typeof s.name !== 'string' || names.has(s.name)) v.reject(NAME, `${sat}.name`, 'a string unique in its panel', s.name);
      names.add(s.name);
      if (!Array.isArray(s.x) || !s.x.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        v.reject(NAME, `${sat}.x`, 'an array of finite numbers', s.x);
      }
      if (!Array.isArray(s.y) || !s.y.every((y) => typeof y === 'number')) v.reject(NAME, `${sat}.y`, 'an array of numbers', s.y);
      if (s.y.length !== s.x.length) {
        v.reject(NAME, `${sat}.y`, `as many values as x (${s.x.length})`, `${s.y.length} values`);
      }
      return s.x.map((x, k) => ({x, y: s.y[k], series: s.name}))
        .filter(({y}) => Number.isFinite(y) && (!logY || y > 0));
    });
  });
}

/** The Vega-Lite specification of the grid, each panel's plot area `plotWidth × plotHeight`. */
function chartSpec(panels: ChartPanel[], rows: {x: number; y: number; series: string}[][], columns: number,
                   xLabel: string | undefined, title: string | undefined, plotWidth: number, plotHeight: number) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(title !== undefined ? {title} : {}),
    background: 'white',
    columns,
    resolve: {scale: {x: 'independent', y: 'independent', color: 'independent'}},
    concat: panels.map((panel, p) => {
      const x = {field: 'x', type: 'quantitative', title: xLabel ?? null, scale: {zero: false}, axis: {format: '~f'}};
      const y = {field: 'y', type: 'quantitative', title: panel.yLabel ?? null,
                 scale: panel.logY ? {type: 'log'} : {zero: false}, axis: {format: panel.logY ? '~e' : '~f'}};
      const lines = {
        data: {values: rows[p]},
        mark: {type: 'line', point: Math.max(...panel.series.map((s) => s.x.length)) <= DOTTED_POINTS},
        encoding: {
          x, y,
          color: {field: 'series', type: 'nominal', title: null, scale: {domain: panel.series.map((s) => s.name)},
                  // A few series: one row above the plot; more: a column beside it, which does not widen with them.
                  legend: panel.series.length <= LEGEND_ROW
                    ? {orient: 'top', direction: 'horizontal', labelLimit: 0}
                    : {orient: 'right', direction: 'vertical', labelLimit: 0}},
        },
      };
      const references = panel.references ?? [];
      const layers = references.length === 0 ? [lines] : [
        lines,
        {data: {values: references}, mark: {type: 'point', shape: 'diamond', filled: true, color: 'black', size: 70},
         encoding: {x, y}},
        {data: {values: references}, mark: {type: 'text', align: 'right', dx: -8, fontSize: 11},
         encoding: {x, y, text: {field: 'label'}}},
      ];
      return {title: panel.title, width: plotWidth, height: plotHeight, layer: layers};
    }),
  };
}

/** Compiles a Vega-Lite specification and renders it to SVG with Vega (headless, no canvas). */
async function renderSvg(spec: object): Promise<Buffer> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec as any).spec), {renderer: 'none'});
  try {
    return Buffer.from(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Renders one line chart per panel (a grid of `columns` panels, each with its own y scale, a
 * legend of series names) to PNG bytes of exactly `width × height` pixels.
 *
 * The panels' plot areas are sized so that the picture, with its axes, titles and legends,
 * fills `width × height`: a first rendering measures what the axes and legends take, a second
 * one gives the plot areas the rest, and the result is scaled to fit and centred on white.
 */
export async function lineChartPng(panels: ChartPanel[], options: ChartOptions = {}): Promise<Buffer> {
  const rows = panelRows(panels);
  if (typeof options !== 'object' || options === null) v.reject(NAME, 'options', 'an object', options);
  const columns = Math.min(v.positiveInt(NAME, 'options.columns', options.columns ?? Math.min(panels.length, 3)),
                           panels.length);
  const gridRows = Math.ceil(panels.length / columns);
  const width = v.positiveInt(NAME, 'options.width', options.width ?? 380 * columns);
  const height = v.positiveInt(NAME, 'options.height', options.height ?? 260 * gridRows);
  for (const key of ['xLabel', 'title'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'string') v.reject(NAME, `options.${key}`, 'a string', options[key]);
  }
  const render = (plotWidth: number, plotHeight: number) =>
    renderSvg(chartSpec(panels, rows, columns, options.xLabel, options.title, plotWidth, plotHeight));
  // The axes, titles and legends take about the same room whatever the plot areas' size.
  const guessWidth = Math.max(20, Math.floor(width / columns) - 120);
  const guessHeight = Math.max(20, Math.floor(height / gridRows) - 70);
  const first = await sharp(await render(guessWidth, guessHeight)).metadata();
  const plotWidth = Math.max(20, guessWidth + Math.floor((width - first.width) / columns));
  const plotHeight = Math.max(20, guessHeight + Math.floor((height - first.height) / gridRows));
  const svg = await render(plotWidth, plotHeight);
  const natural = await sharp(svg).metadata();
  const density = 72 * Math.min(width / natural.width, height / natural.height);
  return sharp(svg, {density})
    .resize(width, height, {fit: 'contain', background: 'white'})
    .flatten({background: 'white'})
    .png()
    .toBuffer();
}

/** {@link lineChartPng} written to `file` atomically (its folder is created). */
export async function writeLineChart(file: string, panels: ChartPanel[], options: ChartOptions = {}): Promise<void> {
  if (typeof file !== 'string' || file === '') v.reject('writeLineChart', 'file', 'a file path', file);
  const png = await lineChartPng(panels, options);
  await fs.mkdir(path.dirname(file), {recursive: true});
  await writeFileAtomic(file, png);
}
