/**
 * One package, two environments: the main entry bundles for the browser platform without any
 * Node built-in module, Node's entry does not, and `require('sparseland')` in Node resolves to
 * the Node entry.
 */
import {strict as assert} from 'assert';
import * as esbuild from 'esbuild';
import {readFileSync} from 'fs';
import {builtinModules} from 'module';
import * as path from 'path';
import {gzipSync} from 'zlib';
import {buildBrowser} from '../../scripts/build_browser';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Bundles `entry` for browsers; resolves to the Node built-ins it reaches (esbuild's errors name them). */
async function nodeBuiltinsReached(entry: string): Promise<string[]> {
  try {
    const result = await esbuild.build({
      entryPoints: [path.join(ROOT, entry)], bundle: true, platform: 'browser', write: false, metafile: true,
      logLevel: 'silent', external: ['@tensorflow/*'],
    });
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    return Object.values(result.metafile.inputs).flatMap((input) => input.imports)
      .filter((i) => builtins.has(i.path)).map((i) => i.path);
  } catch (e) {
    const errors = (e as {errors?: esbuild.Message[]}).errors ?? [];
    const named = errors.map((m) => /Could not resolve "([^"]+)"/.exec(m.text)?.[1]).filter((m): m is string => m !== undefined);
    if (named.length === 0) throw e;
    return [...new Set(named)];
  }
}

describe('entries: the main entry for pages and Node, sparseland/node for Node', function () {
  this.timeout(120000);

  it('the main entry (src/index.ts) imports no Node built-in module', async () => {
    assert.deepEqual(await nodeBuiltinsReached('src/index.ts'), []);
  });

  it('the Node entry (src/node.ts) does, so the check above can fail', async () => {
    const reached = await nodeBuiltinsReached('src/node.ts');
    assert.ok(reached.includes('fs'), `reached: ${reached.join(', ')}`);
  });

  it('in Node, require(\'sparseland\') and sparseland/node resolve to the Node entry; bundlers get the main entry', () => {
    assert.equal(require.resolve('sparseland'), path.join(ROOT, 'dist', 'src', 'node.js'));
    assert.equal(require.resolve('sparseland/node'), path.join(ROOT, 'dist', 'src', 'node.js'));
    const exports = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as
      {exports: Record<string, Record<string, unknown>>}).exports['.'];
    assert.equal(exports.import, './dist/browser/sparseland.esm.js');
    assert.equal(exports.default, './dist/src/index.js');
  });

  it('builds the script, its minified copy and the ES module; the minified script gzips under 300 KB', async () => {
    const out = path.join(ROOT, 'dist', 'test', 'browser-build');
    const builds = await buildBrowser(out);
    assert.deepEqual(builds.map((b) => path.basename(b.file)), ['sparseland.js', 'sparseland.min.js', 'sparseland.esm.js']);
    const gzipped = gzipSync(readFileSync(path.join(out, 'sparseland.min.js'))).length;
    assert.ok(gzipped < 300 * 1024, `sparseland.min.js gzipped: ${gzipped} bytes`);
    const esm = readFileSync(path.join(out, 'sparseland.esm.js'), 'utf8');
    assert.match(esm, /from "@tensorflow\/tfjs"/, 'the ES module imports tfjs rather than bundling it');
  });
});
