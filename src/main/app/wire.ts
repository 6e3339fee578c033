// Turning engine results into what the contract carries: bigints become decimal strings, nothing else changes.

import type { Wire } from '../../shared/api.ts';

/** Deep copy of `value` with every bigint as its decimal string (arrays and plain objects walked, Uint8Array as hex). */
export function toWire<T>(value: T): Wire<T> {
  return convert(value) as Wire<T>;
}

function convert(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(convert);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), convert(x)]));
  if (v instanceof Set) return [...v].map(convert);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = convert(x);
  return out;
}
