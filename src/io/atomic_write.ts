/** Files written so that a kill at any moment leaves the previous content or the new one. */
import {promises as fs} from 'fs';

/**
 * Writes `data` to `file` through `<file>.<pid>.<ms>.tmp`: written, flushed to disk, then renamed
 * over `file`. On an error the temporary file is removed and the error rethrown.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, {force: true});
    throw e;
  }
}
