/**
 * Argument checks shared by every layer and operator. Each throws an error that names the
 * argument and quotes the rejected value, as tfjs-layers does.
 */

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return String(value);
}

/** Throws `Error("<owner>: <name> must be <what>, got <value>")`. */
export function reject(owner: string, name: string, what: string, value: unknown): never {
  throw new Error(`${owner}: ${name} must be ${what}, got ${show(value)}`);
}

export function positiveInt(owner: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    reject(owner, name, 'a positive integer', value);
  }
  return value;
}

export function nonNegInt(owner: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    reject(owner, name, 'a non-negative integer', value);
  }
  return value;
}

export function nonNegNumber(owner: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    reject(owner, name, 'a finite number ≥ 0', value);
  }
  return value;
}

export function positiveNumber(owner: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    reject(owner, name, 'a finite number > 0', value);
  }
  return value;
}

export function oneOf<T extends string>(owner: string, name: string, value: unknown,
                                        allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    reject(owner, name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

export function bool(owner: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') reject(owner, name, 'true or false', value);
  return value;
}

/** A kernel size or stride: one positive integer or a pair, returned as a pair. */
export function pair(owner: string, name: string, value: unknown): [number, number] {
  const v = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(v) || v.length !== 2 ||
      !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1)) {
    reject(owner, name, 'a positive integer or a pair of them', value);
  }
  return [v[0], v[1]];
}
