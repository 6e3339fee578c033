// The explorer index's SQLite schema: DDL, file identity (application_id, user_version) and migrations.

import Database from 'better-sqlite3';

type Db = Database.Database;

/** PRAGMA application_id of a Forklab index: 'FKLB' as a big-endian 32-bit integer. */
export const APPLICATION_ID = 0x464b4c42;

/**
 * Design for locality: every table has an INTEGER PRIMARY KEY assigned in insertion order, so appends land
 * on the last B-tree page. Each hash lives in exactly one UNIQUE lookup index (blocks.hash, txids.txid,
 * addresses.address); everything else refers to rows by integer id. Hashes are 32-byte BLOBs in display
 * order (the byte-reversed internal order), so a hex prefix is a range scan. A transaction's inputs and
 * outputs are contiguous id ranges (first_input_id, first_output_id), so they need no index of their own.
 */
const SCHEMA_V1 = `
CREATE TABLE blocks (
  id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  prev_id INTEGER REFERENCES blocks(id),        -- NULL only for genesis
  height INTEGER NOT NULL,
  version INTEGER NOT NULL,
  merkle_root BLOB NOT NULL,
  time INTEGER NOT NULL,
  bits INTEGER NOT NULL,
  nonce INTEGER NOT NULL,
  chain_work TEXT NOT NULL,                      -- hex, cumulative work up to and including this block
  has_data INTEGER NOT NULL,                     -- 0: header only (an ancestor seen without its data)
  size INTEGER,
  weight INTEGER,
  tx_count INTEGER,
  raw BLOB
);
CREATE INDEX blocks_prev ON blocks(prev_id);
CREATE INDEX blocks_height ON blocks(height);

-- Transaction identities: a txid may be in several blocks (on different branches) or only referenced by an input.
CREATE TABLE txids (
  id INTEGER PRIMARY KEY,
  txid BLOB NOT NULL UNIQUE
);

-- One row per (block, position): the same transaction on two branches is two rows with one txid_id.
CREATE TABLE txs (
  id INTEGER PRIMARY KEY,
  txid_id INTEGER NOT NULL REFERENCES txids(id),
  block_id INTEGER NOT NULL REFERENCES blocks(id),
  position INTEGER NOT NULL,
  size INTEGER NOT NULL,
  vsize INTEGER NOT NULL,
  weight INTEGER NOT NULL,
  fee INTEGER,                                   -- satoshis; NULL when the spent coins were not known
  is_coinbase INTEGER NOT NULL,
  first_input_id INTEGER NOT NULL,
  input_count INTEGER NOT NULL,
  first_output_id INTEGER NOT NULL,
  output_count INTEGER NOT NULL,
  UNIQUE (block_id, position)
);
CREATE INDEX txs_txid ON txs(txid_id);

CREATE TABLE addresses (
  id INTEGER PRIMARY KEY,
  address TEXT NOT NULL UNIQUE
);

CREATE TABLE outputs (
  id INTEGER PRIMARY KEY,
  tx_id INTEGER NOT NULL REFERENCES txs(id),
  vout INTEGER NOT NULL,
  value INTEGER NOT NULL,
  script BLOB NOT NULL,
  type TEXT NOT NULL,
  address_id INTEGER REFERENCES addresses(id)
);
CREATE INDEX outputs_address ON outputs(address_id) WHERE address_id IS NOT NULL;

-- An input names the coin it spends by (txid_id, vout): the spender of an outpoint is one index probe.
CREATE TABLE inputs (
  id INTEGER PRIMARY KEY,
  tx_id INTEGER NOT NULL REFERENCES txs(id),
  vin INTEGER NOT NULL,
  prev_txid_id INTEGER REFERENCES txids(id),     -- NULL for a coinbase input
  prev_vout INTEGER NOT NULL,
  sequence INTEGER NOT NULL
);
CREATE INDEX inputs_prevout ON inputs(prev_txid_id, prev_vout) WHERE prev_txid_id IS NOT NULL;

-- A view is one node's opinion: its best chain and the status of every block it has seen.
CREATE TABLE views (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  tip_block_id INTEGER REFERENCES blocks(id)
);

CREATE TABLE view_blocks (
  view_id INTEGER NOT NULL REFERENCES views(id),
  height INTEGER NOT NULL,
  block_id INTEGER NOT NULL REFERENCES blocks(id),
  PRIMARY KEY (view_id, height)
) WITHOUT ROWID;

CREATE TABLE block_status (
  view_id INTEGER NOT NULL REFERENCES views(id),
  block_id INTEGER NOT NULL REFERENCES blocks(id),
  status TEXT NOT NULL CHECK (status IN ('active', 'stale', 'invalid', 'headers-only')),
  code TEXT,                                     -- the rule an invalid block broke
  PRIMARY KEY (view_id, block_id)
) WITHOUT ROWID;

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  view_id INTEGER NOT NULL REFERENCES views(id),
  time INTEGER NOT NULL,                         -- milliseconds on the index's clock
  kind TEXT NOT NULL CHECK (kind IN ('reorg', 'rejected', 'double-spend')),
  payload TEXT NOT NULL                          -- JSON
);
CREATE INDEX events_view_kind ON events(view_id, kind, id);

-- Each view's mempool, as its node's mempool holds it (added/removed events). Rows churn, so the txid is kept
-- here rather than in txids: a transaction that never confirms leaves nothing behind.
CREATE TABLE mempool (
  view_id INTEGER NOT NULL REFERENCES views(id),
  txid BLOB NOT NULL,                            -- display order
  raw BLOB NOT NULL,                             -- the serialized transaction, with witness
  size INTEGER NOT NULL,
  vsize INTEGER NOT NULL,
  weight INTEGER NOT NULL,
  fee INTEGER NOT NULL,                          -- satoshis
  fee_rate REAL NOT NULL,                        -- sat/vB, fee / vsize as the mempool computes it
  time REAL NOT NULL,                            -- seconds on the node's clock when it entered
  input_count INTEGER NOT NULL,
  output_count INTEGER NOT NULL,
  value_out INTEGER NOT NULL,                    -- satoshis, sum of the outputs
  PRIMARY KEY (view_id, txid)
) WITHOUT ROWID;
CREATE INDEX mempool_fee_rate ON mempool(view_id, fee_rate DESC, txid);

CREATE TABLE attack_reports (
  id INTEGER PRIMARY KEY,
  view_id INTEGER REFERENCES views(id),          -- the node the attack targeted; NULL when it is network-wide
  attack TEXT NOT NULL,
  started INTEGER NOT NULL,                      -- milliseconds on the lab clock
  finished INTEGER NOT NULL,
  params TEXT NOT NULL,                          -- JSON
  report TEXT NOT NULL                           -- JSON, bigints as decimal strings
);
`;

/**
 * Version 2, for query latency:
 * - inputs.prev_value: the value of the spent output (NULL when the index did not hold it), so provenance
 *   reads an edge's value with the input.
 * - txs_txid covers the columns a walk reads, so finding a transaction's copies by txid reads no txs rows.
 * - address_io: each output paying an address and each input spending such an output, keyed by (address,
 *   height, position): one range scan answers an address "as view X sees it" (a row counts when view_blocks
 *   holds its block at its height), and history pages are keyset ranges of it. Rows do not depend on any view,
 *   so connects and disconnects never touch it. It replaces the outputs_address index. It repeats the txid, so
 *   that an address's history and UTXOs are read from its own contiguous rows.
 * - blocks_time: the newest stored block's time is one probe (a reopened clock starts no earlier).
 * - address_io_pending: blocks stored before the outputs some of their inputs spend were known (no undo data and
 *   no stored copy of the spent transaction): their input rows are completed from undo data when they connect.
 */
const SCHEMA_V2 = `
ALTER TABLE inputs ADD COLUMN prev_value INTEGER;
DROP INDEX txs_txid;
CREATE INDEX txs_txid ON txs(txid_id, block_id, is_coinbase, position, first_input_id, input_count, first_output_id, output_count);
CREATE TABLE address_io (
  address_id INTEGER NOT NULL REFERENCES addresses(id),
  height INTEGER NOT NULL,                       -- of the block holding the transaction
  position INTEGER NOT NULL,                     -- of the transaction in that block
  block_id INTEGER NOT NULL REFERENCES blocks(id),
  n INTEGER NOT NULL,                            -- vout of an output to the address; -1 - vin of an input spending one
  txid_id INTEGER NOT NULL REFERENCES txids(id), -- the transaction's
  txid BLOB NOT NULL,                            -- the transaction's, display order: a page of history or UTXOs reads no txids rows
  coin_txid_id INTEGER NOT NULL REFERENCES txids(id), -- the coin created (txid_id, n) or spent (the input's prevout)
  coin_vout INTEGER NOT NULL,
  value INTEGER NOT NULL,                        -- satoshis received (output) or spent (input)
  PRIMARY KEY (address_id, height, position, block_id, n)
) WITHOUT ROWID;
CREATE INDEX blocks_time ON blocks(time);
CREATE TABLE address_io_pending (
  block_id INTEGER PRIMARY KEY REFERENCES blocks(id)
);
`;

/** Fills version 2's derived columns and rows from version 1's, for a file that already holds blocks. */
function fillV2(db: Db): void {
  const prevOutput = `(SELECT pt.first_output_id + i.prev_vout FROM txs pt WHERE pt.txid_id = i.prev_txid_id AND pt.output_count > i.prev_vout LIMIT 1)`;
  db.exec(`
    UPDATE inputs AS i SET prev_value = (SELECT o.value FROM outputs o WHERE o.id = ${prevOutput}) WHERE i.prev_txid_id IS NOT NULL;
    INSERT INTO address_io (address_id, height, position, block_id, n, txid_id, txid, coin_txid_id, coin_vout, value)
      SELECT o.address_id, b.height, t.position, t.block_id, o.vout, t.txid_id, x.txid, t.txid_id, o.vout, o.value
      FROM outputs o JOIN txs t ON t.id = o.tx_id JOIN txids x ON x.id = t.txid_id JOIN blocks b ON b.id = t.block_id WHERE o.address_id IS NOT NULL;
    INSERT INTO address_io (address_id, height, position, block_id, n, txid_id, txid, coin_txid_id, coin_vout, value)
      SELECT o.address_id, b.height, t.position, t.block_id, -1 - i.vin, t.txid_id, x.txid, i.prev_txid_id, i.prev_vout, o.value
      FROM inputs i JOIN txs t ON t.id = i.tx_id JOIN txids x ON x.id = t.txid_id JOIN blocks b ON b.id = t.block_id JOIN outputs o ON o.id = ${prevOutput}
      WHERE i.prev_txid_id IS NOT NULL AND o.address_id IS NOT NULL;
    INSERT OR IGNORE INTO address_io_pending (block_id)
      SELECT t.block_id FROM inputs i JOIN txs t ON t.id = i.tx_id WHERE i.prev_txid_id IS NOT NULL AND i.prev_value IS NULL;
    DROP INDEX outputs_address;
  `);
}

/**
 * Version 3, for views of long chains:
 * - block_status_other: a view's statuses other than 'active' (stale, invalid and headers-only blocks: its
 *   side branches), without reading the 'active' row of every block of its best chain. A query can use it
 *   only when its WHERE clause says `status <> 'active'` in these words (SQLite proves a partial index usable
 *   from terms, not from values), e.g. `view_id = ? AND status <> 'active' AND status = 'stale'`. It carries
 *   `code` so that it covers every column of block_status: without statistics the planner prefers a covering
 *   primary key to an index that is not covering, whatever the index's equality terms.
 */
const SCHEMA_V3 = `
CREATE INDEX block_status_other ON block_status(view_id, status, block_id, code) WHERE status <> 'active';
`;

/** MIGRATIONS[i] upgrades a file from schema version i to i + 1. */
const MIGRATIONS: readonly ((db: Db) => void)[] = [
  (db) => db.exec(SCHEMA_V1),
  (db) => {
    db.exec(SCHEMA_V2);
    fillV2(db);
  },
  (db) => db.exec(SCHEMA_V3),
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export type SchemaErrorCode = 'not-sqlite' | 'foreign-file' | 'newer-schema';

/** The file cannot be used as this version's index; it has not been modified. */
export class IndexSchemaError extends Error {
  override readonly name = 'IndexSchemaError';
  readonly code: SchemaErrorCode;
  constructor(code: SchemaErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

function readPragma(db: Db, name: string): number {
  try {
    return Number(db.pragma(name, { simple: true }));
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new IndexSchemaError('not-sqlite', `${db.name}: expected an SQLite database, got a file that is not one`);
    }
    throw e;
  }
}

/**
 * Creates the schema in an empty database or upgrades an older Forklab index, all in one transaction.
 * Refuses, before writing anything, a file that is not SQLite, an SQLite file of another application, or a
 * Forklab index of a newer schema version. Returns the schema version the file now has.
 */
export function migrate(db: Db): number {
  const applicationId = readPragma(db, 'application_id');
  const version = readPragma(db, 'user_version');
  if (applicationId !== APPLICATION_ID) {
    const tables = Number(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").pluck().get());
    if (applicationId !== 0 || version !== 0 || tables > 0) {
      throw new IndexSchemaError(
        'foreign-file',
        `${db.name}: expected a Forklab index (application_id ${APPLICATION_ID}) or an empty database, got application_id ${applicationId} with ${tables} tables`,
      );
    }
  }
  if (version > SCHEMA_VERSION) {
    throw new IndexSchemaError('newer-schema', `${db.name}: index schema version ${version} is newer than this Forklab understands (${SCHEMA_VERSION}); open it with a newer Forklab`);
  }
  if (version === SCHEMA_VERSION) return version;
  db.transaction(() => {
    for (let v = version; v < SCHEMA_VERSION; v++) MIGRATIONS[v]!(db);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
  return SCHEMA_VERSION;
}

/** Page cache of an index connection: the hot B-tree pages of a large index (the default is 2 MiB). */
const PAGE_CACHE_KIB = 64 * 1024;

/**
 * Opens (or creates) an index file: checks and migrates it, then turns on WAL. A refused file is closed
 * untouched and the IndexSchemaError is thrown.
 */
export function openIndexDatabase(path: string): Db {
  const db = new Database(path);
  try {
    migrate(db);
  } catch (e) {
    db.close();
    throw e;
  }
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  return db;
}
