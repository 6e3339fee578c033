// Tests of the proof-of-work worker pool: valid nonces, exhaustion, abort, hash counting, shutdown.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterAll, describe, expect, it } from 'vitest';
import { HeaderHasher } from '../core/pow-hash.ts';
import { PowPool } from './pow-pool.ts';

function header(seed: number): Uint8Array {
  const h = new Uint8Array(80);
  for (let i = 0; i < 80; i++) h[i] = (seed * 31 + i * 7) & 0xff;
  return h;
}

/** Whether sha256d(header with nonce), read as a little-endian 256-bit integer, is <= target (checked with noble). */
function meetsTarget(h: Uint8Array, nonce: number, target: bigint): boolean {
  const full = h.slice();
  new DataView(full.buffer).setUint32(76, nonce, true);
  const hash = sha256(sha256(full));
  expect(bytesToHex(new HeaderHasher(h).hash(nonce))).toBe(bytesToHex(hash));
  return BigInt('0x' + bytesToHex(hash.reverse())) <= target;
}

/** Resolves once the pool's workers have reported hashes (they take a moment to start). */
async function hashingStarted(pool: PowPool): Promise<void> {
  const before = pool.totalHashes;
  while (pool.totalHashes === before) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** About one hash in `odds` qualifies. */
const easy = (odds: number): bigint => (1n << 256n) / BigInt(odds);

describe('PowPool', () => {
  const pools: PowPool[] = [];
  const open = (threads: number): PowPool => {
    const pool = new PowPool({ threads });
    pools.push(pool);
    return pool;
  };
  afterAll(() => Promise.all(pools.map((p) => p.close())));

  it('finds a valid nonce for an easy target on one thread', async () => {
    const pool = open(1);
    const h = header(1);
    const target = easy(5000);
    const r = await pool.search({ header: h, target });
    expect(r.aborted).toBe(false);
    expect(r.nonce).not.toBeNull();
    expect(meetsTarget(h, r.nonce!, target)).toBe(true);
    // One thread tries nonces in order: the first qualifying one, after exactly nonce + 1 hashes.
    expect(r.nonce).toBe(new HeaderHasher(h).search(0, 1_000_000, target));
    expect(r.hashes).toBe(r.nonce! + 1);
  });

  it('finds valid nonces on two threads, job after job, inside the requested range', async () => {
    const pool = open(2);
    expect(pool.threads).toBe(2);
    for (let i = 0; i < 5; i++) {
      const h = header(10 + i);
      const target = easy(20_000);
      const startNonce = 1_000_000 * i;
      const r = await pool.search({ header: h, target, startNonce });
      expect(r.aborted).toBe(false);
      expect(r.nonce).not.toBeNull();
      expect(r.nonce!).toBeGreaterThanOrEqual(startNonce);
      expect(meetsTarget(h, r.nonce!, target)).toBe(true);
      expect(r.hashes).toBeGreaterThan(0);
    }
  });

  it('returns null after exhausting a tiny range with an impossible target', async () => {
    const pool = open(2);
    const r = await pool.search({ header: header(2), target: 0n, startNonce: 100, endNonce: 100_099 });
    expect(r).toEqual({ nonce: null, hashes: 100_000, aborted: false });
    const last = await pool.search({ header: header(2), target: 0n, startNonce: 0xfffffff0 });
    expect(last).toEqual({ nonce: null, hashes: 16, aborted: false });
  });

  it('stops within a few chunks when aborted, and stays usable', async () => {
    const pool = open(2);
    const controller = new AbortController();
    const search = pool.search({ header: header(3), target: 0n }, controller.signal);
    await hashingStarted(pool);
    const abortedAt = performance.now();
    controller.abort();
    const r = await search;
    expect(performance.now() - abortedAt).toBeLessThan(1000); // a chunk is ~10 ms; generous for loaded machines
    expect(r.aborted).toBe(true);
    expect(r.nonce).toBeNull();
    expect(r.hashes).toBeGreaterThan(0);

    const already = AbortSignal.abort();
    expect(await pool.search({ header: header(3), target: 0n }, already)).toEqual({ nonce: null, hashes: 0, aborted: true });
    const next = await pool.search({ header: header(4), target: easy(100) });
    expect(next.nonce).not.toBeNull();
  });

  it('runs one search at a time and rejects bad jobs', async () => {
    const pool = open(1);
    const controller = new AbortController();
    const first = pool.search({ header: header(5), target: 0n }, controller.signal);
    await expect(pool.search({ header: header(5), target: 0n })).rejects.toThrow(/already running/);
    controller.abort();
    expect((await first).aborted).toBe(true);
    await expect(pool.search({ header: new Uint8Array(79), target: 1n })).rejects.toThrow(/expected 80 bytes, got 79/);
    await expect(pool.search({ header: header(5), target: -1n })).rejects.toThrow(RangeError);
    await expect(pool.search({ header: header(5), target: 1n, startNonce: 5, endNonce: 4 })).rejects.toThrow(RangeError);
    await expect(pool.search({ header: header(5), target: 1n, endNonce: 2 ** 32 })).rejects.toThrow(RangeError);
    expect(() => new PowPool({ threads: 0 })).toThrow(RangeError);
  });

  it('counts every hash of every worker in totalHashes', async () => {
    const pool = open(2);
    expect(pool.totalHashes).toBe(0);
    const a = await pool.search({ header: header(6), target: 0n, endNonce: 49_999 });
    expect(pool.totalHashes).toBe(50_000);
    const b = await pool.search({ header: header(7), target: easy(1000) });
    expect(pool.totalHashes).toBe(a.hashes + b.hashes);
  });

  it('closes idempotently; a running search resolves as aborted, later ones reject', async () => {
    const pool = open(2);
    const running = pool.search({ header: header(8), target: 0n });
    await hashingStarted(pool);
    const closing = pool.close();
    expect(pool.close()).toBe(closing);
    await closing;
    expect((await running).aborted).toBe(true);
    await expect(pool.search({ header: header(8), target: 1n })).rejects.toThrow(/closed/);
  });

  it('does not keep the process alive when idle or closed', () => {
    const url = new URL('./pow-pool.ts', import.meta.url).href;
    const script = `
      const { PowPool } = await import(${JSON.stringify(url)});
      const closed = new PowPool({ threads: 2 });
      const idle = new PowPool({ threads: 2 });
      const target = (1n << 256n) / 1000n;
      const a = await closed.search({ header: new Uint8Array(80), target });
      const b = await idle.search({ header: new Uint8Array(80).fill(1), target });
      await closed.close();
      console.log(a.nonce !== null && b.nonce !== null ? 'found' : 'missing');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(child.signal).toBeNull(); // not killed by the timeout
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('found');
  });
});
