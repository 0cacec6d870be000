/**
 * Image folders (`root/<split>/<class>/<image>`, the ImageNet and torchvision `ImageFolder`
 * layout) as a streamed `ImageDataset`.
 *
 * The images are decoded once with sharp: each is scaled so that its shorter side is `size`
 * (Lanczos-3), centre-cropped to `size × size` and converted to 8-bit sRGB (an alpha channel is
 * dropped, EXIF orientation is not applied, as torchvision's loader does); then they are stored,
 * in a fixed pseudo-random order that mixes the classes, as shards of `shardSize` images
 * (`shards.ts`) beside an `index.json`. The index records a fingerprint of the source files
 * (relative names, sizes and modification times), the size and the shard size: when any of
 * them changes, the cache is rebuilt. Shard files carry the fingerprint in their names and are
 * renamed into place only when complete, and the index is written last, so a build killed at
 * any moment restarts where it stopped.
 */
import {createHash} from 'crypto';
import {Dirent, promises as fs} from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import * as d from './dataset';
import {ShardedImageDataset, ShardEntry} from './sharded_dataset';
import {inspectShard, ShardBuilder} from './shards';
import {removeStaleTemporaries, writeFileAtomic} from '../io/atomic_write';
import * as v from '../util/validate';

const OWNER = 'imageFolder';
/** Bumped whenever the decoding or the shard format changes, so that old caches are rebuilt. */
const FORMAT = 1;
const INDEX = 'index.json';
const SHARD_NAME = /^shard-[0-9a-f]{16}-\d{5}\.bin$/;
const IMAGE_EXTENSIONS = new Set(['.jpeg', '.jpg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);
/** Images decoded at once while building a shard. */
const DECODE_CONCURRENCY = 4;
/** Files examined at once while listing the folder. */
const STAT_CONCURRENCY = 32;
/** Names quoted in a warning before "… and N more". */
const NAMES_SHOWN = 10;

export interface ImageFolderOptions {
  /** The data set folder, holding `<split>/<class>/<image>`. */
  root: string;
  /** The subfolder to read: 'train' or 'val'. Default 'train'. */
  split?: 'train' | 'val';
  /** Output side: the shorter side is scaled to `size`, then the centre `size × size` is kept. */
  size: number;
  /** Where the shards go. Default `<root>/.sparseland-cache/<split>-<size>`. */
  cacheDir?: string;
  /** Images per shard file. Default 1024. */
  shardSize?: number;
  /** Called while the cache is built (not when it is reused), with files done and files in all. */
  onProgress?: (done: number, total: number) => void;
  /** Receives warnings (skipped files, empty classes). Default `console.warn`. */
  warn?: (message: string) => void;
}

interface SourceFile {
  /** Path relative to `root/<split>`, with '/' separators. */
  name: string;
  label: number;
  bytes: number;
  mtimeMs: number;
}

interface CacheIndex {
  format: number;
  fingerprint: string;
  size: number;
  shardSize: number;
  classes: string[];
  count: number;
  shards: ShardEntry[];
  /** Files that could not be decoded. */
  skipped: string[];
}

/** Runs `fn` on every item with at most `limit` calls in flight; results in item order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
  return out;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function listNames(names: string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  return names.length > NAMES_SHOWN ? `${shown}, … and ${names.length - NAMES_SHOWN} more` : shown;
}

function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** A folder being listed: its path, and its real path (symbolic links resolved). */
interface Visited {
  path: string;
  real: string;
}

/** The visible (not dot-named) entries of a folder, links followed, each list sorted by name. */
interface Listing {
  folders: string[];
  files: string[];
  /** Symbolic links whose target does not exist, as `name → target`. */
  broken: string[];
}

/**
 * Whether an entry of `dir` is a folder, a file, a broken symbolic link or something else,
 * following symbolic links. A link that cannot be followed for another reason (a chain of links
 * that never ends, a target that cannot be read) is an error naming the link and its target.
 */
async function kind(dir: string, entry: Dirent): Promise<'folder' | 'file' | 'broken' | null> {
  if (entry.isDirectory()) return 'folder';
  if (entry.isFile()) return 'file';
  if (!entry.isSymbolicLink()) return null;
  const link = path.join(dir, entry.name);
  try {
    const stat = await fs.stat(link);
    return stat.isDirectory() ? 'folder' : stat.isFile() ? 'file' : null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'broken';
    throw new Error(`${OWNER}: the symbolic link '${link}' points to '${await fs.readlink(link)}', ` +
                    `which cannot be followed (${(e as Error).message})`);
  }
}

/** The visible (not dot-named) folders, files and broken links of `dir`. */
async function list(dir: string): Promise<Listing> {
  const out: Listing = {folders: [], files: [], broken: []};
  for (const entry of await fs.readdir(dir, {withFileTypes: true})) {
    if (entry.name.startsWith('.')) continue;
    const k = await kind(dir, entry);
    if (k === 'folder') out.folders.push(entry.name);
    else if (k === 'file') out.files.push(entry.name);
    else if (k === 'broken') out.broken.push(`${entry.name} → ${await fs.readlink(path.join(dir, entry.name))}`);
  }
  out.folders.sort(byCodeUnits);
  out.files.sort(byCodeUnits);
  out.broken.sort(byCodeUnits);
  return out;
}

/**
 * The error for a loop of symbolic links: `trail` runs from a folder to a folder inside it that
 * is, links resolved, the same folder again. The link that closes the loop is the last link on
 * the trail (only a link can lead from inside a folder back to it).
 */
async function loopError(trail: readonly Visited[]): Promise<Error> {
  const start = trail[0].path;
  for (const folder of [...trail].reverse()) {
    if ((await fs.lstat(folder.path)).isSymbolicLink()) {
      return new Error(`${OWNER}: the symbolic link '${folder.path}' points to '${await fs.readlink(folder.path)}', ` +
                       `which leads back to '${start}', a folder that contains the link: a loop; remove or change the link`);
    }
  }
  return new Error(`${OWNER}: the folder '${trail[trail.length - 1].path}' leads back to '${start}', a folder that contains it: a loop`);
}

/**
 * Relative paths (`prefix` + name) of the files under `dir`, sub-folders included, skipping
 * dot-named entries; broken links go to `broken`. `above` holds the folders from the split
 * folder down to `dir`'s parent: reaching one of them again through a link is a loop, an error.
 */
async function walk(dir: string, prefix: string, above: readonly Visited[], broken: string[]): Promise<string[]> {
  const here: Visited = {path: dir, real: await fs.realpath(dir)};
  const again = above.findIndex((folder) => folder.real === here.real);
  if (again >= 0) throw await loopError([...above.slice(again), here]);
  const {folders, files, broken: links} = await list(dir);
  broken.push(...links.map((link) => `${prefix}${link}`));
  const out = files.map((f) => `${prefix}${f}`);
  const trail = [...above, here];
  for (const folder of folders) out.push(...await walk(path.join(dir, folder), `${prefix}${folder}/`, trail, broken));
  return out;
}

/** Lists classes and image files, with the warnings and errors about the layout. */
async function scan(splitDir: string, split: string, warn: (m: string) => void):
    Promise<{classes: string[]; files: SourceFile[]; notImages: string[]}> {
  const {folders, files: loose, broken} = await list(splitDir);
  const layout = `expected one folder per class: root/${split}/<class>/<image>`;
  if (folders.length === 0) {
    throw new Error(`${OWNER}: no class folders in '${splitDir}'` +
                    `${loose.length > 0 ? ` (it holds ${loose.length} files directly, e.g. '${loose[0]}')` : ''}; ${layout}`);
  }
  if (loose.length > 0) warn(`${OWNER}: ignored ${loose.length} files directly in '${splitDir}' (${layout}): ${listNames(loose)}`);

  const top: Visited = {path: splitDir, real: await fs.realpath(splitDir)};
  const classes: string[] = [];
  const empty: string[] = [];
  const notImages: string[] = [];
  const named: Array<{name: string; label: number}> = [];
  for (const folder of folders) {
    const files = await walk(path.join(splitDir, folder), `${folder}/`, [top], broken);
    const images = files.filter(isImageName);
    notImages.push(...files.filter((f) => !isImageName(f)));
    if (images.length === 0) {
      empty.push(folder);
      continue;
    }
    for (const name of images) named.push({name, label: classes.length});
    classes.push(folder);
  }
  if (broken.length > 0) {
    warn(`${OWNER}: skipped ${broken.length} broken symbolic link${broken.length > 1 ? 's' : ''} (the target does not exist) ` +
         `in '${splitDir}': ${listNames(broken)}`);
  }
  if (classes.length === 0) {
    throw new Error(`${OWNER}: no images in any of the ${folders.length} class folders of '${splitDir}' ` +
                    `(images are files ending in ${[...IMAGE_EXTENSIONS].join(', ')}); ${layout}`);
  }
  if (empty.length > 0) {
    warn(`${OWNER}: skipped ${empty.length} empty class folder${empty.length > 1 ? 's' : ''} (no images) ` +
         `in '${splitDir}': ${listNames(empty)}`);
  }
  const files = await mapLimit(named, STAT_CONCURRENCY, async ({name, label}) => {
    const stat = await fs.stat(path.join(splitDir, name));
    return {name, label, bytes: stat.size, mtimeMs: stat.mtimeMs};
  });
  return {classes, files, notImages};
}

function fingerprint(files: readonly SourceFile[], classes: string[], size: number, shardSize: number): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({format: FORMAT, size, shardSize, classes}));
  for (const f of files) hash.update(`\n${f.label}\t${f.bytes}\t${f.mtimeMs}\t${f.name}`);
  return hash.digest('hex').slice(0, 16);
}

async function readIndex(cacheDir: string): Promise<CacheIndex | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(cacheDir, INDEX), 'utf8')) as CacheIndex;
  } catch {
    return null;
  }
}

/** Whether `index` describes `fp` and every shard it names is complete. */
async function indexIsCurrent(index: CacheIndex | null, fp: string, cacheDir: string,
                              shape: [number, number, number]): Promise<boolean> {
  if (!index || index.format !== FORMAT || index.fingerprint !== fp || !Array.isArray(index.shards)) return false;
  for (const s of index.shards) {
    // Only the shard names this module writes: an index cannot point outside its folder.
    if (typeof s.file !== 'string' || !SHARD_NAME.test(s.file)) return false;
    const found = await inspectShard(path.join(cacheDir, s.file), shape);
    if (!found || found.count !== s.count) return false;
  }
  return true;
}

/** Decodes one file to `size × size` RGB bytes in `out`; false if it is not a readable image. */
async function decode(file: string, size: number, out: Buffer): Promise<boolean> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new Error(`${OWNER}: cannot read '${file}': ${(e as Error).message}`);
  }
  try {
    const {data, info} = await sharp(bytes)
      .resize(size, size, {fit: 'cover', position: 'centre'})
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({resolveWithObject: true});
    if (info.width !== size || info.height !== size || info.channels !== 3) return false;
    data.copy(out);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds (or completes) the shards of `files` and writes the index. Shards in which no image
 * decoded are written only at the end, and only if some image decoded: when none did, nothing
 * is written and the returned index (count 0) is not stored.
 */
async function build(splitDir: string, cacheDir: string, files: SourceFile[], classes: string[], fp: string,
                     size: number, shardSize: number, onProgress: (done: number, total: number) => void): Promise<CacheIndex> {
  const shape: [number, number, number] = [size, size, 3];
  // Storage order: a fixed permutation, so that every shard (and every window of shards) mixes the classes.
  const order = d.shuffleInPlace(d.range(files.length), 0, d.STREAM.storage);
  const shards: ShardEntry[] = [];
  const skipped: string[] = [];
  /** Shards in which no image decoded, held back: [path, its parts]. */
  const held: Array<[string, Buffer[]]> = [];
  let builder: ShardBuilder | null = null;
  let done = 0;
  for (let start = 0, k = 0; start < files.length; start += shardSize, k++) {
    const planned = Array.from(order.subarray(start, Math.min(start + shardSize, files.length)), (i) => files[i]);
    const file = `shard-${fp}-${String(k).padStart(5, '0')}.bin`;
    const target = path.join(cacheDir, file);
    const existing = await inspectShard(target, shape);
    if (existing) {
      shards.push({file, count: existing.count});
      skipped.push(...existing.skipped);
      done += planned.length;
      onProgress(done, files.length);
      continue;
    }
    builder ??= new ShardBuilder(shardSize, shape);
    const b = builder;
    const ok = await mapLimit(planned, DECODE_CONCURRENCY, async (f, i) => {
      const decoded = await decode(path.join(splitDir, f.name), size, b.slot(i));
      onProgress(++done, files.length);
      return decoded;
    });
    const failed = planned.filter((_, i) => !ok[i]).map((f) => f.name);
    const parts = b.finish(planned.map((f, i) => ok[i] ? f.label : -1), failed);
    const count = planned.length - failed.length;
    // The builder's buffer is reused: a held shard keeps a copy of its (header-only) parts.
    if (count === 0) held.push([target, parts.map((part) => Buffer.from(part))]);
    else await writeFileAtomic(target, parts);
    shards.push({file, count});
    skipped.push(...failed);
  }
  const count = shards.reduce((s, e) => s + e.count, 0);
  const index: CacheIndex = {format: FORMAT, fingerprint: fp, size, shardSize, classes, count, shards, skipped};
  if (count === 0) return index;
  for (const [target, parts] of held) await writeFileAtomic(target, parts);
  await writeFileAtomic(path.join(cacheDir, INDEX), JSON.stringify(index, null, 1));
  const current = new Set(shards.map((s) => s.file));
  await removeStaleTemporaries(cacheDir, (name) => SHARD_NAME.test(name) && !current.has(name));
  return index;
}

/**
 * Removes `dir` and then its parents up to `top`, the first folder that `fs.mkdir(dir, {recursive:
 * true})` created (none if undefined), while they are empty.
 */
async function removeEmptyFolders(dir: string, top: string | undefined): Promise<void> {
  if (top === undefined) return;
  for (let folder = path.resolve(dir); ; folder = path.dirname(folder)) {
    try {
      await fs.rmdir(folder);
    } catch {
      return;   // not empty (or already gone)
    }
    if (folder === path.resolve(top)) return;
  }
}

/**
 * Opens `root/<split>` as an image data set of `size × size × 3` images in [-1, 1], building
 * the shard cache on first use (or when the folder changed). Classes are the sorted folder
 * names; label `k` is `classes[k]`. Files that are not images (by name or by content) and class
 * folders without images are skipped, with one warning each.
 */
export async function imageFolder(options: ImageFolderOptions): Promise<ShardedImageDataset> {
  if (typeof options !== 'object' || options === null) v.reject(OWNER, 'options', 'an object', options);
  const {root} = options;
  if (typeof root !== 'string' || root === '') v.reject(OWNER, 'root', 'a folder path', root);
  const split = v.oneOf(OWNER, 'split', options.split ?? 'train', ['train', 'val'] as const);
  const size = v.positiveInt(OWNER, 'size', options.size);
  const shardSize = v.positiveInt(OWNER, 'shardSize', options.shardSize ?? 1024);
  const bytes = shardSize * (size * size * 3 + 4);
  if (bytes > 2 ** 31) {
    v.reject(OWNER, 'shardSize', `at most ${Math.floor(2 ** 31 / (size * size * 3 + 4))} at size ${size} ` +
             '(a shard must fit in 2 GiB)', shardSize);
  }
  const cacheDir = options.cacheDir ?? path.join(root, '.sparseland-cache', `${split}-${size}`);
  if (typeof cacheDir !== 'string' || cacheDir === '') v.reject(OWNER, 'cacheDir', 'a folder path', cacheDir);
  for (const name of ['onProgress', 'warn'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') v.reject(OWNER, name, 'a function', options[name]);
  }
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const onProgress = options.onProgress ?? (() => undefined);

  if (!await isDirectory(root)) throw new Error(`${OWNER}: root '${root}' is not a folder (or does not exist)`);
  const splitDir = path.join(root, split);
  if (!await isDirectory(splitDir)) {
    throw new Error(`${OWNER}: '${splitDir}' is not a folder (or does not exist); ` +
                    `expected the layout root/${split}/<class>/<image>`);
  }
  const {classes, files, notImages} = await scan(splitDir, split, warn);
  const shape: [number, number, number] = [size, size, 3];
  const fp = fingerprint(files, classes, size, shardSize);
  let created: string | undefined;
  try {
    created = await fs.mkdir(cacheDir, {recursive: true});
  } catch (e) {
    throw new Error(`${OWNER}: cannot create the cache folder '${cacheDir}' (${(e as Error).message}); ` +
                    'choose another with the cacheDir option');
  }
  let index = await readIndex(cacheDir);
  if (!index || !await indexIsCurrent(index, fp, cacheDir, shape)) {
    index = await build(splitDir, cacheDir, files, classes, fp, size, shardSize, onProgress);
  }
  const skipped = [...notImages, ...index.skipped].sort(byCodeUnits);
  if (skipped.length > 0) {
    const n = skipped.length;
    warn(`${OWNER}: skipped ${n} file${n > 1 ? 's' : ''} that ${n > 1 ? 'are' : 'is'} not ` +
         `${n > 1 ? 'images' : 'an image'} in '${splitDir}': ${listNames(skipped)}`);
  }
  if (index.count === 0) {
    await removeEmptyFolders(cacheDir, created);
    const n = files.length;
    throw new Error(`${OWNER}: none of the ${n} image file${n > 1 ? 's' : ''} in '${splitDir}' could be decoded ` +
                    `(${n} failed, named in the warning); nothing was written to the cache`);
  }
  const name = `${path.basename(path.resolve(root))}-${split}`;
  return new ShardedImageDataset(name, index.classes, shape, cacheDir, index.shards);
}
