// A point of an attack's race: blocks found by the attacker's miner and by the honest ones, at a lab time.

export interface RacePoint {
  /** Lab milliseconds since the attack started. */
  t: number;
  attacker: number;
  honest: number;
}

/** A race point from a progress event's data or a report's branch entry; null when the shape does not match. */
export function racePoint(data: Record<string, unknown> | undefined): RacePoint | null {
  if (!data || typeof data.t !== 'number' || typeof data.attacker !== 'number' || typeof data.honest !== 'number') return null;
  return { t: data.t, attacker: data.attacker, honest: data.honest };
}
