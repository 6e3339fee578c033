// The workspace commands in-process: generate, index verify, queries, and bad input that is refused with nothing written.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import type { Values } from './command.ts';
import { workspaceCommands } from './workspace-commands.ts';

const root = mkdtempSync(join(tmpdir(), 'forklab-wscli-'));
const dir = join(root, 'ws');
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(name: string, values: Values, positionals: string[] = []): Promise<unknown> {
  const command = workspaceCommands[name]!;
  return JSON.parse(JSON.stringify(await command.run({ json: true, ...values }, positionals), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(d).sort()) out[name] = readFileSync(join(d, name)).toString('base64');
  return out;
}

describe('workspace commands', () => {
  let tipHash = '';
  let coinbase = '';
  let address = '';

  beforeAll(async () => {
    const originalWrite = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write; // progress lines
    try {
      const r = (await cli('generate', { workspace: dir, blocks: '12', 'tx-rate': '1', seed: 'cli-test' })) as { height: number; tip: string };
      expect(r.height).toBeGreaterThanOrEqual(12);
      tipHash = r.tip;
    } finally {
      process.stderr.write = originalWrite;
    }
  });

  it('answers index verify and the queries', async () => {
    expect(await cli('index verify', { workspace: dir })).toMatchObject({ consistent: true, problems: [] });
    const block = (await cli('query block', { workspace: dir }, [tipHash])) as { hash: string; txids: string[]; status: string };
    expect(block).toMatchObject({ hash: tipHash, status: 'active' });
    coinbase = block.txids[0]!;
    const tx = (await cli('query tx', { workspace: dir, node: 'h2' }, [coinbase])) as { isCoinbase: boolean; outputs: { address: string }[] };
    expect(tx.isCoinbase).toBe(true);
    address = tx.outputs[0]!.address;
    expect(await cli('query address', { workspace: dir }, [address])).toMatchObject({ address });
    expect(await cli('query search', { workspace: dir }, [coinbase.slice(0, 8)])).toMatchObject({ results: expect.arrayContaining([{ kind: 'tx', txid: coinbase }]) });
    expect(await cli('query block', { workspace: dir }, ['1'])).toMatchObject({ height: 1 });
    const blockViews = (await cli('query block-views', { workspace: dir }, [tipHash])) as { views: { node: string; status: string; confirmations: number }[] };
    expect(blockViews.views.find((x) => x.node === 'h0')).toEqual({ node: 'h0', status: 'active', code: null, confirmations: 1 });
    const txViews = (await cli('query tx-views', { workspace: dir }, [coinbase])) as { views: { node: string; state: string }[] };
    expect(txViews.views.find((x) => x.node === 'h0')).toEqual({ node: 'h0', state: 'confirmed', confirmations: 1, blockHash: tipHash });
  });

  it('refuses bad input with one clear line and writes nothing', async () => {
    const other = join(root, 'not-a-workspace');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    const cases: [string, string, Values, string[], RegExp][] = [
      ['unknown hash', 'query block', { workspace: dir }, ['00'.repeat(32)], /^block 0{64}: not found \(as node h0 sees it\)$/],
      ['malformed txid', 'query tx', { workspace: dir }, ['12zz'], /^txid: expected 64 hex characters, got "12zz"$/],
      ['a transaction that does not exist', 'query tx', { workspace: dir }, ['ab'.repeat(32)], /^transaction a{1}b.*: not found/],
      ['an address never seen', 'query address', { workspace: dir }, ['bcrt1qnothing'], /not found/],
      ['unknown node', 'query block', { workspace: dir, node: 'zz' }, ['1'], /unknown view "zz"/],
      ['not a workspace', 'query block', { workspace: other }, ['1'], /not-a-workspace|without one/],
      ['verify of not a workspace', 'index verify', { workspace: other }, [], /without one/],
      ['generate into a foreign directory', 'generate', { workspace: other, blocks: '1', seed: 'x' }, [], /without one/],
      ['generate with another seed', 'generate', { workspace: dir, blocks: '1', seed: 'other' }, [], /created with seed "cli-test"/],
      ['generate without blocks', 'generate', { workspace: dir }, [], /--blocks: required/],
    ];
    for (const [name, command, values, positionals, message] of cases) {
      const before = [snapshot(dir), snapshot(other)];
      let error: unknown;
      try {
        await cli(command, values, positionals);
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(InputError);
      expect((error as Error).message, name).toMatch(message);
      expect((error as Error).message, name).not.toContain('\n');
      expect([snapshot(dir), snapshot(other)], name).toEqual(before);
    }
  });
});
