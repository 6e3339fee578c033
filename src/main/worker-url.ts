// Where a worker thread's script is: next to its pool in the source tree (tsx, vitest, the CLI), or beside the
// bundle in a built app (electron-vite emits each worker as its own entry in out/main, see electron.vite.config.ts).

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type WorkerName = 'pow-worker' | 'verify-worker' | 'index-verify-worker';

/** Set by the built app's entry (src/main/index.ts) to its own directory; unset when running from source. */
export const WORKER_DIR_ENV = 'FORKLAB_WORKER_DIR';

export function workerUrl(name: WorkerName, source: URL): URL {
  const dir = process.env[WORKER_DIR_ENV];
  return dir ? pathToFileURL(join(dir, `${name}.js`)) : source;
}
