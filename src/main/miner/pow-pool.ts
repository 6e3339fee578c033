// Pool of long-lived proof-of-work worker threads: one nonce search at a time, abortable, with a shared hash count.

import { Worker } from 'node:worker_threads';
import {
  CONTROL_BYTES,
  CURSOR,
  HASHES,
  STOP,
  WORKER_KIND,
  controlViews,
  type Control,
  type DoneMessage,
  type JobMessage,
  type WorkerInit,
} from './pow-worker.ts';
import { workerUrl } from '../worker-url.ts';

export interface PowJob {
  /** The 80-byte block header; its nonce bytes are ignored. */
  header: Uint8Array;
  /** A hash qualifies when, read as a little-endian 256-bit integer, it is <= target. */
  target: bigint;
  startNonce?: number;
  /** Inclusive; default 0xffffffff. */
  endNonce?: number;
}

export interface PowResult {
  /** null: range exhausted or aborted. */
  nonce: number | null;
  /** Hashes done for this job by all workers. */
  hashes: number;
  /** True when the search was aborted (signal or close()) before any worker found a nonce. */
  aborted: boolean;
}

const MAX_NONCE = 0xffffffff;

/**
 * Where the worker's code is. Node runs the .ts file itself (type stripping) under node, tsx and vitest;
 * a bundled build (Electron) changes only this function, to point at the worker's own build entry.
 */
function powWorkerUrl(): URL {
  return workerUrl('pow-worker', new URL('./pow-worker.ts', import.meta.url));
}

/**
 * The parent's Node options for the workers (loaders such as tsx's, --experimental-strip-types on older
 * Node 22), minus --input-type, which a worker rejects (it belongs to `node --input-type=module -e ...`).
 */
export function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--input-type') i++;
    else if (!a.startsWith('--input-type=')) out.push(a);
  }
  return out;
}

interface RunningSearch {
  id: number;
  pending: number;
  nonce: number | null;
  hashes: number;
  aborted: boolean;
  resolve: (r: PowResult) => void;
  reject: (e: Error) => void;
  cleanup: () => void;
}

/**
 * Proof-of-work search on `threads` worker threads, created once and reused. Workers claim chunks of nonces
 * from a shared cursor and look at a shared stop flag between chunks, so a find, an abort or close() stops
 * every worker within one chunk (a few ms). One search at a time: a search started while another runs is
 * rejected. Idle workers do not keep the process alive; a running search does.
 */
export class PowPool {
  readonly threads: number;
  private readonly control: Control;
  private readonly workers: Worker[];
  private running: RunningSearch | null = null;
  private nextId = 1;
  private closing: Promise<void> | null = null;
  private failure: Error | null = null;

  constructor(opts: { threads?: number } = {}) {
    const threads = opts.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads: expected a positive integer, got ${threads}`);
    this.threads = threads;
    const buffer = new SharedArrayBuffer(CONTROL_BYTES);
    this.control = controlViews(buffer);
    const init: WorkerInit = { kind: WORKER_KIND, control: buffer };
    this.workers = [];
    const execArgv = workerExecArgv();
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(powWorkerUrl(), { workerData: init, execArgv, name: `pow-${i}` });
      worker.on('message', (m: DoneMessage) => this.onDone(m));
      worker.on('error', (e) => this.fail(new Error(`pow worker ${i} failed: ${e.message}`, { cause: e })));
      worker.on('exit', (code) => this.fail(new Error(`pow worker ${i} exited with code ${code}`)));
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Total hashes done by all workers since creation (for hash-rate displays). */
  get totalHashes(): number {
    return Number(Atomics.load(this.control.counters, HASHES));
  }

  /**
   * Splits the nonce range over the threads; resolves with the first qualifying nonce any thread finds
   * (the others stop), or null when exhausted/aborted. Settles once every worker has stopped, so the pool
   * is ready for the next search when it does. A nonce found before an abort takes effect is returned.
   */
  search(job: PowJob, signal?: AbortSignal): Promise<PowResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error('PowPool: closed'));
    if (this.running) return Promise.reject(new Error('PowPool: a search is already running (one at a time)'));
    let message: JobMessage;
    let start: number;
    try {
      ({ message, start } = this.checkJob(job));
    } catch (e) {
      return Promise.reject(e as Error);
    }
    if (signal?.aborted) return Promise.resolve({ nonce: null, hashes: 0, aborted: true });
    const { counters, flags } = this.control;
    Atomics.store(counters, CURSOR, BigInt(start));
    Atomics.store(flags, STOP, 0);
    return new Promise<PowResult>((resolve, reject) => {
      const onAbort = (): void => this.stop();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.running = {
        id: message.id,
        pending: this.workers.length,
        nonce: null,
        hashes: 0,
        aborted: false,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      for (const w of this.workers) {
        w.ref();
        w.postMessage(message);
      }
    });
  }

  /** Terminates the workers; a running search resolves as aborted. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.terminate();
    return this.closing;
  }

  private async terminate(): Promise<void> {
    this.stop();
    const run = this.running;
    if (run) this.settle(run);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private checkJob(job: PowJob): { message: JobMessage; start: number } {
    const { header, target } = job;
    if (!(header instanceof Uint8Array) || header.length !== 80) {
      throw new TypeError(`header: expected 80 bytes, got ${header instanceof Uint8Array ? header.length : typeof header}`);
    }
    if (typeof target !== 'bigint' || target < 0n) throw new RangeError(`target: expected a non-negative bigint, got ${String(target)}`);
    const start = job.startNonce ?? 0;
    const end = job.endNonce ?? MAX_NONCE;
    for (const [what, n] of [['startNonce', start], ['endNonce', end]] as const) {
      if (!Number.isInteger(n) || n < 0 || n > MAX_NONCE) throw new RangeError(`${what}: expected an integer in 0..0xffffffff, got ${n}`);
    }
    if (start > end) throw new RangeError(`startNonce: expected at most endNonce ${end}, got ${start}`);
    return { message: { id: this.nextId++, header, target, endNonce: end }, start };
  }

  /** Asks the workers to stop after their current chunk; the running search then settles as aborted. */
  private stop(): void {
    if (this.running) this.running.aborted = true;
    Atomics.store(this.control.flags, STOP, 1);
  }

  private onDone(m: DoneMessage): void {
    const run = this.running;
    if (!run || m.id !== run.id) return;
    run.hashes += m.hashes;
    if (m.nonce !== null && run.nonce === null) run.nonce = m.nonce;
    if (--run.pending === 0) this.settle(run);
  }

  private settle(run: RunningSearch, error?: Error): void {
    if (this.running !== run) return;
    this.running = null;
    run.cleanup();
    for (const w of this.workers) w.unref();
    if (error) run.reject(error);
    else run.resolve({ nonce: run.nonce, hashes: run.hashes, aborted: run.nonce === null && run.aborted });
  }

  /** A worker died: the pool cannot finish searches any more. Rejects the running search and shuts down. */
  private fail(error: Error): void {
    if (this.closing || this.failure) return;
    this.failure = error;
    const run = this.running;
    if (run) this.settle(run, error);
    void this.close();
  }
}
