// Signature verification spread over worker threads, so large blocks do not hold the main thread.

import { Worker } from 'node:worker_threads';
import type { Block } from '../core/block.ts';
import type { SignatureChecker } from '../core/signatures.ts';
import { pendingSignatureChecks, type SignatureCheck } from '../core/validate.ts';
import type { CoinView } from '../core/utxo.ts';
import { workerExecArgv } from '../miner/pow-pool.ts';
import type { VerifyRequest, VerifyResponse } from './verify-worker.ts';
import { workerUrl } from '../worker-url.ts';

function verifyWorkerUrl(): URL {
  return workerUrl('verify-worker', new URL('./verify-worker.ts', import.meta.url));
}

export class VerifyPool {
  readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, (v: Uint8Array) => void>();
  private nextId = 1;
  private next = 0;
  private closed = false;

  constructor(o: { threads?: number } = {}) {
    this.threads = o.threads ?? 2;
    const execArgv = workerExecArgv();
    for (let i = 0; i < this.threads; i++) {
      const w = new Worker(verifyWorkerUrl(), { execArgv, name: `verify-${i}` });
      w.on('message', (m: VerifyResponse) => {
        const resolve = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (this.pending.size === 0) for (const x of this.workers) x.unref();
        resolve?.(m.verdicts);
      });
      w.on('error', (e) => this.failAll(e));
      w.unref();
      this.workers.push(w);
    }
  }

  /** Verdicts for `checks`, in order, computed on the workers in one chunk per thread. */
  async verify(checks: readonly SignatureCheck[]): Promise<boolean[]> {
    if (this.closed) throw new Error('verify pool is closed');
    if (checks.length === 0) return [];
    const per = Math.ceil(checks.length / this.threads);
    const parts: Promise<Uint8Array>[] = [];
    for (let start = 0; start < checks.length; start += per) parts.push(this.send(checks.slice(start, start + per)));
    const results = await Promise.all(parts);
    return results.flatMap((v) => [...v].map((x) => x === 1));
  }

  private send(chunk: readonly SignatureCheck[]): Promise<Uint8Array> {
    const n = chunk.length;
    const req: VerifyRequest = { id: this.nextId++, signatures: new Uint8Array(64 * n), messages: new Uint8Array(32 * n), publicKeys: new Uint8Array(32 * n) };
    chunk.forEach((c, i) => {
      req.signatures.set(c.signature, 64 * i);
      req.messages.set(c.message, 32 * i);
      req.publicKeys.set(c.publicKey, 32 * i);
    });
    const worker = this.workers[this.next++ % this.workers.length]!;
    worker.ref();
    return new Promise((resolve) => {
      this.pending.set(req.id, resolve);
      worker.postMessage(req, [req.signatures.buffer as ArrayBuffer, req.messages.buffer as ArrayBuffer, req.publicKeys.buffer as ArrayBuffer]);
    });
  }

  private failAll(e: Error): void {
    // A dead worker answers nothing: resolve with "not verified" so the main thread verifies them itself.
    for (const [id, resolve] of this.pending) {
      this.pending.delete(id);
      resolve(new Uint8Array(0));
    }
    void e;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Verifies on the pool the signatures `block` will need that the checker has not seen, and records the valid
 * ones in the checker; connecting the block then finds them cached. Returns how many were verified. Invalid
 * signatures are not recorded: connectBlock meets them and rejects the block with bad-schnorr-sig.
 */
export async function preverifyBlock(block: Block, view: CoinView, checker: SignatureChecker, pool: VerifyPool, minChecks = 32): Promise<number> {
  const checks = pendingSignatureChecks(block, view, checker);
  if (checks.length < minChecks) return 0;
  const verdicts = await pool.verify(checks);
  verdicts.forEach((ok, i) => {
    if (ok) checker.addVerified(checks[i]!.signature, checks[i]!.message, checks[i]!.publicKey);
  });
  return checks.length;
}
