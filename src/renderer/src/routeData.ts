// What the explorer pages read from their route (a block id, a txid, a coin and its bounds), and the main query each
// page makes: shared by the views and by the router, which starts that query as soon as a navigation begins.

import type { LocationQuery, RouteLocationNormalized, RouteParamValue } from 'vue-router';
import { prefetch } from './api/prefetch';

type Param = RouteParamValue | RouteParamValue[] | undefined;
const text = (p: Param): string => String(p ?? '').trim();

/** A block route's id: digits only are a height in the node's best chain, 64 hex digits a hash; else null. */
export function blockId(p: Param): number | string | null {
  const raw = text(p);
  if (/^\d{1,15}$/.test(raw)) return Number(raw);
  if (/^[0-9a-fA-F]{64}$/.test(raw)) return raw.toLowerCase();
  return null;
}

/** A tx route's txid (64 hex digits, lower case), else null. */
export function txidParam(p: Param): string | null {
  const raw = text(p);
  return /^[0-9a-fA-F]{64}$/.test(raw) ? raw.toLowerCase() : null;
}

/** A provenance route's coin (txid:vout), else null. */
export function coinParam(p: Param): string | null {
  const raw = text(p);
  return /^[0-9a-fA-F]{64}:\d{1,10}$/.test(raw) ? raw.toLowerCase() : null;
}

const clamp = (v: unknown, lo: number, hi: number, dflt: number): number => {
  const n = Number(v);
  return Number.isInteger(n) && n >= lo && n <= hi ? n : dflt;
};

/** The provenance walk's bounds, kept in the query string so a reload shows the same graph. */
export function provenanceBounds(q: LocationQuery): { maxDepth: number; maxNodes: number } {
  return { maxDepth: clamp(q.depth, 0, 1000, 20), maxNodes: clamp(q.nodes, 1, 5000, 300) };
}

/** Starts the main query of the page `to` for `node`; the promise settles when its answer is in (null: no query). */
export function prefetchRoute(to: RouteLocationNormalized, node: string): Promise<void> | null {
  if (to.name === 'block') {
    const id = blockId(to.params.id);
    return id === null ? null : prefetch('explorer.block', { node, id });
  }
  if (to.name === 'tx') {
    const txid = txidParam(to.params.txid);
    return txid ? prefetch('explorer.tx', { node, txid }) : null;
  }
  if (to.name === 'provenance') {
    const coin = coinParam(to.params.coin);
    return coin ? prefetch('provenance.ancestry', { node, coin, ...provenanceBounds(to.query) }) : null;
  }
  return null;
}
