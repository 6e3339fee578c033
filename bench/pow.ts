// Proof-of-work hash rate: HeaderHasher against node:crypto SHA-256d, and the worker pool against N single threads.

import { createHash } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { HeaderHasher } from '../src/main/core/pow-hash.ts';
import { PowPool } from '../src/main/miner/pow-pool.ts';
import { figure, measureRate, type Figure } from './figure.ts';

/** A fixed 80-byte header; only its nonce varies. */
export function benchHeader(): Uint8Array {
  const h = new Uint8Array(80);
  for (let i = 0; i < 80; i++) h[i] = (i * 73 + 11) & 0xff;
  return h;
}

/** HeaderHasher.search over consecutive nonces with a target no hash meets (0), so every nonce is tried. */
export function headerHasherRate(ms: number): number {
  const hasher = new HeaderHasher(benchHeader());
  const COUNT = 65_536;
  let start = 0;
  return measureRate(() => {
    if (hasher.search(start, COUNT, 0n) !== -1) throw new Error('a hash met target 0');
    start = (start + COUNT) % 0x1_0000_0000;
    return COUNT;
  }, ms);
}

/** node:crypto createHash('sha256') twice per header, writing each nonce into the header first. */
function nodeCryptoRate(ms: number): number {
  const header = benchHeader();
  const view = new DataView(header.buffer);
  const COUNT = 1000;
  let nonce = 0;
  return measureRate(() => {
    for (let i = 0; i < COUNT; i++) {
      view.setUint32(76, nonce++ >>> 0, true);
      createHash('sha256').update(createHash('sha256').update(header).digest()).digest();
    }
    return COUNT;
  }, ms);
}

export function benchPow(): Figure {
  const value = headerHasherRate(2000);
  const baseline = nodeCryptoRate(2000);
  return figure('pow.headerHashes', 'hashes/s', value, { name: 'node:crypto sha256d', value: baseline }, { min: 5 });
}

/** Pool hash rate with `threads` workers over ~2 s against `threads` × the single-thread rate of this run. */
export async function benchPowPool(threads: number): Promise<Figure> {
  // Other processes' load competes with the workers: it goes into the notes to read the ratio by.
  const load = loadavg()[0]!;
  const single = headerHasherRate(1500);
  const pool = new PowPool({ threads });
  try {
    const header = benchHeader();
    // Warm-up: workers start, load the hasher and get it optimized before the timed search.
    await pool.search({ header, target: 0n, endNonce: 2_000_000 * threads });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 2000);
    const start = performance.now();
    const r = await pool.search({ header, target: 0n }, controller.signal);
    const seconds = (performance.now() - start) / 1000;
    clearTimeout(timer);
    return figure(
      'pow.poolScaling',
      'hashes/s',
      r.hashes / seconds,
      { name: `${threads} x single-thread HeaderHasher`, value: threads * single },
      { min: 0.8 },
      `${threads} workers on ${availableParallelism()} CPUs, 1-minute load average ${load.toFixed(2)} before the run`,
    );
  } finally {
    await pool.close();
  }
}
