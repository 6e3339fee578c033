// Long work of the app (attacks, simulations, reindex): each a job with progress events, a result, and cancellation.

import type { ApiError, JobDone, JobInfo, JobKind, JobProgress } from '../../shared/api.ts';
import { InputError, RuleError } from '../core/errors.ts';
import { Emitter } from '../core/events.ts';
import { toWire } from './wire.ts';

export interface JobEvents {
  'job.progress': JobProgress;
  'job.done': JobDone;
}

/** Thrown inside a job's work when it was cancelled; ends the job as cancelled rather than failed. */
export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}

export interface JobContext {
  readonly signal: AbortSignal;
  /** Reports progress; throws JobCancelled once the job was cancelled, so work stops at its next report. */
  progress(p: { phase: string; message: string; fraction?: number | null; data?: Record<string, unknown> }): void;
}

export interface JobOutcome {
  result: unknown;
  reportId?: number;
}

interface Running {
  info: JobInfo;
  abort: AbortController;
  cancellable: boolean;
}

/** Turns an engine error into the contract's typed refusal; anything else is a bug and gets the code 'internal'. */
export function apiError(e: unknown): ApiError {
  if (e instanceof InputError || e instanceof RuleError) return { code: e.code, message: e.message };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

export class JobManager {
  readonly events = new Emitter<JobEvents>();
  private nextId = 1;
  private readonly running = new Map<number, Running>();

  list(): JobInfo[] {
    return [...this.running.values()].map((r) => ({ ...r.info }));
  }

  /** Starts `work` on the next turn of the event loop and returns its JobInfo at once. */
  start(kind: JobKind, title: string, work: (ctx: JobContext) => Promise<JobOutcome>, o: { cancellable?: boolean } = {}): JobInfo {
    const id = this.nextId++;
    const info: JobInfo = { id, kind, title, fraction: null, phase: 'starting', message: '' };
    const abort = new AbortController();
    this.running.set(id, { info, abort, cancellable: o.cancellable ?? true });
    const ctx: JobContext = {
      signal: abort.signal,
      progress: (p) => {
        if (abort.signal.aborted) throw new JobCancelled();
        info.phase = p.phase;
        info.message = p.message;
        if (p.fraction !== undefined) info.fraction = p.fraction;
        this.events.emit('job.progress', { ...info, ...(p.data ? { data: toWire(p.data) } : {}) });
      },
    };
    setImmediate(() => {
      void work(ctx).then(
        (out) => this.finish(id, { ok: true, cancelled: false, result: toWire(out.result), ...(out.reportId !== undefined ? { reportId: out.reportId } : {}) }),
        (e: unknown) => {
          if (e instanceof JobCancelled || abort.signal.aborted) this.finish(id, { ok: false, cancelled: true, error: { code: 'cancelled', message: `${title}: cancelled` } });
          else {
            const error = apiError(e);
            if (error.code === 'internal') console.error(`job ${title} failed:`, e);
            this.finish(id, { ok: false, cancelled: false, error });
          }
        },
      );
    });
    return { ...info };
  }

  /** Asks a job to stop; false when there is no such running job or it cannot be cancelled. */
  cancel(id: number): boolean {
    const r = this.running.get(id);
    if (!r || !r.cancellable) return false;
    r.abort.abort();
    return true;
  }

  /** Cancels every job and waits (up to `ms`) for them to end. */
  async cancelAll(ms = 5_000): Promise<void> {
    for (const r of this.running.values()) r.abort.abort();
    const end = Date.now() + ms;
    while (this.running.size > 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private finish(id: number, done: Omit<JobDone, 'id' | 'kind' | 'title'>): void {
    const r = this.running.get(id);
    if (!r) return;
    this.running.delete(id);
    this.events.emit('job.done', { id, kind: r.info.kind, title: r.info.title, ...done });
  }
}
