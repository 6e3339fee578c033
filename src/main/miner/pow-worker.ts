// Proof-of-work worker thread: claims nonce chunks from a shared cursor and hashes them until found or stopped.

import { parentPort, workerData } from 'node:worker_threads';
import { HeaderHasher } from '../core/pow-hash.ts';

/** Nonces hashed between two looks at the stop flag: about 8 ms at 2M hashes/s. */
export const CHUNK = 16_384;

/**
 * Layout of the pool's SharedArrayBuffer: two BigInt64 slots (the next unclaimed nonce of the current job,
 * the pool's total hash count) followed by one Int32 slot, the stop flag (non-zero: stop after this chunk).
 */
export const CONTROL_BYTES = 20;
export const CURSOR = 0;
export const HASHES = 1;
export const STOP = 0;

export interface Control {
  counters: BigInt64Array;
  flags: Int32Array;
}

export function controlViews(buffer: SharedArrayBuffer): Control {
  return { counters: new BigInt64Array(buffer, 0, 2), flags: new Int32Array(buffer, 16, 1) };
}

export const WORKER_KIND = 'forklab-pow';

/** workerData of a proof-of-work worker; `kind` tells it apart from other workers that import this module. */
export interface WorkerInit {
  kind: typeof WORKER_KIND;
  control: SharedArrayBuffer;
}

/** One search over the nonces the cursor hands out, up to `endNonce` inclusive. */
export interface JobMessage {
  id: number;
  header: Uint8Array;
  target: bigint;
  endNonce: number;
}

export interface DoneMessage {
  id: number;
  /** The qualifying nonce this worker found, or null. */
  nonce: number | null;
  hashes: number;
}

/** Runs one job to completion: until this worker finds a nonce, the cursor passes endNonce, or the stop flag is set. */
export function runJob(job: JobMessage, { counters, flags }: Control): DoneMessage {
  const hasher = new HeaderHasher(job.header);
  const chunk = BigInt(CHUNK);
  let hashes = 0;
  let nonce: number | null = null;
  while (Atomics.load(flags, STOP) === 0) {
    const start = Number(Atomics.add(counters, CURSOR, chunk));
    if (start > job.endNonce) break;
    const count = Math.min(CHUNK, job.endNonce - start + 1);
    const found = hasher.search(start, count, job.target);
    const tried = found < 0 ? count : found - start + 1;
    hashes += tried;
    Atomics.add(counters, HASHES, BigInt(tried));
    if (found >= 0) {
      nonce = found;
      Atomics.store(flags, STOP, 1); // the other workers stop after their current chunk
      break;
    }
  }
  return { id: job.id, nonce, hashes };
}

function isWorkerInit(data: unknown): data is WorkerInit {
  return typeof data === 'object' && data !== null && (data as WorkerInit).kind === WORKER_KIND;
}

// Entry point when started by PowPool; importing this module anywhere else (the pool, tests) does nothing.
if (parentPort && isWorkerInit(workerData)) {
  const port = parentPort;
  const control = controlViews(workerData.control);
  port.on('message', (job: JobMessage) => port.postMessage(runJob(job, control)));
}
