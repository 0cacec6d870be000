import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {spawnSync} from 'child_process';
import {mkdtempSync, rmSync} from 'fs';
import {promises as fs} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import sharp from 'sharp';
import {imageFolder, ImageFolderOptions} from '../../src/data/image_folder';
import {ShardedImageDataset} from '../../src/data/sharded_dataset';
import {expectClose} from '../helpers';
import {describeDatasetOrder, epoch, imageKeys} from './dataset_checks';

type Rgb = [number, number, number];

/** Writes a `w × h` RGB image whose pixel (x, y) is `colour(x, y)`. */
async function writeImage(file: string, w: number, h: number, colour: (x: number, y: number) => Rgb,
                          format: 'png' | 'jpeg' = 'png'): Promise<void> {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set(colour(x, y), (y * w + x) * 3);
  }
  await fs.mkdir(path.dirname(file), {recursive: true});
  const image = sharp(raw, {raw: {width: w, height: h, channels: 3}});
  await (format === 'png' ? image.png() : image.jpeg({quality: 100, chromaSubsampling: '4:4:4'})).toFile(file);
}

const CLASSES = ['cat', 'dog', 'emu'];

/** Left and right colours of image `i` of class `c`: every image, and every mirror image, differs. */
function halves(c: number, i: number): [Rgb, Rgb] {
  return [[40 + 60 * c, 20 + 40 * i, 200], [200, 20 + 40 * i, 40 + 60 * c]];
}

/**
 * `root/train/{cat,dog,emu}/` with 5 two-colour 40×30 PNGs each, a corrupt `dog/broken.JPEG`, a
 * `cat/notes.txt` and an empty class folder `empty/`.
 */
async function makeFolder(root: string): Promise<void> {
  for (const [c, name] of CLASSES.entries()) {
    for (let i = 0; i < 5; i++) {
      const [left, right] = halves(c, i);
      await writeImage(path.join(root, 'train', name, `img${i}.png`), 40, 30, (x) => x < 20 ? left : right);
    }
  }
  await fs.writeFile(path.join(root, 'train', 'dog', 'broken.JPEG'), Buffer.from('\xff\xd8\xff junk, not a JPEG'));
  await fs.writeFile(path.join(root, 'train', 'cat', 'notes.txt'), 'not an image');
  await fs.mkdir(path.join(root, 'train', 'empty'));
}

describe('imageFolder: image folders streamed from a shard cache', () => {
  let base: string;
  let counter = 0;
  /** A fresh folder with the standard layout. */
  async function freshFolder(): Promise<string> {
    const root = path.join(base, `set${counter++}`);
    await makeFolder(root);
    return root;
  }
  async function open(root: string, extra: Partial<ImageFolderOptions> = {}) {
    const warnings: string[] = [];
    const progress: Array<[number, number]> = [];
    const ds = await imageFolder({root, size: 8, shardSize: 2, warn: (m) => warnings.push(m),
                                  onProgress: (done, total) => progress.push([done, total]), ...extra});
    return {ds, warnings, progress};
  }
  async function shardTimes(ds: ShardedImageDataset): Promise<Map<string, number>> {
    const times = new Map<string, number>();
    for (const s of ds.shards) times.set(s.file, (await fs.stat(path.join(ds.cacheDir, s.file))).mtimeMs);
    return times;
  }

  before(() => {
    base = mkdtempSync(path.join(tmpdir(), 'sparseland-folder-'));
  });
  after(() => rmSync(base, {recursive: true, force: true}));

  describe('a folder of 3 classes × 5 images, a corrupt JPEG, a text file and an empty class (size 8, shardSize 2)', () => {
    let root: string;
    let opened: Awaited<ReturnType<typeof open>>;
    before(async () => {
      root = await freshFolder();
      opened = await open(root);
    });

    it('counts, classes in sorted folder order, shapes and labels', async () => {
      const {ds} = opened;
      assert.equal(ds.count, 15);
      assert.deepEqual(ds.classes, CLASSES);
      assert.deepEqual(ds.imageShape, [8, 8, 3]);
      assert.equal(ds.name, `${path.basename(root)}-train`);
      assert.equal(ds.shards.length, 8);   // 16 planned files, 2 per shard
      const {images, labels} = await ds.take(15);
      assert.deepEqual(images.shape, [15, 8, 8, 3]);
      const values = images.dataSync();
      const l = labels.dataSync();
      // The top-left pixel is the left colour: its blue channel is 200, its red tells the class.
      for (let i = 0; i < 15; i++) {
        const [r, , b] = values.subarray(i * 192, i * 192 + 3);
        expectClose([b], [200 / 127.5 - 1], 1.5 / 127.5);
        assert.ok(l[i] === Math.round(((r + 1) * 127.5 - 40) / 60), `label of image ${i}`);
      }
      assert.deepEqual([0, 1, 2].map((c) => Array.from(l).filter((x) => x === c).length), [5, 5, 5]);
      tf.dispose([images, labels]);
    });

    it('the storage order mixes the classes: the first 6 images are not all of one class', async () => {
      const {images, labels} = await opened.ds.take(6);
      assert.ok(new Set(labels.dataSync()).size > 1);
      tf.dispose([images, labels]);
    });

    it('one warning for the files that are not images (by name or content), one for the empty class', () => {
      assert.equal(opened.warnings.length, 2, opened.warnings.join('\n'));
      assert.match(opened.warnings[0], /skipped 1 empty class folder \(no images\) in '.*': empty$/);
      assert.match(opened.warnings[1], /skipped 2 files that are not images in '.*': cat\/notes\.txt, dog\/broken\.JPEG$/);
    });

    it('reports progress while building: one call per decoded file, ending at (16, 16)', () => {
      assert.equal(opened.progress.length, 16);
      assert.deepEqual(opened.progress.at(-1), [16, 16]);
      assert.deepEqual(opened.progress.map(([d]) => d), Array.from({length: 16}, (_, i) => i + 1));
    });

    it('reuses the cache on a second open: no decoding, shard files untouched, same images', async () => {
      const first = await opened.ds.take(15);
      const times = await shardTimes(opened.ds);
      const again = await open(root);
      assert.equal(again.progress.length, 0, 'nothing decoded');
      assert.deepEqual(await shardTimes(again.ds), times);
      assert.equal(again.warnings.length, 2, 'the same warnings');
      const second = await again.ds.take(15);
      expectClose(second.images, first.images, 0);
      assert.deepEqual(Array.from(second.labels.dataSync()), Array.from(first.labels.dataSync()));
      tf.dispose([first.images, first.labels, second.images, second.labels]);
    });

    it('holds at most 2 shards at once over shuffled epochs, reading each shard once per epoch', async () => {
      const {ds} = await open(root);
      const keys = await imageKeys(ds);   // take(): one shard at a time
      assert.equal(ds.shardStats.maxHeld, 1);
      const reads = ds.shardStats.reads;
      await epoch(ds, keys, {batchSize: 3, dropLast: false, seed: 1, flip: true});
      assert.equal(ds.shardStats.reads - reads, 8);
      assert.equal(ds.shardStats.maxHeld, 2);
      assert.equal(ds.shardStats.held, 0, 'every shard released at the end of the epoch');
      // Breaking out of an epoch releases its shards too.
      for await (const batch of ds.batches({batchSize: 2, seed: 4, startBatch: 2})) {
        tf.dispose([batch.images, batch.labels]);
        break;
      }
      assert.equal(ds.shardStats.held, 0);
      assert.equal(ds.shardStats.maxHeld, 2);
    });

    it('an epoch is a sequence of windows: runs that hold every image of 2 shards and nothing else', async () => {
      const {ds} = opened;
      const keys = await imageKeys(ds);
      const starts = ds.shards.map((_, k) => ds.shards.slice(0, k).reduce((t, e) => t + e.count, 0));
      const shardOf = (id: number) => starts.filter((start) => start <= id).length - 1;
      for (const seed of [0, 1, 2]) {
        const {ids} = await epoch(ds, keys, {batchSize: 4, seed, dropLast: false});
        const windows: number[][] = [];
        for (let p = 0; p < ids.length;) {
          // The longest run from p over at most 2 shards must be exactly those shards' images.
          const shards = new Set<number>();
          let q = p;
          while (q < ids.length && new Set([...shards, shardOf(ids[q])]).size <= 2) shards.add(shardOf(ids[q++]));
          assert.equal(q - p, [...shards].reduce((t, k) => t + ds.shards[k].count, 0), `seed ${seed}: run at ${p}`);
          windows.push([...shards]);
          p = q;
        }
        assert.equal(windows.length, 4, `seed ${seed}: 8 shards in 4 windows`);
      }
    });

    describeDatasetOrder(async () => (await open(root)).ds, 4);
  });

  describe('decoding: sizes, crops and pixel values', () => {
    let root: string;
    before(async () => {
      root = path.join(base, 'pixels');
      const val = path.join(root, 'val');
      await writeImage(path.join(val, 'a', 'solid.png'), 40, 30, () => [200, 100, 50]);
      await writeImage(path.join(val, 'b', 'solid.JPEG'), 40, 30, () => [30, 160, 220], 'jpeg');
      await fs.mkdir(path.join(val, 'c'));
      await sharp({create: {width: 30, height: 40, channels: 4, background: {r: 90, g: 20, b: 250, alpha: 1}}})
        .png().toFile(path.join(val, 'c', 'rgba.png'));
      await fs.mkdir(path.join(val, 'd'));
      await sharp({create: {width: 40, height: 40, channels: 3, background: {r: 77, g: 77, b: 77}}})
        .greyscale().png().toFile(path.join(val, 'd', 'grey.png'));
      await fs.mkdir(path.join(val, 'e'));
      await sharp({create: {width: 40, height: 30, channels: 3, background: {r: 200, g: 100, b: 50}}})
        .toColourspace('cmyk').jpeg({quality: 100}).toFile(path.join(val, 'e', 'cmyk.jpg'));
    });

    it('solid colours map to c / 127.5 − 1 (PNG exactly, JPEG within 2 levels; RGBA, grey and CMYK to RGB)', async () => {
      const ds = await imageFolder({root, split: 'val', size: 6, warn: assert.fail});
      assert.deepEqual(ds.classes, ['a', 'b', 'c', 'd', 'e']);
      const {images, labels} = await ds.take(5);
      // CMYK goes through colour profiles both ways: compare with sharp's own sRGB conversion of the file.
      const cmyk = [...await sharp(path.join(root, 'val', 'e', 'cmyk.jpg')).toColourspace('srgb').raw().toBuffer()]
        .slice(0, 3) as Rgb;
      const byLabel = new Map<number, Float32Array>();
      const values = images.dataSync() as Float32Array;
      labels.dataSync().forEach((l, i) => byLabel.set(l, values.subarray(i * 108, (i + 1) * 108)));
      const expected: Array<[Rgb, number]> = [
        [[200, 100, 50], 0], [[30, 160, 220], 2], [[90, 20, 250], 0], [[77, 77, 77], 0], [cmyk, 1]];
      expected.forEach(([rgb, levels], label) => {
        const want = Array.from({length: 36}, () => rgb.map((c) => c / 127.5 - 1)).flat();
        expectClose(byLabel.get(label)!, want, (levels + 0.01) / 127.5);
      });
      const [lo, hi] = [images.min().dataSync()[0], images.max().dataSync()[0]];
      assert.ok(lo >= -1 && hi <= 1);
      tf.dispose([images, labels]);
    });

    it('0 and 255 map to exactly -1 and 1', async () => {
      const r = path.join(base, 'extremes');
      await writeImage(path.join(r, 'train', 'x', 'bw.png'), 4, 4, (x) => x < 2 ? [0, 0, 0] : [255, 255, 255]);
      const ds = await imageFolder({root: r, size: 4});
      const {images, labels} = await ds.take(1);
      const v = images.dataSync();
      assert.deepEqual([v[0], v[1], v[2], v[45], v[46], v[47]], [-1, -1, -1, 1, 1, 1]);
      tf.dispose([images, labels]);
    });

    it('centre crop at scale 1: a 60×20 image of red|green|blue thirds gives the green third; 20×60 the middle band', async () => {
      const r = path.join(base, 'crop');
      const bands: Rgb[] = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
      await writeImage(path.join(r, 'train', 'wide', 'w.png'), 60, 20, (x) => bands[Math.floor(x / 20)]);
      await writeImage(path.join(r, 'train', 'tall', 't.png'), 20, 60, (_, y) => bands[2 - Math.floor(y / 20)]);
      const ds = await imageFolder({root: r, size: 20});
      const {images, labels} = await ds.take(2);
      expectClose(images, new Array(2 * 400).fill([-1, 1, -1]).flat(), 0);
      tf.dispose([images, labels]);
    });

    it('shorter side scaled, then centre crop: an 80×60 black|white image at size 30 has its edge at column 15', async () => {
      const r = path.join(base, 'scale');
      await writeImage(path.join(r, 'train', 'x', 'half.png'), 80, 60, (x) => x < 40 ? [0, 0, 0] : [255, 255, 255]);
      const ds = await imageFolder({root: r, size: 30});
      const {images, labels} = await ds.take(1);
      assert.deepEqual(images.shape, [1, 30, 30, 3]);
      const v = images.dataSync();
      // Scaled to 40×30, the edge at x = 20; the crop keeps x ∈ [5, 35), so the edge is at column 15.
      for (let y = 0; y < 30; y++) {
        for (let x = 0; x < 30; x++) {
          const p = v[(y * 30 + x) * 3];
          if (x <= 12) assert.ok(Math.abs(p + 1) <= 2 / 127.5, `(${x}, ${y}) = ${p}, black`);
          if (x >= 18) assert.ok(Math.abs(p - 1) <= 2 / 127.5, `(${x}, ${y}) = ${p}, white`);
        }
        // Symmetric about the edge: the column pair (14, 15) averages to grey.
        const mid = (v[(y * 30 + 14) * 3] + v[(y * 30 + 15) * 3]) / 2;
        assert.ok(Math.abs(mid) < 0.05, `columns 14–15 of row ${y} average ${mid}`);
      }
      tf.dispose([images, labels]);
    });
  });

  it('an index.json naming a shard outside the cache folder is not read: the cache is rebuilt', async () => {
    const root = await freshFolder();
    const {ds} = await open(root);
    const outside = path.join(base, 'secret.bin');
    await fs.copyFile(path.join(ds.cacheDir, ds.shards[0].file), outside);
    const indexFile = path.join(ds.cacheDir, 'index.json');
    const index = JSON.parse(await fs.readFile(indexFile, 'utf8'));
    index.shards[0].file = path.relative(ds.cacheDir, outside);
    await fs.writeFile(indexFile, JSON.stringify(index));
    const {ds: again, progress} = await open(root);
    assert.ok(progress.length > 0, 'the index was not trusted: the cache was built again');
    assert.ok(again.shards.every((s) => !s.file.includes('..')));
    assert.equal(JSON.parse(await fs.readFile(indexFile, 'utf8')).shards[0].file, ds.shards[0].file);
  });

  it('reads sub-folders of a class and follows symbolic links to class folders and images; warns of broken links', async () => {
    const root = path.join(base, 'links');
    const elsewhere = path.join(base, 'elsewhere');
    await writeImage(path.join(root, 'train', 'real', 'a.png'), 4, 4, () => [10, 10, 10]);
    await writeImage(path.join(root, 'train', 'real', 'sub', 'c.png'), 4, 4, () => [30, 30, 30]);
    await writeImage(path.join(elsewhere, 'b.png'), 4, 4, () => [20, 20, 20]);
    await writeImage(path.join(elsewhere, 'd.png'), 4, 4, () => [40, 40, 40]);
    await fs.symlink(elsewhere, path.join(root, 'train', 'linked'));
    await fs.symlink(path.join(elsewhere, 'd.png'), path.join(root, 'train', 'real', 'd.png'));
    await fs.symlink(path.join(base, 'no-such-file.png'), path.join(root, 'train', 'real', 'broken.png'));
    const warnings: string[] = [];
    const ds = await imageFolder({root, size: 4, warn: (m) => warnings.push(m)});
    assert.deepEqual(warnings, [`imageFolder: skipped 1 broken symbolic link (the target does not exist) in ` +
                                `'${path.join(root, 'train')}': real/broken.png → ${path.join(base, 'no-such-file.png')}`]);
    assert.deepEqual(ds.classes, ['linked', 'real']);
    assert.equal(ds.count, 5);   // linked: b, d; real: a, d, sub/c
    const {images, labels} = await ds.take(5);
    const grey = Array.from({length: 5}, (_, i) => Math.round((images.dataSync()[i * 48] + 1) * 127.5));
    const pairs = grey.map((g, i) => `${labels.dataSync()[i]}:${g}`).sort();
    assert.deepEqual(pairs, ['0:20', '0:40', '1:10', '1:30', '1:40']);
    tf.dispose([images, labels]);
  });

  describe('symbolic link loops', () => {
    /** `root/train/{cat,dog}/` with one image each. */
    async function twoClasses(name: string): Promise<string> {
      const root = path.join(base, name);
      await writeImage(path.join(root, 'train', 'cat', 'a.png'), 4, 4, () => [10, 10, 10]);
      await writeImage(path.join(root, 'train', 'dog', 'b.png'), 4, 4, () => [20, 20, 20]);
      return root;
    }

    it('a folder linked to its parent: an error naming the link and its target', async () => {
      const root = await twoClasses('loop-parent');
      const train = path.join(root, 'train');
      await fs.symlink('..', path.join(train, 'cat', 'up'));
      await assert.rejects(imageFolder({root, size: 4, warn: () => undefined}), (e: Error) => {
        assert.equal(e.message, `imageFolder: the symbolic link '${path.join(train, 'cat', 'up')}' points to '..', ` +
                                `which leads back to '${train}', a folder that contains the link: a loop; remove or change the link`);
        return true;
      });
      assert.ok(!(await fs.readdir(root)).includes('.sparseland-cache'), 'nothing written');
    });

    it('two links that lead to each other, and a link to itself', async () => {
      const root = await twoClasses('loop-pair');
      const train = path.join(root, 'train');
      await fs.symlink('../dog', path.join(train, 'cat', 'to-dog'));
      await fs.symlink('../cat', path.join(train, 'dog', 'to-cat'));
      // Listing cat: cat/to-dog is dog, whose to-cat is cat again.
      await assert.rejects(imageFolder({root, size: 4, warn: () => undefined}),
                           new RegExp(`the symbolic link '${train}/cat/to-dog/to-cat' points to '../cat', ` +
                                      `which leads back to '${train}/cat', a folder that contains the link: a loop`));
      await fs.rm(path.join(train, 'dog', 'to-cat'));
      await fs.rm(path.join(train, 'cat', 'to-dog'));
      await fs.symlink('self.png', path.join(train, 'dog', 'self.png'));
      await assert.rejects(imageFolder({root, size: 4, warn: () => undefined}),
                           new RegExp(`the symbolic link '${train}/dog/self.png' points to 'self.png', which cannot be followed \\(ELOOP`));
    });

    it('two links to one folder, side by side, are no loop: its images are read twice', async () => {
      const root = await twoClasses('no-loop');
      const train = path.join(root, 'train');
      await fs.symlink('../dog', path.join(train, 'cat', 'one'));
      await fs.symlink('../dog', path.join(train, 'cat', 'two'));
      const ds = await imageFolder({root, size: 4, warn: assert.fail});
      assert.equal(ds.count, 4);   // cat: a, one/b, two/b; dog: b
    });
  });

  describe('the cache follows the folder and survives killed builds', () => {
    it('adding a file rebuilds the cache (16 images, all decoded again); so does touching one', async () => {
      const root = await freshFolder();
      const first = await open(root);
      await writeImage(path.join(root, 'train', 'emu', 'new.png'), 40, 30, () => [1, 2, 3]);
      const second = await open(root);
      assert.equal(second.ds.count, 16);
      assert.equal(second.progress.length, 17);
      assert.notDeepEqual(second.ds.shards.map((s) => s.file), first.ds.shards.map((s) => s.file));
      // Old shards are gone.
      const names = await fs.readdir(second.ds.cacheDir);
      assert.deepEqual(names.sort(), [...second.ds.shards.map((s) => s.file), 'index.json'].sort());
      const later = new Date(Date.now() + 5000);
      await fs.utimes(path.join(root, 'train', 'cat', 'img0.png'), later, later);
      assert.equal((await open(root)).progress.length, 17);
    });

    it('a size or shard size of its own gets a cache of its own', async () => {
      const root = await freshFolder();
      const a = await open(root, {size: 6});
      const b = await open(root, {size: 8});
      assert.notEqual(a.ds.cacheDir, b.ds.cacheDir);
      assert.deepEqual(a.ds.imageShape, [6, 6, 3]);
      const c = await open(root, {size: 8, shardSize: 3});
      assert.equal(c.ds.shards.length, 6);   // ⌈16 / 3⌉
      assert.equal(c.progress.length, 16, 'rebuilt');
      assert.equal((await open(root, {size: 6})).progress.length, 0, 'the size-6 cache is still there');
    });

    it('missing index, a missing shard, a truncated shard and a stray temporary: rebuilds just what is missing', async () => {
      const root = await freshFolder();
      const {ds} = await open(root);
      const expected = await ds.take(15);
      const times = await shardTimes(ds);
      const dir = ds.cacheDir;
      const [gone, cut] = [ds.shards[3].file, ds.shards[5].file];
      await fs.rm(path.join(dir, 'index.json'));
      await fs.rm(path.join(dir, gone));
      const bytes = await fs.readFile(path.join(dir, cut));
      await fs.writeFile(path.join(dir, cut), bytes.subarray(0, bytes.length - 7));
      const stray = `${ds.shards[0].file}.999999999.1.tmp`;   // left by a killed writer (no such process)
      await fs.writeFile(path.join(dir, stray), 'half a shard');

      const again = await open(root);
      // 6 shards reused (one progress call each), 2 shards of 2 files decoded.
      assert.equal(again.progress.length, 6 + 2 + 2);
      const after = await shardTimes(again.ds);
      for (const [file, time] of times) {
        if (file !== gone && file !== cut) assert.equal(after.get(file), time, `${file} reused`);
      }
      assert.ok(!(await fs.readdir(dir)).includes(stray), 'stray temporary removed');
      const got = await again.ds.take(15);
      expectClose(got.images, expected.images, 0);
      assert.deepEqual(Array.from(got.labels.dataSync()), Array.from(expected.labels.dataSync()));
      tf.dispose([expected.images, expected.labels, got.images, got.labels]);
    });

    it('a process killed while building: the next open reuses the finished shards and decodes the rest', async function () {
      this.timeout(120000);
      const root = await freshFolder();
      const script = path.join(base, 'killed_build.ts');
      // Killed (SIGKILL, no clean-up) while decoding the 7th file: shards 0–2 are done, shard 3 is half decoded.
      await fs.writeFile(script, `
        import {imageFolder} from ${JSON.stringify(path.resolve(__dirname, '../../src/data/image_folder'))};
        imageFolder({root: ${JSON.stringify(root)}, size: 8, shardSize: 2, warn: () => undefined,
                     onProgress: (done) => { if (done === 7) process.kill(process.pid, 'SIGKILL'); }});
      `);
      const child = spawnSync(process.execPath, ['--import', 'tsx', script], {encoding: 'utf8'});
      assert.equal(child.signal, 'SIGKILL', child.stderr);
      const dir = path.join(root, '.sparseland-cache', 'train-8');
      const left = await fs.readdir(dir);
      assert.equal(left.filter((f) => f.endsWith('.bin')).length, 3, left.join());
      assert.ok(!left.includes('index.json'));

      const again = await open(root);
      assert.equal(again.progress.length, 3 + 10, '3 shards reused, 10 files decoded');
      const clean = await open(await freshFolder());
      const [a, b] = [await again.ds.take(15), await clean.ds.take(15)];
      expectClose(a.images, b.images, 0);
      assert.deepEqual(Array.from(a.labels.dataSync()), Array.from(b.labels.dataSync()));
      tf.dispose([a.images, a.labels, b.images, b.labels]);
    });

    it('a shard changed under an open data set is reported with the cache folder to delete', async () => {
      const root = await freshFolder();
      const {ds} = await open(root);
      await fs.writeFile(path.join(ds.cacheDir, ds.shards[0].file), 'garbage');
      await assert.rejects(ds.take(15), /the cache file '.*' is not the shard that the cache index describes; delete the folder/);
      assert.equal(ds.shardStats.held, 0);
    });
  });

  describe('errors', () => {
    it('a missing root, a missing split folder', async () => {
      const missing = path.join(base, 'nowhere');
      await assert.rejects(imageFolder({root: missing, size: 8}), /imageFolder: root '.*nowhere' is not a folder \(or does not exist\)/);
      const root = await freshFolder();
      await assert.rejects(imageFolder({root, split: 'val', size: 8}),
                           /imageFolder: '.*val' is not a folder \(or does not exist\); expected the layout root\/val\/<class>\/<image>/);
    });

    it('images directly in root/train: says which layout is expected', async () => {
      const root = path.join(base, 'flat');
      await writeImage(path.join(root, 'train', 'a.png'), 4, 4, () => [1, 2, 3]);
      await writeImage(path.join(root, 'train', 'b.png'), 4, 4, () => [1, 2, 3]);
      await assert.rejects(imageFolder({root, size: 8}),
                           /no class folders in '.*train' \(it holds 2 files directly, e.g. 'a.png'\); expected one folder per class: root\/train\/<class>\/<image>/);
    });

    it('every class folder empty, or every image unreadable', async () => {
      const root = path.join(base, 'empties');
      await fs.mkdir(path.join(root, 'train', 'a'), {recursive: true});
      await fs.mkdir(path.join(root, 'train', 'b'));
      await fs.writeFile(path.join(root, 'train', 'b', 'readme.md'), 'x');
      await assert.rejects(imageFolder({root, size: 8}), /no images in any of the 2 class folders of '.*train'/);
      await fs.writeFile(path.join(root, 'train', 'b', 'bad.png'), 'not a png');
      const warnings: string[] = [];
      await assert.rejects(imageFolder({root, size: 8, warn: (m) => warnings.push(m)}),
                           /none of the 1 image file in '.*train' could be decoded \(1 failed, named in the warning\); nothing was written/);
      assert.match(warnings.join('\n'), /skipped 2 files that are not images in '.*': b\/bad\.png, b\/readme\.md/);
    });

    it('a folder where no image decodes writes nothing: no cache folder, no shard, no index', async () => {
      const root = path.join(base, 'undecodable');
      for (const name of ['a/1.png', 'a/2.jpg', 'b/3.png']) {
        await fs.mkdir(path.dirname(path.join(root, 'train', name)), {recursive: true});
        await fs.writeFile(path.join(root, 'train', name), 'not an image');
      }
      const warnings: string[] = [];
      await assert.rejects(imageFolder({root, size: 8, shardSize: 1, warn: (m) => warnings.push(m)}),
                           /imageFolder: none of the 3 image files in '.*undecodable.train' could be decoded \(3 failed/);
      assert.match(warnings.join('\n'), /skipped 3 files that are not images .*: a\/1\.png, a\/2\.jpg, b\/3\.png/);
      assert.deepEqual((await fs.readdir(root)).sort(), ['train'], 'the default cache folder is not created');
      // A cache folder that exists already stays as it was.
      const cacheDir = path.join(base, 'undecodable-cache');
      await fs.mkdir(cacheDir);
      await assert.rejects(imageFolder({root, size: 8, shardSize: 1, cacheDir, warn: () => undefined}), /none of the 3/);
      assert.deepEqual(await fs.readdir(cacheDir), []);
    });

    it('shards in which nothing decoded are still written when another shard has images', async () => {
      const root = path.join(base, 'mostly-undecodable');
      await fs.mkdir(path.join(root, 'train', 'a'), {recursive: true});
      for (const name of ['1.png', '2.png', '3.png']) await fs.writeFile(path.join(root, 'train', 'a', name), 'not an image');
      await writeImage(path.join(root, 'train', 'a', '4.png'), 4, 4, () => [1, 2, 3]);
      const ds = await imageFolder({root, size: 4, shardSize: 1, warn: () => undefined});
      assert.equal(ds.count, 1);
      assert.deepEqual((await fs.readdir(ds.cacheDir)).sort(), [...ds.shards.map((s) => s.file), 'index.json'].sort());
      assert.equal(ds.shards.length, 4);
      const times = await shardTimes(ds);
      const again = await imageFolder({root, size: 4, shardSize: 1, warn: () => undefined});
      assert.deepEqual(await shardTimes(again), times, 'all 4 shards reused');
    });

    it('rejects bad options, naming them', async () => {
      const root = await freshFolder();
      const bad: Array<[unknown, RegExp]> = [
        [null, /imageFolder: options must be an object, got null/],
        [{size: 8}, /imageFolder: root must be a folder path, got undefined/],
        [{root: '', size: 8}, /imageFolder: root must be a folder path, got ''/],
        [{root}, /imageFolder: size must be a positive integer, got undefined/],
        [{root, size: 0}, /imageFolder: size must be a positive integer, got 0/],
        [{root, size: 7.5}, /imageFolder: size must be a positive integer, got 7.5/],
        [{root, size: 8, split: 'test'}, /imageFolder: split must be one of 'train', 'val', got 'test'/],
        [{root, size: 8, shardSize: 0}, /imageFolder: shardSize must be a positive integer, got 0/],
        [{root, size: 1024, shardSize: 1024}, /imageFolder: shardSize must be at most 682 at size 1024 \(a shard must fit in 2 GiB\), got 1024/],
        [{root, size: 8, cacheDir: 5}, /imageFolder: cacheDir must be a folder path, got 5/],
        [{root, size: 8, onProgress: 'yes'}, /imageFolder: onProgress must be a function, got 'yes'/],
        [{root, size: 8, warn: true}, /imageFolder: warn must be a function, got true/],
      ];
      for (const [options, pattern] of bad) await assert.rejects(imageFolder(options as ImageFolderOptions), pattern);
    });

    it('a cache folder that cannot be created', async () => {
      const root = await freshFolder();
      const file = path.join(base, 'a-file');
      await fs.writeFile(file, 'x');
      await assert.rejects(imageFolder({root, size: 8, cacheDir: path.join(file, 'cache'), warn: () => undefined}),
                           /cannot create the cache folder '.*a-file.cache' \(.*\); choose another with the cacheDir option/);
    });
  });
});
