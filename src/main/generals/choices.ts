// An odometer over sequences of choices: replays a deterministic run once for every way its choices can go.

/**
 * A run calls `pick(arity)` at each decision point; `advance()` moves to the next sequence in depth-first
 * order. The run must be deterministic given its picks (the number and arity of later decision points may
 * depend on earlier picks). Every sequence is visited exactly once.
 */
export class ChoiceSequence {
  readonly #stack: { choice: number; arity: number }[] = [];
  #position = 0;

  /** A choice in [0, arity). */
  pick(arity: number): number {
    if (arity <= 1) return 0;
    const i = this.#position++;
    const node = this.#stack[i];
    if (node) {
      if (node.arity !== arity) throw new Error(`ChoiceSequence: run is not deterministic (arity ${arity} at ${i}, was ${node.arity})`);
      return node.choice;
    }
    this.#stack.push({ choice: 0, arity });
    return 0;
  }

  /** Starts the current sequence again from its first choice (to replay a run). */
  rewind(): void {
    this.#position = 0;
  }

  /** Moves to the next sequence; false when every sequence has been visited. */
  advance(): boolean {
    this.#position = 0;
    while (this.#stack.length > 0) {
      const top = this.#stack[this.#stack.length - 1]!;
      if (top.choice + 1 < top.arity) {
        top.choice++;
        return true;
      }
      this.#stack.pop();
    }
    return false;
  }
}
