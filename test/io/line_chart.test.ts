import {strict as assert} from 'assert';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import sharp from 'sharp';
import {ChartPanel, lineChartPng, writeLineChart} from '../../src/io/line_chart';

const x = Array.from({length: 50}, (_, i) => i);
const rising: ChartPanel = {title: 'rising', yLabel: 'y', series: [{name: 'a', x, y: x.map((i) => i * i)}]};

/** The decoded RGBA pixels and size of a PNG. */
async function pixels(png: Buffer): Promise<{width: number; height: number; data: Buffer}> {
  const {data, info} = await sharp(png).raw().toBuffer({resolveWithObject: true});
  return {width: info.width, height: info.height, data};
}

describe('lineChartPng', () => {
  it('renders a grid of panels to a PNG of the asked size', async () => {
    const panels: ChartPanel[] = [
      rising,
      {title: 'two series', series: [{name: 'encoder', x, y: x.map(Math.sin)}, {name: 'decoder', x, y: x.map(Math.cos)}]},
      {title: 'log', logY: true, series: [{name: 'lr', x, y: x.map((i) => 10 ** -i / 10)}]},
      {title: 'one point', series: [{name: 'psnr', x: [3], y: [12]}]},
    ];
    const png = await lineChartPng(panels, {columns: 2, width: 700, height: 500, xLabel: 'round', title: 'run'});
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    assert.deepEqual([meta.width, meta.height], [700, 500]);
    // Default size: 380 × 260 per panel, three panels per row.
    const defaults = await sharp(await lineChartPng(panels)).metadata();
    assert.deepEqual([defaults.width, defaults.height], [3 * 380, 2 * 260]);
  });

  it('draws different series differently, and leaves non-finite values out', async () => {
    const a = await pixels(await lineChartPng([rising], {width: 300, height: 200}));
    const falling = {...rising, series: [{name: 'a', x, y: x.map((i) => (49 - i) ** 2)}]};
    const b = await pixels(await lineChartPng([falling], {width: 300, height: 200}));
    assert.equal(a.data.length, b.data.length);
    let differing = 0;
    for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) differing++;
    assert.ok(differing > 100, `${differing} differing bytes`);
    // A NaN or an infinity is the same as leaving the point out.
    const gaps = {...rising, series: [{name: 'a', x, y: x.map((i) => (i === 10 ? NaN : i === 20 ? Infinity : i * i))}]};
    const without = {...rising, series: [{name: 'a', x: x.filter((i) => i !== 10 && i !== 20),
                                          y: x.filter((i) => i !== 10 && i !== 20).map((i) => i * i)}]};
    const c = await pixels(await lineChartPng([gaps], {width: 300, height: 200}));
    const d = await pixels(await lineChartPng([without], {width: 300, height: 200}));
    assert.ok(c.data.equals(d.data));
  });

  it('draws reference values as labelled marks inside the y range', async () => {
    const plain = await pixels(await lineChartPng([rising], {width: 300, height: 200}));
    const marked = await pixels(await lineChartPng([{...rising, references: [{label: 'published', x: 25, y: 600}]}],
                                                   {width: 300, height: 200}));
    let differing = 0;
    for (let i = 0; i < plain.data.length; i++) if (plain.data[i] !== marked.data[i]) differing++;
    assert.ok(differing > 100, `${differing} differing bytes`);
    // A reference far below the curve widens the y axis: the curve is drawn in fewer rows.
    const rowsWithInk = (img: {width: number; height: number; data: Buffer}) => {
      let rows = 0;
      for (let r = 0; r < img.height; r++) {
        let ink = false;
        for (let c = Math.floor(img.width * 0.4); c < img.width * 0.9 && !ink; c++) {
          const k = (r * img.width + c) * 3;
          ink = img.data[k + 2] > img.data[k] + 60; // the first series' blue
        }
        if (ink) rows++;
      }
      return rows;
    };
    const far = await pixels(await lineChartPng([{...rising, references: [{label: 'low', x: 25, y: -20000}]}],
                                                {width: 300, height: 200}));
    assert.ok(rowsWithInk(far) < rowsWithInk(plain) / 2, `${rowsWithInk(far)} rows against ${rowsWithInk(plain)}`);
  });

  it('rejects bad arguments with named errors', async () => {
    await assert.rejects(lineChartPng([]), /lineChartPng: panels must be a non-empty array of panels, got \[\]/);
    await assert.rejects(lineChartPng([{title: 't', series: [{name: 'a', x: [1, 2, 3], y: [1, 2]}]}]),
                         /lineChartPng: panels\[0\]\.series\[0\]\.y must be as many values as x \(3\), got '2 values'/);
    await assert.rejects(lineChartPng([rising, {title: 't', series: []}]),
                         /lineChartPng: panels\[1\]\.series must be a non-empty array of series/);
    await assert.rejects(lineChartPng([{title: 't', series: [{name: 'a', x: [1, NaN], y: [1, 2]}]}]),
                         /lineChartPng: panels\[0\]\.series\[0\]\.x must be an array of finite numbers/);
    await assert.rejects(lineChartPng([{title: 't', series: [{name: 'a', x: [1], y: [1]}, {name: 'a', x: [1], y: [2]}]}]),
                         /lineChartPng: panels\[0\]\.series\[1\]\.name must be a string unique in its panel, got 'a'/);
    await assert.rejects(lineChartPng([{...rising, references: [{label: 'p', x: 1, y: NaN}]}]),
                         /lineChartPng: panels\[0\]\.references\[0\] must be \{label: string, x and y finite numbers\}/);
    await assert.rejects(lineChartPng([{...rising, references: 'p' as never}]),
                         /lineChartPng: panels\[0\]\.references must be an array of \{label, x, y\}, got 'p'/);
    await assert.rejects(lineChartPng([rising], {columns: 0}), /lineChartPng: options\.columns must be a positive integer, got 0/);
    await assert.rejects(lineChartPng([rising], {width: 10.5}), /lineChartPng: options\.width must be a positive integer, got 10\.5/);
  });
});

describe('writeLineChart', () => {
  it('writes the PNG atomically, creating its folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sparseland-chart-'));
    try {
      const file = path.join(dir, 'run', 'curves.png');
      await writeLineChart(file, [rising], {width: 320, height: 240});
      const meta = await sharp(readFileSync(file)).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['png', 320, 240]);
      assert.deepEqual(readdirSync(path.dirname(file)), ['curves.png']);
      await assert.rejects(writeLineChart('', [rising]), /writeLineChart: file must be a file path, got ''/);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
