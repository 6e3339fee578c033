// What a CLI command is, and the flag parsing every command shares.

import type { ParseArgsConfig } from 'node:util';
import { InputError } from '../core/errors.ts';

export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  /** One line for the usage text. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  positionals?: boolean;
  run(values: Values, positionals: string[]): Promise<unknown> | unknown;
  /** Human-readable output (without --json). */
  print(result: unknown): string;
}

export const common = { json: { type: 'boolean' }, network: { type: 'string' }, help: { type: 'boolean' } } as const;

export const wallClock = (): number => Date.now() / 1000;

export function str(v: string | boolean | undefined, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}

/** An integer flag in [min, max]; required when no fallback is given. */
export function int(v: string | boolean | undefined, name: string, min: number, max: number, fallback?: number): number {
  if (v === undefined) {
    if (fallback === undefined) throw new InputError('bad-flag', `--${name}: required, expected an integer in ${min}..${max}`);
    return fallback;
  }
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw new InputError('bad-flag', `--${name}: expected an integer, got ${JSON.stringify(v)}`);
  const n = Number(v);
  if (n < min || n > max) throw new InputError('bad-flag', `--${name}: expected ${min}..${max}, got ${n}`);
  return n;
}

export function num(v: string | boolean | undefined, name: string, check: (x: number) => boolean, expected: string, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(Number(v))) throw new InputError('bad-flag', `--${name}: expected ${expected}, got ${JSON.stringify(v ?? null)}`);
  const x = Number(v);
  if (!check(x)) throw new InputError('bad-flag', `--${name}: expected ${expected}, got ${x}`);
  return x;
}
