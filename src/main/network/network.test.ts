// Links and topologies: latency with jitter, bandwidth queueing, loss, partitions and their healing.

import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { Transaction } from '../core/tx.ts';
import type { Message } from './messages.ts';
import { Network, type Endpoint } from './network.ts';
import { VirtualScheduler } from './scheduler.ts';

class Probe implements Endpoint {
  readonly id: string;
  running = true;
  readonly received: { t: number; from: string; m: Message }[] = [];
  readonly connected: string[] = [];
  readonly disconnected: string[] = [];
  private readonly s: VirtualScheduler;
  constructor(id: string, s: VirtualScheduler) {
    this.id = id;
    this.s = s;
  }
  receive(from: string, m: Message): void {
    this.received.push({ t: this.s.now(), from, m });
  }
  peerConnected(peer: string): void {
    this.connected.push(peer);
  }
  peerDisconnected(peer: string): void {
    this.disconnected.push(peer);
  }
}

function setup(n: number, seed = 'net') {
  const s = new VirtualScheduler(0);
  const net = new Network(s, new Rng(seed));
  const probes = Array.from({ length: n }, (_, i) => new Probe(`p${i}`, s));
  for (const p of probes) net.add(p);
  return { s, net, probes };
}

const inv: Message = { type: 'inv', items: [{ kind: 'tx', id: '00'.repeat(32) }] };
/** A transaction message of a known size: one input, one output with `scriptBytes` of script. */
function txMessage(scriptBytes: number): Message {
  const tx = new Transaction({ version: 2, inputs: [{ prevout: { txid: new Uint8Array(32), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0, witness: [] }], outputs: [{ value: 1n, scriptPubKey: new Uint8Array(scriptBytes) }], locktime: 0 });
  return { type: 'tx', tx };
}

describe('network links', () => {
  it('delivers after the latency plus jitter, never before', () => {
    const { s, net, probes } = setup(2);
    net.connect('p0', 'p1', { latencyMs: 100, jitterMs: 50 });
    for (let i = 0; i < 200; i++) s.setTimeout(() => net.send('p0', 'p1', inv), i * 1000);
    s.runFor(300_000);
    const delays = probes[1]!.received.map((r, i) => r.t - i * 1000);
    expect(delays).toHaveLength(200);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...delays)).toBeLessThan(150);
    expect(new Set(delays.map((d) => Math.floor(d / 10))).size).toBeGreaterThan(3); // jitter spreads them
  });

  it('queues messages behind each other on a bandwidth-limited link', () => {
    const { s, net, probes } = setup(2);
    net.connect('p0', 'p1', { latencyMs: 10, jitterMs: 0, bandwidth: 1000 });
    const m = txMessage(1000);
    const size = 24 + (m.type === 'tx' ? m.tx.totalSize : 0);
    net.send('p0', 'p1', m);
    net.send('p0', 'p1', m);
    s.runFor(60_000);
    const [a, b] = probes[1]!.received.map((r) => r.t);
    expect(a).toBeCloseTo(10 + size, 6); // 1000 bytes/s: one ms per byte
    expect(b! - a!).toBeCloseTo(size, 6);
  });

  it('loses about the configured fraction of messages', () => {
    const { s, net, probes } = setup(2);
    net.connect('p0', 'p1', { latencyMs: 1, jitterMs: 0, loss: 0.3 });
    for (let i = 0; i < 5000; i++) net.send('p0', 'p1', inv);
    s.runFor(1000);
    const got = probes[1]!.received.length;
    expect(got).toBeGreaterThan(3300);
    expect(got).toBeLessThan(3700);
    expect(net.stats.dropped).toBe(5000 - got);
  });

  it('a partition cuts links between groups (messages in flight are lost); healing reconnects both sides', () => {
    const { s, net, probes } = setup(4);
    net.fullMesh(['p0', 'p1', 'p2', 'p3'], { latencyMs: 50, jitterMs: 0 });
    s.runFor(100);
    net.send('p0', 'p2', inv); // in flight when the cut comes
    net.partition([['p0', 'p1'], ['p2', 'p3']]);
    net.send('p0', 'p3', inv);
    net.send('p0', 'p1', inv);
    s.runFor(1000);
    expect(probes[2]!.received).toHaveLength(0);
    expect(probes[3]!.received).toHaveLength(0);
    expect(probes[1]!.received).toHaveLength(1);
    expect(probes[0]!.disconnected.sort()).toEqual(['p2', 'p3']);
    expect(net.livePeersOf('p0').sort()).toEqual(['p1']);
    net.heal();
    s.runFor(1000);
    expect(probes[2]!.connected.filter((p) => p === 'p0')).toHaveLength(2); // at creation and after healing
    net.send('p0', 'p2', inv);
    s.runFor(1000);
    expect(probes[2]!.received).toHaveLength(1);
  });

  it('a stopped endpoint receives nothing', () => {
    const { s, net, probes } = setup(2);
    net.connect('p0', 'p1');
    probes[1]!.running = false;
    net.send('p0', 'p1', inv);
    s.runFor(1000);
    expect(probes[1]!.received).toHaveLength(0);
  });
});

describe('topologies', () => {
  const degrees = (net: Network, ids: string[]) => ids.map((id) => net.peersOf(id).length);
  it('full mesh, ring and random k-regular have the degrees they promise, and are connected', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const mesh = setup(10);
    mesh.net.fullMesh(ids);
    expect(degrees(mesh.net, ids)).toEqual(ids.map(() => 9));
    const ring = setup(10);
    ring.net.ring(ids);
    expect(degrees(ring.net, ids)).toEqual(ids.map(() => 2));
    for (const seed of ['a', 'b', 'c']) {
      const reg = setup(10, seed);
      reg.net.randomRegular(ids, 3);
      expect(degrees(reg.net, ids)).toEqual(ids.map(() => 3));
      // Connected: a walk from p0 reaches everyone.
      const seen = new Set(['p0']);
      const stack = ['p0'];
      while (stack.length > 0) {
        for (const p of reg.net.peersOf(stack.pop()!)) {
          if (seen.has(p)) continue;
          seen.add(p);
          stack.push(p);
        }
      }
      expect(seen.size).toBe(10);
    }
  });
});
