// The simulated network: links with latency, jitter, bandwidth and loss between nodes; partitions; topologies.

import { Emitter } from '../core/events.ts';
import type { Rng } from '../core/rng.ts';
import { messageSize, type Message } from './messages.ts';
import type { Scheduler } from './scheduler.ts';

export interface LinkOptions {
  /** One-way latency, ms. */
  latencyMs?: number;
  /** Uniform extra delay in [0, jitterMs), ms. */
  jitterMs?: number;
  /** Bytes per second each way; unlimited when absent. */
  bandwidth?: number;
  /** Probability that a message is lost, in [0, 1). */
  loss?: number;
}

export interface Link extends Required<Omit<LinkOptions, 'bandwidth'>> {
  readonly a: string;
  readonly b: string;
  bandwidth: number | null;
  /** False while a partition cuts it. */
  up: boolean;
  /** When each direction's transmitter is free again (bandwidth queueing). */
  busyUntil: Record<string, number>;
  bytes: number;
  messages: number;
}

/** What a network delivers messages to. */
export interface Endpoint {
  readonly id: string;
  readonly running: boolean;
  receive(from: string, message: Message): void;
  /** A link to `peer` became usable (created, healed, or this endpoint restarted). */
  peerConnected(peer: string): void;
  peerDisconnected(peer: string): void;
}

export interface NetworkEvents {
  linkChanged: { a: string; b: string; up: boolean; removed?: boolean };
  nodeAdded: { id: string };
  nodeRemoved: { id: string };
  partition: { groups: string[][] };
  healed: Record<string, never>;
  delivered: { from: string; to: string; type: Message['type'] };
}

export const DEFAULT_LINK: Required<Omit<LinkOptions, 'bandwidth'>> = { latencyMs: 50, jitterMs: 20, loss: 0 };

function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

export class Network {
  readonly scheduler: Scheduler;
  readonly events = new Emitter<NetworkEvents>();
  private readonly rng: Rng;
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly links = new Map<string, Link>();
  /** Message counts by type, for displays and benchmarks. */
  readonly stats = { sent: 0, delivered: 0, dropped: 0, bytes: 0 };

  constructor(scheduler: Scheduler, rng: Rng) {
    this.scheduler = scheduler;
    this.rng = rng;
  }

  add(endpoint: Endpoint): void {
    if (this.endpoints.has(endpoint.id)) throw new Error(`node ${endpoint.id} already in the network`);
    this.endpoints.set(endpoint.id, endpoint);
    this.events.emit('nodeAdded', { id: endpoint.id });
  }

  remove(id: string): void {
    for (const peer of this.peersOf(id)) this.disconnect(id, peer);
    this.endpoints.delete(id);
    this.events.emit('nodeRemoved', { id });
  }

  has(id: string): boolean {
    return this.endpoints.has(id);
  }

  ids(): string[] {
    return [...this.endpoints.keys()];
  }

  allLinks(): Link[] {
    return [...this.links.values()];
  }

  link(a: string, b: string): Link | undefined {
    return this.links.get(linkKey(a, b));
  }

  /** Peers with a link (up or cut) to `id`. */
  peersOf(id: string): string[] {
    const out: string[] = [];
    for (const l of this.links.values()) {
      if (l.a === id) out.push(l.b);
      else if (l.b === id) out.push(l.a);
    }
    return out;
  }

  /** Peers `id` can reach now. */
  livePeersOf(id: string): string[] {
    return this.peersOf(id).filter((p) => this.links.get(linkKey(id, p))!.up);
  }

  connect(a: string, b: string, o: LinkOptions = {}): Link {
    if (a === b) throw new Error(`cannot link ${a} to itself`);
    for (const id of [a, b]) if (!this.endpoints.has(id)) throw new Error(`unknown node ${id}`);
    const key = linkKey(a, b);
    const existing = this.links.get(key);
    if (existing) return existing;
    const link: Link = {
      a,
      b,
      latencyMs: o.latencyMs ?? DEFAULT_LINK.latencyMs,
      jitterMs: o.jitterMs ?? DEFAULT_LINK.jitterMs,
      loss: o.loss ?? DEFAULT_LINK.loss,
      bandwidth: o.bandwidth ?? null,
      up: true,
      busyUntil: { [a]: 0, [b]: 0 },
      bytes: 0,
      messages: 0,
    };
    this.links.set(key, link);
    this.events.emit('linkChanged', { a, b, up: true });
    this.notifyUp(link);
    return link;
  }

  disconnect(a: string, b: string): void {
    const key = linkKey(a, b);
    const link = this.links.get(key);
    if (!link) return;
    this.links.delete(key);
    this.events.emit('linkChanged', { a, b, up: false, removed: true });
    this.endpoints.get(a)?.peerDisconnected(b);
    this.endpoints.get(b)?.peerDisconnected(a);
  }

  /** Cuts every link between nodes of different groups; nodes in no group keep their links. */
  partition(groups: string[][]): void {
    const groupOf = new Map<string, number>();
    groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
    for (const l of this.links.values()) {
      const ga = groupOf.get(l.a);
      const gb = groupOf.get(l.b);
      if (ga !== undefined && gb !== undefined && ga !== gb && l.up) this.setUp(l, false);
    }
    this.events.emit('partition', { groups });
  }

  /** Restores every cut link. */
  heal(): void {
    for (const l of this.links.values()) if (!l.up) this.setUp(l, true);
    this.events.emit('healed', {});
  }

  setLinkUp(a: string, b: string, up: boolean): void {
    const l = this.links.get(linkKey(a, b));
    if (!l) throw new Error(`no link between ${a} and ${b}`);
    if (l.up !== up) this.setUp(l, up);
  }

  private setUp(l: Link, up: boolean): void {
    l.up = up;
    this.events.emit('linkChanged', { a: l.a, b: l.b, up });
    if (up) this.notifyUp(l);
    else {
      this.endpoints.get(l.a)?.peerDisconnected(l.b);
      this.endpoints.get(l.b)?.peerDisconnected(l.a);
    }
  }

  private notifyUp(l: Link): void {
    // Let both sides learn of each other after the current task, as a real handshake would.
    this.scheduler.setTimeout(() => {
      if (!l.up || this.links.get(linkKey(l.a, l.b)) !== l) return;
      this.endpoints.get(l.a)?.peerConnected(l.b);
      this.endpoints.get(l.b)?.peerConnected(l.a);
    }, l.latencyMs);
  }

  /** Sends `message`; it arrives after the link's delay unless the link is cut, lossy, or a side is stopped. */
  send(from: string, to: string, message: Message): void {
    const link = this.links.get(linkKey(from, to));
    this.stats.sent++;
    if (!link || !link.up || (link.loss > 0 && this.rng.float() < link.loss)) {
      this.stats.dropped++;
      return;
    }
    const size = messageSize(message);
    const now = this.scheduler.now();
    let delay = link.latencyMs + (link.jitterMs > 0 ? this.rng.float() * link.jitterMs : 0);
    if (link.bandwidth) {
      const start = Math.max(now, link.busyUntil[from] ?? 0);
      const transmit = (size / link.bandwidth) * 1000;
      link.busyUntil[from] = start + transmit;
      delay += start - now + transmit;
    }
    link.bytes += size;
    link.messages++;
    this.stats.bytes += size;
    this.scheduler.setTimeout(() => {
      const target = this.endpoints.get(to);
      if (!target || !target.running || !link.up || this.links.get(linkKey(from, to)) !== link) {
        this.stats.dropped++;
        return;
      }
      this.stats.delivered++;
      this.events.emit('delivered', { from, to, type: message.type });
      target.receive(from, message);
    }, delay);
  }

  // ---- topologies ----

  fullMesh(ids: string[], o: LinkOptions = {}): void {
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) this.connect(ids[i]!, ids[j]!, o);
  }

  ring(ids: string[], o: LinkOptions = {}): void {
    if (ids.length < 2) return;
    for (let i = 0; i < ids.length; i++) {
      const next = ids[(i + 1) % ids.length]!;
      if (next !== ids[i]) this.connect(ids[i]!, next, o);
    }
  }

  /**
   * A random k-regular graph (each node has k peers) by repeated random matching; falls back to a ring plus
   * random chords when a perfect matching is not found. Connected whenever k >= 2.
   */
  randomRegular(ids: string[], k: number, o: LinkOptions = {}): void {
    const n = ids.length;
    if (k >= n) return this.fullMesh(ids, o);
    for (let attempt = 0; attempt < 200; attempt++) {
      const edges = tryRegular(n, k, this.rng);
      if (edges && isConnected(n, edges)) {
        for (const [i, j] of edges) this.connect(ids[i]!, ids[j]!, o);
        return;
      }
    }
    this.ring(ids, o);
  }
}

function tryRegular(n: number, k: number, rng: Rng): [number, number][] | null {
  if ((n * k) % 2 !== 0) return null;
  const stubs: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) stubs.push(i);
  rng.shuffle(stubs);
  const seen = new Set<string>();
  const edges: [number, number][] = [];
  for (let i = 0; i < stubs.length; i += 2) {
    const a = Math.min(stubs[i]!, stubs[i + 1]!);
    const b = Math.max(stubs[i]!, stubs[i + 1]!);
    if (a === b || seen.has(`${a}-${b}`)) return null;
    seen.add(`${a}-${b}`);
    edges.push([a, b]);
  }
  return edges;
}

function isConnected(n: number, edges: [number, number][]): boolean {
  const adj = Array.from({ length: n }, () => [] as number[]);
  for (const [a, b] of edges) {
    adj[a]!.push(b);
    adj[b]!.push(a);
  }
  const seen = new Set([0]);
  const stack = [0];
  while (stack.length > 0) {
    for (const x of adj[stack.pop()!]!) {
      if (seen.has(x)) continue;
      seen.add(x);
      stack.push(x);
    }
  }
  return seen.size === n;
}
