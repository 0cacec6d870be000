import {strict as assert} from 'assert';
import {execFileSync} from 'child_process';
import * as path from 'path';

describe('importing sparseland is enough for wasm training', () => {
  it('a plain tfjs conv2d → maxPooling2d model fits on tf.setBackend(\'wasm\')', function () {
    this.timeout(60000);
    const ts = __filename.endsWith('.ts');
    const script = path.join(__dirname, '..', 'fixtures', `plain_tfjs_fit.${ts ? 'ts' : 'js'}`);
    const out = execFileSync(process.execPath, [...(ts ? ['--require', 'tsx/cjs'] : []), script],
                             {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']});
    const {backend, first, last} = JSON.parse(out) as {backend: string, first: number, last: number};
    assert.equal(backend, 'wasm');
    assert.ok(last < 0.5 * first, `loss ${first} → ${last}`);
  });
});
