// npm run bench [-- GROUP...]: runs every benchmark (or the named groups) and prints one JSON document of figures.

import { benchPow, benchPowPool } from './pow.ts';
import { benchEventLoop, benchHashRate } from './realtime.ts';
import { benchSimDoubleSpend } from './sim.ts';
import { benchVirtualNetwork } from './network.ts';
import { benchIngest } from './indexer.ts';
import { benchProvenance } from './provenance.ts';
import { benchQueries } from './queries.ts';
import { benchReorg, benchValidation } from './validation.ts';
import { benchWorkspaceReopen } from './workspace.ts';
import { benchUi } from './ui.ts';
import type { Figure } from './figure.ts';

/** Groups in the order they run: a name to select them by, what stderr says when one starts, and its figures. */
const GROUPS: { name: string; title: string; run: () => Figure[] | Promise<Figure[]> }[] = [
  { name: 'pow', title: 'proof of work', run: async () => [benchPow(), await benchPowPool(2)] },
  { name: 'validation', title: 'block validation and signature cache', run: () => benchValidation() },
  { name: 'reorg', title: 'reorg', run: () => [benchReorg()] },
  { name: 'network', title: 'network in virtual time', run: () => [benchVirtualNetwork()] },
  { name: 'ingest', title: 'explorer index ingest', run: () => [benchIngest()] },
  { name: 'queries', title: 'explorer queries on 1M transactions (builds the index first, a few minutes)', run: () => benchQueries() },
  { name: 'provenance', title: 'provenance', run: () => [benchProvenance()] },
  { name: 'workspace', title: 'reopening a 100,000-block workspace (builds it first, about a minute)', run: async () => [await benchWorkspaceReopen()] },
  { name: 'sim', title: 'Monte Carlo', run: () => [benchSimDoubleSpend()] },
  { name: 'realtime', title: 'real-time network', run: async () => [await benchEventLoop(), await benchHashRate()] },
  { name: 'ui', title: 'the app through the headless server in Chromium (generates a 100,000-block workspace first, a few minutes)', run: () => benchUi() },
];

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !GROUPS.some((g) => g.name === w));
if (unknown.length > 0) {
  log(`bench: unknown group ${unknown.join(', ')}; expected some of ${GROUPS.map((g) => g.name).join(', ')}`);
  process.exit(2);
}

const figures: Figure[] = [];
for (const group of GROUPS) {
  if (wanted.length > 0 && !wanted.includes(group.name)) continue;
  log(`bench: ${group.title}`);
  figures.push(...(await group.run()));
}

process.stdout.write(
  `${JSON.stringify({ node: process.version, platform: `${process.platform}-${process.arch}`, cpus: (await import('node:os')).cpus().length, date: new Date().toISOString(), figures }, null, 2)}\n`,
);
