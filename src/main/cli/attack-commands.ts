// `attack <name>`: runs one attack on the in-process network (real time by default, --virtual for virtual time).

import { InputError } from '../core/errors.ts';
import { parseParams, type AttackDefinition, type Progress } from '../attacks/attack.ts';
import { byzantine } from '../attacks/byzantine.ts';
import { doubleSpend } from '../attacks/double-spend.ts';
import { partition } from '../attacks/partition.ts';
import { rewrite } from '../attacks/rewrite.ts';
import { selfish } from '../attacks/selfish.ts';
import { createRealTimeMiners } from '../miner/real-miners.ts';
import { Lab } from '../network/lab.ts';
import { int, num, str, type Command, type Values } from './command.ts';

type AnyAttack = AttackDefinition<import('zod').ZodType, unknown>;

interface AttackCli {
  attack: AnyAttack;
  usage: string;
  flags: Record<string, { type: 'string' | 'boolean' }>;
  /** Attack parameters from the flags (validated by the attack's schema). */
  params(v: Values): Record<string, unknown>;
  /** Hash-power share of the attacker from the flags. */
  share(v: Values): number;
  /** Work done on the network before the attack starts (e.g. some history to rewrite). */
  prepare?(lab: Lab, v: Values): Promise<void>;
}

const share = (flag: string, fallback: number) => (v: Values) => num(v[flag], flag, (x) => x > 0 && x < 1, 'a number in (0, 1)', fallback);
const list = (v: string | boolean | undefined): string[] | undefined => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));

const attacks: Record<string, AttackCli> = {
  'double-spend': {
    attack: doubleSpend as unknown as AnyAttack,
    usage: '--q Q --z Z [--merchant h0] [--amount SAT] [--give-up D]',
    flags: { q: { type: 'string' }, z: { type: 'string' }, merchant: { type: 'string' }, amount: { type: 'string' }, 'give-up': { type: 'string' } },
    share: share('q', 0.3),
    params: (v) => defined({ z: v.z === undefined ? undefined : int(v.z, 'z', 0, 100), merchant: v.merchant, amount: v.amount === undefined ? undefined : int(v.amount, 'amount', 1, 2_100_000_000_000_000), giveUpDeficit: v['give-up'] === undefined ? undefined : int(v['give-up'], 'give-up', 1, 1000) }),
  },
  rewrite: {
    attack: rewrite as unknown as AnyAttack,
    usage: '--q Q [--depth N | --from-height H | --from-hash HASH] [--censor TXID,..] [--replace] [--history N]',
    flags: { q: { type: 'string' }, depth: { type: 'string' }, 'from-height': { type: 'string' }, 'from-hash': { type: 'string' }, censor: { type: 'string' }, replace: { type: 'boolean' }, history: { type: 'string' } },
    share: share('q', 0.6),
    async prepare(lab, v) {
      // Some history with transactions to rewrite.
      const blocks = int(v.history, 'history', 1, 1000, 12);
      lab.miners.start();
      lab.startTraffic({ rate: 1 });
      const target = lab.attacker.chain.height + blocks;
      await lab.waitFor(() => lab.honestNodes().every((n) => n.chain.height >= target), 24 * 3_600_000);
      lab.traffic?.stop();
      await lab.miners.stop();
      await lab.waitFor(() => lab.testnet.converged(), 60_000);
    },
    params: (v) => {
      const fromHash = typeof v['from-hash'] === 'string' ? v['from-hash'] : undefined;
      const fromHeight = v['from-height'] === undefined ? undefined : int(v['from-height'], 'from-height', 1, 10_000_000);
      const depth = int(v.depth, 'depth', 1, 1000, 3);
      return defined({ fromHash, fromHeight: fromHash === undefined && fromHeight === undefined ? -depth : fromHeight, censor: list(v.censor), replace: v.replace === true ? true : undefined });
    },
  },
  selfish: {
    attack: selfish as unknown as AnyAttack,
    usage: '--alpha A [--gamma G] [--blocks N]',
    flags: { alpha: { type: 'string' }, gamma: { type: 'string' }, blocks: { type: 'string' } },
    share: share('alpha', 0.33),
    params: (v) => defined({ gamma: v.gamma === undefined ? undefined : num(v.gamma, 'gamma', (x) => x >= 0 && x <= 1, 'a number in [0, 1]'), blocks: v.blocks === undefined ? undefined : int(v.blocks, 'blocks', 10, 100_000) }),
  },
  byzantine: {
    attack: byzantine as unknown as AnyAttack,
    usage: '[--kinds bad-pow,excess-coinbase,...]',
    flags: { kinds: { type: 'string' } },
    share: () => 0.1,
    params: (v) => defined({ kinds: list(v.kinds) }),
  },
  partition: {
    attack: partition as unknown as AnyAttack,
    usage: '[--groups h0,h1/h2,h3,attacker] [--minutes M] [--traffic RATE]',
    flags: { groups: { type: 'string' }, minutes: { type: 'string' }, traffic: { type: 'string' } },
    share: () => 0.2,
    params: (v) =>
      defined({
        groups: typeof v.groups === 'string' ? v.groups.split('/').map((g) => list(g) ?? []) : undefined,
        durationMs: v.minutes === undefined ? undefined : Math.round(num(v.minutes, 'minutes', (x) => x > 0 && x <= 1440, 'minutes in (0, 1440]') * 60_000),
        traffic: v.traffic === undefined ? undefined : num(v.traffic, 'traffic', (x) => x >= 0 && x <= 1000, 'payments per second in [0, 1000]'),
      }),
  },
};

const common = { json: { type: 'boolean' }, help: { type: 'boolean' }, seed: { type: 'string' }, virtual: { type: 'boolean' }, threads: { type: 'string' } } as const;

function attackCommand(name: string, a: AttackCli): Command {
  return {
    usage: `${a.usage} [--seed S] [--virtual] [--threads T] [--json]   ${a.attack.title}`,
    options: { ...common, ...a.flags },
    async run(v) {
      const q = a.share(v);
      const raw = a.params(v);
      // Validate before building anything: bad input changes nothing.
      const params = name === 'rewrite' && typeof raw.fromHeight === 'number' && raw.fromHeight < 0 ? null : parseParams(a.attack, raw);
      const virtual = v.virtual === true;
      const lab = Lab.create({ mode: virtual ? 'virtual' : 'real', seed: str(v.seed, '1'), attackerShare: q, threads: int(v.threads, 'threads', 1, 64, 2), realMiners: createRealTimeMiners });
      const progress = (p: Progress) => process.stderr.write(`[${(p.t / 1000).toFixed(1)}s] ${p.attack} ${p.phase}: ${p.message}\n`);
      try {
        await a.prepare?.(lab, v);
        let resolved = params;
        if (resolved === null) {
          // --depth N: rewrite the last N blocks of the history just made.
          resolved = parseParams(a.attack, { ...raw, fromHeight: lab.attacker.chain.height + 1 + (raw.fromHeight as number) });
        }
        const report = await a.attack.run(lab, resolved, progress);
        return { ...(report as Record<string, unknown>), mode: lab.mode, seed: str(v.seed, '1'), tips: lab.testnet.tips() };
      } finally {
        await lab.close();
      }
    },
    print: (r) => JSON.stringify(r, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2),
  };
}

export const attackCommands: Record<string, Command> = Object.fromEntries(Object.entries(attacks).map(([name, a]) => [`attack ${name}`, attackCommand(name, a)]));

export function unknownAttack(name: string): never {
  throw new InputError('usage', `unknown attack ${JSON.stringify(name)}: expected one of ${Object.keys(attacks).join(', ')}`);
}
