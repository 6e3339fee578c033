// Time for the network: one interface, run either by a discrete-event queue (virtual time) or by real timers.

import { BinaryHeap } from '../core/heap.ts';

export type TimerId = number;

/** The clock and timers every node, link and miner uses. Times are milliseconds. */
export interface Scheduler {
  readonly virtual: boolean;
  now(): number;
  setTimeout(fn: () => void, delayMs: number): TimerId;
  clearTimeout(id: TimerId): void;
}

interface Task {
  time: number;
  seq: number;
  id: TimerId;
  fn: () => void;
}

/**
 * A discrete-event scheduler: tasks run in (time, insertion) order and the clock jumps from one to the
 * next, so a run depends only on its inputs and seed.
 */
export class VirtualScheduler implements Scheduler {
  readonly virtual = true;
  private time: number;
  private seq = 0;
  private nextId = 1;
  private readonly heap = new BinaryHeap<Task>(before);
  private readonly cancelled = new Set<TimerId>();
  /** Tasks run so far. */
  executed = 0;

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, delayMs: number): TimerId {
    const id = this.nextId++;
    this.heap.push({ time: this.time + Math.max(0, delayMs), seq: this.seq++, id, fn });
    return id;
  }

  clearTimeout(id: TimerId): void {
    this.cancelled.add(id);
  }

  get pending(): number {
    return this.heap.size - this.cancelled.size;
  }

  /** Runs the next task; false when none is left. */
  step(): boolean {
    for (;;) {
      const task = this.heap.pop();
      if (!task) return false;
      if (this.cancelled.delete(task.id)) continue;
      this.time = task.time;
      this.executed++;
      task.fn();
      return true;
    }
  }

  /** Runs tasks up to and including time `t`, then sets the clock to `t`. */
  runUntil(t: number, maxTasks = Infinity): void {
    let n = 0;
    while (this.heap.size > 0 && this.heap.peek()!.time <= t && n++ < maxTasks) this.step();
    if (this.time < t) this.time = t;
  }

  runFor(ms: number): void {
    this.runUntil(this.time + ms);
  }

  /**
   * Runs until `done()` holds (checked after every task) or `timeoutMs` of virtual time pass; returns
   * whether the condition was met.
   */
  runUntilCondition(done: () => boolean, timeoutMs: number, maxTasks = 50_000_000): boolean {
    const end = this.time + timeoutMs;
    let n = 0;
    while (!done()) {
      if (n++ >= maxTasks) return false;
      if (this.heap.size === 0 || this.heap.peek()!.time > end) {
        // Nothing more happens before the deadline: the clock moves to it.
        if (this.time < end) this.time = end;
        return done();
      }
      this.step();
    }
    return true;
  }
}

function before(a: Task, b: Task): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** Real time: the process's timers and wall clock. */
export class RealScheduler implements Scheduler {
  readonly virtual = false;
  private readonly timers = new Map<TimerId, ReturnType<typeof setTimeout>>();
  private nextId = 1;

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, delayMs: number): TimerId {
    const id = this.nextId++;
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        fn();
      }, delayMs),
    );
    return id;
  }

  clearTimeout(id: TimerId): void {
    const t = this.timers.get(id);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(id);
  }

  /** Cancels every pending timer (shutting a network down). */
  clearAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
