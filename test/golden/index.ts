/** Golden files written by the reference scripts in scripts/reference/ (see each file's generator). */
import {readFileSync} from 'fs';
import * as path from 'path';

/** Reads `test/golden/<name>.json`, from the source tree under tsx or the compiled tree. */
export function readGolden<T>(name: string): T {
  const root = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
  return JSON.parse(readFileSync(path.join(root, 'test', 'golden', `${name}.json`), 'utf8')) as T;
}
