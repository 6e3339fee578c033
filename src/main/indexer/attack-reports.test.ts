// Attack reports in the index: a real double-spend report round trip, bigints as strings, paging, persistence, bad input.

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { doubleSpend } from '../attacks/double-spend.ts';
import { parseParams } from '../attacks/attack.ts';
import { InputError } from '../core/errors.ts';
import { Lab } from '../network/lab.ts';
import { ExplorerIndex } from './ingest.ts';
import { ExplorerQueries } from './queries.ts';
import { openIndexDatabase } from './schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'forklab-attack-reports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('attack reports in the index', () => {
  it('stores a double-spend report from a virtual lab and gives it back as it was, also after reopening', async () => {
    const path = join(dir, 'reports.sqlite');
    const db = openIndexDatabase(path);
    const lab = Lab.create({ mode: 'virtual', seed: 'ds-majority', attackerShare: 0.7 });
    let id: number;
    let expected: unknown;
    try {
      const index = new ExplorerIndex(db, { schedule: () => {}, now: () => lab.now() });
      for (const node of lab.testnet.allNodes()) index.attach(node.id, node.chain, node.mempool);
      const params = parseParams(doubleSpend, { z: 2 });
      const startedAt = lab.now();
      const report = await doubleSpend.run(lab, params);
      const finishedAt = lab.now();
      // Stored to the millisecond, as event rows are.
      const started = Math.round(startedAt);
      const finished = Math.round(finishedAt);
      expect(report.success).toBe(true);
      index.flush();
      id = index.recordAttackReport(doubleSpend.name, params, report, { started: startedAt, finished: finishedAt }, params.merchant);

      // Network-wide, with bigints: stored as decimal strings.
      const id2 = index.recordAttackReport('sim', { blocks: 10n }, { supply: 2n ** 70n, nested: [{ fee: 5n }] }, { started: finished, finished: finished + 1 });
      expect(id2).toBeGreaterThan(id);
      expect(index.queries.attackReport(id2)).toEqual({
        id: id2,
        view: null,
        attack: 'sim',
        started: finished,
        finished: finished + 1,
        params: { blocks: '10' },
        report: { supply: (2n ** 70n).toString(), nested: [{ fee: '5' }] },
      });

      expected = { id, view: 'h0', attack: 'double-spend', started, finished, params, report };
      expect(index.queries.attackReport(id)).toEqual(expected);
      expect(index.queries.attackReports()).toEqual([
        { id: id2, view: null, attack: 'sim', started: finished, finished: finished + 1, params: { blocks: '10' } },
        { id, view: 'h0', attack: 'double-spend', started, finished, params },
      ]);
      expect(index.queries.attackReports({ limit: 1 }).map((r) => r.id)).toEqual([id2]);
      expect(index.queries.attackReports({ before: id2 }).map((r) => r.id)).toEqual([id]);
      expect(index.queries.attackReports({ before: id })).toEqual([]);
      index.close();
    } finally {
      await lab.close();
      db.close();
    }
    const reopened = openIndexDatabase(path);
    try {
      expect(new ExplorerQueries(reopened).attackReport(id)).toEqual(expected);
    } finally {
      reopened.close();
    }
  });

  it('refuses bad input and writes nothing', () => {
    const db = new Database(':memory:');
    const index = new ExplorerIndex(db, { schedule: () => {}, now: () => 0 });
    const time = { started: 10, finished: 20 };
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => index.recordAttackReport('', {}, {}, time)).toThrow(InputError);
    expect(() => index.recordAttackReport('x', {}, {}, { started: 20, finished: 10 })).toThrow(/finished/);
    expect(() => index.recordAttackReport('x', {}, {}, { started: -1, finished: 10 })).toThrow(/started/);
    expect(() => index.recordAttackReport('x', circular, {}, time)).toThrow(/params: expected a JSON-serializable value/);
    expect(() => index.recordAttackReport('x', {}, undefined, time)).toThrow(/report/);
    expect(() => index.recordAttackReport('x', {}, {}, time, 'nobody')).toThrow(/nobody/);
    expect(Number(db.prepare('SELECT count(*) FROM attack_reports').pluck().get())).toBe(0);
    expect(Number(db.prepare('SELECT count(*) FROM views').pluck().get())).toBe(0);
    expect(index.queries.attackReport(1)).toBeNull();
    expect(() => index.queries.attackReport(0)).toThrow(InputError);
    expect(() => index.queries.attackReports({ limit: 0 })).toThrow(/limit/);
    db.close();
  });
});
