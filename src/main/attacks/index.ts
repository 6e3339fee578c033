// Every attack scenario by name: the registry the CLI, scenario files and the app share.

import { byzantine } from './byzantine.ts';
import { doubleSpend } from './double-spend.ts';
import { partition } from './partition.ts';
import { rewrite } from './rewrite.ts';
import { selfish } from './selfish.ts';

export const ATTACKS = {
  'double-spend': doubleSpend,
  rewrite,
  selfish,
  byzantine,
  partition,
} as const;

export type AttackName = keyof typeof ATTACKS;
