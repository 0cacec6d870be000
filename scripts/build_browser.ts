/**
 * The builds for pages, from the main entry (`src/index.ts`), into `dist/browser/`:
 *
 * - `sparseland.js` and `sparseland.min.js`: a script that defines the global `sparseland` on
 *   top of the page's global `tf` (`tf.min.js`, then `tf-backend-wasm.min.js` for `tf.wasm`);
 * - `sparseland.esm.js`: an ES module for bundlers, importing `@tensorflow/tfjs` and
 *   `@tensorflow/tfjs-backend-wasm` as the page's bundle provides them.
 *
 * esbuild bundles for the browser platform, so any Node built-in reachable from the main entry
 * fails the build (test/browser/entry.test.ts checks it). `node dist/scripts/build_browser.js`;
 * `npm run build` runs it after tsc.
 */
import * as esbuild from 'esbuild';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
export const BROWSER_DIR = path.join(ROOT, 'dist', 'browser');
export const MAIN_ENTRY = path.join(ROOT, 'src', 'index.ts');

/** tfjs packages and the page globals that hold them (as tfjs's own scripts define them). */
const PAGE_GLOBALS: Record<string, string> = {
  '@tensorflow/tfjs': 'tf',
  '@tensorflow/tfjs-core': 'tf',
  '@tensorflow/tfjs-layers': 'tf',
  '@tensorflow/tfjs-backend-wasm': 'tf.wasm',
};

/** Resolves the tfjs packages to the page's globals (esbuild has no option for globals). */
const pageGlobals: esbuild.Plugin = {
  name: 'page-globals',
  setup(build) {
    build.onResolve({filter: /^@tensorflow\/tfjs(-core|-layers|-backend-wasm)?$/}, (args) => ({path: args.path, namespace: 'page-global'}));
    build.onLoad({filter: /.*/, namespace: 'page-global'}, (args) => {
      const global = PAGE_GLOBALS[args.path];
      const missing = `throw new Error("sparseland.js needs the global ${global}: load ${
        global === 'tf' ? 'tf.min.js' : 'tf-backend-wasm.min.js'} before it")`;
      const get = global.split('.').reduce((expr, key) => `(${expr} || {})[${JSON.stringify(key)}]`, 'globalThis');
      return {contents: `var m = ${get}; if (m == null) { ${missing}; } module.exports = m;`, loader: 'js'};
    });
  },
};

/** Options shared by the builds: the main entry, for browsers, with the package's version. */
function common(): esbuild.BuildOptions {
  return {
    entryPoints: [MAIN_ENTRY],
    bundle: true,
    platform: 'browser',
    target: 'es2020',
    logLevel: 'silent',
    legalComments: 'none',
  };
}

export interface BrowserBuild {
  file: string;
  bytes: number;
}

/** Builds the three files; resolves to their paths and sizes. */
export async function buildBrowser(outDir: string = BROWSER_DIR): Promise<BrowserBuild[]> {
  const builds: Array<[string, esbuild.BuildOptions]> = [
    ['sparseland.js', {format: 'iife', globalName: 'sparseland', plugins: [pageGlobals], sourcemap: true}],
    ['sparseland.min.js', {format: 'iife', globalName: 'sparseland', plugins: [pageGlobals], minify: true, sourcemap: true}],
    ['sparseland.esm.js', {format: 'esm', external: Object.keys(PAGE_GLOBALS), sourcemap: true}],
  ];
  const written: BrowserBuild[] = [];
  for (const [name, options] of builds) {
    const outfile = path.join(outDir, name);
    const result = await esbuild.build({...common(), ...options, outfile, metafile: true});
    written.push({file: outfile, bytes: result.metafile.outputs[path.relative(process.cwd(), outfile)]?.bytes ?? 0});
  }
  return written;
}

if (require.main === module) {
  buildBrowser().then((builds) => {
    for (const b of builds) console.log(`${path.relative(ROOT, b.file)}: ${(b.bytes / 1024).toFixed(0)} KiB`);
  }).catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
