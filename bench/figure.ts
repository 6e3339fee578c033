// One benchmark figure: a measured rate, the baseline measured in the same run, their ratio and the goal.

export interface Figure {
  name: string;
  unit: string;
  value: number;
  baseline: { name: string; value: number };
  /** value / baseline.value, or baseline.value / value when `lowerIsBetter`. */
  ratio: number;
  goal: string;
  met: boolean;
  notes?: string;
}

/** Runs `fn` repeatedly for about `ms` milliseconds; returns calls per second. `fn` returns how many units it did. */
export function measureRate(fn: () => number, ms = 1500): number {
  fn(); // warm-up
  let units = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    units += fn();
    now = performance.now();
  }
  return (units * 1000) / (now - start);
}

export function figure(
  name: string,
  unit: string,
  value: number,
  baseline: { name: string; value: number },
  goal: { min?: number; max?: number },
  notes?: string,
): Figure {
  const ratio = value / baseline.value;
  const met = (goal.min === undefined || ratio >= goal.min) && (goal.max === undefined || ratio <= goal.max);
  const goalText = goal.min !== undefined ? `ratio >= ${goal.min}` : `ratio <= ${goal.max}`;
  return {
    name,
    unit,
    value: round(value),
    baseline: { name: baseline.name, value: round(baseline.value) },
    ratio: round(ratio, 2),
    goal: goalText,
    met,
    ...(notes ? { notes } : {}),
  };
}

function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
