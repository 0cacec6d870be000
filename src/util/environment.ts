/**
 * What differs between Node and a web page, read without importing any Node module, so that the
 * main entry loads in both.
 */

interface NodeProcess {
  env?: Record<string, string | undefined>;
  stderr?: {write(text: string): unknown};
  versions?: {node?: string};
}

/** Node's `process`, or undefined in a page. */
function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as {process?: NodeProcess}).process;
  return p?.versions?.node != null ? p : undefined;
}

/** True in Node (and in runtimes that provide Node's `process`), false in a page or worker. */
export function isNode(): boolean {
  return nodeProcess() !== undefined;
}

/** The environment variable `name` in Node; undefined in a page. */
export function environmentVariable(name: string): string | undefined {
  return nodeProcess()?.env?.[name];
}

/** A line of diagnostics: stderr in Node, `console.info` in a page. */
export function logLine(text: string): void {
  const stderr = nodeProcess()?.stderr;
  if (stderr) stderr.write(`${text}\n`);
  else console.info(text);
}
