// The index file's identity and migrations: a fresh file is created; newer, foreign or non-SQLite files are refused untouched.

import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexedHistory } from '../../../test/support/indexed-history.ts';
import { APPLICATION_ID, IndexSchemaError, SCHEMA_VERSION, migrate, openIndexDatabase } from './schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'forklab-index-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a file with `make`, then expects openIndexDatabase to refuse it with `code` and leave its bytes as they were. */
function expectRefused(name: string, make: (path: string) => void, code: string, message: RegExp): void {
  const path = join(dir, name);
  make(path);
  const before = readFileSync(path);
  let error: unknown;
  try {
    openIndexDatabase(path).close();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(IndexSchemaError);
  expect((error as IndexSchemaError).code).toBe(code);
  expect((error as Error).message).toMatch(message);
  expect(readFileSync(path).equals(before), `${name} unchanged`).toBe(true);
}

function sqliteFile(path: string, setup: (db: Database.Database) => void): void {
  const db = new Database(path);
  setup(db);
  db.close();
}

describe('index schema', () => {
  it('creates a fresh index with Forklab identity and the current version, in WAL mode; reopening is a no-op', () => {
    const path = join(dir, 'fresh.sqlite');
    const db = openIndexDatabase(path);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['address_io', 'address_io_pending', 'addresses', 'attack_reports', 'block_status', 'blocks', 'events', 'inputs', 'mempool', 'outputs', 'txids', 'txs', 'view_blocks', 'views']);
    db.close();
    const again = new Database(path);
    expect(migrate(again)).toBe(SCHEMA_VERSION);
    again.close();
  });

  it('upgrades an empty SQLite database in place', () => {
    const db = new Database(':memory:');
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses a newer schema version', () => {
    expectRefused('newer.sqlite', (p) => sqliteFile(p, (db) => {
      migrate(db);
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    }), 'newer-schema', new RegExp(`schema version ${SCHEMA_VERSION + 1} is newer than this Forklab understands \\(${SCHEMA_VERSION}\\)`));
  });

  it('refuses another application\'s database', () => {
    expectRefused('foreign-id.sqlite', (p) => sqliteFile(p, (db) => db.pragma('application_id = 1234')), 'foreign-file', /got application_id 1234/);
    expectRefused('foreign-tables.sqlite', (p) => sqliteFile(p, (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)')), 'foreign-file', /application_id 0 with 1 tables/);
  });

  it('refuses a file that is not SQLite', () => {
    expectRefused('garbage.sqlite', (p) => writeFileSync(p, Buffer.from('this is a text file, not an index\n'.repeat(200))), 'not-sqlite', /expected an SQLite database/);
    expectRefused('random.sqlite', (p) => writeFileSync(p, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 2654435761) >>> 24))), 'not-sqlite', /not one/);
  });

  it('migrates a version 1 index to the rows a fresh index of the same blocks has', () => {
    const { db } = indexedHistory();
    const derived = (): unknown[] => [
      db.prepare('SELECT * FROM address_io ORDER BY address_id, height, position, block_id, n').raw().all(),
      db.prepare('SELECT * FROM address_io_pending ORDER BY block_id').raw().all(),
      db.prepare('SELECT id, prev_value FROM inputs ORDER BY id').raw().all(),
    ];
    const fresh = derived();
    expect((fresh[0] as unknown[]).length).toBeGreaterThan(10);
    // Back to version 1 as it was created, then forward again.
    db.exec(`DROP TABLE address_io; DROP TABLE address_io_pending; ALTER TABLE inputs DROP COLUMN prev_value;
      DROP INDEX txs_txid; DROP INDEX blocks_time; DROP INDEX block_status_other; CREATE INDEX txs_txid ON txs(txid_id); CREATE INDEX outputs_address ON outputs(address_id) WHERE address_id IS NOT NULL;`);
    db.pragma('user_version = 1');
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(derived()).toEqual(fresh);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'outputs_address'").all()).toEqual([]);
    db.close();
  });

  it('migrates a version 2 index to version 3: side-branch statuses get their own index, rows are kept', () => {
    const { t, db, index } = indexedHistory();
    const tips = index.queries.chainTips('n');
    const rows = (): unknown[] => db.prepare('SELECT * FROM block_status ORDER BY view_id, block_id').raw().all();
    const before = rows();
    db.exec('DROP INDEX block_status_other');
    db.pragma('user_version = 2');
    expect(SCHEMA_VERSION).toBe(3);
    expect(migrate(db)).toBe(3);
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'block_status_other'").pluck().get()).toMatch(/WHERE status <> 'active'/);
    expect(rows()).toEqual(before);
    expect(index.queries.chainTips('n')).toEqual(tips);
    expect(tips.map((x) => [x.hash, x.status])).toEqual([
      [t.get('a10').id, 'active'],
      [t.get('s7').id, 'valid-fork'],
    ]);
    db.close();
  });

  it('finds a view\'s side-branch statuses through block_status_other, not through its active rows', () => {
    const db = new Database(':memory:');
    migrate(db);
    const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1) as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan("SELECT s.block_id FROM block_status s WHERE s.view_id = ? AND s.status <> 'active' AND s.status = 'stale'")).toMatch(/^SEARCH s USING COVERING INDEX block_status_other \(view_id=\? AND status=\?\)$/);
    expect(plan("SELECT s.block_id, s.code FROM block_status s JOIN blocks b ON b.id = s.block_id WHERE s.view_id = ? AND s.status <> 'active' AND s.status = 'invalid'")).toMatch(/^SEARCH s USING COVERING INDEX block_status_other \(view_id=\? AND status=\?\); SEARCH b USING INTEGER PRIMARY KEY/);
    db.close();
  });
});
