// The command line as a user runs it: JSON shapes, real mainnet data, and one-line errors for bad input.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FORKLAB } from './core/params.ts';
import { workFromBits } from './core/pow.ts';

const root = new URL('../../', import.meta.url);
const headers: string[] = JSON.parse(readFileSync(new URL('test/vectors/mainnet-headers.json', root), 'utf8')).headers;
const blocks: { height: number; hash: string; hex: string; txids: string[]; merkleRoot: string }[] = JSON.parse(
  readFileSync(new URL('test/vectors/mainnet-blocks.json', root), 'utf8'),
).blocks;

function cli(args: string[], input = ''): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', ...args], { cwd: root, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cli verify-headers', () => {
  it('accepts the first mainnet headers from genesis', () => {
    const r = cli(['verify-headers', '--network', 'mainnet', '--json'], headers.join('\n'));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({ count: headers.length, valid: true, tip: expect.stringMatching(/^0{8}[0-9a-f]{56}$/), firstInvalid: null });
  });

  it('names the first invalid header and its code', () => {
    const tampered = [...headers];
    // Change header 5's nonce: its hash no longer meets the target.
    tampered[5] = tampered[5]!.slice(0, 152) + '00000000';
    const r = cli(['verify-headers', '--network', 'mainnet', '--json'], tampered.join('\n'));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.valid).toBe(false);
    expect(out.firstInvalid).toMatchObject({ index: 5, code: 'high-hash' });
  });

  it('reports a header that does not link as prev-blk-not-found', () => {
    const r = cli(['verify-headers', '--network', 'mainnet', '--json'], [headers[0], headers[2]].join('\n'));
    expect(JSON.parse(r.stdout).firstInvalid).toMatchObject({ index: 1, code: 'prev-blk-not-found' });
  });
});

describe('cli decode-block', () => {
  it('decodes real mainnet blocks', () => {
    for (const b of blocks.filter((x) => [0, 170, 100000].includes(x.height))) {
      const r = cli(['decode-block', '--network', 'mainnet', '--json', b.hex]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ hash: b.hash, txCount: b.txids.length, merkleRoot: b.merkleRoot, merkleValid: true, txids: b.txids });
      expect(out.height === null || out.height === b.height).toBe(true);
    }
  });

  it('shows each output with its script type and address, as on mainnet', () => {
    const genesis = blocks.find((b) => b.height === 0)!;
    const out = JSON.parse(cli(['decode-block', '--network', 'mainnet', '--json', genesis.hex]).stdout);
    expect(out.txs[0].coinbase).toBe(true);
    expect(out.txs[0].outputs).toEqual([{ value: '5000000000', type: 'p2pk', address: null, asm: expect.stringMatching(/^04678afdb0fe.* OP_CHECKSIG$/) }]);
    const b170 = blocks.find((b) => b.height === 170)!;
    const spend = JSON.parse(cli(['decode-block', '--network', 'mainnet', '--json', b170.hex]).stdout).txs[1];
    expect(spend.inputs[0].prevout).toBe('0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9:0');
    expect(spend.outputs.map((o: { type: string }) => o.type)).toEqual(['p2pk', 'p2pk']);
  });
});

describe('cli mine', () => {
  it('mines blocks with real proof of work and reports the tip, height, chain work and time', () => {
    const r = cli(['mine', '--blocks', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ network: 'forklab', height: 3, tip: expect.stringMatching(/^0{4}[0-9a-f]{60}$/), chainWork: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(out.seconds).toBeGreaterThan(0);
    expect(out.hashes).toBeGreaterThan(0);
    // Three blocks at the genesis target (difficulty never falls below it): four times the genesis block's work.
    expect(BigInt(`0x${out.chainWork}`)).toBe(4n * workFromBits(FORKLAB.genesis.header.bits));
  });
});

describe('cli bad input: one line, non-zero exit, no stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['bad hex', ['decode-block', '--network', 'mainnet', '--json', 'zz'], /hex/],
    ['truncated block', ['decode-block', '--network', 'mainnet', '--json', '0100'], /expected/],
    ['unknown network', ['decode-block', '--network', 'moon', '--json', '00'], /unknown network "moon"/],
    ['bad flag', ['mine', '--blocks', '2', '--fast'], /--fast|Unknown option/i],
    ['bad count', ['mine', '--blocks', 'many'], /--blocks: expected an integer/],
    ['unknown command', ['frobnicate'], /unknown command/],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const r = cli(args);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toMatch(message);
    });
  }
});
