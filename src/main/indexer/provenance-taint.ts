// Taint of a walked ancestry: how much of a coin each origin gave, and how much of it was tainted, under three policies.

import type { Taint, TaintOrigin, TaintPolicy } from '../../shared/explorer.ts';
import { edgeCount, type AncestryTx, type Walk } from './provenance-walk.ts';

/** The walked ancestry of a coin. */
export interface AncestryGraph extends Walk {
  coin: string;
  value: bigint;
}

/** A transaction's outputs with ids in [lo, hi], in vout order. */
export type OutputsOf = (lo: number, hi: number) => { value: bigint; address: string | null }[];

/** What taint is measured against: a transaction (lower-case txid) or an address. */
export interface TaintMatch {
  txid?: string;
  address?: string;
}

/** Taint of the walked ancestry `g` of a coin (see Provenance.taint for the policies). */
export function attribute(g: AncestryGraph, match: TaintMatch, policy: TaintPolicy, outputsOf: OutputsOf): Taint {
  // Origins get label numbers in node order; label = 2 * origin + (tainted ? 1 : 0).
  const origins: AncestryTx[] = [];
  const originIndex = new Map<string, number>();
  for (const n of g.order) {
    if (n.firstEdge < 0 || n.isCoinbase) {
      originIndex.set(n.txid, origins.length);
      origins.push(n);
    }
  }
  // Parents before children: by height, then position in the block (both on the view's best chain).
  const topo = [...g.order].sort((a, b) => a.block.height - b.block.height || a.position - b.position);
  const needed = new Set<string>([g.coin]);
  for (const e of g.edges) needed.add(e.from);

  let poisoned = false;
  const mixes = new Map<string, Mix>();
  const flow = policy === 'fifo' ? flowFifo : flowHaircut;
  for (const n of topo) {
    const outs = outputsOf(n.firstOutput, n.firstOutput + n.outputCount - 1);
    const origin = originIndex.get(n.txid);
    const input: Mix = origin !== undefined ? [] : g.edges.slice(n.firstEdge, n.firstEdge + edgeCount(n)).flatMap((e) => mixes.get(e.from)!);
    const sourceTx = match.txid === n.txid;
    const perOutput = origin !== undefined ? null : flow(input, outs.map((o) => o.value), needed, n.txid);
    outs.forEach((o, vout) => {
      const key = `${n.txid}:${vout}`;
      if (!needed.has(key)) return;
      const isSource = sourceTx || (match.address !== undefined && o.address === match.address);
      if (isSource) poisoned = true;
      let mix: Mix = origin !== undefined ? [{ label: 2 * origin, amount: o.value }] : perOutput!.get(vout)!;
      if (isSource) mix = mix.map((s) => ({ label: s.label | 1, amount: s.amount }));
      mixes.set(key, mix);
    });
  }

  const coinMix = mixes.get(g.coin)!;
  const byIndex = new Map<number, TaintOrigin>();
  let tainted = 0n;
  for (const { label, amount } of coinMix) {
    const o = origins[label >> 1]!;
    const entry = byIndex.get(label >> 1) ?? { txid: o.txid, coinbase: o.isCoinbase, value: 0n, tainted: 0n };
    entry.value += amount;
    if (label & 1) {
      entry.tainted += amount;
      tainted += amount;
    }
    byIndex.set(label >> 1, entry);
  }
  if (policy === 'poison') {
    tainted = poisoned ? g.value : 0n;
    for (const e of byIndex.values()) e.tainted = poisoned ? e.value : 0n;
  }
  const byOrigin = [...byIndex.values()].filter((e) => e.value > 0n).sort((a, b) => (a.value === b.value ? (a.txid < b.txid ? -1 : 1) : a.value > b.value ? -1 : 1));
  const fraction = g.value === 0n ? 0 : Number((tainted * 1_000_000_000n) / g.value) / 1e9;
  return { coin: g.coin, value: g.value, policy, tainted, fraction, byOrigin, truncated: g.truncated };
}

/** A composition of satoshis: amounts by label (origin and taint flag); ordered for fifo. */
type Mix = { label: number; amount: bigint }[];

function inputTotal(input: Mix): bigint {
  let t = 0n;
  for (const s of input) t += s.amount;
  return t;
}

function checkFunds(total: bigint, values: readonly bigint[], txid: string): void {
  let out = 0n;
  for (const v of values) out += v;
  if (out > total) throw new Error(`provenance: ${txid} creates ${out} satoshis from inputs of ${total}`);
}

/** FIFO: output j takes the slice [sum of earlier outputs, + its value) of the input stream. */
function flowFifo(input: Mix, values: readonly bigint[], needed: ReadonlySet<string>, txid: string): Map<number, Mix> {
  checkFunds(inputTotal(input), values, txid);
  const result = new Map<number, Mix>();
  let seg = 0;
  let used = 0n; // satoshis of input[seg] already taken
  values.forEach((value, vout) => {
    const mix: Mix = [];
    let want = value;
    while (want > 0n) {
      const s = input[seg]!;
      const take = s.amount - used < want ? s.amount - used : want;
      const last = mix[mix.length - 1];
      if (last && last.label === s.label) last.amount += take;
      else mix.push({ label: s.label, amount: take });
      want -= take;
      used += take;
      if (used === s.amount) {
        seg++;
        used = 0n;
      }
    }
    if (needed.has(`${txid}:${vout}`)) result.set(vout, mix);
  });
  return result;
}

/** Haircut: each needed output gets its proportional share of every label, by the largest-remainder rule. */
function flowHaircut(input: Mix, values: readonly bigint[], needed: ReadonlySet<string>, txid: string): Map<number, Mix> {
  const total = inputTotal(input);
  checkFunds(total, values, txid);
  const labels = mergeLabels(input);
  const result = new Map<number, Mix>();
  values.forEach((value, vout) => {
    if (needed.has(`${txid}:${vout}`)) result.set(vout, shareOf(labels, total, value));
  });
  return result;
}

/** Sums a mix by label, in label order. */
function mergeLabels(mix: Mix): Mix {
  const by = new Map<number, bigint>();
  for (const s of mix) by.set(s.label, (by.get(s.label) ?? 0n) + s.amount);
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([label, amount]) => ({ label, amount }));
}

/** Shares of `value` out of `total` for each label, floored, the rest to the largest remainders (ties: lower label). */
function shareOf(labels: Mix, total: bigint, value: bigint): Mix {
  if (value === 0n || total === 0n) return [];
  const shares = labels.map((s) => {
    const ideal = s.amount * value;
    return { label: s.label, amount: ideal / total, remainder: ideal % total };
  });
  let left = value - shares.reduce((sum, s) => sum + s.amount, 0n);
  const byRemainder = [...shares].sort((a, b) => (a.remainder === b.remainder ? a.label - b.label : a.remainder > b.remainder ? -1 : 1));
  for (const s of byRemainder) {
    if (left === 0n) break;
    s.amount += 1n;
    left--;
  }
  return shares.filter((s) => s.amount > 0n).map((s) => ({ label: s.label, amount: s.amount }));
}
