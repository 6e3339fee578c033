// Answers asked for ahead of the view that shows them. When a navigation starts, the router asks for the new page's
// main query (routeData.ts); the engine answers while the old view unmounts and the new one mounts, and the new
// view's first load takes that answer instead of asking again.

import type { MethodName, Params, Result, Wire } from '@shared/api';
import { request } from './client';

/** An answer older than this is not taken: the view asks afresh. */
const FRESH_MS = 2_000;

const early = new Map<string, { at: number; answer: Promise<unknown> }>();

/** The key of a call: the method and its parameters, whatever order their top-level fields were written in. */
function keyOf(method: MethodName, params: object): string {
  const fields = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${method} ${JSON.stringify(fields)}`;
}

/**
 * Starts a call now; the next `requestEarly` with the same method and parameters gets its answer. Returns a promise
 * that settles (never rejects) when the answer is in.
 */
export function prefetch<M extends MethodName>(method: M, params: Params<M>): Promise<void> {
  const now = performance.now();
  for (const [k, e] of early) if (now - e.at >= FRESH_MS) early.delete(k);
  const answer = request(method, params);
  early.set(keyOf(method, params as object), { at: now, answer });
  // A refusal nobody takes is not an unhandled rejection; whoever takes the answer sees it.
  return answer.then(
    () => undefined,
    () => undefined,
  );
}

/** The answer a navigation asked for ahead (taken once, while fresh), or a new call. */
export function requestEarly<M extends MethodName>(method: M, params: Params<M>): Promise<Wire<Result<M>>> {
  const key = keyOf(method, params as object);
  const hit = early.get(key);
  early.delete(key);
  if (hit && performance.now() - hit.at < FRESH_MS) return hit.answer as Promise<Wire<Result<M>>>;
  return request(method, params);
}
