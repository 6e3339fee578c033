// npm run bench: runs every benchmark and prints one JSON document of figures.

import { benchPow, benchPowPool } from './pow.ts';
import { benchEventLoop, benchHashRate } from './realtime.ts';
import { benchSimDoubleSpend } from './sim.ts';
import { benchVirtualNetwork } from './network.ts';
import { benchIngest } from './indexer.ts';
import { benchProvenance } from './provenance.ts';
import { benchQueries } from './queries.ts';
import { benchReorg, benchValidation } from './validation.ts';
import type { Figure } from './figure.ts';

const figures: Figure[] = [];
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

log('bench: proof of work');
figures.push(benchPow());
figures.push(await benchPowPool(2));
log('bench: block validation and signature cache');
figures.push(...(await benchValidation()));
log('bench: reorg');
figures.push(benchReorg());
log('bench: network in virtual time');
figures.push(benchVirtualNetwork());
log('bench: explorer index ingest');
figures.push(benchIngest());
log('bench: explorer queries on 1M transactions (builds the index first, a few minutes)');
figures.push(...benchQueries());
log('bench: provenance');
figures.push(benchProvenance());
log('bench: Monte Carlo');
figures.push(benchSimDoubleSpend());
log('bench: real-time network');
figures.push(await benchEventLoop(), await benchHashRate());

process.stdout.write(
  `${JSON.stringify({ node: process.version, platform: `${process.platform}-${process.arch}`, cpus: (await import('node:os')).cpus().length, date: new Date().toISOString(), figures }, null, 2)}\n`,
);
