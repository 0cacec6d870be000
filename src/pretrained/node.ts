/**
 * Pretrained models in Node: `load(name)` reads the installed package's `pretrained/` folder
 * (through {@link FileSystemHandler} and its checks, even where tfjs-node handles `file://`).
 */
import {existsSync, promises as fs, readdirSync, readFileSync} from 'fs';
import * as path from 'path';
import {FileSystemHandler} from '../io/file_system';
import * as web from './index';

export * from './index';

/** The package's `pretrained/` folder (found from this file, in `src/` or in the build's `dist/src/`). */
export function pretrainedDir(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as {name?: string}).name === 'sparseland') {
      return path.join(dir, 'pretrained');
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`pretrained: the sparseland package folder was not found above ${__dirname}`);
    dir = parent;
  }
}

/** The names of the models in the package's `pretrained/` folder. */
export function available(): string[] {
  const dir = pretrainedDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => existsSync(path.join(dir, name, 'info.json'))).sort();
}

/** A `pretrained/` folder on disk (default: the package's). */
export function folderSource(dir: string = pretrainedDir()): web.PretrainedSource {
  return {
    describe: (file) => path.join(dir, file),
    async read(file) {
      try {
        return new Uint8Array(await fs.readFile(path.join(dir, file)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    model: (file) => new FileSystemHandler(path.join(dir, file)),
  };
}

/** The main entry's `pretrained.load`, from the package's `pretrained/` folder unless `options.from` says otherwise. */
export async function load(name: web.PretrainedAutoencoderName, options?: web.LoadOptions): Promise<web.PretrainedAutoencoder>;
export async function load(name: web.PretrainedCoderName, options?: web.LoadOptions): Promise<web.PretrainedCoder>;
export async function load(name: web.PretrainedClassifierName, options?: web.LoadOptions): Promise<web.PretrainedClassifier>;
export async function load(name: string, options?: web.LoadOptions):
  Promise<web.PretrainedAutoencoder | web.PretrainedCoder | web.PretrainedClassifier>;
export async function load(name: string, options: web.LoadOptions = {}):
    Promise<web.PretrainedAutoencoder | web.PretrainedCoder | web.PretrainedClassifier> {
  return web.load(name, {from: options.from ?? folderSource()});
}
