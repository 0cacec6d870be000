/**
 * JSON-lines files (one JSON value per line), as training logs are appended.
 */
import {existsSync, readFileSync} from 'fs';

/**
 * The JSON objects of a JSON-lines file, in order; none if the file does not exist. A line that
 * does not parse (the last one, cut by a kill during its write) is left out.
 */
export function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as T];
    } catch {
      return [];
    }
  });
}
