/**
 * Files written so that a kill at any moment leaves the previous content or the new one, and
 * the sweeping of what killed writers left.
 *
 * Every file is written to `<file>.<pid>.<ms>.tmp`, flushed to disk, renamed over `<file>`, and
 * then its folder is flushed too, so that the rename itself survives a power loss (POSIX makes a
 * rename durable only once its directory is synced).
 */
import {promises as fs} from 'fs';
import * as path from 'path';

/** `<name>.<pid>.<ms>.tmp`: a temporary of {@link writeFileAtomic} (or of a folder built the same way). */
const TEMPORARY = /^(.+)\.(\d+)\.(\d+)\.tmp$/;

/** The temporary name `<target>.<pid>.<ms>.tmp` for a file or folder being built. */
export function temporaryName(target: string): string {
  return `${target}.${process.pid}.${Date.now()}.tmp`;
}

/** Flushes a directory's entries (after a rename, a creation or a removal in it) to disk. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` (or its parts, one after the other) to `file` through a temporary file:
 * written, flushed, renamed over `file`, then the folder flushed; then removes the temporaries
 * of `file` that killed writers left. On an error the temporary is removed and the error rethrown.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array | Array<string | Uint8Array>): Promise<void> {
  const tmp = temporaryName(file);
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      for (const part of Array.isArray(data) ? data : [data]) await handle.writeFile(part);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, {force: true});
    throw e;
  }
  await syncDirectory(path.dirname(file));
  const base = path.basename(file);
  await removeStaleTemporaries(path.dirname(file), () => false, (name) => name === base);
}

/** Whether another process `pid` is running (this process's own temporaries are finished when asked). */
function alive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes from `dir` the temporaries (files or folders `<name>.<pid>.<ms>.tmp`, of the names that
 * `of(name)` selects, default all) whose writer is no longer running, and the entries that
 * `obsolete(name)` selects; returns the names removed. A missing `dir` has nothing to sweep.
 */
export async function removeStaleTemporaries(dir: string, obsolete: (name: string) => boolean = () => false,
                                             of: (name: string) => boolean = () => true): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const removed: string[] = [];
  for (const name of names) {
    const tmp = TEMPORARY.exec(name);
    if ((tmp && of(tmp[1]) && !alive(Number(tmp[2]))) || (!tmp && obsolete(name))) {
      await fs.rm(path.join(dir, name), {recursive: true, force: true});
      removed.push(name);
    }
  }
  if (removed.length > 0) await syncDirectory(dir);
  return removed;
}
