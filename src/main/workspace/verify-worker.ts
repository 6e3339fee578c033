// Worker thread for `index verify` inside the app: reindexes a workspace's stored blocks off the main thread,
// reading the index through its own read-only connection (WAL gives it a consistent snapshot).

import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { verifyIndex } from './verify.ts';
import { workspaceParams, type WorkspaceFile } from './workspace-file.ts';

export interface VerifyWorkerData {
  indexFile: string;
  params: WorkspaceFile['params'];
  blockInterval: number | undefined;
}

const data = workerData as VerifyWorkerData;
const db = new Database(data.indexFile, { readonly: true, fileMustExist: true });
try {
  parentPort!.postMessage({ ok: true, result: verifyIndex(db, workspaceParams(data)) });
} catch (e) {
  parentPort!.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) });
} finally {
  db.close();
}
