// forklab.json: a workspace's description (format, network parameters, seed, nodes, topology, traffic) and its checks.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../core/errors.ts';
import { createForklabNetwork, FORKLAB, FORKLAB_SIM, type NetworkParams } from '../core/params.ts';
import { parseScenario, scenarioSchema } from '../network/scenario.ts';

export const WORKSPACE_FILE = 'forklab.json';
export const WORKSPACE_KIND = 'forklab-workspace';
/** Version of forklab.json's layout; a newer file is refused. */
export const WORKSPACE_FORMAT = 1;

/** Parameter sets a workspace may name (virtual mode: forklab-sim keeps proof of work to a few hashes). */
export const WORKSPACE_PARAMS: Readonly<Record<string, NetworkParams>> = { 'forklab-sim': FORKLAB_SIM, forklab: FORKLAB };

/** Real proof-of-work networks by target spacing other than forklab's own (each built once: its genesis is checked by hashing). */
const bySpacing = new Map<number, NetworkParams>();

/**
 * The consensus parameters of a workspace: its named set, with the target spacing its blockInterval asks for in
 * a real proof-of-work workspace (the genesis block is the same; the retarget aims at the other interval). A
 * virtual-time workspace keeps its set's rules and paces its miners by blockInterval instead.
 */
export function workspaceParams(file: Pick<WorkspaceFile, 'params' | 'blockInterval'>): NetworkParams {
  const base = WORKSPACE_PARAMS[file.params]!;
  if (file.params !== 'forklab' || file.blockInterval === undefined || file.blockInterval === base.targetSpacing) return base;
  let p = bySpacing.get(file.blockInterval);
  if (!p) {
    p = createForklabNetwork({ genesisNonce: 773, targetSpacing: file.blockInterval });
    bySpacing.set(file.blockInterval, p);
  }
  return p;
}

/** Mean seconds between blocks a workspace aims for: its blockInterval, else its parameter set's target spacing. */
export function blockIntervalOf(file: Pick<WorkspaceFile, 'params' | 'blockInterval'>): number {
  return file.blockInterval ?? WORKSPACE_PARAMS[file.params]!.targetSpacing;
}

const networkSchema = scenarioSchema.shape.network;

const specSchema = z.object({
  name: z.string().min(1).max(100).default('workspace'),
  params: z.enum(['forklab-sim', 'forklab']).default('forklab-sim'),
  seed: z.string().min(1).max(200),
  network: networkSchema.default({
    nodes: [
      { id: 'h0', share: 0.25 },
      { id: 'h1', share: 0.25 },
      { id: 'h2', share: 0.25 },
      { id: 'h3', share: 0.25 },
    ],
    topology: 'full-mesh',
    link: { latencyMs: 100, jitterMs: 50 },
    links: [],
  }),
  traffic: z.object({ rate: z.number().min(0).max(1000) }).default({ rate: 0 }),
  /**
   * Mean seconds between blocks: in a real proof-of-work workspace the consensus target spacing (whole seconds,
   * fixed at creation); in virtual time the miners' pace. Absent: the parameter set's target spacing (5 s).
   */
  blockInterval: z.number().min(0.5).max(3600).optional(),
});

const fileSchema = specSchema.extend({
  format: z.literal(WORKSPACE_FORMAT),
  kind: z.literal(WORKSPACE_KIND),
  /** The virtual clock (ms) when the file was last saved; reopening never starts earlier. */
  clockMs: z.number().int().min(0).default(0),
});

/** What Workspace.create takes: everything but the seed has a default (four nodes of equal share, full mesh). */
export type WorkspaceSpec = z.input<typeof specSchema>;
export type WorkspaceFile = z.infer<typeof fileSchema>;

function firstIssue(e: z.ZodError): string {
  const issue = e.issues[0]!;
  return `${issue.path.join('.') || 'file'}: ${issue.message}`;
}

/** Checks a spec the way a scenario's network is checked (unique nodes, shares <= 1, known link ends). */
export function parseSpec(raw: unknown, where: string): WorkspaceFile {
  const r = specSchema.safeParse(raw);
  if (!r.success) throw new InputError('bad-workspace', `${where}: ${firstIssue(r.error)}`);
  checkNetwork(r.data.network, where);
  checkBlockInterval(r.data, where, 'bad-workspace');
  return { ...r.data, format: WORKSPACE_FORMAT, kind: WORKSPACE_KIND, clockMs: 0 };
}

/** A real proof-of-work workspace's block interval is a consensus target spacing: whole seconds, as header times are. */
function checkBlockInterval(file: Pick<WorkspaceFile, 'params' | 'blockInterval'>, where: string, code: string): void {
  if (file.params === 'forklab' && file.blockInterval !== undefined && !Number.isInteger(file.blockInterval)) {
    throw new InputError(code, `${where}: blockInterval: a real proof-of-work workspace aims at whole seconds (header times are seconds), got ${file.blockInterval}`);
  }
}

function checkNetwork(network: WorkspaceFile['network'], where: string): void {
  try {
    parseScenario({ name: 'workspace', network });
  } catch (e) {
    if (e instanceof InputError) throw new InputError('bad-workspace', `${where}: ${e.message.replace(/^scenario: /, '')}`);
    throw e;
  }
}

/** Reads and checks forklab.json without writing anything; every refusal is one InputError line. */
export function readWorkspaceFile(path: string): WorkspaceFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError('not-a-workspace', `${path}: cannot read the workspace file`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InputError('corrupt-workspace', `${path}: expected JSON, got a file that does not parse (corrupt workspace file)`);
  }
  if (typeof raw !== 'object' || raw === null || (raw as { kind?: unknown }).kind !== WORKSPACE_KIND) {
    throw new InputError('not-a-workspace', `${path}: expected a Forklab workspace file (kind "${WORKSPACE_KIND}"), got something else`);
  }
  const format = (raw as { format?: unknown }).format;
  if (typeof format === 'number' && format > WORKSPACE_FORMAT) {
    throw new InputError('newer-workspace', `${path}: workspace format ${format} is newer than this Forklab understands (${WORKSPACE_FORMAT}); open it with a newer Forklab`);
  }
  const r = fileSchema.safeParse(raw);
  if (!r.success) throw new InputError('corrupt-workspace', `${path}: ${firstIssue(r.error)}`);
  checkNetwork(r.data.network, path);
  checkBlockInterval(r.data, path, 'corrupt-workspace');
  return r.data;
}

/** Writes forklab.json atomically: a temporary file renamed over the old one, so a crash leaves one or the other. */
export function writeWorkspaceFile(path: string, file: WorkspaceFile): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(tmp, path);
}
