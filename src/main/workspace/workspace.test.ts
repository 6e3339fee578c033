// Workspaces: create, generate, close, reopen at every node's verified tip; refusals that modify nothing; export and import.

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { generate } from './generate.ts';
import { Workspace, WorkspaceIndex } from './workspace.ts';

const root = mkdtempSync(join(tmpdir(), 'forklab-ws-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** File names and bytes of a directory, to show that a refusal wrote nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = readFileSync(join(dir, name)).toString('base64');
  return out;
}

function tips(ws: Workspace): Record<string, string> {
  return Object.fromEntries(ws.lab.testnet.allNodes().map((n) => [n.id, `${n.chain.height}:${n.chain.tip.id}`]));
}

function expectRefused(run: () => unknown, code: string, message: RegExp): void {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe(code);
    expect((e as Error).message).toMatch(message);
    expect((e as Error).message).not.toContain('\n');
    return;
  }
  throw new Error('expected a refusal');
}

describe('workspace', () => {
  const dir = join(root, 'ws');
  let before: Record<string, string> = {};

  it('reopens with every node at the tip it had, verified, and the index consistent', async () => {
    const ws = Workspace.create(dir, { seed: 'ws-test', network: { nodes: [{ id: 'a', share: 0.5 }, { id: 'b', share: 0.3 }, { id: 'c', share: 0.2 }] } });
    const result = await generate(ws, { blocks: 25, txRate: 0.5 });
    expect(result.height).toBeGreaterThanOrEqual(25);
    expect(result.transactions).toBeGreaterThan(25);
    before = tips(ws);
    expect(ws.verify()).toMatchObject({ consistent: true, problems: [] });
    await ws.close();

    const again = Workspace.open(dir);
    try {
      expect(tips(again)).toEqual(before);
      expect(again.verify()).toMatchObject({ consistent: true, problems: [] });
      // A node's view still answers, and generation continues from the reopened tips.
      const a = again.lab.testnet.node('a').chain;
      expect(again.queries.block('a', a.height)?.hash).toBe(a.tip.id);
      const heightBefore = a.height;
      const more = await generate(again, { blocks: 3, txRate: 0.5 });
      expect(more.startHeight).toBe(heightBefore);
      expect(more.height).toBeGreaterThanOrEqual(heightBefore + 3);
      before = tips(again);
    } finally {
      await again.close();
    }
  });

  it('refuses what is not a workspace, a newer or corrupt one, and modifies nothing', () => {
    const plain = join(root, 'plain');
    rmSync(plain, { recursive: true, force: true });
    expectRefused(() => Workspace.open(plain), 'not-a-workspace', /no such directory/);
    writeFileSync(join(root, 'file.txt'), 'hello');
    expectRefused(() => Workspace.open(join(root, 'file.txt')), 'not-a-workspace', /got a file/);

    const cases: [string, (d: string) => void, string, RegExp][] = [
      ['no forklab.json', (d) => writeFileSync(join(d, 'notes.txt'), 'x'), 'not-a-workspace', /without one/],
      ['corrupt json', (d) => writeFileSync(join(d, 'forklab.json'), '{"kind": "forklab-work'), 'corrupt-workspace', /does not parse/],
      ['foreign json', (d) => writeFileSync(join(d, 'forklab.json'), '{"name": "x"}'), 'not-a-workspace', /expected a Forklab workspace file/],
      ['newer format', (d) => writeFileSync(join(d, 'forklab.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'forklab.json'), 'utf8')), format: 99 })), 'newer-workspace', /newer/],
      ['corrupt index', (d) => {
        writeFileSync(join(d, 'forklab.json'), readFileSync(join(dir, 'forklab.json')));
        writeFileSync(join(d, 'index.sqlite'), 'garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage');
      }, 'corrupt-workspace', /not one/],
      ['newer index', (d) => {
        writeFileSync(join(d, 'forklab.json'), readFileSync(join(dir, 'forklab.json')));
        const db = new Database(join(d, 'index.sqlite'));
        db.pragma(`application_id = ${0x464b4c42}`);
        db.pragma('user_version = 99');
        db.close();
      }, 'newer-workspace', /newer/],
    ];
    for (const [name, make, code, message] of cases) {
      const d = mkdtempSync(join(root, 'bad-'));
      make(d);
      const snap = snapshot(d);
      expectRefused(() => Workspace.open(d), code, message);
      expectRefused(() => WorkspaceIndex.open(d), code, message);
      expect(snapshot(d), name).toEqual(snap);
    }
  });

  it('queries refuse bad input without writing', () => {
    const snap = snapshot(dir);
    const wi = WorkspaceIndex.open(dir);
    try {
      expect(wi.queries.block('a', '00'.repeat(32))).toBeNull();
      expect(() => wi.queries.tx('a', 'xyz')).toThrow(/expected 64 hex/);
      expect(wi.queries.tx('a', 'ab'.repeat(32))).toBeNull();
    } finally {
      wi.close();
    }
    expect(snapshot(dir)).toEqual(snap);
  });

  it('a restore from the index equals a full replay: tips, branches and UTXO set of every node', async () => {
    const nodeState = (ws: Workspace) =>
      ws.lab.testnet.allNodes().map((n) => ({
        id: n.id,
        tip: `${n.chain.height}:${n.chain.tip.id}`,
        tips: n.chain.tips().map((e) => e.id).sort(),
        utxo: n.chain.utxo.digest(),
      }));
    const restored = Workspace.open(dir);
    const fast = nodeState(restored);
    await restored.close();
    const replayed = Workspace.openReplaying(dir);
    try {
      expect(fast).toEqual(nodeState(replayed));
      expect(replayed.verify()).toMatchObject({ consistent: true, problems: [] });
    } finally {
      await replayed.close();
    }
  });

  it('index verify finds a tampered row, and reopening fails loudly on a stored block that no longer validates', () => {
    const copy = join(root, 'tampered');
    mkdirSync(copy);
    for (const name of ['forklab.json', 'index.sqlite']) copyFileSync(join(dir, name), join(copy, name));
    const db = new Database(join(copy, 'index.sqlite'));
    db.prepare('UPDATE outputs SET value = value + 1 WHERE id = (SELECT max(id) FROM outputs)').run();
    db.close();
    const wi = WorkspaceIndex.open(copy);
    try {
      const r = wi.verify();
      expect(r.consistent).toBe(false);
      expect(r.problems.join('\n')).toMatch(/outputs: 1 of \d+ rows differ/);
    } finally {
      wi.close();
    }
    const db1 = new Database(join(copy, 'index.sqlite'));
    db1.prepare('UPDATE outputs SET value = value - 1 WHERE id = (SELECT max(id) FROM outputs)').run();
    db1.prepare(`DELETE FROM address_io WHERE (address_id, height, position, block_id, n) IN
      (SELECT ai.address_id, ai.height, ai.position, ai.block_id, ai.n FROM address_io ai JOIN view_blocks vb ON vb.block_id = ai.block_id LIMIT 1)`).run();
    db1.close();
    const wi1 = WorkspaceIndex.open(copy);
    try {
      expect(wi1.verify().problems.join('\n')).toMatch(/addressIo: \d+ of \d+ rows differ/);
    } finally {
      wi1.close();
    }
    // Flip one byte in the last transaction of a best-chain block: the header (and hash) stay, the merkle root no longer matches.
    const db2 = new Database(join(copy, 'index.sqlite'));
    const row = db2.prepare('SELECT b.id, b.raw FROM view_blocks vb JOIN blocks b ON b.id = vb.block_id WHERE vb.height = 5 LIMIT 1').get() as { id: number; raw: Buffer };
    const raw = Buffer.from(row.raw);
    raw[raw.length - 10] = raw[raw.length - 10]! ^ 0xff;
    db2.prepare('UPDATE blocks SET raw = ? WHERE id = ?').run(raw, row.id);
    db2.close();
    const snap = snapshot(copy);
    // A restore checks headers and the top blocks only (as Bitcoin Core's -checkblocks); a full replay finds it.
    expectRefused(() => Workspace.openReplaying(copy), 'bad-stored-block', /height 5 does not validate: rejected \(bad-[a-z-]+: /);
    expect(snapshot(copy)).toEqual(snap);
    const db3 = new Database(join(copy, 'index.sqlite'));
    const top = db3.prepare('SELECT b.id, b.raw, vb.height FROM view_blocks vb JOIN blocks b ON b.id = vb.block_id ORDER BY vb.height DESC LIMIT 1').get() as { id: number; raw: Buffer; height: number };
    const topRaw = Buffer.from(top.raw);
    topRaw[topRaw.length - 10] = topRaw[topRaw.length - 10]! ^ 0xff;
    db3.prepare('UPDATE blocks SET raw = ? WHERE id = ?').run(topRaw, top.id);
    db3.close();
    const snap3 = snapshot(copy);
    expectRefused(() => Workspace.open(copy), 'bad-stored-block', new RegExp(`at height ${top.height} does not validate: bad-`));
    expect(snapshot(copy)).toEqual(snap3);
  });

  it('exports to one file and imports it back to the same tips', async () => {
    const ws = Workspace.open(dir);
    const file = join(root, 'export.forklab');
    try {
      ws.exportTo(file);
      expectRefused(() => ws.exportTo(file), 'file-exists', /already exists/);
    } finally {
      await ws.close();
    }
    expectRefused(() => Workspace.importFrom(join(dir, 'forklab.json'), join(root, 'nope')), 'not-an-export', /not SQLite/);
    expectRefused(() => Workspace.importFrom(file, dir), 'workspace-exists', /files in it/);
    const copy = Workspace.importFrom(file, join(root, 'imported'));
    try {
      expect(tips(copy)).toEqual(before);
      expect(copy.verify().consistent).toBe(true);
      expect(readdirSync(copy.dir).filter((f) => !f.startsWith('index.sqlite-'))).toEqual(['forklab.json', 'index.sqlite']);
    } finally {
      await copy.close();
    }
  });
});
