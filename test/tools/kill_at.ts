/**
 * A fault injector for kill tests, preloaded into a child process with `node --require`:
 * it counts the file-system operations that change files under one folder and kills the
 * process with SIGKILL at a chosen one.
 *
 * Environment:
 * - `KILL_UNDER`: the folder whose operations count (absolute path);
 * - `KILL_AT`: the 1-based index of the operation to kill at (0 or unset: never kill);
 * - `KILL_COUNT_FILE`: where to write, at a normal exit, the number of operations counted.
 *
 * Counted operations, in `fs.promises` (which `fs/promises` is) and on its file handles:
 * `open` for writing, `writeFile`, `appendFile`, `write`, `sync`/`datasync` (of files and of
 * folders), `rename`, `mkdir`, `rm`, `rmdir`, `unlink`, `copyFile`, and the synchronous forms of
 * those that change files. At the chosen operation the process dies before the operation, except
 * a write, which first writes the first half of its data (a torn write).
 *
 * Written in JS rather than as an `LD_PRELOAD` library so that the tests need no C compiler and
 * count exactly the operations the code asks for (not libc's internal calls).
 */
import fs from 'fs';
import * as path from 'path';

const under = process.env.KILL_UNDER ? path.resolve(process.env.KILL_UNDER) : undefined;
const killAt = Number(process.env.KILL_AT ?? 0);
const countFile = process.env.KILL_COUNT_FILE;
let count = 0;

function inside(p: unknown): boolean {
  if (under === undefined || (typeof p !== 'string' && !(p instanceof URL))) return false;
  const full = path.resolve(p instanceof URL ? p.pathname : p);
  return full === under || full.startsWith(under + path.sep);
}

/** Counts an operation on `p`; true when this is the one to kill at. */
function hit(p: unknown): boolean {
  if (!inside(p)) return false;
  count++;
  return count === killAt;
}

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

function half(data: unknown): unknown {
  if (typeof data === 'string') return data.slice(0, Math.floor(data.length / 2));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, Math.floor(data.byteLength / 2));
  return data;
}

type AnyFn = (...args: unknown[]) => unknown;

function wrap(target: Record<string, unknown>, name: string, kind: 'plain' | 'write' | 'open'): void {
  const original = target[name] as AnyFn | undefined;
  if (typeof original !== 'function') return;
  target[name] = function (this: unknown, ...args: unknown[]) {
    const writing = kind !== 'open' || /[wa+]/.test(String(args[1] ?? 'r'));
    if (writing && hit(args[0])) {
      if (kind === 'write') {
        const done = original.call(this, args[0], half(args[1]), ...args.slice(2));
        return done instanceof Promise ? done.then(die) : die();
      }
      die();
    }
    return original.apply(this, args);
  };
}

/** File handles remember their path, so that their writes and syncs count. */
const handlePaths = new WeakMap<object, string>();
let handleWrapped = false;

function wrapHandle(handle: object): void {
  if (handleWrapped) return;
  handleWrapped = true;
  const proto = Object.getPrototypeOf(handle) as Record<string, unknown>;
  for (const name of ['writeFile', 'write', 'appendFile']) {
    const original = proto[name] as AnyFn;
    proto[name] = function (this: object, ...args: unknown[]) {
      if (hit(handlePaths.get(this))) {
        return (original.call(this, half(args[0]), ...args.slice(1)) as Promise<unknown>).then(die);
      }
      return original.apply(this, args);
    };
  }
  for (const name of ['sync', 'datasync']) {
    const original = proto[name] as AnyFn;
    proto[name] = function (this: object, ...args: unknown[]) {
      if (hit(handlePaths.get(this))) die();
      return original.apply(this, args);
    };
  }
}

const promises = fs.promises as unknown as Record<string, unknown>;
const open = promises.open as AnyFn;
promises.open = async function (...args: unknown[]) {
  if (/[wa+]/.test(String(args[1] ?? 'r')) && hit(args[0])) die();
  const handle = await (open.apply(this, args) as Promise<object>);
  wrapHandle(handle);
  if (typeof args[0] === 'string') handlePaths.set(handle, args[0]);
  return handle;
};
for (const name of ['rename', 'mkdir', 'rm', 'rmdir', 'unlink', 'copyFile']) wrap(promises, name, 'plain');
for (const name of ['writeFile', 'appendFile']) wrap(promises, name, 'write');
const sync = fs as unknown as Record<string, unknown>;
for (const name of ['renameSync', 'mkdirSync', 'rmSync', 'rmdirSync', 'unlinkSync', 'copyFileSync']) wrap(sync, name, 'plain');
for (const name of ['writeFileSync', 'appendFileSync']) wrap(sync, name, 'write');
wrap(sync, 'openSync', 'open');

process.on('exit', () => {
  if (countFile) fs.writeFileSync(countFile, String(count));
});
